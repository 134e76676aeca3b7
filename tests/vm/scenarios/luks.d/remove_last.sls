# The new passphrase is the only key left: it must not be removed.
last-key:
  luks.key_absent:
    - name: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.new_passphrase }}
