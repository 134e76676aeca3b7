base:
  "*":
    - match: glob
    - web
    - match: list
