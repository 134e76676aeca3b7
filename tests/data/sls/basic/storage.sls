storage: test.nop
