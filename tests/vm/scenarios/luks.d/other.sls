# brine_data is open on data0: opening that name on data1 is refused.
other-opened:
  luks.opened:
    - name: brine_data
    - device: /dev/disk/by-id/virtio-data1
    - passphrase: {{ pillar.luks.luks1_passphrase }}
