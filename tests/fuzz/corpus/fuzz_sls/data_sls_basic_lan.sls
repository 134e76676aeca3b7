lan: test.nop
