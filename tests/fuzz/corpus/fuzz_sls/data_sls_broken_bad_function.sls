web:
  cmd:
    - run-now
