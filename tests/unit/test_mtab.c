/*  Unit tests of br_mtab: mountinfo lines (escapes, optional fields,
    stacked mounts, malformed lines) and atomic fstab edits. */
#include "br_mtab.h"
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

static const char s_sample[] =
    "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "29 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro\n"
    "40 29 253:0 / /srv/my\\040data rw,noatime shared:30 master:2 - ext4 "
    "/dev/mapper/vg-my\\040data rw\n"
    "41 29 0:50 / /mnt/tab\\011and\\134slash rw - tmpfs tmp\\040fs rw,size=4096k\n"
    "42 40 0:51 / /srv/my\\040data rw,nosuid - tmpfs over rw\n"
    "43 29 0:52 /sub /bind ro - tmpfs none\n";

static void
test_parse(void)
{
    br_mountinfo_t *table = NULL;
    br_errmsg_t err = {{0}};
    CHECK_EQ_INT(br_mountinfo_parse(s_sample, strlen(s_sample), &table, &err), BR_OK);
    CHECK_EQ_INT(br_mountinfo_size(table), 6);
    const br_mount_t *m = br_mountinfo_at(table, 2);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(m->mount_id, 40);
        CHECK_EQ_INT(m->parent_id, 29);
        CHECK_EQ_INT(m->major, 253);
        CHECK_EQ_INT(m->minor, 0);
        CHECK_STR(m->root, "/");
        CHECK_STR(m->target, "/srv/my data");
        CHECK_STR(m->options, "rw,noatime");
        CHECK_STR(m->fstype, "ext4");
        CHECK_STR(m->source, "/dev/mapper/vg-my data");
        CHECK_STR(m->super_options, "rw");
    }
    m = br_mountinfo_at(table, 3);
    CHECK(m && strcmp(m->target, "/mnt/tab\tand\\slash") == 0);
    CHECK(m && strcmp(m->source, "tmp fs") == 0);
    //  Stacked: the last mount on a point is the one visible
    m = br_mountinfo_find(table, "/srv/my data");
    CHECK(m && m->mount_id == 42 && strcmp(m->source, "over") == 0);
    m = br_mountinfo_find(table, "/");
    CHECK(m && m->major == 254 && m->minor == 1);
    //  No super options at all
    m = br_mountinfo_find(table, "/bind");
    CHECK(m && strcmp(m->super_options, "") == 0 && strcmp(m->root, "/sub") == 0);
    CHECK(br_mountinfo_find(table, "/srv") == NULL);
    CHECK(br_mountinfo_at(table, 6) == NULL);
    br_mountinfo_destroy(&table);
    br_mountinfo_destroy(&table);

    //  This host's own table parses, and / is in it
    CHECK_EQ_INT(br_mountinfo_load(NULL, &table, &err), BR_OK);
    CHECK(br_mountinfo_find(table, "/") != NULL);
    br_mountinfo_destroy(&table);
}

static void
test_malformed(void)
{
    static const char *const bad[] = {
        "22 1 0:21 / /proc rw\n",                       //  no separator
        "22 1 0:21 / /proc rw - proc\n",                //  no source
        "x 1 0:21 / /proc rw - proc proc rw\n",         //  id not a number
        "22 1 021 / /proc rw - proc proc rw\n",         //  no major:minor
        "22 1 0:-1 / /proc rw - proc proc rw\n",        //  negative minor
        "22 1 0:21 / /proc rw opt - \n",                //  nothing after -
        "22 1 99999999:21 / /proc rw - proc proc rw\n", //  major too big
        NULL,
    };
    for (size_t i = 0; bad[i]; i++) {
        br_mountinfo_t *table = NULL;
        br_errmsg_t err = {{0}};
        int rc = br_mountinfo_parse(bad[i], strlen(bad[i]), &table, &err);
        if (rc != BR_ERR_MALFORMED || table || !strstr(err.text, "line 1")) {
            fprintf(stderr, "bad mountinfo %zu: rc %d '%s'\n", i, rc, err.text);
            test_failures++;
        }
        br_mountinfo_destroy(&table);
    }
    //  A NUL inside a line
    br_mountinfo_t *table = NULL;
    br_errmsg_t err = {{0}};
    CHECK_EQ_INT(br_mountinfo_parse("1 2 0:1 / /a rw - t s\0x\n", 24, &table, &err),
                 BR_ERR_MALFORMED);
    //  An encoded NUL stays text instead of cutting the string
    char text[] = "a\\000b\\040c\\";
    CHECK_EQ_INT(br_mtab_decode(text), 9);
    CHECK_STR(text, "a\\000b c\\");
    char enc[64];
    br_mtab_encode("my data\t\\x", enc, sizeof enc);
    CHECK_STR(enc, "my\\040data\\011\\134x");
    br_mtab_encode("a b", enc, 4); //  truncated before an escape that does not fit
    CHECK_STR(enc, "a");
    CHECK(br_mtab_has_option("rw,noexec,relatime", "noexec"));
    CHECK(!br_mtab_has_option("rw,noexecx", "noexec"));
    CHECK(!br_mtab_has_option("", "rw"));
}

static char *
s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        return strdup("(missing)");
    }
    char *text = calloc(1, 8192);
    size_t got = fread(text, 1, 8191, f);
    text[got] = 0;
    fclose(f);
    return text;
}

static void
test_fstab(void)
{
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/fstab", dir);
    br_fstab_outcome_t outcome;
    br_errmsg_t err = {{0}};

    //  A missing table: the line is added, the file created 0644
    CHECK_EQ_INT(br_fstab_set(path, "/dev/vg/data", "/srv/my data", "ext4", "noatime", false,
                              &outcome, &err),
                 BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_NEW);
    char *text = s_slurp(path);
    CHECK_STR(text, "/dev/vg/data /srv/my\\040data ext4 noatime 0 0\n");
    free(text);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);

    //  Comments and other lines are kept; the same line again is no change
    FILE *f = fopen(path, "w");
    fputs("# static file system information\n"
          "UUID=abc / ext4 errors=remount-ro 0 1\n"
          "/dev/vg/data\t/srv/my\\040data  ext4 noatime 0 2\n"
          "proc /proc proc defaults 0 0",
          f); //  no final newline
    fclose(f);
    CHECK_EQ_INT(br_fstab_set(path, "/dev/vg/data", "/srv/my data", "ext4", "noatime", false,
                              &outcome, &err),
                 BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_PRESENT);
    CHECK_EQ_INT(br_fstab_set(path, "/dev/vg/data", "/srv/my data", "ext4", "noatime,nodev", true,
                              &outcome, &err),
                 BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_UPDATED);
    text = s_slurp(path);
    CHECK(strstr(text, "noatime 0 2\n") != NULL); //  dry run: untouched
    free(text);
    CHECK_EQ_INT(br_fstab_set(path, "/dev/vg/data", "/srv/my data", "ext4", "noatime,nodev", false,
                              &outcome, &err),
                 BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_UPDATED);
    text = s_slurp(path);
    CHECK_STR(text, "# static file system information\n"
                    "UUID=abc / ext4 errors=remount-ro 0 1\n"
                    "/dev/vg/data /srv/my\\040data ext4 noatime,nodev 0 0\n"
                    "proc /proc proc defaults 0 0\n");
    free(text);

    //  Removing: every line for the point, and then nothing more to do
    CHECK_EQ_INT(br_fstab_remove(path, "/srv/my data", false, &outcome, &err), BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_REMOVED);
    CHECK_EQ_INT(br_fstab_remove(path, "/srv/my data", false, &outcome, &err), BR_OK);
    CHECK_EQ_INT(outcome, BR_FSTAB_PRESENT);
    text = s_slurp(path);
    CHECK(strstr(text, "my\\040data") == NULL && strstr(text, "UUID=abc") != NULL);
    free(text);
    //  No temporary file is left beside it
    zdir_t *z = zdir_new(dir, NULL);
    CHECK(z && zdir_count(z) == 1);
    zdir_destroy(&z);

    //  A table that cannot be written: a clear error
    CHECK_EQ_INT(br_fstab_set("/nonexistent/dir/fstab", "a", "/b", "ext4", "defaults", false,
                              &outcome, &err),
                 BR_ERR_IO);
    CHECK(strstr(err.text, "/nonexistent/dir/fstab") != NULL);
    test_rmtree(dir);
    free(dir);
}

int
main(void)
{
    test_parse();
    test_malformed();
    test_fstab();
    return test_done("unit_mtab");
}
