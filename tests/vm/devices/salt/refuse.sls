# vm_devices: data2 holds an ext4 filesystem with data on it. Without
# force, neither a PV nor another filesystem may be made of it.
refuse_pv:
  lvm.pv_present:
    - name: /dev/disk/by-id/virtio-data2

refuse_vg:
  lvm.vg_present:
    - name: refusevg
    - devices:
      - /dev/disk/by-id/virtio-data2

refuse_mkfs:
  mount.mounted:
    - name: /mnt/refuse
    - device: /dev/disk/by-id/virtio-data2
    - fstype: ext3
    - mkfs: True
    - mkmnt: True
