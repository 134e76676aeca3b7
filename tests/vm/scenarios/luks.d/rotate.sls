# Key rotation: the new passphrase added, then the old one removed.
new-key:
  luks.key_present:
    - name: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.passphrase }}
    - new_passphrase: {{ pillar.luks.new_passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000

old-key:
  luks.key_absent:
    - name: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.passphrase }}
    - require:
      - new-key
