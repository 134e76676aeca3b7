/*  mod_mount: mount.mounted and mount.unmounted, Salt's states for mount
    points, idempotent against /proc/self/mountinfo.

    Mounting is mount(2) itself: the options become MS_* flags and a data
    string, so there is no mount binary and no shell in between. Whether
    the right thing is mounted is decided by device number (major:minor),
    so /dev/vg/data, /dev/mapper/vg-data and /dev/dm-0 are the same device;
    a source that is no block device (tmpfs) is compared by name and type.

    mkfs: True creates a filesystem only on a device that holds no
    signature at all (br_probe, invariant S7). A device that already holds
    the requested filesystem is left alone; any other signature (another
    filesystem, LUKS, LVM, a partition table, an ambiguous probe) is
    refused unless force: True, and then wiped with wipefs before mkfs runs,
    so mkfs itself is never told to overwrite anything.

    persist is off by default: an encrypted volume's mapping exists only
    after brine has opened it, so an fstab line for it would stall a boot
    that runs before brine does. BRINE_FSTAB (tests only) names another
    file than /etc/fstab. */
#include "br_exec.h"
#include "br_module.h"
#include "br_mtab.h"
#include "br_probe.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

//  mkfs on a large slow disk; never a shell that hangs forever
#define BR_MKFS_TIMEOUT_MS (1800 * 1000)
#define BR_MOUNT_DATA_MAX 1024

static const br_arg_t s_mounted_args[] = {
    {"device", BR_ARG_STR, true, NULL, "what to mount: a device path, or e.g. tmpfs"},
    {"fstype", BR_ARG_STR, true, NULL, "filesystem type, e.g. ext4, xfs, tmpfs"},
    {"opts", BR_ARG_LIST, false, NULL, "mount options, a list or a comma string (defaults)"},
    {"mkmnt", BR_ARG_BOOL, false, "False", "create the mount point when it is missing"},
    {"mkfs", BR_ARG_BOOL, false, "False", "create the filesystem if the device is empty"},
    {"force", BR_ARG_BOOL, false, "False",
     "with mkfs: overwrite a device that holds another signature (wiped first)"},
    {"persist", BR_ARG_BOOL, false, "False", "also keep the mount in /etc/fstab"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_unmounted_args[] = {
    {"device", BR_ARG_STR, false, NULL, "unmount only if this device is what is mounted"},
    {"persist", BR_ARG_BOOL, false, "False", "also remove the mount point's fstab lines"},
    {NULL, 0, false, NULL, NULL},
};

//  Mount options that are MS_* flags; clear: the option turns the flag off
static const struct {
    const char *name;
    unsigned long flag;
    bool clear;
} s_flags[] = {
    {"ro", MS_RDONLY, false},          {"rw", MS_RDONLY, true},
    {"nosuid", MS_NOSUID, false},      {"suid", MS_NOSUID, true},
    {"nodev", MS_NODEV, false},        {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},      {"exec", MS_NOEXEC, true},
    {"sync", MS_SYNCHRONOUS, false},   {"async", MS_SYNCHRONOUS, true},
    {"dirsync", MS_DIRSYNC, false},    {"noatime", MS_NOATIME, false},
    {"atime", MS_NOATIME, true},       {"nodiratime", MS_NODIRATIME, false},
    {"diratime", MS_NODIRATIME, true}, {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true}, {"strictatime", MS_STRICTATIME, false},
    {"lazytime", MS_LAZYTIME, false},  {"nolazytime", MS_LAZYTIME, true},
    {"silent", MS_SILENT, false},      {"loud", MS_SILENT, true},
};

//  fstab's own words, meaningless to mount(2)
static const char *s_fstab_only[] = {"defaults", "auto",    "noauto", "user",  "nouser", "users",
                                     "nofail",   "_netdev", "owner",  "group", NULL};

//  Options whose presence in mountinfo's per-mount options is compared: a
//  difference means remount
static const char *s_compared[] = {"ro",      "nosuid",     "nodev", "noexec",
                                   "noatime", "nodiratime", NULL};

//  The options of a mounted state, as mount(2) wants them
typedef struct {
    unsigned long flags;
    char data[BR_MOUNT_DATA_MAX]; //  filesystem options, comma separated
    char text[BR_MOUNT_DATA_MAX]; //  every option, comma separated (fstab)
} br_opts_t;

static void
s_append(char *buf, size_t size, const char *item, size_t len, bool *too_long)
{
    size_t used = strlen(buf);
    if (used + (used ? 1 : 0) + len + 1 > size) {
        *too_long = true;
        return;
    }
    snprintf(buf + used, size - used, "%s%.*s", used ? "," : "", (int)len, item);
}

//  opts (a list whose items may hold commas) into flags and data. Refuses
//  what mount.mounted does not do (bind, move, remount: other operations)
//  and any option holding a space or control character (fstab could not
//  hold it). Returns false with why set.
static bool
s_parse_opts(const br_value_t *list, br_opts_t *opts, char *why, size_t why_size)
{
    bool too_long = false;
    memset(opts, 0, sizeof *opts);
    for (size_t i = 0; i < br_value_list_size(list); i++) {
        const char *p = br_value_as_str(br_value_list_at(list, i));
        while (p && *p) {
            size_t len = strcspn(p, ",");
            char item[256];
            if (len >= sizeof item) {
                snprintf(why, why_size, "an option is longer than %zu bytes", sizeof item - 1);
                return false;
            }
            memcpy(item, p, len);
            item[len] = 0;
            p += len + (p[len] == ',');
            if (len == 0) {
                continue;
            }
            for (size_t c = 0; c < len; c++) {
                if ((unsigned char)item[c] <= ' ' || item[c] == 0x7f) {
                    snprintf(why, why_size, "option '%s' holds a space or control character", item);
                    return false;
                }
            }
            if (strcmp(item, "bind") == 0 || strcmp(item, "rbind") == 0 ||
                strcmp(item, "move") == 0 || strcmp(item, "remount") == 0) {
                snprintf(why, why_size, "option '%s' is not supported by mount.mounted", item);
                return false;
            }
            s_append(opts->text, sizeof opts->text, item, len, &too_long);
            bool known = strncmp(item, "x-", 2) == 0 || strncmp(item, "comment=", 8) == 0;
            for (size_t f = 0; !known && s_fstab_only[f]; f++) {
                known = strcmp(item, s_fstab_only[f]) == 0;
            }
            for (size_t f = 0; !known && f < sizeof s_flags / sizeof s_flags[0]; f++) {
                if (strcmp(item, s_flags[f].name) == 0) {
                    known = true;
                    opts->flags = s_flags[f].clear ? opts->flags & ~s_flags[f].flag
                                                   : opts->flags | s_flags[f].flag;
                }
            }
            if (!known) {
                s_append(opts->data, sizeof opts->data, item, len, &too_long);
            }
        }
    }
    if (opts->text[0] == 0) {
        snprintf(opts->text, sizeof opts->text, "defaults");
    }
    if (too_long) {
        snprintf(why, why_size, "the options are longer than %d bytes", BR_MOUNT_DATA_MAX - 1);
    }
    return !too_long;
}

//  Which compared options differ between what is asked and what is
//  mounted, comma separated into out ("" when none)
static void
s_opts_diff(const br_opts_t *opts, const br_mount_t *m, char *out, size_t size)
{
    bool too_long = false;
    out[0] = 0;
    for (size_t i = 0; s_compared[i]; i++) {
        unsigned long flag = 0;
        for (size_t f = 0; f < sizeof s_flags / sizeof s_flags[0]; f++) {
            if (strcmp(s_flags[f].name, s_compared[i]) == 0) {
                flag = s_flags[f].flag;
            }
        }
        if (((opts->flags & flag) != 0) != br_mtab_has_option(m->options, s_compared[i])) {
            s_append(out, size, s_compared[i], strlen(s_compared[i]), &too_long);
        }
    }
}

//  The mount point as mountinfo shows it: trailing slashes dropped, and
//  resolved through symlinks when it exists
static void
s_target(const char *name, char *out, size_t size)
{
    char resolved[PATH_MAX];
    if (realpath(name, resolved)) {
        snprintf(out, size, "%s", resolved);
        return;
    }
    snprintf(out, size, "%s", name);
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/') {
        out[--len] = 0;
    }
}

//  Is m the device asked for? By major:minor for a block device, else by
//  source name and filesystem type (tmpfs, proc, ...).
static bool
s_same_device(const char *device, const char *fstype, const br_mount_t *m)
{
    struct stat st;
    if (device[0] == '/' && stat(device, &st) == 0 && S_ISBLK(st.st_mode)) {
        return major(st.st_rdev) == m->major && minor(st.st_rdev) == m->minor;
    }
    return strcmp(device, m->source) == 0 && strcmp(fstype, m->fstype) == 0;
}

//  Does the probe's description say "a(n) FSTYPE filesystem"?
static bool
s_holds_fstype(const char *found, const char *fstype)
{
    char a[BR_PROBE_FOUND_MAX + 16], an[BR_PROBE_FOUND_MAX + 16];
    snprintf(a, sizeof a, "a %s filesystem", fstype);
    snprintf(an, sizeof an, "an %s filesystem", fstype);
    return strcmp(found, a) == 0 || strcmp(found, an) == 0;
}

//  mkfs: decides, and in a real run formats. 0 nothing to do or done,
//  1 would format (test run), -1 refused or failed (outcome set).
static int
s_mkfs(br_call_t *call, const char *device, const char *fstype)
{
    char found[BR_PROBE_FOUND_MAX];
    br_errmsg_t err = {{0}};
    int probed = br_probe_device(device, found, sizeof found, &err);
    if (probed < 0) {
        return br_call_fail(call, "%s", err.text) - 1;
    }
    if (probed == 1 && s_holds_fstype(found, fstype)) {
        return 0;
    }
    if (probed == 1 && !br_call_bool(call, "force")) {
        return br_call_fail(call,
                            "Refusing to create %s %s filesystem on %s: it holds %s "
                            "(force: True overwrites it)",
                            strchr("aeiou", fstype[0]) ? "an" : "a", fstype, device, found) -
               1;
    }
    if (br_call_test(call)) {
        br_call_comment(call, "%s would be formatted as %s%s%s", device, fstype,
                        probed ? ", overwriting " : "", probed ? found : "");
        return 1;
    }
    char tool[64];
    snprintf(tool, sizeof tool, "mkfs.%s", fstype);
    const char *wipefs[] = {"wipefs", "--all", device, NULL};
    //  -q for the e2fsprogs: their progress output is noise in a comment
    bool quiet = strncmp(fstype, "ext", 3) == 0 || strcmp(fstype, "xfs") == 0;
    const char *mkfs[] = {tool, quiet ? "-q" : device, quiet ? device : NULL, NULL};
    br_exec_opts_t opts = {NULL, NULL, BR_MKFS_TIMEOUT_MS, 0};
    br_exec_result_t result = {0};
    int rc = probed ? br_exec_ok(wipefs, &opts, &result, &err) : BR_OK;
    br_exec_result_fini(&result);
    if (rc == BR_OK) {
        rc = br_exec_ok(mkfs, &opts, &result, &err);
        br_exec_result_fini(&result);
    }
    if (rc != BR_OK) {
        return br_call_fail(call, "%s", err.text) - 1;
    }
    br_value_t *v = br_value_str(fstype);
    br_call_change(call, "mkfs", &v);
    br_call_comment(call, "Created %s filesystem on %s", fstype, device);
    return 0;
}

//  persist: the fstab line, or its prediction in a test run
static void
s_persist(br_call_t *call, const char *target, const br_opts_t *opts, bool remove)
{
    const char *path = getenv("BRINE_FSTAB");
    path = path && path[0] ? path : "/etc/fstab";
    br_fstab_outcome_t outcome = BR_FSTAB_PRESENT;
    br_errmsg_t err = {{0}};
    bool test = br_call_test(call);
    int rc = remove ? br_fstab_remove(path, target, test, &outcome, &err)
                    : br_fstab_set(path, br_call_str(call, "device"), target,
                                   br_call_str(call, "fstype"), opts->text, test, &outcome, &err);
    if (rc != BR_OK) {
        br_call_fail(call, "%s", err.text);
        return;
    }
    static const char *const words[] = {NULL, "new", "update", "purged"};
    static const char *const said[] = {NULL, "Added new entry to", "Updated the entry in",
                                       "Removed target from"};
    if (outcome == BR_FSTAB_PRESENT) {
        return;
    }
    if (test) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "%s would be changed (%s)", path, words[outcome]);
        return;
    }
    br_call_comment(call, "%s %s", said[outcome], path);
    br_value_t *v = br_value_str(words[outcome]);
    br_call_change(call, "persist", &v);
}

//  mount(2) of device on target, or a remount of what is there
static int
s_mount(const char *device, const char *target, const char *fstype, const br_opts_t *opts,
        bool remount, br_errmsg_t *err)
{
    unsigned long flags = opts->flags | (remount ? MS_REMOUNT : 0);
    if (mount(device, target, fstype, flags, opts->data[0] ? opts->data : NULL) != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "%s of %s on %s failed: %s",
                             remount ? "Remount" : "Mount", device, target, strerror(errno));
    }
    return BR_OK;
}

//  The mount point: present, or to be made with mkmnt. Checked before
//  anything is written (make false: 0 present, 1 missing and mkmnt, -1
//  with the outcome set), made after mkfs (make true: 0 or -1).
static int
s_mount_point(br_call_t *call, const char *target, bool make)
{
    struct stat st;
    if (stat(target, &st) == 0) {
        return S_ISDIR(st.st_mode) ? 0 : br_call_fail(call, "%s is not a directory", target) - 1;
    }
    if (errno != ENOENT || !br_call_bool(call, "mkmnt")) {
        return br_call_fail(call, "Mount point %s: %s%s", target, strerror(errno),
                            errno == ENOENT ? " (mkmnt: True creates it)" : "") -
               1;
    }
    if (!make) {
        if (br_call_test(call)) {
            br_call_comment(call, "Mount point %s would be created", target);
        }
        return 1;
    }
    //  mkdir -p, 0755 for each missing directory
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", target);
    for (char *slash = path + 1;; slash++) {
        if (*slash == '/' || *slash == 0) {
            char keep = *slash;
            *slash = 0;
            if (mkdir(path, 0755) != 0 && errno != EEXIST) {
                return br_call_fail(call, "Cannot create mount point %s: %s", path,
                                    strerror(errno)) -
                       1;
            }
            *slash = keep;
            if (keep == 0) {
                break;
            }
        }
    }
    br_value_t *v = br_value_str(target);
    br_call_change(call, "mkmnt", &v);
    return 0;
}

//  Checks the arguments both states share; false with the outcome set
static bool
s_args_ok(br_call_t *call, const char *target, const char *fstype)
{
    if (target[0] != '/') {
        br_call_fail(call, "Mount point %s is not an absolute path", target);
        return false;
    }
    if (fstype && (!fstype[0] ||
                   strspn(fstype, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(fstype))) {
        br_call_fail(call, "'%s' is not a filesystem type", fstype);
        return false;
    }
    return true;
}

static int
s_mounted(br_call_t *call)
{
    const char *device = br_call_str(call, "device"), *fstype = br_call_str(call, "fstype");
    bool test = br_call_test(call);
    br_mountinfo_t *table = NULL;
    br_errmsg_t err = {{0}};
    br_opts_t opts;
    char target[PATH_MAX], why[300], diff[128];
    s_target(br_call_name(call), target, sizeof target);
    if (!s_args_ok(call, target, fstype)) {
        return 0;
    }
    if (!s_parse_opts(br_call_arg(call, "opts"), &opts, why, sizeof why)) {
        return br_call_fail(call, "%s", why);
    }
    //  mount(2) takes paths; fstab's tags would need a lookup that is not
    //  done here, and guessing would be worse than saying so
    if (strchr(device, '=')) {
        return br_call_fail(call,
                            "device '%s': tags like UUID= are not supported; use the path, "
                            "e.g. /dev/disk/by-uuid/...",
                            device);
    }
    if (br_mountinfo_load(NULL, &table, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    const br_mount_t *m = br_mountinfo_find(table, target);
    if (m && !s_same_device(device, fstype, m)) {
        br_call_fail(call, "%s is mounted at %s, not %s", m->source, target, device);
        goto out;
    }
    if (m) {
        s_opts_diff(&opts, m, diff, sizeof diff);
        if (!diff[0]) {
            br_call_comment(call, "Target was already mounted");
        } else if (test) {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "Remount would be forced because options (%s) changed", diff);
        } else if (s_mount(device, target, fstype, &opts, true, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
            goto out;
        } else {
            char text[200];
            snprintf(text, sizeof text, "Forced remount because options (%s) changed", diff);
            br_value_t *v = br_value_str(text);
            br_call_change(call, "umount", &v);
            br_call_comment(call, "%s", text);
        }
    } else {
        struct stat st;
        bool is_path = device[0] == '/';
        int point = s_mount_point(call, target, false);
        if (point < 0) {
            goto out;
        }
        if (is_path && stat(device, &st) != 0) {
            if (test && errno == ENOENT) {
                br_call_set_result(call, BR_RESULT_NONE);
                br_call_comment(call, "%s does not exist yet; it would be %smounted on %s", device,
                                br_call_bool(call, "mkfs") ? "formatted and " : "", target);
                goto persist;
            }
            br_call_fail(call, "%s: %s", device, strerror(errno));
            goto out;
        }
        if (br_call_bool(call, "mkfs")) {
            if (!is_path || !S_ISBLK(st.st_mode)) {
                br_call_fail(call, "mkfs: %s is not a block device", device);
                goto out;
            }
            if (s_mkfs(call, device, fstype) < 0) {
                goto out;
            }
        }
        if (test) {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "%s would be mounted", target);
        } else if (point == 1 && s_mount_point(call, target, true) < 0) {
            goto out;
        } else if (s_mount(device, target, fstype, &opts, false, &err) != BR_OK) {
            br_call_fail(call, "%s", err.text);
            goto out;
        } else {
            br_value_t *v = br_value_bool(true);
            br_call_change(call, "mount", &v);
            br_call_comment(call, "Target was successfully mounted");
        }
    }
persist:
    if (br_call_bool(call, "persist")) {
        s_persist(call, target, &opts, false);
    }
out:
    br_mountinfo_destroy(&table);
    return 0;
}

//  watch: Salt's mod_watch for mount.mounted remounts with the options
static int
s_mounted_watch(br_call_t *call)
{
    const char *device = br_call_str(call, "device"), *fstype = br_call_str(call, "fstype");
    br_opts_t opts;
    br_errmsg_t err = {{0}};
    char target[PATH_MAX], why[300];
    s_target(br_call_name(call), target, sizeof target);
    if (!s_parse_opts(br_call_arg(call, "opts"), &opts, why, sizeof why)) {
        return br_call_fail(call, "%s", why);
    }
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "%s would be remounted", target);
    } else if (s_mount(device, target, fstype, &opts, true, &err) != BR_OK) {
        br_call_fail(call, "%s failed to remount: %s", target, err.text);
    } else {
        br_call_comment(call, "%s remounted", target);
    }
    return 0;
}

static int
s_unmounted(br_call_t *call)
{
    const char *device = br_call_str(call, "device");
    br_mountinfo_t *table = NULL;
    br_errmsg_t err = {{0}};
    char target[PATH_MAX];
    s_target(br_call_name(call), target, sizeof target);
    if (!s_args_ok(call, target, NULL)) {
        return 0;
    }
    if (br_mountinfo_load(NULL, &table, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    const br_mount_t *m = br_mountinfo_find(table, target);
    if (!m) {
        br_call_comment(call, "Target was already unmounted");
    } else if (device && !s_same_device(device, m->fstype, m)) {
        br_call_fail(call, "%s is mounted at %s, not %s: left mounted", m->source, target, device);
        goto out;
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Mount point %s is mounted but should not be", target);
    } else if (umount2(target, UMOUNT_NOFOLLOW) != 0) {
        br_call_fail(call, "Unmounting %s failed: %s", target, strerror(errno));
        goto out;
    } else {
        br_value_t *v = br_value_bool(true);
        br_call_change(call, "umount", &v);
        br_call_comment(call, "Target was successfully unmounted");
    }
    if (br_call_bool(call, "persist")) {
        br_opts_t none;
        memset(&none, 0, sizeof none);
        s_persist(call, target, &none, true);
    }
out:
    br_mountinfo_destroy(&table);
    return 0;
}

static const br_function_t s_functions[] = {
    {"mounted", s_mounted_args, s_mounted, s_mounted, s_mounted_watch,
     "Mounts device on the mount point (name), creating the filesystem on an empty device."},
    {"unmounted", s_unmounted_args, s_unmounted, s_unmounted, NULL,
     "Unmounts what is mounted on the mount point (name)."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_mount = {"mount", s_functions, "Mount points and filesystems."};
