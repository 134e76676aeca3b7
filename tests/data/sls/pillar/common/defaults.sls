db:
  host: default-host
  port: 1
  name: app
level: defaults
