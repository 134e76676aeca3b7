# vm_provision: a server's data disk from nothing to a running data service,
# in one state file, every value from the server's own pillar:
#   disk -> PV -> VG -> LV -> LUKS2 -> /dev/mapper/CRYPT -> ext4 on MOUNT
#   -> the data service, started only after the mount and restarted when
#      the mount changes.
# The passphrase is a secret pillar value (luks:passphrase): it reaches
# libcryptsetup from locked memory and nothing else.
{% set p = pillar.provision %}
data_pv:
  lvm.pv_present:
    - name: {{ p.device }}

data_vg:
  lvm.vg_present:
    - name: {{ p.vg }}
    - devices:
      - {{ p.device }}
    - require:
      - lvm: data_pv

data_lv:
  lvm.lv_present:
    - name: {{ p.lv }}
    - vgname: {{ p.vg }}
    - size: {{ p.lv_size }}
    - require:
      - lvm: data_vg

# argon2id (the product's PBKDF) at a small fixed cost, so that the guest
# (TCG) is quick; a server's pillar may raise the memory cost.
data_luks:
  luks.formatted:
    - name: /dev/{{ p.vg }}/{{ p.lv }}
    - passphrase: {{ pillar.luks.passphrase }}
    - pbkdf: argon2id
    - pbkdf_iterations: 4
    - pbkdf_memory: {{ salt['pillar.get']('luks:pbkdf_memory', 8192) }}
    - pbkdf_parallel: 1
    - require:
      - lvm: data_lv

data_open:
  luks.opened:
    - name: {{ p.crypt }}
    - device: /dev/{{ p.vg }}/{{ p.lv }}
    - passphrase: {{ pillar.luks.passphrase }}
    - require:
      - luks: data_luks

data_mount:
  mount.mounted:
    - name: {{ p.mount }}
    - device: /dev/mapper/{{ p.crypt }}
    - fstype: ext4
    - opts: noatime
    - mkfs: True
    - mkmnt: True
    - require:
      - luks: data_open

data_service:
  service.running:
    - name: {{ p.service }}
    - require:
      - mount: data_mount
    - watch:
      - mount: data_mount
