base:
  '*':
    - common
  'web*':
    - web
  'db*':
    - match: glob
    - db
