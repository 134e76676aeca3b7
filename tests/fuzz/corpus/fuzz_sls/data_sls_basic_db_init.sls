# An init.sls: ".users" is db.users, "..common" is common.
include:
  - .users
  - ..common

db_service:
  service.running:
    - name: postgresql
