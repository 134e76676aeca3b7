# An encrypted data volume that opens itself at boot, without a human and
# without its key on the server:
#
#   disk -> LVM PV -> VG -> LV -> LUKS2 -> /dev/mapper/CRYPT -> ext4 on MOUNT
#   -> the data service, started only once the volume is mounted (require)
#      and restarted when the mount changes (watch)
#
# Every value comes from the server's own pillar (see pillar/servers/db1.sls):
#
#   data_volume:           device, vg, lv, crypt, mount, service, and
#                          optionally size (default: the whole VG), fstype
#                          (default ext4), opts (default noatime)
#   luks:
#     passphrase:          a secret: it reaches libcryptsetup from locked
#                          memory and nothing else (never a file, a log, a
#                          command line or the job cache)
#     pbkdf, pbkdf_memory, pbkdf_iterations, pbkdf_parallel: optional; by
#                          default libcryptsetup benchmarks argon2id, as
#                          `cryptsetup luksFormat` does
#
# The first boot provisions an empty disk; every later boot finds the PV, VG,
# LV and LUKS header in place, opens, mounts and starts. Nothing here formats
# a device that holds data: a disk with another signature is refused, a LUKS
# header is never re-formatted, and mkfs runs only on an empty mapping.
{% set v = pillar.data_volume %}
{% set luks = pillar.luks %}
data_pv:
  lvm.pv_present:
    - name: {{ v.device }}

data_vg:
  lvm.vg_present:
    - name: {{ v.vg }}
    - devices:
      - {{ v.device }}
    - require:
      - lvm: data_pv

data_lv:
  lvm.lv_present:
    - name: {{ v.lv }}
    - vgname: {{ v.vg }}
{% if 'size' in v %}
    - size: {{ v.size }}
{% else %}
    - extents: 100%FREE
{% endif %}
    - require:
      - lvm: data_vg

data_luks:
  luks.formatted:
    - name: /dev/{{ v.vg }}/{{ v.lv }}
    - passphrase: {{ luks.passphrase }}
{% for k in ['pbkdf', 'pbkdf_memory', 'pbkdf_iterations', 'pbkdf_parallel'] %}
{% if k in luks %}
    - {{ k }}: {{ luks[k] }}
{% endif %}
{% endfor %}
    - require:
      - lvm: data_lv

data_open:
  luks.opened:
    - name: {{ v.crypt }}
    - device: /dev/{{ v.vg }}/{{ v.lv }}
    - passphrase: {{ luks.passphrase }}
    - require:
      - luks: data_luks

data_mount:
  mount.mounted:
    - name: {{ v.mount }}
    - device: /dev/mapper/{{ v.crypt }}
    - fstype: {{ v.get('fstype', 'ext4') }}
    - opts: {{ v.get('opts', 'noatime') }}
    - mkfs: True
    - mkmnt: True
    - require:
      - luks: data_open

data_service:
  service.running:
    - name: {{ v.service }}
    - require:
      - mount: data_mount
    - watch:
      - mount: data_mount
