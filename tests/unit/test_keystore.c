/*  Unit tests for br_keystore: Salt's enrolment rules, the operator's
    actions, reloading what another process changed, and refusal of bad ids
    and junk files. */
#include "brine.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static char *s_base; //  scratch directory
static char s_pki[512];

static const char *s_dirs[] = {"minions", "minions_pre", "minions_rejected", "minions_denied"};

static void
s_key(uint8_t key[BR_KEY_SIZE], uint8_t seed)
{
    memset(key, seed, BR_KEY_SIZE);
}

static bool
s_exists(const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/%s", s_pki, dir, name);
    return lstat(path, &st) == 0;
}

//  Entries in the store's directories and beside it
static long
s_count_entries(void)
{
    long count = 0;
    char path[1024];
    for (int i = -2; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s%s", i == -2 ? s_base : s_pki, i >= 0 ? "/" : "",
                 i >= 0 ? s_dirs[i] : "");
        DIR *dir = opendir(path);
        CHECK(dir);
        for (struct dirent *e = dir ? readdir(dir) : NULL; e; e = readdir(dir)) {
            count++;
        }
        if (dir) {
            closedir(dir);
        }
    }
    return count;
}

static void
s_set_old_mtimes(void)
{
    struct timespec old[2] = {{1600000000, 0}, {1600000000, 0}};
    char path[1024];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", s_pki, s_dirs[i]);
        CHECK_EQ_INT(utimensat(AT_FDCWD, path, old, 0), 0);
    }
}

static void
s_test_rules(br_keystore_t *store)
{
    br_errmsg_t err;
    uint8_t a[BR_KEY_SIZE], b[BR_KEY_SIZE], c[BR_KEY_SIZE], d[BR_KEY_SIZE], got[BR_KEY_SIZE];
    const char *id = NULL;
    s_key(a, 0xa1);
    s_key(b, 0xb2);
    s_key(c, 0xc3);
    s_key(d, 0xd4);

    //  Unknown -> pending
    CHECK_EQ_INT(br_keystore_state(store, "web1", NULL), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_lookup(store, a, &id), BR_KEY_UNKNOWN);
    CHECK(id == NULL);
    CHECK_EQ_INT(br_keystore_enrol(store, "web1", a, &err), BR_KEY_PENDING);
    CHECK(s_exists("minions_pre", "web1"));
    CHECK_EQ_INT(br_keystore_state(store, "web1", got), BR_KEY_PENDING);
    CHECK(memcmp(got, a, BR_KEY_SIZE) == 0);
    CHECK_EQ_INT(br_keystore_lookup(store, a, &id), BR_KEY_PENDING);
    CHECK_STR(id, "web1");
    CHECK_EQ_INT(br_keystore_enrol(store, "web1", a, &err), BR_KEY_PENDING);

    //  Pending with another key -> denied; the pending key stays
    CHECK_EQ_INT(br_keystore_enrol(store, "web1", b, &err), BR_KEY_DENIED);
    CHECK(s_exists("minions_denied", "web1"));
    CHECK_EQ_INT(br_keystore_state(store, "web1", got), BR_KEY_PENDING);
    CHECK(memcmp(got, a, BR_KEY_SIZE) == 0);
    CHECK_EQ_INT(br_keystore_lookup(store, b, &id), BR_KEY_DENIED);
    CHECK_STR(id, "web1");

    //  Accept: pending -> accepted
    CHECK_EQ_INT(br_keystore_accept(store, "web1", &err), 0);
    CHECK(s_exists("minions", "web1") && !s_exists("minions_pre", "web1"));
    CHECK_EQ_INT(br_keystore_state(store, "web1", NULL), BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_lookup(store, a, &id), BR_KEY_ACCEPTED);
    CHECK_STR(id, "web1");
    CHECK_EQ_INT(br_keystore_enrol(store, "web1", a, &err), BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_accept(store, "web1", &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, "web1") != NULL);
    CHECK_EQ_INT(br_keystore_accept(store, "nobody", &err), BR_ERR_NOTFOUND);

    //  Accepted with another key -> denied (the last attempt is kept), and
    //  the accepted key is untouched
    CHECK_EQ_INT(br_keystore_enrol(store, "web1", c, &err), BR_KEY_DENIED);
    CHECK_EQ_INT(br_keystore_state(store, "web1", got), BR_KEY_ACCEPTED);
    CHECK(memcmp(got, a, BR_KEY_SIZE) == 0);
    CHECK_EQ_INT(br_keystore_lookup(store, a, &id), BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_lookup(store, c, &id), BR_KEY_DENIED);
    CHECK_EQ_INT(br_keystore_lookup(store, b, &id), BR_KEY_UNKNOWN);
    char path[1024];
    snprintf(path, sizeof path, "%s/minions_denied/web1", s_pki);
    CHECK_EQ_INT(br_pubkey_load(got, path, &err), 0);
    CHECK(memcmp(got, c, BR_KEY_SIZE) == 0);

    //  Reject: pending -> rejected; a rejected id stays rejected whatever
    //  key it comes with, and nothing is written for it
    CHECK_EQ_INT(br_keystore_enrol(store, "web2", d, &err), BR_KEY_PENDING);
    CHECK_EQ_INT(br_keystore_reject(store, "web2", &err), 0);
    CHECK(s_exists("minions_rejected", "web2") && !s_exists("minions_pre", "web2"));
    CHECK_EQ_INT(br_keystore_state(store, "web2", NULL), BR_KEY_REJECTED);
    CHECK_EQ_INT(br_keystore_lookup(store, d, &id), BR_KEY_REJECTED);
    CHECK_EQ_INT(br_keystore_enrol(store, "web2", d, &err), BR_KEY_REJECTED);
    CHECK_EQ_INT(br_keystore_enrol(store, "web2", b, &err), BR_KEY_REJECTED);
    CHECK(!s_exists("minions_denied", "web2") && !s_exists("minions_pre", "web2"));
    CHECK_EQ_INT(br_keystore_reject(store, "web2", &err), BR_ERR_NOTFOUND);
    //  ... rejected -> accepted -> rejected
    CHECK_EQ_INT(br_keystore_accept(store, "web2", &err), 0);
    CHECK_EQ_INT(br_keystore_state(store, "web2", NULL), BR_KEY_ACCEPTED);
    CHECK(!s_exists("minions_rejected", "web2"));
    CHECK_EQ_INT(br_keystore_reject(store, "web2", &err), 0);
    CHECK_EQ_INT(br_keystore_state(store, "web2", NULL), BR_KEY_REJECTED);
    CHECK(!s_exists("minions", "web2"));

    //  Delete: from every state
    CHECK_EQ_INT(br_keystore_delete(store, "web1", &err), 0);
    CHECK(!s_exists("minions", "web1") && !s_exists("minions_denied", "web1"));
    CHECK_EQ_INT(br_keystore_state(store, "web1", NULL), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_lookup(store, a, &id), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_lookup(store, c, &id), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_delete(store, "web1", &err), BR_ERR_NOTFOUND);
    CHECK_EQ_INT(br_keystore_delete(store, "web2", &err), 0);

    //  Lists are sorted as Salt sorts them (ignoring case)
    const char *ids[] = {"b", "a", "C", "A"};
    for (size_t i = 0; i < 4; i++) {
        s_key(got, (uint8_t)(0x10 + i));
        CHECK_EQ_INT(br_keystore_enrol(store, ids[i], got, &err), BR_KEY_PENDING);
    }
    zlistx_t *list = br_keystore_list(store, BR_KEY_PENDING);
    CHECK(list && zlistx_size(list) == 4);
    const char *sorted[] = {"A", "a", "b", "C"};
    size_t i = 0;
    for (const char *each = list ? zlistx_first(list) : NULL; each; each = zlistx_next(list)) {
        CHECK(i < 4 && streq(each, sorted[i]));
        i++;
    }
    zlistx_destroy(&list);
    list = br_keystore_list(store, BR_KEY_ACCEPTED);
    CHECK(list && zlistx_size(list) == 0);
    zlistx_destroy(&list);
    list = br_keystore_list(store, BR_KEY_UNKNOWN);
    CHECK(list && zlistx_size(list) == 0);
    zlistx_destroy(&list);
    for (i = 0; i < 4; i++) {
        CHECK_EQ_INT(br_keystore_delete(store, ids[i], &err), 0);
    }
    CHECK_STR(br_key_state_name(BR_KEY_PENDING), "pending");
    CHECK_STR(br_key_state_name(BR_KEY_DENIED), "denied");
    CHECK_STR(br_key_state_name((br_key_state_t)42), "unknown");
}

static void
s_test_bad_ids(br_keystore_t *store)
{
    br_errmsg_t err;
    uint8_t key[BR_KEY_SIZE];
    s_key(key, 0x55);
    char long_id[BR_ID_MAX + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const char *bad[] = {"../x", "", "a/b", ".hidden", "..", ".", "-x", "a b", long_id};
    long before = s_count_entries();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(br_keystore_enrol(store, bad[i], key, &err), BR_ERR_BADID);
        CHECK_EQ_INT(br_keystore_accept(store, bad[i], &err), BR_ERR_BADID);
        CHECK_EQ_INT(br_keystore_reject(store, bad[i], &err), BR_ERR_BADID);
        CHECK_EQ_INT(br_keystore_delete(store, bad[i], &err), BR_ERR_BADID);
        CHECK_EQ_INT(br_keystore_state(store, bad[i], NULL), BR_KEY_UNKNOWN);
    }
    CHECK_EQ_INT(br_keystore_enrol(store, NULL, key, &err), BR_ERR_BADID);
    CHECK_EQ_INT(s_count_entries(), before);
    CHECK(br_id_valid(long_id + 1)); //  64 characters are fine
    CHECK(!br_id_valid_n("web\0x", 5));
    CHECK(br_id_valid_n("web\0x", 3));
}

//  A second store object stands for another process (brine-key)
static void
s_test_refresh(br_keystore_t *store)
{
    br_errmsg_t err;
    uint8_t key[BR_KEY_SIZE];
    s_key(key, 0x77);
    br_keystore_t *other = br_keystore_new(s_pki, &err);
    CHECK(other);
    if (!other) {
        return;
    }
    //  Settle: with old mtimes and a fresh load, nothing has changed
    s_set_old_mtimes();
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 1);
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 0);

    CHECK_EQ_INT(br_keystore_enrol(other, "web3", key, &err), BR_KEY_PENDING);
    CHECK_EQ_INT(br_keystore_state(store, "web3", NULL), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 1);
    CHECK_EQ_INT(br_keystore_state(store, "web3", NULL), BR_KEY_PENDING);
    CHECK_EQ_INT(br_keystore_accept(other, "web3", &err), 0);
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 1);
    CHECK_EQ_INT(br_keystore_state(store, "web3", NULL), BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_lookup(store, key, NULL), BR_KEY_ACCEPTED);

    //  A deletion, the change that matters most: a revoked key must stop
    //  working
    s_set_old_mtimes();
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 1);
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 0);
    CHECK_EQ_INT(br_keystore_delete(other, "web3", &err), 0);
    CHECK_EQ_INT(br_keystore_refresh(store, &err), 1);
    CHECK_EQ_INT(br_keystore_state(store, "web3", NULL), BR_KEY_UNKNOWN);
    CHECK_EQ_INT(br_keystore_lookup(store, key, NULL), BR_KEY_UNKNOWN);

    //  A change the first store has not seen yet still guides its actions
    CHECK_EQ_INT(br_keystore_enrol(other, "web4", key, &err), BR_KEY_PENDING);
    CHECK_EQ_INT(br_keystore_accept(store, "web4", &err), 0);
    CHECK_EQ_INT(br_keystore_state(store, "web4", NULL), BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_delete(other, "web4", &err), 0);
    CHECK_EQ_INT(br_keystore_delete(store, "web4", &err), BR_ERR_NOTFOUND);
    br_keystore_destroy(&other);
    CHECK(other == NULL);
    br_keystore_destroy(&other);
}

static void
s_write(const char *dir, const char *name, const char *content)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", s_pki, dir, name);
    FILE *file = fopen(path, "w");
    CHECK(file);
    if (file) {
        fputs(content, file);
        fclose(file);
    }
}

//  The sealing key a minion sends at enrolment is filed with its key, moves
//  with it, survives a reload, and is never replaced
static void
s_test_seal_key(br_keystore_t *store)
{
    br_errmsg_t err;
    uint8_t key[BR_KEY_SIZE], seal[BR_KEY_SIZE], other_seal[BR_KEY_SIZE], got[BR_KEY_SIZE];
    s_key(key, 0x51);
    s_key(seal, 0x52);
    s_key(other_seal, 0x53);

    //  Pending without one: older minions, one-line key files
    CHECK_EQ_INT(br_keystore_enrol_sealed(store, "old1", key, NULL, &err), BR_KEY_PENDING);
    CHECK(!br_keystore_seal_key(store, "old1", got));
    CHECK_EQ_INT(br_keystore_accept(store, "old1", &err), 0);
    CHECK(!br_keystore_seal_key(store, "old1", got));
    CHECK_EQ_INT(br_keystore_delete(store, "old1", &err), 0);

    //  Pending with one: the second line of the pending file
    CHECK_EQ_INT(br_keystore_enrol_sealed(store, "seal1", key, seal, &err), BR_KEY_PENDING);
    CHECK(br_keystore_seal_key(store, "seal1", got) && memcmp(got, seal, BR_KEY_SIZE) == 0);
    char path[1024], text[128] = "";
    snprintf(path, sizeof path, "%s/minions_pre/seal1", s_pki);
    FILE *file = fopen(path, "r");
    CHECK(file);
    size_t len = file ? fread(text, 1, sizeof text - 1, file) : 0;
    if (file) {
        fclose(file);
    }
    CHECK_EQ_INT((int)len, 2 * (BR_Z85_KEY_LEN + 1));

    //  Accepted: it moves with the key, and a reload reads it back
    CHECK_EQ_INT(br_keystore_accept(store, "seal1", &err), 0);
    br_keystore_t *again = br_keystore_new(s_pki, &err);
    CHECK(again);
    if (again) {
        CHECK_EQ_INT(br_keystore_state(again, "seal1", NULL), BR_KEY_ACCEPTED);
        CHECK(br_keystore_seal_key(again, "seal1", got) && memcmp(got, seal, BR_KEY_SIZE) == 0);
        br_keystore_destroy(&again);
    }

    //  Pinned: the same minion key with another sealing key, or with none,
    //  changes nothing
    CHECK_EQ_INT(br_keystore_enrol_sealed(store, "seal1", key, other_seal, &err),
                 BR_KEY_ACCEPTED);
    CHECK_EQ_INT(br_keystore_enrol_sealed(store, "seal1", key, NULL, &err), BR_KEY_ACCEPTED);
    CHECK(br_keystore_seal_key(store, "seal1", got) && memcmp(got, seal, BR_KEY_SIZE) == 0);
    CHECK_EQ_INT(br_keystore_delete(store, "seal1", &err), 0);
    CHECK(!br_keystore_seal_key(store, "seal1", got));

    //  A second line that is not a key: the file is skipped, named
    s_write("minions", "badseal", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\nnot a key\n");
    again = br_keystore_new(s_pki, &err);
    CHECK(again);
    if (again) {
        CHECK_EQ_INT(br_keystore_state(again, "badseal", NULL), BR_KEY_UNKNOWN);
        br_keystore_destroy(&again);
    }
    uint8_t loaded[BR_KEY_SIZE];
    bool has_seal = true;
    snprintf(path, sizeof path, "%s/minions/badseal", s_pki);
    CHECK_EQ_INT(br_pubkey_load_sealed(loaded, got, &has_seal, path, &err), BR_ERR_MALFORMED);
    CHECK(strstr(err.text, path) && strstr(err.text, "line 2"));
    CHECK(unlink(path) == 0);
}

static void
s_test_junk(void)
{
    br_errmsg_t err;
    uint8_t key[BR_KEY_SIZE];
    char z85[BR_Z85_KEY_LEN + 2];
    s_key(key, 0x42);
    br_pubkey_z85(key, z85);
    strcat(z85, "\n");
    s_write("minions", "good", z85);
    s_write("minions", ".hidden", z85);
    s_write("minions", "bad name", z85);
    s_write("minions", "bad\x1b[31mname", z85);
    s_write("minions", ".brine-tmp.abcdef", z85);
    s_write("minions", "junk", "this is not a key\n");
    s_write("minions", "empty", "");
    s_write("minions_pre", "short", "0123\n");
    char path[1024], target[1024];
    snprintf(path, sizeof path, "%s/minions/subdir", s_pki);
    CHECK_EQ_INT(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/minions/link", s_pki);
    snprintf(target, sizeof target, "%s/minions/good", s_pki);
    CHECK_EQ_INT(symlink(target, path), 0);

    br_keystore_t *store = br_keystore_new(s_pki, &err);
    CHECK(store);
    if (!store) {
        return;
    }
    CHECK_EQ_INT(br_keystore_state(store, "good", NULL), BR_KEY_ACCEPTED);
    const char *skipped[] = {"junk", "empty", "short", "subdir", "link"};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
        CHECK_EQ_INT(br_keystore_state(store, skipped[i], NULL), BR_KEY_UNKNOWN);
    }
    zlistx_t *list = br_keystore_list(store, BR_KEY_ACCEPTED);
    CHECK(list && zlistx_size(list) == 1);
    zlistx_destroy(&list);
    const char *id = NULL;
    CHECK_EQ_INT(br_keystore_lookup(store, key, &id), BR_KEY_ACCEPTED);
    CHECK_STR(id, "good");
    //  A junk file in the way of an action is replaced, not trusted
    CHECK_EQ_INT(br_keystore_enrol(store, "junk", key, &err), BR_KEY_PENDING);
    br_keystore_destroy(&store);

    //  A directory others can write to would let them accept keys
    snprintf(path, sizeof path, "%s/minions", s_pki);
    CHECK_EQ_INT(chmod(path, 0777), 0);
    store = br_keystore_new(s_pki, &err);
    CHECK(store == NULL);
    CHECK(strstr(err.text, path) && strstr(err.text, "writable"));
    CHECK_EQ_INT(chmod(path, 0700), 0);
    CHECK(br_keystore_new(NULL, &err) == NULL);
}

int
main(void)
{
    br_errmsg_t err;
    CHECK(sodium_init() >= 0);
    //  Directories are 0700 whatever the umask
    umask(0);
    s_base = test_tmpdir();
    CHECK(s_base);
    if (!s_base) {
        return test_done("unit_keystore");
    }
    //  Missing parents are created too, as for a fresh /etc/brine/pki/master
    snprintf(s_pki, sizeof s_pki, "%s/pki/master", s_base);
    br_keystore_t *store = br_keystore_new(s_pki, &err);
    CHECK(store);
    struct stat st;
    CHECK(stat(s_pki, &st) == 0 && (st.st_mode & 07777) == 0700);
    for (int i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", s_pki, s_dirs[i]);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700);
    }
    if (store) {
        s_test_rules(store);
        s_test_bad_ids(store);
        s_test_refresh(store);
        s_test_seal_key(store);
        br_keystore_destroy(&store);
    }
    s_test_junk();
    test_rmtree(s_base);
    free(s_base);
    return test_done("unit_keystore");
}
