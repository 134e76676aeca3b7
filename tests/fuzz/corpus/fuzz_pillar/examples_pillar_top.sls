# Which pillar each server sees: its own file only, so that no server ever
# receives another's passphrase.
base:
  'db1':
    - servers.db1
  'store1':
    - servers.store1
