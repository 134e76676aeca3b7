db_only:
  test.nop
