# data3 is an LVM physical volume: refused without force.
pv-formatted:
  luks.formatted:
    - name: /dev/disk/by-id/virtio-data3
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
