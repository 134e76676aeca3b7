include:
  - gone
key: value
