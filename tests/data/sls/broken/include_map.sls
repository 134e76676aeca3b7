include:
  web: true
