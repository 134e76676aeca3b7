# db1: one encrypted volume for the database (salt/encrypted/data.sls).
# This file holds a disk key: keep the pillar tree readable by root only
# (brine-master refuses to start when others can read it).
data_volume:
  device: /dev/disk/by-id/wwn-0x5000c500a1b2c3d4
  vg: vg_data
  lv: data
  crypt: data_crypt
  mount: /var/lib/mongodb
  service: mongod
luks:
  # A long random string, one per server: e.g. `openssl rand -base64 32`
  passphrase: CHANGE-ME-db1-unique-random-passphrase
