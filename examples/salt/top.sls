# Which states each server runs: its startup job (startup_states: highstate
# in /etc/brine/minion) and `brine TARGET state.highstate`.
base:
  # One encrypted data volume, read from the server's pillar (data_volume)
  'db*':
    - encrypted.data
  # Several encrypted volumes, a list in the server's pillar (data_volumes)
  'store*':
    - encrypted.volumes
