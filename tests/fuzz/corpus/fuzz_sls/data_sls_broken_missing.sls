include:
  - common
  - nothere
