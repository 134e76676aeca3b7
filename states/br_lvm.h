/*  br_lvm: what LVM looks like right now, read through the lvm2 tools'
    JSON reports (`pvs`, `vgs`, `lvs --reportformat json`), for mod_lvm.

    A report becomes a list of rows, each a map of field name to string
    (lvm2 prints every value as a string in its "json" format; numbers of
    "json_std" are turned into text, so both parse the same). Sizes are
    asked for in bytes without a suffix. The parser is bounded: it takes at
    most BR_EXEC_OUTPUT_MAX bytes and BR_LVM_ROWS_MAX rows, and anything that
    is not the shape lvm2 prints is an error, never a guess. */
#ifndef BR_LVM_H
#define BR_LVM_H

#include "br_value.h"

#define BR_LVM_ROWS_MAX 65536

typedef enum {
    BR_LVM_PV = 0, //  pvs: pv_name, vg_name, pv_uuid, pv_size
    BR_LVM_VG,     //  vgs: vg_name, vg_uuid, pv_count, lv_count, vg_size, vg_free
    BR_LVM_LV,     //  lvs: lv_name, vg_name, lv_path, lv_size, lv_uuid
} br_lvm_kind_t;

//  Parses the JSON text of a report of kind into *rows_p (a list of maps of
//  strings; the caller destroys it). 0, or BR_ERR_MALFORMED / BR_ERR_TOOBIG
//  with err saying why.
int br_lvm_parse_report(const char *json, size_t size, br_lvm_kind_t kind, br_value_t **rows_p,
                        br_errmsg_t *err);

//  Runs the report tool for kind (every PV, VG or LV on the system) and
//  parses its output. 0, or a negative br_err_t with err saying why (the
//  tool's last line of stderr when it failed).
int br_lvm_report(br_lvm_kind_t kind, br_value_t **rows_p, br_errmsg_t *err);

//  A field of a row as a string ("" when absent).
const char *br_lvm_field(const br_value_t *row, const char *field);

//  The row whose field equals value, or NULL.
const br_value_t *br_lvm_find(const br_value_t *rows, const char *field, const char *value);

//  The PV row of device: the same block device (by major:minor, so that
//  /dev/disk/by-id/x and /dev/vda match), or the same path when it cannot
//  be stat'ed. NULL when device is not a PV.
const br_value_t *br_lvm_find_pv(const br_value_t *pvs, const char *device);

//  True when name is a valid VG or LV name as lvm2 allows it (letters,
//  digits and + _ . -, not starting with '-', not "." or "..", at most 127).
bool br_lvm_name_ok(const char *name);

#endif
