web:
  cmd.run:
    name: echo hi
