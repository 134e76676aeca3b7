site:
  name: example
web:
  ports: [80]
  vhosts:
    default:
      root: /srv/www
