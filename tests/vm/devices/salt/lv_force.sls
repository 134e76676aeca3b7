# vm_devices: lvcreate may wipe the old signature it finds in the free space.
data_lv:
  lvm.lv_present:
    - name: data
    - vgname: brvg
    - size: 40M
    - force: True
