data-closed:
  luks.closed:
    - name: brine_data
