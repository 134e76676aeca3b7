# vm_devices: force: True makes a PV of data2 even though it holds ext4: its
# signatures are wiped first.
forced_pv:
  lvm.pv_present:
    - name: /dev/disk/by-id/virtio-data2
    - force: True
