web:
  Cmd.run: []
