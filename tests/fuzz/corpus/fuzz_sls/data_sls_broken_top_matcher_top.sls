base:
  "*":
    - match: compound
    - web
