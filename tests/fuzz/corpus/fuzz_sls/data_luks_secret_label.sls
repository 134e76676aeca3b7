# A secret may only reach a secret argument: this is a compile error
formatted:
  luks.formatted:
    - name: /dev/null
    - passphrase: {{ pillar.luks.passphrase }}
    - label: {{ pillar.luks.passphrase }}
