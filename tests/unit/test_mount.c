/*  Unit tests of mount.mounted and mount.unmounted on this host: tmpfs
    mounts in a temporary directory (mount point with a space, options,
    remount, watch, fstab through BRINE_FSTAB, refusals), and, when a loop
    device can be set up, mkfs on a real block device: test=True touches no
    byte, mkfs only on an empty device, a device holding another filesystem
    is refused and its data left intact, a symlink to the device counts as
    the device. Needs root (mount(2)); skipped (77) otherwise. */
#include "br_exec.h"
#include "br_mtab.h"
#include "states_util.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char *s_dir;
static char s_tree[512], s_mnt[512];

//  Writes tree/NAME.sls
static void s_sls(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void
s_sls(const char *name, const char *format, ...)
{
    char path[600], text[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    snprintf(path, sizeof path, "%s/%s.sls", s_tree, name);
    CHECK(st_write(path, "%s", text) == 0);
}

//  The mount at target, straight from mountinfo: its options, or NULL
static char *
s_mounted_opts(const char *target)
{
    br_mountinfo_t *table = NULL;
    br_errmsg_t err = {{0}};
    char *opts = NULL;
    if (br_mountinfo_load(NULL, &table, &err) == BR_OK) {
        const br_mount_t *m = br_mountinfo_find(table, target);
        opts = m ? strdup(m->options) : NULL;
    }
    br_mountinfo_destroy(&table);
    return opts;
}

static void
test_tmpfs(void)
{
    st_fixture_t fx;
    const char *state = "tmp_mount:\n"
                        "  mount.mounted:\n"
                        "    - name: %s\n"
                        "    - device: brinetmp\n"
                        "    - fstype: tmpfs\n"
                        "    - opts: %s\n"
                        "    - mkmnt: True\n"
                        "    - persist: True\n";
    s_sls("mnt", state, s_mnt, "size=4m,noexec");
    st_apply(&fx, s_tree, "mnt", true);
    st_expect(&fx, "tmp_mount", BR_RESULT_NONE, false, "would be mounted");
    st_fini(&fx);
    struct stat st;
    CHECK(stat(s_mnt, &st) != 0); //  test=True made no mount point

    st_apply(&fx, s_tree, "mnt", false);
    st_expect(&fx, "tmp_mount", BR_RESULT_TRUE, true, "Target was successfully mounted");
    CHECK_STR(st_change(&fx, "tmp_mount", "mkmnt"), s_mnt);
    CHECK_STR(st_change(&fx, "tmp_mount", "persist"), "new");
    st_fini(&fx);
    char *opts = s_mounted_opts(s_mnt);
    CHECK(opts && br_mtab_has_option(opts, "noexec") && !br_mtab_has_option(opts, "nosuid"));
    free(opts);

    //  Again, and test=True: nothing to do
    st_apply(&fx, s_tree, "mnt", false);
    st_expect(&fx, "tmp_mount", BR_RESULT_TRUE, false, "Target was already mounted");
    st_fini(&fx);
    st_apply(&fx, s_tree, "mnt", true);
    st_expect(&fx, "tmp_mount", BR_RESULT_TRUE, false, "Target was already mounted");
    st_fini(&fx);

    //  Changed options: predicted, then a remount, and the fstab line updated
    s_sls("mnt", state, s_mnt, "[size=4m, 'noexec,nosuid']");
    st_apply(&fx, s_tree, "mnt", true);
    st_expect(&fx, "tmp_mount", BR_RESULT_NONE, false,
              "Remount would be forced because options (nosuid) changed");
    st_fini(&fx);
    st_apply(&fx, s_tree, "mnt", false);
    st_expect(&fx, "tmp_mount", BR_RESULT_TRUE, true, "Forced remount because options (nosuid)");
    CHECK_STR(st_change(&fx, "tmp_mount", "persist"), "update");
    st_fini(&fx);
    opts = s_mounted_opts(s_mnt);
    CHECK(opts && br_mtab_has_option(opts, "nosuid"));
    free(opts);

    //  watch remounts (Salt's mod_watch for mount.mounted)
    s_sls("watch",
          "trigger:\n  test.succeed_with_changes: []\n"
          "tmp_mount:\n  mount.mounted:\n    - name: %s\n    - device: brinetmp\n"
          "    - fstype: tmpfs\n    - opts: size=4m,noexec,nosuid\n"
          "    - watch:\n      - test: trigger\n",
          s_mnt);
    st_apply(&fx, s_tree, "watch", false);
    st_expect(&fx, "tmp_mount", BR_RESULT_TRUE, false, "remounted");
    st_fini(&fx);

    //  Another device on the mount point: a clear failure
    s_sls("other",
          "tmp_mount:\n  mount.mounted:\n    - name: %s\n    - device: otherdev\n"
          "    - fstype: tmpfs\n",
          s_mnt);
    st_apply(&fx, s_tree, "other", false);
    st_expect(&fx, "tmp_mount", BR_RESULT_FALSE, false, "brinetmp is mounted at");
    st_fini(&fx);

    char fstab[600];
    snprintf(fstab, sizeof fstab, "%s/fstab", s_dir);
    FILE *f = fopen(fstab, "r");
    char line[600] = "";
    CHECK(f && fgets(line, sizeof line, f));
    if (f) {
        fclose(f);
    }
    CHECK(strstr(line, "brinetmp ") == line && strstr(line, "my\\040data tmpfs "));

    //  unmounted: predicted, done with its fstab line, then nothing to do
    s_sls("gone", "gone:\n  mount.unmounted:\n    - name: %s\n    - persist: True\n", s_mnt);
    s_sls("gone_other", "gone:\n  mount.unmounted:\n    - name: %s\n    - device: otherdev\n",
          s_mnt);
    st_apply(&fx, s_tree, "gone_other", false);
    st_expect(&fx, "gone", BR_RESULT_FALSE, false, "not otherdev: left mounted");
    st_fini(&fx);
    st_apply(&fx, s_tree, "gone", true);
    st_expect(&fx, "gone", BR_RESULT_NONE, false, "is mounted but should not be");
    st_fini(&fx);
    st_apply(&fx, s_tree, "gone", false);
    st_expect(&fx, "gone", BR_RESULT_TRUE, true, "Target was successfully unmounted");
    CHECK_STR(st_change(&fx, "gone", "persist"), "purged");
    st_fini(&fx);
    st_apply(&fx, s_tree, "gone", false);
    st_expect(&fx, "gone", BR_RESULT_TRUE, false, "Target was already unmounted");
    st_fini(&fx);
    CHECK(s_mounted_opts(s_mnt) == NULL);

    //  Refusals: mkfs on something that is no block device, no mount point
    s_sls("bad",
          "no_mkfs:\n  mount.mounted:\n    - name: %s\n    - device: brinetmp\n"
          "    - fstype: tmpfs\n    - mkfs: True\n"
          "no_point:\n  mount.mounted:\n    - name: %s/not/there\n    - device: brinetmp\n"
          "    - fstype: tmpfs\n"
          "bad_opt:\n  mount.mounted:\n    - name: %s\n    - device: brinetmp\n"
          "    - fstype: tmpfs\n    - opts: [bind]\n",
          s_mnt, s_dir, s_mnt);
    st_apply(&fx, s_tree, "bad", false);
    st_expect(&fx, "no_mkfs", BR_RESULT_FALSE, false, "mkfs: brinetmp is not a block device");
    st_expect(&fx, "no_point", BR_RESULT_FALSE, false, "(mkmnt: True creates it)");
    st_expect(&fx, "bad_opt", BR_RESULT_FALSE, false, "option 'bind' is not supported");
    st_fini(&fx);
}

//  losetup; the loop device's path, or NULL when none can be had here
static char *
s_loop_attach(const char *image)
{
    const char *argv[] = {"losetup", "-f", "--show", image, NULL};
    br_exec_result_t r;
    br_errmsg_t err = {{0}};
    char *dev = NULL;
    if (br_exec_ok(argv, NULL, &r, &err) == BR_OK && r.out_size > 1) {
        r.out[strcspn(r.out, "\n")] = 0;
        dev = strdup(r.out);
    }
    br_exec_result_fini(&r);
    return dev;
}

static bool
s_run(const char *const *argv)
{
    br_exec_result_t r;
    br_errmsg_t err = {{0}};
    int rc = br_exec_ok(argv, NULL, &r, &err);
    if (rc != BR_OK) {
        fprintf(stderr, "  (%s)\n", err.text);
    }
    br_exec_result_fini(&r);
    return rc == BR_OK;
}

//  True when the file holds only zero bytes
static bool
s_all_zero(const char *path)
{
    FILE *f = fopen(path, "rb");
    char block[65536];
    size_t got;
    bool zero = f != NULL;
    while (f && zero && (got = fread(block, 1, sizeof block, f)) > 0) {
        for (size_t i = 0; i < got && zero; i++) {
            zero = block[i] == 0;
        }
    }
    if (f) {
        fclose(f);
    }
    return zero;
}

static void
test_loop_mkfs(void)
{
    char image[600], point[600], link[600], marker[700];
    snprintf(image, sizeof image, "%s/disk.img", s_dir);
    snprintf(point, sizeof point, "%s/loopmnt", s_dir);
    snprintf(link, sizeof link, "%s/disk-link", s_dir);
    FILE *f = fopen(image, "w");
    if (!f || ftruncate(fileno(f), 32 << 20) != 0) {
        test_failures++;
    }
    if (f) {
        fclose(f);
    }
    char *dev = s_loop_attach(image);
    if (!dev) {
        printf("  (no loop device here: mkfs part skipped)\n");
        return;
    }
    CHECK(symlink(dev, link) == 0);
    const char *state = "data:\n  mount.mounted:\n    - name: %s\n    - device: %s\n"
                        "    - fstype: %s\n    - mkfs: True\n    - mkmnt: True\n";
    st_fixture_t fx;
    s_sls("loop", state, point, dev, "ext4");
    st_apply(&fx, s_tree, "loop", true);
    st_expect(&fx, "data", BR_RESULT_NONE, false, "would be formatted as ext4");
    st_fini(&fx);
    CHECK(s_all_zero(image)); //  test=True wrote nothing

    st_apply(&fx, s_tree, "loop", false);
    st_expect(&fx, "data", BR_RESULT_TRUE, true, "Created ext4 filesystem on");
    CHECK_STR(st_change(&fx, "data", "mkfs"), "ext4");
    st_fini(&fx);
    snprintf(marker, sizeof marker, "%s/marker", point);
    CHECK(st_write(marker, "precious\n") == 0);
    //  By symlink: the same device (major:minor), already mounted
    s_sls("loop_link", state, point, link, "ext4");
    st_apply(&fx, s_tree, "loop_link", false);
    st_expect(&fx, "data", BR_RESULT_TRUE, false, "Target was already mounted");
    st_fini(&fx);
    CHECK(umount(point) == 0);

    //  Not mounted, already ext4: mounted without a new filesystem
    st_apply(&fx, s_tree, "loop", false);
    st_expect(&fx, "data", BR_RESULT_TRUE, true, "Target was successfully mounted");
    CHECK(st_change(&fx, "data", "mkfs") == NULL);
    st_fini(&fx);
    CHECK(umount(point) == 0);

    //  Another filesystem asked for: refused (S7), in test=True too, and the
    //  data is still there
    s_sls("loop_ext2", state, point, dev, "ext2");
    st_apply(&fx, s_tree, "loop_ext2", true);
    st_expect(&fx, "data", BR_RESULT_FALSE, false, "Refusing to create an ext2 filesystem on");
    st_fini(&fx);
    st_apply(&fx, s_tree, "loop_ext2", false);
    st_expect(&fx, "data", BR_RESULT_FALSE, false, "it holds an ext4 filesystem (force: True");
    st_fini(&fx);
    st_apply(&fx, s_tree, "loop", false);
    st_expect(&fx, "data", BR_RESULT_TRUE, true, "Target was successfully mounted");
    st_fini(&fx);
    FILE *m = fopen(marker, "r");
    char text[32] = "";
    CHECK(m && fgets(text, sizeof text, m) && strcmp(text, "precious\n") == 0);
    if (m) {
        fclose(m);
    }
    CHECK(umount(point) == 0);

    //  force: True wipes and makes the other filesystem
    s_sls("loop_force",
          "data:\n  mount.mounted:\n    - name: %s\n    - device: %s\n"
          "    - fstype: ext2\n    - mkfs: True\n    - force: True\n",
          point, dev);
    st_apply(&fx, s_tree, "loop_force", false);
    st_expect(&fx, "data", BR_RESULT_TRUE, true, "Created ext2 filesystem on");
    st_fini(&fx);
    CHECK(umount(point) == 0);
    const char *detach[] = {"losetup", "-d", dev, NULL};
    CHECK(s_run(detach));
    free(dev);
}

int
main(void)
{
    if (geteuid() != 0) {
        printf("unit_mount: skipped: mount(2) needs root\n");
        return 77;
    }
    s_dir = test_tmpdir();
    snprintf(s_tree, sizeof s_tree, "%s/tree", s_dir);
    snprintf(s_mnt, sizeof s_mnt, "%s/mnt/my data", s_dir);
    CHECK(mkdir(s_tree, 0700) == 0);
    //  Can this host mount a tmpfs at all (a container may refuse)?
    char probe[600];
    snprintf(probe, sizeof probe, "%s/probe", s_dir);
    CHECK(mkdir(probe, 0700) == 0);
    if (mount("brineprobe", probe, "tmpfs", 0, "size=1m") != 0) {
        printf("unit_mount: skipped: cannot mount a tmpfs here: %s\n", strerror(errno));
        test_rmtree(s_dir);
        free(s_dir);
        return 77;
    }
    CHECK(umount(probe) == 0);
    char fstab[600];
    snprintf(fstab, sizeof fstab, "%s/fstab", s_dir);
    setenv("BRINE_FSTAB", fstab, 1);
    test_tmpfs();
    test_loop_mkfs();
    //  Leave nothing mounted under the directory before removing it
    for (int i = 0; i < 4 && umount2(s_mnt, MNT_DETACH) == 0; i++) {
    }
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_mount");
}
