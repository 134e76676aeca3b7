# Pillar top: shared data first, then per-role, then per-minion files.
base:
  '*':
    - common
  'os:Debian':
    - match: grain
    - debian
  'web1':
    - minions.web1
  'web2':
    - minions.web2
