/*  mod_lvm: lvm.pv_present/pv_absent, vg_present/vg_absent and
    lv_present/lv_absent, with Salt's arguments, through the lvm2 tools run
    with argv arrays (br_exec) and read back through their JSON reports
    (br_lvm).

    Data safety (invariant S7): a device becomes a PV only when libblkid
    finds no signature on it (br_probe), or when the state says force: True,
    and then its old signatures are wiped with wipefs first, so that
    pvcreate is never given -y or -f to destroy something by itself; and
    vg_present makes its devices PVs itself, so vgcreate never does it
    unprobed. A PV that belongs to another volume group is an error, never
    moved, force or not. Only force: True gives lvcreate -y (wipe a stale
    signature in the free space) and vgremove -f (remove the group's
    volumes). Every other question lvm2 asks (wipe this signature? remove
    this active volume?) is answered "no" by stdin being /dev/null, a last
    line of defence when a probe and the tools disagree. */
#include "br_exec.h"
#include "br_lvm.h"
#include "br_module.h"
#include "br_probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

//  pvcreate, vgcreate, lvcreate and friends; generous for slow disks
#define BR_LVM_TIMEOUT_MS (300 * 1000)

static const br_arg_t s_pv_args[] = {
    {"force", BR_ARG_BOOL, false, "False",
     "create the PV even over another signature (it is wiped first)"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_pv_absent_args[] = {
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_vg_args[] = {
    {"devices", BR_ARG_LIST, false, NULL, "devices of the group; those not yet PVs become PVs"},
    {"force", BR_ARG_BOOL, false, "False",
     "make PVs of devices that hold another signature (wiped first)"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_vg_absent_args[] = {
    {"force", BR_ARG_BOOL, false, "False", "also remove the logical volumes the group holds"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_lv_args[] = {
    {"vgname", BR_ARG_STR, true, NULL, "the volume group"},
    {"size", BR_ARG_STR, false, NULL, "size, e.g. 100M, 1G (lvcreate -L)"},
    {"extents", BR_ARG_STR, false, NULL, "extents, e.g. 100, 100%FREE, 50%VG (lvcreate -l)"},
    {"force", BR_ARG_BOOL, false, "False",
     "let lvcreate wipe stale signatures it finds in the free space"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_lv_absent_args[] = {
    {"vgname", BR_ARG_STR, true, NULL, "the volume group"},
    {NULL, 0, false, NULL, NULL},
};

static void
s_change(br_call_t *call, const char *key, const char *text)
{
    br_value_t *v = br_value_str(text);
    br_call_change(call, key, &v);
}

static int
s_run(const char *const *argv, br_errmsg_t *err)
{
    br_exec_opts_t opts = {NULL, NULL, BR_LVM_TIMEOUT_MS, 0};
    br_exec_result_t result;
    int rc = br_exec_ok(argv, &opts, &result, err);
    br_exec_result_fini(&result);
    return rc;
}

//  May a PV be made of device? 1 yes (empty), 2 yes after wiping (force);
//  0: in a test run, the device does not exist yet (an earlier state may
//  create it): result None is set; -1 no: refused or failed, outcome set.
static int
s_may_write(br_call_t *call, const char *device, bool force)
{
    struct stat st;
    char found[BR_PROBE_FOUND_MAX];
    br_errmsg_t err = {{0}};
    if (device[0] != '/') {
        return br_call_fail(call, "%s is not an absolute device path", device) - 1;
    }
    if (stat(device, &st) != 0) {
        if (errno == ENOENT && br_call_test(call)) {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "%s does not exist yet", device);
            return 0;
        }
        return br_call_fail(call, "%s: %s", device, strerror(errno)) - 1;
    }
    if (!S_ISBLK(st.st_mode)) {
        return br_call_fail(call, "%s is not a block device", device) - 1;
    }
    int probed = br_probe_device(device, found, sizeof found, &err);
    if (probed < 0) {
        return br_call_fail(call, "%s", err.text) - 1;
    }
    if (probed == 1 && !force) {
        return br_call_fail(call,
                            "Refusing to create a physical volume on %s: it holds %s "
                            "(force: True overwrites it)",
                            device, found) -
               1;
    }
    if (probed == 1) {
        br_call_comment(call, "%s holds %s; force: True: it %s wiped", device, found,
                        br_call_test(call) ? "would be" : "is");
        return 2;
    }
    return 1;
}

//  pvcreate, after wiping old signatures when the state forced it
static int
s_pvcreate(const char *device, bool wipe, br_errmsg_t *err)
{
    const char *wipefs[] = {"wipefs", "--all", device, NULL};
    const char *pvcreate[] = {"pvcreate", device, NULL};
    int rc = wipe ? s_run(wipefs, err) : BR_OK;
    return rc == BR_OK ? s_run(pvcreate, err) : rc;
}

static int
s_pv_present(br_call_t *call)
{
    const char *device = br_call_name(call);
    br_value_t *pvs = NULL;
    br_errmsg_t err = {{0}};
    if (br_lvm_report(BR_LVM_PV, &pvs, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    if (br_lvm_find_pv(pvs, device)) {
        br_call_comment(call, "Physical Volume %s already present", device);
        goto out;
    }
    int may = s_may_write(call, device, br_call_bool(call, "force"));
    if (may <= 0) {
        goto out;
    }
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Physical Volume %s is set to be created", device);
        goto out;
    }
    br_value_destroy(&pvs);
    if (s_pvcreate(device, may == 2, &err) != BR_OK ||
        br_lvm_report(BR_LVM_PV, &pvs, &err) != BR_OK) {
        br_call_fail(call, "%s", err.text);
    } else if (!br_lvm_find_pv(pvs, device)) {
        br_call_fail(call, "Failed to create Physical Volume %s: pvs does not list it", device);
    } else {
        br_call_comment(call, "Created Physical Volume %s", device);
        s_change(call, "created", device);
    }
out:
    br_value_destroy(&pvs);
    return 0;
}

static int
s_pv_absent(br_call_t *call)
{
    const char *device = br_call_name(call);
    br_value_t *pvs = NULL;
    br_errmsg_t err = {{0}};
    const br_value_t *pv = NULL;
    if (br_lvm_report(BR_LVM_PV, &pvs, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    pv = br_lvm_find_pv(pvs, device);
    if (!pv) {
        br_call_comment(call, "Physical Volume %s does not exist", device);
    } else if (br_lvm_field(pv, "vg_name")[0]) {
        br_call_fail(
            call, "Physical Volume %s belongs to Volume Group %s; remove it from the group first",
            device, br_lvm_field(pv, "vg_name"));
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Physical Volume %s is set to be removed", device);
    } else {
        const char *argv[] = {"pvremove", br_lvm_field(pv, "pv_name"), NULL};
        if (s_run(argv, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
        } else {
            br_call_comment(call, "Removed Physical Volume %s", device);
            s_change(call, "removed", device);
        }
    }
    br_value_destroy(&pvs);
    return 0;
}

//  vgcreate NAME DEVICES... or vgextend NAME DEVICES...
static int
s_vg_grow(const char *tool, const char *vg, const br_value_t *devices, br_errmsg_t *err)
{
    size_t n = br_value_list_size(devices);
    const char **argv = calloc(n + 3, sizeof *argv);
    if (!argv) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    argv[0] = tool;
    argv[1] = vg;
    for (size_t i = 0; i < n; i++) {
        argv[i + 2] = br_value_as_str(br_value_list_at(devices, i));
    }
    int rc = s_run(argv, err);
    free(argv);
    return rc;
}

static int
s_vg_present(br_call_t *call)
{
    const char *vg = br_call_name(call);
    const br_value_t *devices = br_call_arg(call, "devices");
    size_t n = br_value_list_size(devices);
    bool force = br_call_bool(call, "force");
    br_value_t *pvs = NULL, *vgs = NULL, *add = br_value_list();
    int *may = calloc(n + 1, sizeof *may); //  per device: 0 a PV already, else s_may_write
    br_errmsg_t err = {{0}};
    int rc = BR_ERR_NOMEM;
    if (!add || !may) {
        goto out;
    }
    rc = 0;
    if (!br_lvm_name_ok(vg)) {
        br_call_fail(call, "'%s' is not a valid volume group name", vg);
        goto out;
    }
    if (br_lvm_report(BR_LVM_PV, &pvs, &err) != BR_OK ||
        br_lvm_report(BR_LVM_VG, &vgs, &err) != BR_OK) {
        br_call_fail(call, "%s", err.text);
        goto out;
    }
    bool exists = br_lvm_find(vgs, "vg_name", vg) != NULL;
    //  Every device is judged before anything is written: in this group
    //  already, a free PV to add, a device to make a PV of, or a refusal
    for (size_t i = 0; i < n; i++) {
        br_value_t *item = br_value_list_at(devices, i);
        const char *device = br_value_as_str(item);
        const br_value_t *pv = br_lvm_find_pv(pvs, device);
        const char *owner = pv ? br_lvm_field(pv, "vg_name") : "";
        if (owner[0] && strcmp(owner, vg) != 0) {
            br_call_fail(call, "%s belongs to Volume Group %s; a physical volume is never moved",
                         device, owner);
            goto out;
        }
        if (owner[0]) {
            continue;
        }
        if (!pv) {
            may[i] = s_may_write(call, device, force);
            if (may[i] < 0) {
                goto out;
            }
        }
        br_value_t *copy = br_value_dup(item);
        if (!copy || br_value_list_append(add, &copy) != BR_OK) {
            br_value_destroy(&copy);
            rc = BR_ERR_NOMEM;
            goto out;
        }
    }
    if (exists && br_value_list_size(add) == 0) {
        br_call_comment(call, "Volume Group %s already present", vg);
        goto out;
    }
    if (!exists && n == 0) {
        br_call_fail(call, "Volume Group %s does not exist and no devices were given", vg);
        goto out;
    }
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call,
                        exists ? "Volume Group %s is set to be extended"
                               : "Volume Group %s is set to be created",
                        vg);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *device = br_value_as_str(br_value_list_at(devices, i));
        if (may[i] > 0 && s_pvcreate(device, may[i] == 2, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
            goto out;
        }
    }
    br_value_destroy(&vgs);
    if (s_vg_grow(exists ? "vgextend" : "vgcreate", vg, add, &err) != BR_OK ||
        br_lvm_report(BR_LVM_VG, &vgs, &err) != BR_OK) {
        br_call_fail(call, "%s", err.text);
    } else if (!br_lvm_find(vgs, "vg_name", vg)) {
        br_call_fail(call, "Failed to create Volume Group %s: vgs does not list it", vg);
    } else if (exists) {
        br_call_comment(call, "Extended Volume Group %s", vg);
        br_value_t *v = br_value_dup(add);
        br_call_change(call, "extended", &v);
    } else {
        br_call_comment(call, "Created Volume Group %s", vg);
        s_change(call, "created", vg);
    }
out:
    br_value_destroy(&pvs);
    br_value_destroy(&vgs);
    br_value_destroy(&add);
    free(may);
    return rc;
}

static int
s_vg_absent(br_call_t *call)
{
    const char *vg = br_call_name(call);
    bool force = br_call_bool(call, "force");
    br_value_t *vgs = NULL;
    br_errmsg_t err = {{0}};
    if (br_lvm_report(BR_LVM_VG, &vgs, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    const br_value_t *row = br_lvm_find(vgs, "vg_name", vg);
    const char *lvs = row ? br_lvm_field(row, "lv_count") : "0";
    if (!row) {
        br_call_comment(call, "Volume Group %s already absent", vg);
    } else if (strcmp(lvs, "0") != 0 && !force) {
        br_call_fail(call,
                     "Volume Group %s still holds %s logical volume(s); remove them first "
                     "(lv_absent), or force: True removes them with the group",
                     vg, lvs);
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Volume Group %s is set to be removed", vg);
    } else {
        //  -f only when forced: it removes the group's volumes without asking
        const char *plain[] = {"vgremove", vg, NULL};
        const char *forced[] = {"vgremove", "-f", vg, NULL};
        if (s_run(force ? forced : plain, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
        } else {
            br_call_comment(call, "Removed Volume Group %s", vg);
            s_change(call, "removed", vg);
        }
    }
    br_value_destroy(&vgs);
    return 0;
}

//  lvcreate's -L: a number with an optional fraction and unit letter
static bool
s_size_ok(const char *size)
{
    size_t digits = strspn(size, "0123456789");
    const char *p = size + digits;
    if (digits == 0) {
        return false;
    }
    if (*p == '.') {
        size_t frac = strspn(p + 1, "0123456789");
        if (frac == 0) {
            return false;
        }
        p += 1 + frac;
    }
    return *p == 0 || (strchr("bBsSkKmMgGtTpPeE", *p) && p[1] == 0);
}

//  lvcreate's -l: a number, or a percentage of VG, FREE, PVS or ORIGIN
static bool
s_extents_ok(const char *extents)
{
    size_t digits = strspn(extents, "0123456789");
    const char *p = extents + digits;
    if (digits == 0) {
        return false;
    }
    return *p == 0 || strcmp(p, "%VG") == 0 || strcmp(p, "%FREE") == 0 || strcmp(p, "%PVS") == 0 ||
           strcmp(p, "%ORIGIN") == 0;
}

//  lvchange -ay on an existing, inactive volume: nothing is written to it
static void
s_lv_activate(br_call_t *call, const char *vg, const char *lv)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", vg, lv);
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Logical Volume %s is present and would be activated", lv);
        return;
    }
    const char *argv[] = {"lvchange", "-ay", path, NULL};
    br_exec_opts_t opts = {NULL, NULL, BR_LVM_TIMEOUT_MS, 0};
    br_exec_result_t result;
    br_errmsg_t err = {""};
    if (br_exec_ok(argv, &opts, &result, &err) != BR_OK) {
        br_call_fail(call, "Logical Volume %s: cannot activate it: %s", lv, err.text);
    } else {
        br_call_comment(call, "Logical Volume %s was present and is now active", lv);
        snprintf(path, sizeof path, "/dev/%s/%s", vg, lv);
        s_change(call, "activated", path);
    }
    br_exec_result_fini(&result);
}

static int
s_lv_present(br_call_t *call)
{
    const char *lv = br_call_name(call), *vg = br_call_str(call, "vgname");
    const char *size = br_call_str(call, "size"), *extents = br_call_str(call, "extents");
    br_value_t *lvs = NULL, *vgs = NULL;
    br_errmsg_t err = {{0}};
    if (!br_lvm_name_ok(lv) || !br_lvm_name_ok(vg)) {
        return br_call_fail(call, "'%s' in '%s' is not a valid logical volume and group name", lv,
                            vg);
    }
    if ((size == NULL) == (extents == NULL)) {
        return br_call_fail(call, "Logical Volume %s: give exactly one of size and extents", lv);
    }
    if ((size && !s_size_ok(size)) || (extents && !s_extents_ok(extents))) {
        return br_call_fail(call, "Logical Volume %s: '%s' is not a valid %s", lv,
                            size ? size : extents,
                            size ? "size (e.g. 100M, 1G)" : "extent count (e.g. 100, 100%FREE)");
    }
    if (br_lvm_report(BR_LVM_LV, &lvs, &err) != BR_OK ||
        br_lvm_report(BR_LVM_VG, &vgs, &err) != BR_OK) {
        br_call_fail(call, "%s", err.text);
        goto out;
    }
    for (size_t i = 0; i < br_value_list_size(lvs); i++) {
        const br_value_t *row = br_value_list_at(lvs, i);
        if (strcmp(br_lvm_field(row, "lv_name"), lv) == 0 &&
            strcmp(br_lvm_field(row, "vg_name"), vg) == 0) {
            //  An existing volume is never resized here; an inactive one (a
            //  boot without udev, a run killed inside lvcreate) is activated,
            //  or every state after it would miss its device
            const char *attr = br_lvm_field(row, "lv_attr");
            if (strlen(attr) < 5 || attr[4] == 'a') {
                br_call_comment(call, "Logical Volume %s already present", lv);
            } else {
                s_lv_activate(call, vg, lv);
            }
            goto out;
        }
    }
    bool vg_exists = br_lvm_find(vgs, "vg_name", vg) != NULL;
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Logical Volume %s is set to be created%s", lv,
                        vg_exists ? "" : " (its Volume Group does not exist yet)");
        goto out;
    }
    if (!vg_exists) {
        br_call_fail(call, "Logical Volume %s: Volume Group %s does not exist", lv, vg);
        goto out;
    }
    //  Without force, lvcreate is not given -y: a stale signature in the free
    //  space makes it ask, /dev/null says no, and it fails saying so
    const char *argv[] = {"lvcreate", "-n", lv,  size ? "-L" : "-l", size ? size : extents,
                          vg,         NULL, NULL};
    if (br_call_bool(call, "force")) {
        argv[5] = "-y";
        argv[6] = vg;
    }
    br_value_destroy(&lvs);
    br_exec_opts_t opts = {NULL, NULL, BR_LVM_TIMEOUT_MS, 0};
    br_exec_result_t result;
    int rc = br_exec_ok(argv, &opts, &result, &err);
    const char *stale = rc == BR_ERR_IO ? strstr(result.err, "signature detected") : NULL;
    if (stale) {
        //  lvm2's own words name the signature; the last line only says
        //  it aborted
        const char *start = stale;
        while (start > result.err && start[-1] != '\n') {
            start--;
        }
        start += strspn(start, " ");
        br_call_fail(call,
                     "Logical Volume %s: lvcreate found an old signature in the free space and did "
                     "not wipe it (%.*s); force: True lets it wipe it",
                     lv, (int)strcspn(start, "\n"), start);
    } else if (rc != BR_OK || br_lvm_report(BR_LVM_LV, &lvs, &err) != BR_OK) {
        br_call_fail(call, "%s", err.text);
    } else {
        char path[300];
        snprintf(path, sizeof path, "/dev/%s/%s", vg, lv);
        br_call_comment(call, "Created Logical Volume %s", lv);
        s_change(call, "created", path);
    }
    br_exec_result_fini(&result);
out:
    br_value_destroy(&lvs);
    br_value_destroy(&vgs);
    return 0;
}

static int
s_lv_absent(br_call_t *call)
{
    const char *lv = br_call_name(call), *vg = br_call_str(call, "vgname");
    br_value_t *lvs = NULL;
    br_errmsg_t err = {{0}};
    char path[300];
    if (!br_lvm_name_ok(lv) || !br_lvm_name_ok(vg)) {
        return br_call_fail(call, "'%s' in '%s' is not a valid logical volume and group name", lv,
                            vg);
    }
    if (br_lvm_report(BR_LVM_LV, &lvs, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    bool exists = false;
    for (size_t i = 0; i < br_value_list_size(lvs) && !exists; i++) {
        const br_value_t *row = br_value_list_at(lvs, i);
        exists = strcmp(br_lvm_field(row, "lv_name"), lv) == 0 &&
                 strcmp(br_lvm_field(row, "vg_name"), vg) == 0;
    }
    snprintf(path, sizeof path, "%s/%s", vg, lv);
    if (!exists) {
        br_call_comment(call, "Logical Volume %s already absent", lv);
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Logical Volume %s is set to be removed", lv);
    } else {
        //  Deactivated first (which fails while it is open or mounted), so
        //  that lvremove has nothing to ask and needs no -y
        const char *deactivate[] = {"lvchange", "-an", path, NULL};
        const char *remove[] = {"lvremove", path, NULL};
        if (s_run(deactivate, &err) != BR_OK || s_run(remove, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
        } else {
            br_call_comment(call, "Removed Logical Volume %s", lv);
            s_change(call, "removed", path);
        }
    }
    br_value_destroy(&lvs);
    return 0;
}

static const br_function_t s_functions[] = {
    {"pv_present", s_pv_args, s_pv_present, s_pv_present, NULL,
     "Makes the device (name) an LVM physical volume, only if it holds no other signature."},
    {"pv_absent", s_pv_absent_args, s_pv_absent, s_pv_absent, NULL,
     "Removes the physical volume label from the device (name), if it is in no group."},
    {"vg_present", s_vg_args, s_vg_present, s_vg_present, NULL,
     "Creates the volume group (name) of devices, or extends it with those not in it."},
    {"vg_absent", s_vg_absent_args, s_vg_absent, s_vg_absent, NULL,
     "Removes the volume group (name), only when it holds no volumes unless forced."},
    {"lv_present", s_lv_args, s_lv_present, s_lv_present, NULL,
     "Creates the logical volume (name) in vgname with a size or extents."},
    {"lv_absent", s_lv_absent_args, s_lv_absent, s_lv_absent, NULL,
     "Removes the logical volume (name) from vgname."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_lvm = {"lvm", s_functions, "LVM physical volumes, groups and volumes."};
