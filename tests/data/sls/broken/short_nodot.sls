web: nop
