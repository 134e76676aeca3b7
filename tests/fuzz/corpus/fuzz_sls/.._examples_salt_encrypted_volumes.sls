# Several encrypted data volumes on one server, one disk each, from a list
# in the server's pillar (see pillar/servers/store1.sls):
#
#   data_volumes:
#     - name:        a short name: the state IDs are NAME_pv, NAME_vg, ...
#       device, vg, lv, crypt, mount: as in encrypted/data.sls
#       passphrase:  this volume's own passphrase (a secret)
#       service:     optional: a service started once this volume is mounted
#       size, fstype, opts, pbkdf, pbkdf_memory, pbkdf_iterations,
#       pbkdf_parallel: optional, as in encrypted/data.sls
#
# Each volume is its own chain (PV -> VG -> LV -> LUKS -> open -> mount ->
# service): a volume that fails to open stops only its own chain; the others
# still come up.
{% for v in pillar.data_volumes %}
{{ v.name }}_pv:
  lvm.pv_present:
    - name: {{ v.device }}

{{ v.name }}_vg:
  lvm.vg_present:
    - name: {{ v.vg }}
    - devices:
      - {{ v.device }}
    - require:
      - lvm: {{ v.name }}_pv

{{ v.name }}_lv:
  lvm.lv_present:
    - name: {{ v.lv }}
    - vgname: {{ v.vg }}
{% if 'size' in v %}
    - size: {{ v.size }}
{% else %}
    - extents: 100%FREE
{% endif %}
    - require:
      - lvm: {{ v.name }}_vg

{{ v.name }}_luks:
  luks.formatted:
    - name: /dev/{{ v.vg }}/{{ v.lv }}
    - passphrase: {{ v.passphrase }}
{% for k in ['pbkdf', 'pbkdf_memory', 'pbkdf_iterations', 'pbkdf_parallel'] %}
{% if k in v %}
    - {{ k }}: {{ v[k] }}
{% endif %}
{% endfor %}
    - require:
      - lvm: {{ v.name }}_lv

{{ v.name }}_open:
  luks.opened:
    - name: {{ v.crypt }}
    - device: /dev/{{ v.vg }}/{{ v.lv }}
    - passphrase: {{ v.passphrase }}
    - require:
      - luks: {{ v.name }}_luks

{{ v.name }}_mount:
  mount.mounted:
    - name: {{ v.mount }}
    - device: /dev/mapper/{{ v.crypt }}
    - fstype: {{ v.get('fstype', 'ext4') }}
    - opts: {{ v.get('opts', 'noatime') }}
    - mkfs: True
    - mkmnt: True
    - require:
      - luks: {{ v.name }}_open
{% if 'service' in v %}

{{ v.name }}_service:
  service.running:
    - name: {{ v.service }}
    - require:
      - mount: {{ v.name }}_mount
    - watch:
      - mount: {{ v.name }}_mount
{% endif %}
{% endfor %}
