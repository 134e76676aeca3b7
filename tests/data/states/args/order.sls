x:
  test.nop:
    - order: soon
