/*  br_keystore: the master's minion keys, kept in Salt's four directories
    and mirrored in memory for the ZAP handler.

    The disk is the truth: every change is written there first (atomically)
    and then applied to the tables, and br_keystore_refresh() reloads all of
    it when another process (brine-key) changed a directory. */
#include "brine.h"

#include <dirent.h>
#include <strings.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  One directory and one table per state; index is br_key_state_t - 1
#define S_STATES 4

static const char *s_dir_names[S_STATES] = {"minions", "minions_pre", "minions_rejected",
                                            "minions_denied"};

//  br_pubkey_save's temporary files; a leftover one is a crash, not junk
#define S_TMP_PREFIX ".brine-tmp."

//  What the key index says about a public key
typedef struct {
    br_key_state_t state;   //  the first state (in br_key_state_t order) holding the key
    char id[BR_ID_MAX + 1]; //  the id it is filed under there
} s_keyref_t;

//  Identifies a version of a directory: any add, remove or rename in it
//  changes the mtime, and a replaced directory has another inode
typedef struct {
    bool valid; //  false: reload at the next refresh whatever the stat says
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
} s_stamp_t;

//  What one key file holds: the minion's CURVE key and, when it sent one at
//  enrolment, the key its jobs are sealed to
typedef struct {
    uint8_t key[BR_KEY_SIZE];
    bool has_seal;
    uint8_t seal[BR_KEY_SIZE];
} s_entry_t;

struct _br_keystore_t {
    char *pki_dir;              //  as given
    char *dirs[S_STATES];       //  pki_dir/minions... one per state
    zhashx_t *ids[S_STATES];    //  id -> s_entry_t, per state
    zhashx_t *keys;             //  Z85 public key -> s_keyref_t
    s_stamp_t stamps[S_STATES]; //  of each directory at the last load
};

static bool
s_state_valid(br_key_state_t state)
{
    return state >= BR_KEY_ACCEPTED && state <= BR_KEY_DENIED;
}

const char *
br_key_state_name(br_key_state_t state)
{
    static const char *names[] = {"unknown", "accepted", "pending", "rejected", "denied"};
    return names[s_state_valid(state) ? state : BR_KEY_UNKNOWN];
}

static void
s_free_item(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static zhashx_t *
s_table_new(void)
{
    zhashx_t *table = zhashx_new();
    if (table) {
        zhashx_set_destructor(table, s_free_item);
    }
    return table;
}

//  Files a copy of entry under id in an id table. False when out of memory.
static bool
s_table_set(zhashx_t *table, const char *id, const s_entry_t *entry)
{
    s_entry_t *item = malloc(sizeof *item);
    if (!item) {
        return false;
    }
    *item = *entry;
    zhashx_update(table, id, item);
    return true;
}

static bool
s_entry_equal(const s_entry_t *a, const s_entry_t *b)
{
    return memcmp(a->key, b->key, BR_KEY_SIZE) == 0 && a->has_seal == b->has_seal &&
           (!a->has_seal || memcmp(a->seal, b->seal, BR_KEY_SIZE) == 0);
}

//  File names come from the disk and may hold anything; log a tame copy
static const char *
s_printable(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++) {
        out[i] = name[i] > 0x20 && name[i] < 0x7f ? name[i] : '?';
    }
    out[i] = '\0';
    return out;
}

static int
s_file_path(char out[PATH_MAX], const char *dir, const char *id, br_errmsg_t *err)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, id);
    if (n < 0 || n >= PATH_MAX) {
        return br_errmsg_set(err, BR_ERR_INVALID, "path %s/%s is too long", dir, id);
    }
    return 0;
}

//  Creates path and its missing parents with mode 0700; an error surfaces
//  in the stat that follows, with the directory named.
static void
s_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        return;
    }
    for (char *slash = strchr(buf + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(buf, 0700);
        *slash = '/';
    }
    mkdir(buf, 0700);
}

//  A directory anyone else can write to would let them file keys as
//  accepted, so such a store is refused rather than loaded.
static int
s_check_dir(const char *dir, br_errmsg_t *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot use key store directory %s: %s", dir,
                             strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return br_errmsg_set(err, BR_ERR_IO, "key store path %s is not a directory", dir);
    }
    if (st.st_mode & 022) {
        return br_errmsg_set(err, BR_ERR_PERM,
                             "key store directory %s is writable by others (mode %04o); "
                             "run chmod 700 %s",
                             dir, (unsigned)(st.st_mode & 07777), dir);
    }
    return 0;
}

static int
s_make_dirs(br_keystore_t *self, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    s_mkdir_p(self->pki_dir);
    if ((r = s_check_dir(self->pki_dir, err)) != 0) {
        goto out;
    }
    for (int i = 0; i < S_STATES; i++) {
        if (mkdir(self->dirs[i], 0700) != 0 && errno != EEXIST) {
            r = br_errmsg_set(err, BR_ERR_IO, "cannot create key store directory %s: %s",
                              self->dirs[i], strerror(errno));
            goto out;
        }
        if ((r = s_check_dir(self->dirs[i], err)) != 0) {
            goto out;
        }
    }
    r = 0;
out:
    return r;
}

static bool
s_stamp(const char *dir, s_stamp_t *stamp)
{
    struct stat st;
    memset(stamp, 0, sizeof *stamp);
    if (stat(dir, &st) != 0) {
        return false;
    }
    stamp->valid = true;
    stamp->dev = st.st_dev;
    stamp->ino = st.st_ino;
    stamp->mtime = st.st_mtim;
    return true;
}

static bool
s_stamp_equal(const s_stamp_t *a, const s_stamp_t *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

//  Reads one state directory into table. Entries that are not a valid id
//  holding a valid key are skipped with a warning: one bad file must not
//  take the master down nor hide the other keys.
static int
s_read_dir(const char *dir, zhashx_t *table, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    DIR *handle = opendir(dir);
    char path[PATH_MAX], shown[80];

    if (!handle) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot read key store directory %s: %s", dir,
                          strerror(errno));
        goto out;
    }
    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(handle);
        if (!entry) {
            if (errno != 0) {
                r = br_errmsg_set(err, BR_ERR_IO, "cannot read key store directory %s: %s", dir,
                                  strerror(errno));
                goto out;
            }
            break;
        }
        const char *name = entry->d_name;
        if (streq(name, ".") || streq(name, "..") ||
            strncmp(name, S_TMP_PREFIX, strlen(S_TMP_PREFIX)) == 0) {
            continue;
        }
        if (!br_id_valid(name)) {
            br_warning("key store: skipping %s/%s: not a valid minion id", dir,
                         s_printable(name, shown, sizeof shown));
            continue;
        }
        s_entry_t found;
        br_errmsg_t why;
        if (s_file_path(path, dir, name, &why) != 0 ||
            br_pubkey_load_sealed(found.key, found.seal, &found.has_seal, path, &why) != 0) {
            br_warning("key store: %s; skipping it", why.text);
            continue;
        }
        if (!s_table_set(table, name, &found)) {
            r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory reading %s", dir);
            goto out;
        }
    }
    r = 0;
out:
    if (handle) {
        closedir(handle);
    }
    return r;
}

//  Rebuilds the key index from the id tables. A key filed in several places
//  is indexed under its first state, and under the smallest id within it, so
//  that the answer does not depend on hash order.
static int
s_reindex(br_keystore_t *self)
{
    zhashx_t *keys = s_table_new();
    if (!keys) {
        return BR_ERR_NOMEM;
    }
    for (int i = 0; i < S_STATES; i++) {
        for (s_entry_t *entry = zhashx_first(self->ids[i]); entry;
             entry = zhashx_next(self->ids[i])) {
            const char *id = zhashx_cursor(self->ids[i]);
            char z85[BR_Z85_KEY_LEN + 1];
            br_pubkey_z85(entry->key, z85);
            s_keyref_t *ref = zhashx_lookup(keys, z85);
            if (ref) {
                if (ref->state == (br_key_state_t)(i + 1) && strcmp(id, ref->id) < 0) {
                    snprintf(ref->id, sizeof ref->id, "%s", id);
                }
                continue;
            }
            ref = calloc(1, sizeof *ref);
            if (!ref) {
                zhashx_destroy(&keys);
                return BR_ERR_NOMEM;
            }
            ref->state = (br_key_state_t)(i + 1);
            snprintf(ref->id, sizeof ref->id, "%s", id);
            zhashx_insert(keys, z85, ref);
        }
    }
    zhashx_destroy(&self->keys);
    self->keys = keys;
    return 0;
}

//  Loads every directory into fresh tables and swaps them in only when all
//  of them were read, so a failed reload leaves the previous view intact.
static int
s_load(br_keystore_t *self, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    zhashx_t *ids[S_STATES] = {NULL};
    s_stamp_t stamps[S_STATES];
    struct timespec now;

    if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
        r = br_errmsg_set(err, BR_ERR_INTERNAL, "cannot read the clock");
        goto out;
    }
    for (int i = 0; i < S_STATES; i++) {
        //  Stamp before reading, so that a change made while reading shows
        //  up as a newer mtime at the next refresh
        if (!s_stamp(self->dirs[i], &stamps[i])) {
            r = br_errmsg_set(err, BR_ERR_IO, "cannot stat key store directory %s: %s",
                              self->dirs[i], strerror(errno));
            goto out;
        }
        //  File systems keep mtimes in coarse ticks (even whole seconds): a
        //  change made in the same tick as this load would leave the mtime
        //  as it is now. Until the tick is surely over, reload every time
        //  rather than miss a deleted key.
        if (now.tv_sec - stamps[i].mtime.tv_sec <= 1) {
            stamps[i].valid = false;
        }
        ids[i] = s_table_new();
        if (!ids[i]) {
            r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory loading the key store");
            goto out;
        }
        if ((r = s_read_dir(self->dirs[i], ids[i], err)) != 0) {
            goto out;
        }
    }
    for (int i = 0; i < S_STATES; i++) {
        zhashx_destroy(&self->ids[i]);
        self->ids[i] = ids[i];
        ids[i] = NULL;
        self->stamps[i] = stamps[i];
    }
    if ((r = s_reindex(self)) != 0) {
        br_errmsg_set(err, r, "out of memory loading the key store");
        goto out;
    }
    r = 0;
out:
    for (int i = 0; i < S_STATES; i++) {
        zhashx_destroy(&ids[i]);
    }
    return r;
}

br_keystore_t *
br_keystore_new(const char *pki_dir, br_errmsg_t *err)
{
    br_keystore_t *self = NULL;
    if (!pki_dir || !*pki_dir) {
        br_errmsg_set(err, BR_ERR_INVALID, "no key store directory given");
        goto out;
    }
    self = calloc(1, sizeof *self);
    if (!self || !(self->pki_dir = strdup(pki_dir))) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory opening key store %s", pki_dir);
        goto fail;
    }
    for (int i = 0; i < S_STATES; i++) {
        if (asprintf(&self->dirs[i], "%s/%s", pki_dir, s_dir_names[i]) < 0) {
            self->dirs[i] = NULL;
            br_errmsg_set(err, BR_ERR_NOMEM, "out of memory opening key store %s", pki_dir);
            goto fail;
        }
    }
    if (s_make_dirs(self, err) != 0 || s_load(self, err) != 0) {
        goto fail;
    }
out:
    return self;
fail:
    br_keystore_destroy(&self);
    return NULL;
}

void
br_keystore_destroy(br_keystore_t **self_p)
{
    if (self_p && *self_p) {
        br_keystore_t *self = *self_p;
        for (int i = 0; i < S_STATES; i++) {
            zhashx_destroy(&self->ids[i]);
            free(self->dirs[i]);
        }
        zhashx_destroy(&self->keys);
        free(self->pki_dir);
        free(self);
        *self_p = NULL;
    }
}

int
br_keystore_refresh(br_keystore_t *self, br_errmsg_t *err)
{
    bool changed = false;
    for (int i = 0; i < S_STATES; i++) {
        s_stamp_t now;
        //  A directory that vanished counts as changed; s_make_dirs below
        //  recreates it (empty), which is what the disk says
        if (!s_stamp(self->dirs[i], &now) || !s_stamp_equal(&now, &self->stamps[i])) {
            changed = true;
        }
    }
    if (!changed) {
        return 0;
    }
    int r = s_make_dirs(self, err);
    if (r == 0) {
        r = s_load(self, err);
    }
    return r == 0 ? 1 : r;
}

br_key_state_t
br_keystore_state(br_keystore_t *self, const char *id, uint8_t *key)
{
    if (!br_id_valid(id)) {
        return BR_KEY_UNKNOWN;
    }
    for (int i = 0; i < S_STATES; i++) {
        const s_entry_t *found = zhashx_lookup(self->ids[i], id);
        if (found) {
            if (key) {
                memcpy(key, found->key, BR_KEY_SIZE);
            }
            return (br_key_state_t)(i + 1);
        }
    }
    return BR_KEY_UNKNOWN;
}

br_key_state_t
br_keystore_lookup(br_keystore_t *self, const uint8_t key[32], const char **id_p)
{
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(key, z85);
    const s_keyref_t *ref = zhashx_lookup(self->keys, z85);
    if (id_p) {
        *id_p = ref ? ref->id : NULL;
    }
    return ref ? ref->state : BR_KEY_UNKNOWN;
}

bool
br_keystore_seal_key(br_keystore_t *self, const char *id, uint8_t seal[32])
{
    if (!br_id_valid(id)) {
        return false;
    }
    for (int i = 0; i < S_STATES; i++) {
        const s_entry_t *found = zhashx_lookup(self->ids[i], id);
        if (found) {
            if (found->has_seal) {
                memcpy(seal, found->seal, BR_KEY_SIZE);
            }
            return found->has_seal;
        }
    }
    return false;
}

static const s_entry_t *
s_key_in(br_keystore_t *self, br_key_state_t state, const char *id)
{
    return zhashx_lookup(self->ids[state - 1], id);
}

//  Files entry as id in state, on disk and then in memory.
static int
s_put(br_keystore_t *self, br_key_state_t state, const char *id, const s_entry_t *entry,
      br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    char path[PATH_MAX];

    if ((r = s_file_path(path, self->dirs[state - 1], id, err)) != 0 ||
        (r = br_pubkey_save_sealed(entry->key, entry->has_seal ? entry->seal : NULL, path, false,
                                   err)) != 0) {
        goto out;
    }
    if (!s_table_set(self->ids[state - 1], id, entry) || s_reindex(self) != 0) {
        r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory filing %s", path);
        goto out;
    }
    r = 0;
out:
    return r;
}

static int
s_remove(br_keystore_t *self, br_key_state_t state, const char *id, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    char path[PATH_MAX];

    if ((r = s_file_path(path, self->dirs[state - 1], id, err)) != 0) {
        goto out;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        r = br_errmsg_set(err, BR_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        goto out;
    }
    zhashx_delete(self->ids[state - 1], id);
    if ((r = s_reindex(self)) != 0) {
        br_errmsg_set(err, r, "out of memory removing %s", path);
        goto out;
    }
    r = 0;
out:
    return r;
}

//  Every change starts from what is on disk now for this id, not from what
//  this process saw at its last refresh (brine-key or the master may have
//  changed it since). Reading the id's four files is enough for that, and
//  much cheaper than a full reload before each of many changes.
static int
s_begin(br_keystore_t *self, const char *id, br_errmsg_t *err)
{
    int r = BR_ERR_INTERNAL;
    char path[PATH_MAX];
    bool changed = false;

    if (!br_id_valid(id)) {
        r = br_errmsg_set(err, BR_ERR_BADID, "invalid minion id");
        goto out;
    }
    for (int i = 0; i < S_STATES; i++) {
        s_entry_t entry;
        br_errmsg_t why;
        const s_entry_t *known = zhashx_lookup(self->ids[i], id);
        if ((r = s_file_path(path, self->dirs[i], id, err)) != 0) {
            goto out;
        }
        r = br_pubkey_load_sealed(entry.key, entry.seal, &entry.has_seal, path, &why);
        if (r != 0 && r != BR_ERR_NOTFOUND) {
            //  Treated as absent, as a full load would
            br_warning("key store: %s; taking it as absent", why.text);
        }
        if (r != 0 && known) {
            zhashx_delete(self->ids[i], id);
            changed = true;
        } else if (r == 0 && (!known || !s_entry_equal(known, &entry))) {
            if (!s_table_set(self->ids[i], id, &entry)) {
                r = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            changed = true;
        }
    }
    r = 0;
    if (changed && (r = s_reindex(self)) != 0) {
        br_errmsg_set(err, r, "out of memory reading the key store");
    }
out:
    return r;
}

int
br_keystore_enrol(br_keystore_t *self, const char *id, const uint8_t key[32], br_errmsg_t *err)
{
    return br_keystore_enrol_sealed(self, id, key, NULL, err);
}

int
br_keystore_enrol_sealed(br_keystore_t *self, const char *id, const uint8_t key[32],
                         const uint8_t *seal, br_errmsg_t *err)
{
    int r = key ? s_begin(self, id, err) : br_errmsg_set(err, BR_ERR_INVALID, "no key");
    if (r != 0) {
        return r;
    }
    s_entry_t entry = {.has_seal = seal != NULL};
    memcpy(entry.key, key, BR_KEY_SIZE);
    if (seal) {
        memcpy(entry.seal, seal, BR_KEY_SIZE);
    }
    //  Rejected first, as Salt does: an operator's "no" outranks the rest
    if (s_key_in(self, BR_KEY_REJECTED, id)) {
        return BR_KEY_REJECTED;
    }
    br_key_state_t held[] = {BR_KEY_ACCEPTED, BR_KEY_PENDING};
    for (size_t i = 0; i < sizeof held / sizeof held[0]; i++) {
        const s_entry_t *known = s_key_in(self, held[i], id);
        //  The sealing key on file stays: it is pinned from the first
        //  enrolment on, and only deleting the key lets another one in
        if (known && memcmp(known->key, key, BR_KEY_SIZE) == 0) {
            return held[i];
        }
        if (known) {
            //  Someone else claims an id that is taken: keep their key
            //  where the operator can see it, and let them in nowhere
            r = s_put(self, BR_KEY_DENIED, id, &entry, err);
            return r != 0 ? r : BR_KEY_DENIED;
        }
    }
    r = s_put(self, BR_KEY_PENDING, id, &entry, err);
    return r != 0 ? r : BR_KEY_PENDING;
}

//  Moves id to state to from the first of from[] that holds it: the new file
//  is written before the old one goes, so a crash leaves the key in both
//  places rather than in neither.
static int
s_move(br_keystore_t *self, const char *id, br_key_state_t to, const br_key_state_t from[2],
       br_errmsg_t *err)
{
    int r = s_begin(self, id, err);
    if (r != 0) {
        return r;
    }
    for (int i = 0; i < 2; i++) {
        const s_entry_t *known = s_key_in(self, from[i], id);
        if (known) {
            s_entry_t entry = *known;
            if ((r = s_put(self, to, id, &entry, err)) != 0) {
                return r;
            }
            return s_remove(self, from[i], id, err);
        }
    }
    return br_errmsg_set(err, BR_ERR_NOTFOUND, "no %s or %s key for minion %s",
                         br_key_state_name(from[0]), br_key_state_name(from[1]), id);
}

int
br_keystore_accept(br_keystore_t *self, const char *id, br_errmsg_t *err)
{
    const br_key_state_t from[2] = {BR_KEY_PENDING, BR_KEY_REJECTED};
    return s_move(self, id, BR_KEY_ACCEPTED, from, err);
}

int
br_keystore_reject(br_keystore_t *self, const char *id, br_errmsg_t *err)
{
    const br_key_state_t from[2] = {BR_KEY_PENDING, BR_KEY_ACCEPTED};
    return s_move(self, id, BR_KEY_REJECTED, from, err);
}

int
br_keystore_delete(br_keystore_t *self, const char *id, br_errmsg_t *err)
{
    int r = s_begin(self, id, err);
    bool found = false;
    for (br_key_state_t state = BR_KEY_ACCEPTED; r == 0 && state <= BR_KEY_DENIED; state++) {
        if (s_key_in(self, state, id)) {
            found = true;
            r = s_remove(self, state, id, err);
        }
    }
    if (r == 0 && !found) {
        r = br_errmsg_set(err, BR_ERR_NOTFOUND, "no key for minion %s", id);
    }
    return r;
}

static void *
s_str_dup(const void *item)
{
    return strdup(item);
}

//  Salt lists ids case-insensitively; the tie-break keeps the order total
static int
s_str_compare(const void *a, const void *b)
{
    int r = strcasecmp(a, b);
    return r != 0 ? r : strcmp(a, b);
}

zlistx_t *
br_keystore_list(br_keystore_t *self, br_key_state_t state)
{
    zlistx_t *list = zlistx_new();
    if (!list) {
        return NULL;
    }
    zlistx_set_duplicator(list, s_str_dup);
    zlistx_set_destructor(list, s_free_item);
    zlistx_set_comparator(list, s_str_compare);
    if (!s_state_valid(state)) {
        return list;
    }
    zhashx_t *table = self->ids[state - 1];
    for (void *item = zhashx_first(table); item; item = zhashx_next(table)) {
        if (!zlistx_add_end(list, (void *)zhashx_cursor(table))) {
            zlistx_destroy(&list);
            return NULL;
        }
    }
    zlistx_sort(list);
    return list;
}
