x:
  test.nop:
    - name: [a, b]
