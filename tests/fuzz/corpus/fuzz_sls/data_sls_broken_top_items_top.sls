base:
  "*":
    - web
    - [db]
