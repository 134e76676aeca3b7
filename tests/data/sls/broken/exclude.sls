exclude:
  - sls: web
