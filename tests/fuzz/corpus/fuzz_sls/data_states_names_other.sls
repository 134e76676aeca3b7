other_one:
  test.succeed_with_changes
other_two: test.nop
