web:
  cmd:
    - run
    - name: one
    - wait
