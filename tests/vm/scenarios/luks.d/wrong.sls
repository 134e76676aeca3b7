# A wrong passphrase: the open fails, the state that needs it is skipped.
data-opened:
  luks.opened:
    - name: brine_wrong
    - device: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.wrong_passphrase }}

needs-the-volume:
  cmd.run:
    - name: touch /results/ran-after-a-wrong-passphrase
    - require:
      - data-opened
