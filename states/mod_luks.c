/*  mod_luks: LUKS states through libcryptsetup (never the cryptsetup
    program, so a passphrase is never in an argv, a pipe or an environment):
    luks.formatted, luks.opened, luks.closed and the module's schema here;
    the keyslot rotation states luks.key_present / luks.key_absent in
    mod_luks_keys.c; what they share in mod_luks_session.c.

    Passphrases are read only through br_call_secret() and handed to
    libcryptsetup as pointers into their locked memory; libcryptsetup keeps
    what it derives in its own wiped memory. A device that holds LUKS is
    never reformatted, whatever `force` says; any other signature found by
    the safe probe (br_probe) is overwritten only with `force: True`.

    check() (test=True) writes nothing and activates nothing: it reads the
    header and, where the outcome depends on a passphrase, verifies it with
    crypt_activate_by_passphrase(name NULL), which only derives and compares
    keys. That costs one PBKDF run, and buys a prediction that a wrong
    passphrase will fail. */
#include "mod_luks.h"

#include "br_probe.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

//  Device-mapper names are at most 127 bytes (DM_NAME_LEN 128)
#define BR_DM_NAME_MAX 127
//  A LUKS2 label is 48 bytes with its terminating NUL
#define BR_LUKS2_LABEL_MAX 47

//  Where a LUKS header may start, and its magic there: LUKS1 and the LUKS2
//  primary header at 0, the LUKS2 secondary header at one of the offsets
//  the LUKS2 on-disk format allows (16 KiB to 4 MiB, doubling).
static const uint8_t s_magic_primary[6] = {'L', 'U', 'K', 'S', 0xba, 0xbe};
static const uint8_t s_magic_secondary[6] = {'S', 'K', 'U', 'L', 0xba, 0xbe};

//  1 when a LUKS magic is where a LUKS header can start, even if the header
//  is damaged or libblkid saw more than one signature; 0 if not; negative
//  if the device cannot be read.
static int
s_luks_magic(const char *device)
{
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    int found = 0;
    uint8_t magic[sizeof s_magic_primary];
    if (pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
        memcmp(magic, s_magic_primary, sizeof magic) == 0) {
        found = 1;
    }
    for (off_t at = 16 * 1024; !found && at <= 4 * 1024 * 1024; at *= 2) {
        if (pread(fd, magic, sizeof magic, at) == (ssize_t)sizeof magic &&
            memcmp(magic, s_magic_secondary, sizeof magic) == 0) {
            found = 1;
        }
    }
    close(fd);
    return found;
}

//  Splits "aes-xts-plain64" into cipher "aes" and mode "xts-plain64".
static bool
s_split_cipher(const char *spec, char *cipher, size_t cipher_size, char *mode, size_t mode_size)
{
    const char *dash = strchr(spec, '-');
    if (!dash || dash == spec || !dash[1] || (size_t)(dash - spec) >= cipher_size ||
        strlen(dash + 1) >= mode_size) {
        return false;
    }
    snprintf(cipher, cipher_size, "%.*s", (int)(dash - spec), spec);
    snprintf(mode, mode_size, "%s", dash + 1);
    return true;
}

typedef struct {
    const char *type; //  CRYPT_LUKS1 or CRYPT_LUKS2
    bool luks2;
    char cipher[32];
    char mode[64];
    size_t key_bytes;
    const char *label;
    struct crypt_pbkdf_type pbkdf;
} br_format_t;

//  The format arguments, checked before anything is read or written.
static bool
s_format_args(br_luks_t *self, br_format_t *f)
{
    br_call_t *call = self->call;
    const char *type = br_call_str(call, "type");
    const char *spec = br_call_str(call, "cipher");
    int64_t key_size = br_call_int(call, "key_size");
    memset(f, 0, sizeof *f);
    f->label = br_call_str(call, "label");
    br_call_set_result(call, BR_RESULT_FALSE);
    if (strcasecmp(type, "luks2") == 0) {
        f->type = CRYPT_LUKS2;
        f->luks2 = true;
    } else if (strcasecmp(type, "luks1") == 0) {
        f->type = CRYPT_LUKS1;
    } else {
        br_call_comment(call, "type must be luks2 or luks1, not '%s'", type);
        return false;
    }
    if (!s_split_cipher(spec, f->cipher, sizeof f->cipher, f->mode, sizeof f->mode)) {
        br_call_comment(call, "cipher must be CIPHER-MODE such as aes-xts-plain64, not '%s'", spec);
        return false;
    }
    if (key_size < 8 || key_size > 4096 || key_size % 8) {
        br_call_comment(call, "key_size is in bits, a multiple of 8 up to 4096, not %lld",
                        (long long)key_size);
        return false;
    }
    f->key_bytes = (size_t)key_size / 8;
    if (f->label && !f->luks2) {
        br_call_comment(call, "a label needs type luks2 (LUKS1 headers have none)");
        return false;
    }
    if (f->label && strlen(f->label) > BR_LUKS2_LABEL_MAX) {
        br_call_comment(call, "label is longer than %d bytes", BR_LUKS2_LABEL_MAX);
        return false;
    }
    br_call_set_result(call, BR_RESULT_TRUE);
    return br_luks_pbkdf(self, f->type, true, &f->pbkdf) > 0;
}

//  The LUKS2 subsystem label of a header whose first key slot is not in yet
#define BR_LUKS_UNFINISHED "brine-unfinished"

//  Writes the header and the first keyslot. If the keyslot cannot be added,
//  the header this call wrote is wiped again, so the device is as empty as
//  it was and the next run can retry.
static void
s_format(br_luks_t *self, const char *device, const br_format_t *f, const char *overwrote)
{
    const br_secret_t *passphrase = br_call_secret(self->call, "passphrase");
    const struct crypt_pbkdf_type *pbkdf = &f->pbkdf;
    if (br_luks_set_pbkdf(self, pbkdf) < 0) {
        return;
    }
    int r;
    if (f->luks2) {
        //  The subsystem marks the header as brine's unfinished format until
        //  the first key slot is in: a run killed in between is then
        //  recognised and redone, instead of leaving a header no key opens
        struct crypt_params_luks2 params = {
            .pbkdf = pbkdf, .label = f->label, .subsystem = BR_LUKS_UNFINISHED};
        r = crypt_format(self->cd, CRYPT_LUKS2, f->cipher, f->mode, NULL, NULL, f->key_bytes,
                         &params);
    } else {
        struct crypt_params_luks1 params = {.hash = pbkdf->hash};
        r = crypt_format(self->cd, CRYPT_LUKS1, f->cipher, f->mode, NULL, NULL, f->key_bytes,
                         &params);
        //  LUKS1 formatting resets the keyslot PBKDF to its defaults
        if (r == 0) {
            r = crypt_set_pbkdf_type(self->cd, pbkdf);
        }
    }
    if (r < 0) {
        br_luks_fail(self, r, "cannot format %s", device);
        return;
    }
    int slot = crypt_keyslot_add_by_volume_key(self->cd, CRYPT_ANY_SLOT, NULL, 0,
                                               (const char *)br_secret_cdata(passphrase),
                                               br_secret_size(passphrase));
    if (slot < 0) {
        char reason[sizeof self->error];
        snprintf(reason, sizeof reason, "%s", self->error[0] ? self->error : strerror(-slot));
        uint64_t header = crypt_get_data_offset(self->cd) * 512;
        int wiped =
            crypt_wipe(self->cd, NULL, CRYPT_WIPE_ZERO, 0, header, 1024 * 1024, 0, NULL, NULL);
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "cannot add a key slot to %s: %s; %s", device, reason,
                        wiped == 0 ? "the new header was wiped again"
                                   : "the new header could not be wiped: it holds no key");
        return;
    }
    if (f->luks2 && crypt_set_label(self->cd, f->label, NULL) < 0) {
        br_luks_fail(self, -EIO, "cannot finish the header of %s", device);
        return;
    }
    const char *version = f->luks2 ? "luks2" : "luks1";
    br_value_t *v = br_value_str(device);
    br_call_change(self->call, "formatted", &v);
    v = br_value_str(version);
    br_call_change(self->call, "type", &v);
    if (overwrote) {
        v = br_value_str(overwrote);
        br_call_change(self->call, "overwrote", &v);
    }
    br_call_comment(self->call, "Device %s formatted as %s (%s, key slot %d)", device, f->type,
                    pbkdf->type, slot);
}

static bool
s_no_key_slot(br_luks_t *self)
{
    int slots = crypt_keyslot_max(crypt_get_type(self->cd));
    for (int slot = 0; slot < slots; slot++) {
        crypt_keyslot_info info = crypt_keyslot_status(self->cd, slot);
        if (info != CRYPT_SLOT_INACTIVE && info != CRYPT_SLOT_INVALID) {
            return false;
        }
    }
    return true;
}

//  A LUKS2 header that brine marked as unfinished and that has no active
//  key slot: a format interrupted between header and first key slot
static bool
s_unfinished(br_luks_t *self)
{
    const char *subsystem = crypt_get_subsystem(self->cd);
    return subsystem && strcmp(subsystem, BR_LUKS_UNFINISHED) == 0 && s_no_key_slot(self);
}

//  Where the LUKS2 binary header keeps its size and subsystem label, and
//  where its JSON area starts (the LUKS2 on-disk format)
#define BR_LUKS2_HDR_SIZE_AT   8
#define BR_LUKS2_SUBSYSTEM_AT  208
#define BR_LUKS2_SUBSYSTEM_LEN 48
#define BR_LUKS2_JSON_AT       4096

//  1 when a header that libcryptsetup cannot load is brine's own first
//  header caught mid-write: libcryptsetup zeroes the metadata area, then
//  writes the primary binary header (magic, our mark) without its checksum,
//  then the JSON area, then the checksum, and only then the secondary copy.
//  A kill in between leaves no valid copy. The mark is in the binary header
//  and the JSON area is either not written yet (zero) or lists no key slot,
//  so nothing was ever encrypted under it. Anything else is 0 (refused).
static int
s_torn_unfinished(const char *device)
{
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    uint8_t bin[BR_LUKS2_SUBSYSTEM_AT + BR_LUKS2_SUBSYSTEM_LEN];
    static const char keyless[] = "{\"keyslots\":{},";
    char json[sizeof keyless - 1];
    int torn = 0;
    if (pread(fd, bin, sizeof bin, 0) == (ssize_t)sizeof bin &&
        pread(fd, json, sizeof json, BR_LUKS2_JSON_AT) == (ssize_t)sizeof json &&
        memcmp(bin, s_magic_primary, sizeof s_magic_primary) == 0 && bin[6] == 0 && bin[7] == 2) {
        uint64_t size = 0;
        for (int i = 0; i < 8; i++) {
            size = size << 8 | bin[BR_LUKS2_HDR_SIZE_AT + i];
        }
        const char *mark = (const char *)bin + BR_LUKS2_SUBSYSTEM_AT;
        bool marked = strnlen(mark, BR_LUKS2_SUBSYSTEM_LEN) == strlen(BR_LUKS_UNFINISHED) &&
                      memcmp(mark, BR_LUKS_UNFINISHED, strlen(BR_LUKS_UNFINISHED)) == 0;
        bool sized = size >= 16 * 1024 && size <= 4 * 1024 * 1024 && (size & (size - 1)) == 0;
        bool no_slot = json[0] == 0 || memcmp(json, keyless, sizeof json) == 0;
        torn = marked && sized && no_slot;
    }
    close(fd);
    return torn;
}

static int
s_formatted(br_call_t *call)
{
    br_luks_t self;
    if (br_luks_begin(&self, call) != 0) {
        return 0;
    }
    const char *device = br_luks_device(call);
    br_format_t f;
    char found[BR_PROBE_FOUND_MAX] = "";
    br_errmsg_t err = {""};
    if (!s_format_args(&self, &f) ||
        br_luks_need_device(&self, device, "it would be LUKS-formatted if it is empty then")) {
        goto out;
    }
    int r = br_luks_load(&self, device);
    if (r < 0) {
        goto out;
    }
    bool unfinished = (r == 0 && s_unfinished(&self)) || (r == 1 && s_torn_unfinished(device) == 1);
    if (r == 0 && !unfinished && s_no_key_slot(&self)) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call,
                        "Device %s holds a LUKS header without any key slot: nothing can open "
                        "it, and a LUKS device is never reformatted (erase it by hand if it is "
                        "yours)",
                        device);
        goto out;
    }
    if (r == 0 && !unfinished) {
        br_call_comment(call, "Device %s is already LUKS-formatted (%s); it is never reformatted",
                        device, crypt_get_type(self.cd));
        goto out;
    }
    if (unfinished) {
        //  Only brine's own marked header without any key slot: nothing can
        //  ever be opened with it, so nothing is lost by formatting again
        if (br_call_test(call)) {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "Device %s holds an unfinished format; it would be redone",
                            device);
        } else {
            //  A context that loaded a header cannot format: start afresh
            crypt_free(self.cd);
            self.cd = NULL;
            r = crypt_init(&self.cd, device);
            if (r < 0) {
                self.cd = NULL;
                br_luks_fail(&self, r, "cannot open %s", device);
                goto out;
            }
            br_luks_listen(&self, self.cd);
            s_format(&self, device, &f, "an unfinished LUKS2 format (no key slot)");
        }
        goto out;
    }
    //  Not loadable, but a LUKS magic where a header starts: a damaged
    //  header still guards the data, so no force overrides this
    r = s_luks_magic(device);
    if (r != 0) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call,
                        r > 0 ? "Device %s holds a LUKS header that libcryptsetup cannot load; a "
                                "LUKS device is never reformatted"
                              : "cannot read %s",
                        device);
        goto out;
    }
    r = br_probe_device(device, found, sizeof found, &err);
    if (r < 0) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "%s", err.text);
        goto out;
    }
    bool force = br_call_bool(call, "force");
    if (r == 1 && !force) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "Device %s holds %s: refusing to format it without force: True",
                        device, found);
        goto out;
    }
    if (br_call_test(call)) {
        //  libcryptsetup's own checks of the PBKDF settings only configure
        //  the context: a prediction can make them too
        if (br_luks_set_pbkdf(&self, &f.pbkdf) < 0) {
            goto out;
        }
        br_call_set_result(call, BR_RESULT_NONE);
        if (r == 1) {
            br_call_comment(call, "Device %s would be formatted as %s (force: True overwrites %s)",
                            device, f.type, found);
        } else {
            br_call_comment(call, "Device %s would be formatted as %s", device, f.type);
        }
        goto out;
    }
    s_format(&self, device, &f, r == 1 ? found : NULL);
out:
    br_luks_end(&self);
    return 0;
}

//  True when the active mapping name sits on device (compared as device
//  numbers: the same disk has many paths).
static bool
s_mapped_on(br_luks_t *self, const char *name, const char *device, char *backing, size_t size)
{
    struct crypt_device *cd = NULL;
    bool same = false;
    backing[0] = 0;
    if (crypt_init_by_name(&cd, name) < 0) {
        cd = NULL;
        goto out;
    }
    br_luks_listen(self, cd);
    const char *path = crypt_get_device_name(cd);
    if (!path || !crypt_get_type(cd)) {
        goto out;
    }
    snprintf(backing, size, "%s", path);
    struct stat a, b;
    if (stat(path, &a) == 0 && stat(device, &b) == 0) {
        same = S_ISBLK(a.st_mode) && S_ISBLK(b.st_mode)
                   ? a.st_rdev == b.st_rdev
                   : a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    }
out:
    if (cd) {
        crypt_free(cd);
    }
    return same;
}

//  A dm name libdevmapper will take: not empty, no '/', not too long.
static bool
s_dm_name_ok(br_call_t *call, const char *name)
{
    if (!name[0] || strchr(name, '/') || strlen(name) > BR_DM_NAME_MAX || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "'%s' is not a usable device-mapper name (1-%d bytes, no '/')", name,
                        BR_DM_NAME_MAX);
        return false;
    }
    return true;
}

static int
s_opened(br_call_t *call)
{
    br_luks_t self;
    if (br_luks_begin(&self, call) != 0) {
        return 0;
    }
    const char *name = br_call_name(call);
    const char *device = br_call_str(call, "device");
    const br_secret_t *passphrase = br_call_secret(call, "passphrase");
    char backing[256];
    if (!s_dm_name_ok(call, name)) {
        goto out;
    }
    crypt_status_info status = crypt_status(NULL, name);
    if (status == CRYPT_ACTIVE || status == CRYPT_BUSY) {
        if (s_mapped_on(&self, name, device, backing, sizeof backing)) {
            br_call_comment(call, "%s is already open as /dev/mapper/%s", device, name);
        } else {
            br_call_set_result(call, BR_RESULT_FALSE);
            br_call_comment(call, "/dev/mapper/%s is already active on %s, not on %s", name,
                            backing[0] ? backing : "a device that is not a LUKS device", device);
        }
        goto out;
    }
    if (status != CRYPT_INACTIVE) {
        br_luks_fail(&self, -ENODEV, "cannot query device-mapper for %s (is dm-crypt available?)",
                     name);
        goto out;
    }
    char would[300];
    snprintf(would, sizeof would, "it would be opened as /dev/mapper/%s", name);
    if (br_luks_need_device(&self, device, would)) {
        goto out;
    }
    int r = br_luks_load(&self, device);
    if (r < 0) {
        goto out;
    }
    if (r == 1) {
        br_call_set_result(call, br_call_test(call) ? BR_RESULT_NONE : BR_RESULT_FALSE);
        br_call_comment(call,
                        br_call_test(call) ? "%s is not LUKS-formatted yet: %s once it is"
                                           : "%s is not a LUKS device%s",
                        device, br_call_test(call) ? would : "");
        goto out;
    }
    uint32_t flags = (br_call_bool(call, "readonly") ? CRYPT_ACTIVATE_READONLY : 0) |
                     (br_call_bool(call, "discards") ? CRYPT_ACTIVATE_ALLOW_DISCARDS : 0);
    if (br_call_test(call)) {
        r = br_luks_verify(&self, CRYPT_ANY_SLOT, passphrase);
    } else {
        r = crypt_activate_by_passphrase(self.cd, name, CRYPT_ANY_SLOT,
                                         (const char *)br_secret_cdata(passphrase),
                                         br_secret_size(passphrase), flags);
    }
    if (r == -EPERM) {
        br_luks_wrong_passphrase(&self, device);
    } else if (r < 0) {
        br_luks_fail(&self, r, "cannot open %s as %s", device, name);
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "%s would be opened as /dev/mapper/%s (key slot %d)", device, name,
                        r);
    } else {
        char path[300];
        snprintf(path, sizeof path, "/dev/mapper/%s", name);
        br_value_t *v = br_value_str(path);
        br_call_change(call, "opened", &v);
        v = br_value_str(device);
        br_call_change(call, "device", &v);
        br_call_comment(call, "%s opened as %s (key slot %d)", device, path, r);
    }
out:
    br_luks_end(&self);
    return 0;
}

static int
s_closed(br_call_t *call)
{
    br_luks_t self;
    if (br_luks_begin(&self, call) != 0) {
        return 0;
    }
    const char *name = br_call_name(call);
    if (!s_dm_name_ok(call, name)) {
        goto out;
    }
    crypt_status_info status = crypt_status(NULL, name);
    if (status == CRYPT_INACTIVE) {
        br_call_comment(call, "/dev/mapper/%s is already closed", name);
        goto out;
    }
    if (status != CRYPT_ACTIVE && status != CRYPT_BUSY) {
        br_luks_fail(&self, -ENODEV, "cannot query device-mapper for %s (is dm-crypt available?)",
                     name);
        goto out;
    }
    int r = crypt_init_by_name(&self.cd, name);
    if (r < 0) {
        self.cd = NULL;
        br_luks_fail(&self, r, "cannot read the mapping /dev/mapper/%s", name);
        goto out;
    }
    br_luks_listen(&self, self.cd);
    //  Only dm-crypt mappings: an LV or another target is not this state's
    if (!crypt_get_type(self.cd)) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "/dev/mapper/%s is not a dm-crypt mapping; not closing it", name);
        goto out;
    }
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "/dev/mapper/%s would be closed%s", name,
                        status == CRYPT_BUSY ? " (it is in use now)" : "");
        goto out;
    }
    r = crypt_deactivate(self.cd, name);
    if (r == -EBUSY) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "/dev/mapper/%s is in use (mounted or held open): not closed", name);
    } else if (r < 0) {
        br_luks_fail(&self, r, "cannot close /dev/mapper/%s", name);
    } else {
        br_value_t *v = br_value_str(name);
        br_call_change(call, "closed", &v);
        br_call_comment(call, "/dev/mapper/%s closed", name);
    }
out:
    br_luks_end(&self);
    return 0;
}

static const br_arg_t s_formatted_args[] = {
    {"device", BR_ARG_STR, false, NULL, "the device to format (default: the state's name)"},
    {"passphrase", BR_ARG_SECRET, true, NULL, "the passphrase of the first key slot"},
    {"type", BR_ARG_STR, false, "luks2", "luks2 or luks1"},
    {"cipher", BR_ARG_STR, false, "aes-xts-plain64", "cipher and mode"},
    {"key_size", BR_ARG_INT, false, "512", "volume key size in bits"},
    {"pbkdf", BR_ARG_STR, false, NULL,
     "argon2id, argon2i or pbkdf2 (default argon2id for LUKS2, pbkdf2 for LUKS1)"},
    {"hash", BR_ARG_STR, false, "sha256", "hash of the PBKDF and the anti-forensic splitter"},
    {"iter_time", BR_ARG_INT, false, NULL,
     "milliseconds the benchmarked PBKDF should take (libcryptsetup: 2000)"},
    {"pbkdf_memory", BR_ARG_INT, false, NULL, "argon2 memory cost in KiB"},
    {"pbkdf_parallel", BR_ARG_INT, false, NULL, "argon2 threads"},
    {"pbkdf_iterations", BR_ARG_INT, false, NULL,
     "fixed cost, no benchmark: pbkdf2 iterations, or the argon2 time cost"},
    {"label", BR_ARG_STR, false, NULL, "LUKS2 label (at most 47 bytes)"},
    {"force", BR_ARG_BOOL, false, "False", "format over another signature (never over LUKS)"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_opened_args[] = {
    {"device", BR_ARG_STR, true, NULL, "the LUKS device"},
    {"passphrase", BR_ARG_SECRET, true, NULL, "a passphrase that opens it"},
    {"readonly", BR_ARG_BOOL, false, "False", "map read-only"},
    {"discards", BR_ARG_BOOL, false, "False", "pass discards (TRIM) through"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_closed_args[] = {
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_key_present_args[] = {
    {"device", BR_ARG_STR, false, NULL, "the LUKS device (default: the state's name)"},
    {"passphrase", BR_ARG_SECRET, true, NULL, "a passphrase that opens it now"},
    {"new_passphrase", BR_ARG_SECRET, true, NULL, "the passphrase to add"},
    {"pbkdf", BR_ARG_STR, false, NULL,
     "argon2id, argon2i or pbkdf2 (default argon2id for LUKS2, pbkdf2 for LUKS1)"},
    {"hash", BR_ARG_STR, false, "sha256", "hash of the PBKDF and the anti-forensic splitter"},
    {"iter_time", BR_ARG_INT, false, NULL,
     "milliseconds the benchmarked PBKDF should take (libcryptsetup: 2000)"},
    {"pbkdf_memory", BR_ARG_INT, false, NULL, "argon2 memory cost in KiB"},
    {"pbkdf_parallel", BR_ARG_INT, false, NULL, "argon2 threads"},
    {"pbkdf_iterations", BR_ARG_INT, false, NULL,
     "fixed cost, no benchmark: pbkdf2 iterations, or the argon2 time cost"},
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_key_absent_args[] = {
    {"device", BR_ARG_STR, false, NULL, "the LUKS device (default: the state's name)"},
    {"passphrase", BR_ARG_SECRET, true, NULL, "the passphrase to remove"},
    {NULL, 0, false, NULL, NULL},
};

static const br_function_t s_functions[] = {
    {"formatted", s_formatted_args, s_formatted, s_formatted, NULL,
     "The device is LUKS-formatted: an empty device is formatted, a LUKS one left alone, "
     "any other signature refused unless force: True."},
    {"opened", s_opened_args, s_opened, s_opened, NULL,
     "The LUKS device is open as /dev/mapper/NAME."},
    {"closed", s_closed_args, s_closed, s_closed, NULL, "/dev/mapper/NAME is not open."},
    {"key_present", s_key_present_args, br_luks_key_present, br_luks_key_present, NULL,
     "new_passphrase opens the device (a key slot is added with passphrase)."},
    {"key_absent", s_key_absent_args, br_luks_key_absent, br_luks_key_absent, NULL,
     "passphrase no longer opens the device (never removes the last key slot)."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_luks = {"luks", s_functions,
                                 "LUKS volumes through libcryptsetup: format, open, close and "
                                 "rotate passphrases."};
