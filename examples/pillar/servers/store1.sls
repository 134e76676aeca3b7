# store1: two disks, each its own encrypted volume with its own passphrase
# (salt/encrypted/volumes.sls). Readable by root only, as every pillar file.
data_volumes:
  - name: objects
    device: /dev/disk/by-id/wwn-0x5000c500a1b2c3e5
    vg: vg_objects
    lv: data
    crypt: objects_crypt
    mount: /srv/objects
    service: minio
    passphrase: CHANGE-ME-store1-objects-passphrase
  - name: backup
    device: /dev/disk/by-id/wwn-0x5000c500a1b2c3f6
    vg: vg_backup
    lv: data
    crypt: backup_crypt
    mount: /srv/backup
    passphrase: CHANGE-ME-store1-backup-passphrase
