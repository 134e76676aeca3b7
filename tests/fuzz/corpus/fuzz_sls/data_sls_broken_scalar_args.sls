web:
  cmd.run: echo hi
