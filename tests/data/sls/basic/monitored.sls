monitored: test.nop
