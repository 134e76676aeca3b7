include:
  - dup_id_b

shared:
  test.nop: []
