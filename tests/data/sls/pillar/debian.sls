level: debian
packages: [vim]
{% if grains.os == 'Debian' %}
family: debian-like
{% endif %}
codename: {{ grains.codename | default('unknown') }}
