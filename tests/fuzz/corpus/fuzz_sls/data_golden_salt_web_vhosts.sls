{% for name, vhost in pillar.web.vhosts.items() %}
vhost_{{ name }}:
  cmd.run:
    - name: echo "{{ name }} -> {{ vhost.root }}"
{% if vhost.tls is defined and vhost.tls %}
vhost_{{ name }}_tls:
  test.succeed_with_changes:
    - onchanges:
      - cmd: vhost_{{ name }}
{% endif %}
{% endfor %}
