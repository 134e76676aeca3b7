first: test.nop
shared:
  cmd.run:
    - name: 'true'
