opened:
  luks.opened:
    - name: {{ pillar.luks.passphrase }}
    - device: /dev/null
    - passphrase: {{ pillar.luks.passphrase }}
