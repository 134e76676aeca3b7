db_user: test.nop
