web: test.nop

extend:
  web:
    test.nop: []
