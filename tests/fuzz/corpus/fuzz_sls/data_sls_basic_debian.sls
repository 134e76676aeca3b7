debian: test.nop
