# vm_devices: data1 is a PV of othervg. brvg may not take it, and it may not
# be removed while it belongs to a group.
take_pv:
  lvm.vg_present:
    - name: brvg
    - devices:
      - /dev/disk/by-id/virtio-data0
      - /dev/disk/by-id/virtio-data1

drop_pv:
  lvm.pv_absent:
    - name: /dev/disk/by-id/virtio-data1

busy_vg:
  lvm.vg_absent:
    - name: brvg
