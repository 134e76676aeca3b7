x:
  test.nop:
    - bogus: 1
