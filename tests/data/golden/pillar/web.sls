# merged over defaults: ports replaced, vhosts merged key by key
web:
  ports: [80, 443]
  vhosts:
    shop:
      root: /srv/shop
      tls: true
