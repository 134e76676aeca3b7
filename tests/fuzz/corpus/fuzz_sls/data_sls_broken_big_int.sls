web:
  cmd.run:
    - timeout: 99999999999999999999
