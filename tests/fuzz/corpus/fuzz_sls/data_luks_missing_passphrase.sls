formatted:
  luks.formatted:
    - name: /dev/null
