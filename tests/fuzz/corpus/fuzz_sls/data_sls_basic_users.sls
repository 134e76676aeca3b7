# Includes common, which includes this file: each is loaded once.
include:
  - common

admin:
  test.nop: []
