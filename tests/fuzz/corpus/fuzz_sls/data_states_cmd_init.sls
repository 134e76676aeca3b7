succeeds:
  cmd.run:
    - name: echo out; echo err >&2
fails:
  cmd.run:
    - name: exit 3
in_dir:
  cmd.run:
    - name: pwd
    - cwd: /tmp
with_env:
  cmd.run:
    - name: echo "$GREETING"
    - env:
        GREETING: bonjour
skipped_unless:
  cmd.run:
    - name: echo never
    - unless: "true"
skipped_onlyif:
  cmd.run:
    - name: echo never
    - onlyif: "false"
skipped_creates:
  cmd.run:
    - name: echo never
    - creates: /
runs_onlyif:
  cmd.run:
    - name: echo yes
    - onlyif:
      - "true"
      - test -d /
killed:
  cmd.run:
    - name: sleep 30
    - timeout: 1
