web:
  cmd.run:
    - name: echo
    - wait
