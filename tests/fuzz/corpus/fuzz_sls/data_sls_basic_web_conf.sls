nginx_conf:
  cmd.run:
    - name: 'true'
