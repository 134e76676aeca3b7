# Salt's forms: module.function, module: [- function], several modules per
# ID, the short string form, name defaulting to the ID
long_form:
  cmd.run:
    - name: echo long
short_form:
  cmd:
    - run
    - name: echo short
string_form: test.nop
two_modules:
  test.succeed_without_changes: []
  cmd.run:
    - name: echo two
echo default name:
  cmd.run
