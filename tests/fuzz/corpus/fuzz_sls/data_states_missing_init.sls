x:
  test.nop:
    - require:
      - mount: /data
