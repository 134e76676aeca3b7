base:
  '*':
    - defaults
  'web*':
    - web
