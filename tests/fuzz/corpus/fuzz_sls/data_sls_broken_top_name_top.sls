base:
  "*":
    - ok
    - ../etc
