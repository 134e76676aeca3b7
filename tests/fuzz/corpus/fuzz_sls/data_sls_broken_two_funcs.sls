web:
  cmd.run:
    - name: one
  cmd.wait:
    - name: two
