# Key rotation: add the new passphrase, then remove the old one
add-new:
  luks.key_present:
    - device: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - new_passphrase: {{ pillar.luks.new_passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
remove-old:
  luks.key_absent:
    - device: {{ pillar.luks.device }}
    - passphrase: {{ pillar.luks.passphrase }}
    - require:
      - add-new
