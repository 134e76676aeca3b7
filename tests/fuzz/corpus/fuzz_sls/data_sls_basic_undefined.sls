web:
  cmd.run:
    - name: {{ pillar.nothere }}
