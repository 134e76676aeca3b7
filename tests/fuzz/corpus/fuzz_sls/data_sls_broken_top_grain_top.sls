base:
  "nocolon":
    - match: grain
    - web
