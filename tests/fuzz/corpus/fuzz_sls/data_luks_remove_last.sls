remove-new:
  luks.key_absent:
    - name: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.new_passphrase }}
