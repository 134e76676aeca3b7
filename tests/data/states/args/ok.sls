# every global argument with a value of its type; a number as name is text
numbered:
  test.succeed_without_changes:
    - name: 5
    - order: 1
    - failhard: False
    - unless: exit 1
    - onlyif:
      - exit 0
    - creates: /
