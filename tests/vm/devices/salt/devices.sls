# vm_devices: LVM on the virtio disk data0, ext4 on the LV made by mkfs: True,
# mounted at /data, and the brdata service on it (required and watched).
data_pv:
  lvm.pv_present:
    - name: /dev/disk/by-id/virtio-data0

data_vg:
  lvm.vg_present:
    - name: brvg
    - devices:
      - /dev/disk/by-id/virtio-data0
    - require:
      - lvm: data_pv

data_lv:
  lvm.lv_present:
    - name: data
    - vgname: brvg
    - size: 40M
    - require:
      - lvm: data_vg

data_mount:
  mount.mounted:
    - name: /data
    - device: /dev/brvg/data
    - fstype: ext4
    - opts: noatime
    - mkfs: True
    - mkmnt: True
    - require:
      - lvm: data_lv

brdata:
  service.running:
    - require:
      - mount: data_mount
    - watch:
      - mount: data_mount
