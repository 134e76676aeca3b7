data-opened:
  luks.opened:
    - name: brine_data
    - device: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.passphrase }}
