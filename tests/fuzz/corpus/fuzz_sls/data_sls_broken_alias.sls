base: &defaults
  cmd.run:
    - name: echo
copy: *defaults
