web:
  test.nop: []

web:
  test.nop: []
