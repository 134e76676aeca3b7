kernel6: test.nop
