# Rendered with pillar and grains before it is parsed.
{% for user in pillar.users %}
user_{{ user }}:
  cmd.run:
    - name: useradd {{ user }}
{% endfor %}

luks_open:
  luks.opened:
    - device: /dev/{{ grains.disk | default('sda') }}
    - passphrase: {{ pillar.luks.passphrase }}
