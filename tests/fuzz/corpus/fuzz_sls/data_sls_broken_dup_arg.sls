web:
  cmd.run:
    - name: one
    - cwd: /
    - name: two
