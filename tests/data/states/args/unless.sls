x:
  test.nop:
    - unless:
      - {a: b}
