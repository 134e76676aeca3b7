# onchanges runs only after a change; onfail only after a failure
oc_changed:
  test.succeed_with_changes
oc_same:
  test.succeed_without_changes
oc_runs:
  test.succeed_with_changes:
    - onchanges:
      - oc_changed
oc_skips:
  test.succeed_with_changes:
    - onchanges:
      - oc_same
oc_in_target:
  test.succeed_with_changes
oc_in_source:
  test.succeed_with_changes:
    - onchanges_in:
      - oc_in_target
of_failed:
  test.fail_without_changes
of_ok:
  test.succeed_without_changes
of_runs:
  test.succeed_with_changes:
    - onfail:
      - of_failed
of_skips:
  test.succeed_with_changes:
    - onfail:
      - of_ok
