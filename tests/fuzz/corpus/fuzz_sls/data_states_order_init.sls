# order: first, N and last; file order otherwise; requisites pull forward
o_last:
  test.nop:
    - order: last
o_plain:
  test.nop
o_first:
  test.nop:
    - order: first
o_five:
  test.nop:
    - order: 5
o_needs_late:
  test.nop:
    - require:
      - o_late
o_late:
  test.nop
