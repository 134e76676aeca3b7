from_file: test.nop
