include:
  - a..b
