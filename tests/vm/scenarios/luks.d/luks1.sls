# data1 holds LUKS1 made by cryptsetup: recognised, never reformatted, even
# with force.
luks1-formatted:
  luks.formatted:
    - name: /dev/disk/by-id/virtio-data1
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: pbkdf2
    - pbkdf_iterations: 1000
    - force: True
