web:
  - cmd.run
