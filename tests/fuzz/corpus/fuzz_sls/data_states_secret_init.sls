# A secret pillar value must never reach an argument that is not secret
leak:
  cmd.run:
    - name: echo {{ pillar.db.password }}
