web:
  cmd:
    - name: echo
