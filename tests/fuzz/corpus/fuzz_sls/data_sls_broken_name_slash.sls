include:
  - a/b
