include:
  - ..up
