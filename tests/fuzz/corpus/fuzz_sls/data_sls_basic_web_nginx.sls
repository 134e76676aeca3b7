include:
  - .conf

nginx:
  service:
    - running
    - enable: true
