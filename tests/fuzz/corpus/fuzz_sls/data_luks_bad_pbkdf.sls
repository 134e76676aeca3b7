formatted:
  luks.formatted:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: scrypt
