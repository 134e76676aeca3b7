motd:
  cmd.run:
    - name: echo "welcome to {{ grains.id }} ({{ pillar.site.name }})"
    - unless: test "{{ pillar.site.quiet | default(false) }}" = "True"
