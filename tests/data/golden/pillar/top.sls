base:
  '*':
    - defaults
  'web*':
    - web
