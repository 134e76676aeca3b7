/*  br_probe: the data-safety probe (invariant S7) that every state module
    runs before it writes a header or a filesystem to a device.

    libblkid's safe probe looks for filesystems, LUKS headers, LVM and RAID
    members, swap and partition tables. Anything found, or more than one
    signature at once (an ambiguous result), means the device holds data: a
    module refuses to write unless its state says `force: True`. */
#ifndef BR_PROBE_H
#define BR_PROBE_H

#include "brine.h"

//  Room for a description such as "a LUKS2 header" or "an ext4 filesystem
//  and a gpt partition table".
#define BR_PROBE_FOUND_MAX 128

//  Probes device (a block device or a regular file) read-only. Returns 0
//  when it holds no signature, 1 when it holds one (found then describes it,
//  e.g. "an ext4 filesystem", "a LUKS2 header", "an LVM2 physical volume",
//  "a gpt partition table", "more than one signature (ambiguous)"), or a
//  negative br_err_t with err naming the device and the reason
//  (BR_ERR_NOTFOUND when it does not exist).
int br_probe_device(const char *device, char *found, size_t found_size, br_errmsg_t *err);

#endif
