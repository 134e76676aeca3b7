# include is processed first wherever it is in the file.
web_root:
  cmd.run:
    - name: mkdir -p /srv/www

include:
  - db
  - web.nginx
