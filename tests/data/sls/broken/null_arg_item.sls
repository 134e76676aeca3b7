web:
  cmd.run:
    -
