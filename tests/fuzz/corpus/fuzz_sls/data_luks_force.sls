# force: True formats over another signature, never over LUKS
formatted:
  luks.formatted:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
    - force: True
