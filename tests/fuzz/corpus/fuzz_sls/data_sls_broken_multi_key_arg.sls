web:
  cmd.run:
    - name: echo hi
      cwd: /tmp
