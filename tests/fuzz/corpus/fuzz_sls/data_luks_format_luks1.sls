formatted:
  luks.formatted:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - type: luks1
    - pbkdf_iterations: 1000
