include:
  - ../etc
