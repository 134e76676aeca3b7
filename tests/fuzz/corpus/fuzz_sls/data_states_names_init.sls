# references by name, by module and ID, and by SLS
say_hello:
  cmd.run:
    - name: echo hello
after_name:
  test.nop:
    - require:
      - cmd: echo hello
include:
  - names.other
after_sls:
  test.nop:
    - require:
      - sls: names.other
