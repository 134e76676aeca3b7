# one state named several ways (ID, module and ID, id: ID) is one requisite
dup_source:
  test.fail_without_changes
dup_target:
  test.succeed_without_changes:
    - require:
      - dup_source
      - test: dup_source
      - id: dup_source
dup_in:
  test.fail_without_changes:
    - require_in:
      - dup_target
      - test: dup_target
