# Secret keys at every depth and in every shape.
include:
  - .defaults

users:
  - name: alice
    password: alice-pw-1
  - name: bob
    shell: /bin/sh

db:
  host: localhost
  port: 5432
  db_password: db-pw-2

luks:
  passphrase: 12345
  keys:
    secret:
      - key-one
      - key-two
      - nested: {a: 1, b: true, c: 1.5, d: ~}
  passwordless: plain-1
  mypassword: plain-2
  Password: plain-3
