# Every form of declaration, and an include that leads back here.
include:
  - users

motd:
  cmd.run:
    - name: echo hello
    - cwd: /tmp
    - env:
        - LANG: C

pkgs:
  pkg:
    - installed
    - pkgs: [vim, curl]
  service.running:
    - name: sshd
    - enable: True

noop: test.nop

empty_args:
  test.succeed_without_changes: []

null_args:
  test.succeed_with_changes:
