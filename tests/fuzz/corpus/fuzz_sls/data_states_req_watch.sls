# watch: the watch action fires only when a watched state changed
changed_source:
  test.succeed_with_changes
same_source:
  test.succeed_without_changes
watcher_fires:
  test.succeed_without_changes:
    - watch:
      - changed_source
watcher_quiet:
  test.succeed_without_changes:
    - watch:
      - same_source
watch_in_source:
  test.succeed_with_changes:
    - watch_in:
      - test: watcher_in
watcher_in:
  test.succeed_without_changes
failed_source:
  test.fail_without_changes
watcher_of_failure:
  test.succeed_without_changes:
    - watch:
      - failed_source
