# vm_luks: format the empty disk data0 (argon2id, the product's PBKDF, at a
# fixed small cost) and open it as /dev/mapper/brine_data.
data-formatted:
  luks.formatted:
    - name: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: argon2id
    - pbkdf_iterations: 4
    - pbkdf_memory: 8192
    - pbkdf_parallel: 1
    - label: brine-data

data-opened:
  luks.opened:
    - name: brine_data
    - device: /dev/disk/by-id/virtio-data0
    - passphrase: {{ pillar.luks.passphrase }}
    - require:
      - data-formatted
