# data2 holds ext4 with a file on it: refused without force.
ext4-formatted:
  luks.formatted:
    - name: /dev/disk/by-id/virtio-data2
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
