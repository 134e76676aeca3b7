x:
  test.nop:
    - failhard: sometimes
