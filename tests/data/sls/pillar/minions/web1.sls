level: web1
db:
  host: web1-db
luks:
  passphrase: "override-pw"
packages: [nginx]
