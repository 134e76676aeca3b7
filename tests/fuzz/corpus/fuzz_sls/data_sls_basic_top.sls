# The state top file of the basic tree: one target per matcher.
base:
  '*':
    - common
  'web*':
    - web
  'db1, db2':
    - match: list
    - db
  'os:Debian':
    - match: grain
    - debian
  'roles:storage':
    - match: grain
    - storage
  'ip4:10.0.*':
    - match: grain
    - lan
  'kernel:release:6.*':
    - match: grain
    - kernel6
  'web[0-9]+|db[0-9]+':
    - match: pcre
    - monitored
  'never':
    - common
    - web
dev:
  '*':
    - not.used
