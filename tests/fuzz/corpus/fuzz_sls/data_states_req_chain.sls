# require: a failure propagates down a chain, through _in forms too
a:
  test.succeed_with_changes
b:
  test.fail_without_changes:
    - require:
      - a
c:
  test.succeed_without_changes:
    - require:
      - test: b
d:
  test.succeed_without_changes:
    - require:
      - c
e:
  test.fail_without_changes:
    - require_in:
      - f
f:
  test.nop
