x:
  test.nop:
    - require:
      - y
y:
  test.nop:
    - require:
      - z
z:
  test.nop:
    - watch:
      - x
