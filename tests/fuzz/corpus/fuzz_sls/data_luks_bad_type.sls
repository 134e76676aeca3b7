formatted:
  luks.formatted:
    - name: /dev/null
    - passphrase: {{ pillar.luks.passphrase }}
    - key_size: big
