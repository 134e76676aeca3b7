good:
  test.nop: []
bad:
  cmd.run:
    - name: [unclosed
    - cwd: /
