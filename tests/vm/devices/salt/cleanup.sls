# vm_devices: everything devices.sls made, taken down in order.
brdata:
  service.dead: []

data_unmounted:
  mount.unmounted:
    - name: /data
    - require:
      - service: brdata

data_lv_gone:
  lvm.lv_absent:
    - name: data
    - vgname: brvg
    - require:
      - mount: data_unmounted

data_vg_gone:
  lvm.vg_absent:
    - name: brvg
    - require:
      - lvm: data_lv_gone

data_pv_gone:
  lvm.pv_absent:
    - name: /dev/disk/by-id/virtio-data0
    - require:
      - lvm: data_vg_gone
