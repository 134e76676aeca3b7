from_init: test.nop
