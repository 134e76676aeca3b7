/*  br_lvm: lvm2's JSON reports parsed into rows (see br_lvm.h). libbson's
    JSON reader does the tokenising; this file only walks the one shape lvm2
    prints: {"report": [{"pv": [{field: value, ...}, ...]}]}. */
#include "br_lvm.h"
#include "br_exec.h"

#include <stdio.h>
#include <sys/stat.h>

//  Per kind: the report's key, the tool, and the fields asked for
static const struct {
    const char *key;
    const char *tool;
    const char *fields;
} s_kinds[] = {
    {"pv", "pvs", "pv_name,vg_name,pv_uuid,pv_size"},
    {"vg", "vgs", "vg_name,vg_uuid,pv_count,lv_count,vg_size,vg_free"},
    {"lv", "lvs", "lv_name,vg_name,lv_path,lv_size,lv_uuid,lv_attr"},
};

//  lvm2 reports can take a while on a busy system, never this long
#define BR_LVM_REPORT_TIMEOUT_MS (120 * 1000)

//  A scalar of the report as text: strings as they are, json_std numbers
//  printed; anything else is not lvm2's shape.
static br_value_t *
s_scalar(const bson_iter_t *it)
{
    char text[64];
    switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8: {
        uint32_t len = 0;
        const char *s = bson_iter_utf8(it, &len);
        return br_value_str_n(s, len);
    }
    case BSON_TYPE_INT32:
        snprintf(text, sizeof text, "%d", bson_iter_int32(it));
        return br_value_str(text);
    case BSON_TYPE_INT64:
        snprintf(text, sizeof text, "%lld", (long long)bson_iter_int64(it));
        return br_value_str(text);
    case BSON_TYPE_DOUBLE:
        snprintf(text, sizeof text, "%.0f", bson_iter_double(it));
        return br_value_str(text);
    default:
        return NULL;
    }
}

//  One row: an object of scalars
static int
s_row(bson_iter_t *row_it, br_value_t *rows, br_errmsg_t *err)
{
    bson_iter_t field;
    if (!BSON_ITER_HOLDS_DOCUMENT(row_it) || !bson_iter_recurse(row_it, &field)) {
        return br_errmsg_set(err, BR_ERR_MALFORMED, "lvm report: a row is not an object");
    }
    br_value_t *row = br_value_map();
    if (!row) {
        return BR_ERR_NOMEM;
    }
    int rc = BR_OK;
    while (rc == BR_OK && bson_iter_next(&field)) {
        br_value_t *value = s_scalar(&field);
        if (!value) {
            rc = br_errmsg_set(err, BR_ERR_MALFORMED, "lvm report: field '%s' is not a scalar",
                               bson_iter_key(&field));
        } else if (br_value_map_set(row, bson_iter_key(&field), &value) != BR_OK) {
            br_value_destroy(&value);
            rc = BR_ERR_NOMEM;
        }
    }
    if (rc == BR_OK && br_value_list_append(rows, &row) != BR_OK) {
        rc = BR_ERR_NOMEM;
    }
    br_value_destroy(&row);
    return rc;
}

int
br_lvm_parse_report(const char *json, size_t size, br_lvm_kind_t kind, br_value_t **rows_p,
                    br_errmsg_t *err)
{
    int rc = BR_ERR_MALFORMED;
    bson_t *doc = NULL;
    br_value_t *rows = NULL;
    bson_error_t jerr;
    bson_iter_t it, report, section, list;
    *rows_p = NULL;
    if (size > BR_EXEC_OUTPUT_MAX) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "lvm report: %zu bytes is too big", size);
        goto out;
    }
    doc = bson_new_from_json((const uint8_t *)json, (ssize_t)size, &jerr);
    if (!doc) {
        br_errmsg_set(err, rc, "lvm report: not JSON: %s", jerr.message);
        goto out;
    }
    rows = br_value_list();
    if (!rows) {
        rc = BR_ERR_NOMEM;
        goto out;
    }
    if (!bson_iter_init_find(&it, doc, "report") || !BSON_ITER_HOLDS_ARRAY(&it) ||
        !bson_iter_recurse(&it, &report)) {
        br_errmsg_set(err, rc, "lvm report: no \"report\" array");
        goto out;
    }
    //  One object per report; lvm2 prints one, and each holds our key
    while (bson_iter_next(&report)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&report) || !bson_iter_recurse(&report, &section)) {
            br_errmsg_set(err, rc, "lvm report: a report is not an object");
            goto out;
        }
        if (!bson_iter_find(&section, s_kinds[kind].key)) {
            continue;
        }
        if (!BSON_ITER_HOLDS_ARRAY(&section) || !bson_iter_recurse(&section, &list)) {
            br_errmsg_set(err, rc, "lvm report: \"%s\" is not an array", s_kinds[kind].key);
            goto out;
        }
        while (bson_iter_next(&list)) {
            if (br_value_list_size(rows) >= BR_LVM_ROWS_MAX) {
                rc = br_errmsg_set(err, BR_ERR_TOOBIG, "lvm report: more than %d rows",
                                   BR_LVM_ROWS_MAX);
                goto out;
            }
            int row_rc = s_row(&list, rows, err);
            if (row_rc != BR_OK) {
                rc = row_rc;
                goto out;
            }
        }
    }
    *rows_p = rows;
    rows = NULL;
    rc = BR_OK;
out:
    br_value_destroy(&rows);
    if (doc) {
        bson_destroy(doc);
    }
    return rc;
}

int
br_lvm_report(br_lvm_kind_t kind, br_value_t **rows_p, br_errmsg_t *err)
{
    const char *argv[] = {s_kinds[kind].tool,
                          "--reportformat",
                          "json",
                          "--units",
                          "b",
                          "--nosuffix",
                          "-o",
                          s_kinds[kind].fields,
                          NULL};
    br_exec_opts_t opts = {NULL, NULL, BR_LVM_REPORT_TIMEOUT_MS, 0};
    br_exec_result_t result;
    *rows_p = NULL;
    int rc = br_exec_ok(argv, &opts, &result, err);
    if (rc == BR_OK && result.truncated) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s printed more than %d bytes", s_kinds[kind].tool,
                           BR_EXEC_OUTPUT_MAX);
    }
    if (rc == BR_OK) {
        rc = br_lvm_parse_report(result.out, result.out_size, kind, rows_p, err);
    }
    br_exec_result_fini(&result);
    return rc;
}

const char *
br_lvm_field(const br_value_t *row, const char *field)
{
    const char *s = br_value_as_str(br_value_map_get(row, field));
    return s ? s : "";
}

const br_value_t *
br_lvm_find(const br_value_t *rows, const char *field, const char *value)
{
    for (size_t i = 0; i < br_value_list_size(rows); i++) {
        const br_value_t *row = br_value_list_at(rows, i);
        if (strcmp(br_lvm_field(row, field), value) == 0) {
            return row;
        }
    }
    return NULL;
}

const br_value_t *
br_lvm_find_pv(const br_value_t *pvs, const char *device)
{
    struct stat want, st;
    bool by_dev = stat(device, &want) == 0 && S_ISBLK(want.st_mode);
    for (size_t i = 0; i < br_value_list_size(pvs); i++) {
        const br_value_t *row = br_value_list_at(pvs, i);
        const char *name = br_lvm_field(row, "pv_name");
        if (strcmp(name, device) == 0 ||
            (by_dev && stat(name, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == want.st_rdev)) {
            return row;
        }
    }
    return NULL;
}

bool
br_lvm_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > 127 || name[0] == '-' || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        return false;
    }
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-") ==
           len;
}
