web:
  cmd.run:
    - name: !!str echo
