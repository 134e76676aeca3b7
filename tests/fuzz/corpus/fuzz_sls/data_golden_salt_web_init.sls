include:
  - .vhosts

{% for port in pillar.web.ports %}
listen_{{ port }}:
  cmd.run:
    - name: echo listen {{ port }}
    - require:
      - sls: web.vhosts
{% endfor %}

web_service:
  test.succeed_without_changes:
    - watch:
{% for port in pillar.web.ports %}
      - cmd: listen_{{ port }}
{% endfor %}
