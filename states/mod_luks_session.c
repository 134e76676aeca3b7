/*  mod_luks_session: what the luks module's states share around
    libcryptsetup: one session per state call that catches the library's
    error messages for the comment (and screens them for secrets), loading a
    device, verifying a passphrase, and the PBKDF settings from arguments. */
#include "mod_luks.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

//  The secrets of a call, by argument name, so log messages can be screened
static const char *s_secret_args[] = {"passphrase", "new_passphrase", NULL};

static void
s_log(int level, const char *msg, void *usrptr)
{
    br_luks_t *self = usrptr;
    if (!self || !msg || level != CRYPT_LOG_ERROR) {
        return; //  no session listening, or not an error: dropped
    }
    //  libcryptsetup never prints a passphrase; if a message ever held one
    //  of this call's secrets, it is dropped rather than shown
    for (size_t i = 0; s_secret_args[i]; i++) {
        const br_secret_t *secret = br_call_secret(self->call, s_secret_args[i]);
        if (secret && br_secret_size(secret) &&
            memmem(msg, strlen(msg), br_secret_cdata(secret), br_secret_size(secret))) {
            return;
        }
    }
    snprintf(self->error, sizeof self->error, "%s", msg);
    size_t len = strlen(self->error);
    while (len && (self->error[len - 1] == '\n' || self->error[len - 1] == ' ')) {
        self->error[--len] = 0;
    }
}

int
br_luks_begin(br_luks_t *self, br_call_t *call)
{
    memset(self, 0, sizeof *self);
    self->call = call;
    char why[300];
    if (br_devlibs_load(why, sizeof why) != 0) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "the luks states need libcryptsetup: %s", why);
        return 1;
    }
    crypt_set_debug_level(CRYPT_DEBUG_NONE);
    //  The default callback catches messages from calls made before a
    //  context exists (crypt_init, crypt_status)
    crypt_set_log_callback(NULL, s_log, self);
    return 0;
}

void
br_luks_end(br_luks_t *self)
{
    if (self->cd) {
        crypt_free(self->cd);
        self->cd = NULL;
    }
    //  Messages outside a session go nowhere (the library's default would
    //  print them on stderr)
    crypt_set_log_callback(NULL, s_log, NULL);
}

void
br_luks_listen(br_luks_t *self, struct crypt_device *cd)
{
    crypt_set_log_callback(cd, s_log, self);
}

const char *
br_luks_device(br_call_t *call)
{
    const char *device = br_call_str(call, "device");
    return device ? device : br_call_name(call);
}

void
br_luks_fail(br_luks_t *self, int r, const char *format, ...)
{
    char text[512];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    br_call_set_result(self->call, BR_RESULT_FALSE);
    br_call_comment(self->call, "%s: %s", text, self->error[0] ? self->error : strerror(-r));
}

void
br_luks_wrong_passphrase(br_luks_t *self, const char *device)
{
    br_call_set_result(self->call, BR_RESULT_FALSE);
    br_call_comment(self->call, "the passphrase does not open %s (no key slot matched)", device);
}

int
br_luks_need_device(br_luks_t *self, const char *device, const char *would)
{
    struct stat st;
    if (stat(device, &st) == 0) {
        return 0;
    }
    int code = errno;
    if (code == ENOENT && br_call_test(self->call)) {
        //  An earlier state of the same run (an LV) may create it
        br_call_set_result(self->call, BR_RESULT_NONE);
        br_call_comment(self->call, "Device %s does not exist yet: %s", device, would);
    } else if (code == ENOENT) {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "Device %s does not exist", device);
    } else {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "cannot access %s: %s", device, strerror(code));
    }
    return 1;
}

int
br_luks_load(br_luks_t *self, const char *device)
{
    int r = crypt_init(&self->cd, device);
    if (r < 0) {
        self->cd = NULL;
        br_luks_fail(self, r, "cannot open %s", device);
        return r;
    }
    br_luks_listen(self, self->cd);
    r = crypt_load(self->cd, CRYPT_LUKS, NULL);
    if (r == -EINVAL) {
        self->error[0] = 0; //  "not a valid LUKS device" is an answer here
        return 1;
    }
    if (r < 0) {
        br_luks_fail(self, r, "cannot read the LUKS header of %s", device);
        return r;
    }
    return 0;
}

int
br_luks_verify(br_luks_t *self, int keyslot, const br_secret_t *passphrase)
{
    //  With no name, libcryptsetup only checks the passphrase against the
    //  keyslot: no device-mapper, no write
    int r = crypt_activate_by_passphrase(self->cd, NULL, keyslot,
                                         (const char *)br_secret_cdata(passphrase),
                                         br_secret_size(passphrase), 0);
    if (r == -EPERM) {
        self->error[0] = 0; //  "no match" is an answer, not a reason to show later
    }
    return r;
}

//  An optional integer argument as a positive uint32. 0 unset, 1 set,
//  -1 out of range (the call's outcome set).
static int
s_u32(br_luks_t *self, const char *name, uint32_t *out)
{
    const br_value_t *v = br_call_arg(self->call, name);
    if (!v) {
        return 0;
    }
    int64_t value = br_value_as_int(v);
    if (value <= 0 || value > (int64_t)UINT32_MAX) {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "%s must be a positive integer below 2^32, not %lld", name,
                        (long long)value);
        return -1;
    }
    *out = (uint32_t)value;
    return 1;
}

int
br_luks_pbkdf(br_luks_t *self, const char *type, bool always, struct crypt_pbkdf_type *out)
{
    const char *kdf = br_call_str(self->call, "pbkdf");
    bool given =
        kdf || br_call_arg(self->call, "iter_time") || br_call_arg(self->call, "pbkdf_memory") ||
        br_call_arg(self->call, "pbkdf_parallel") || br_call_arg(self->call, "pbkdf_iterations");
    if (!always && !given) {
        return 0; //  libcryptsetup's defaults for the device's type
    }
    bool luks1 = strcmp(type, CRYPT_LUKS1) == 0;
    if (!kdf) {
        kdf = luks1 ? CRYPT_KDF_PBKDF2 : CRYPT_KDF_ARGON2ID;
    }
    bool argon = strcmp(kdf, CRYPT_KDF_ARGON2ID) == 0 || strcmp(kdf, CRYPT_KDF_ARGON2I) == 0;
    if (!argon && strcmp(kdf, CRYPT_KDF_PBKDF2) != 0) {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "pbkdf must be argon2id, argon2i or pbkdf2, not '%s'", kdf);
        return -1;
    }
    if (luks1 && argon) {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "LUKS1 supports only pbkdf2, not %s", kdf);
        return -1;
    }
    //  Unset costs: libcryptsetup's LUKS2 defaults for argon2 (benchmarked
    //  up to 1 GiB and 4 threads), its LUKS1 defaults for pbkdf2
    const struct crypt_pbkdf_type *def = crypt_get_pbkdf_default(argon ? CRYPT_LUKS2 : CRYPT_LUKS1);
    memset(out, 0, sizeof *out);
    out->type = kdf;
    out->hash = br_call_str(self->call, "hash");
    out->time_ms = def ? def->time_ms : 2000;
    if (argon) {
        out->max_memory_kb = def ? def->max_memory_kb : 1048576;
        out->parallel_threads = def ? def->parallel_threads : 4;
    }
    uint32_t iterations = 0;
    int memory = s_u32(self, "pbkdf_memory", &out->max_memory_kb);
    int parallel = s_u32(self, "pbkdf_parallel", &out->parallel_threads);
    int time_ms = s_u32(self, "iter_time", &out->time_ms);
    int fixed = s_u32(self, "pbkdf_iterations", &iterations);
    if (memory < 0 || parallel < 0 || time_ms < 0 || fixed < 0) {
        return -1;
    }
    if (!argon && (memory || parallel)) {
        br_call_set_result(self->call, BR_RESULT_FALSE);
        br_call_comment(self->call, "pbkdf_memory and pbkdf_parallel apply to argon2 only");
        return -1;
    }
    if (fixed) {
        out->iterations = iterations;
        out->flags |= CRYPT_PBKDF_NO_BENCHMARK;
    }
    return 1;
}

int
br_luks_set_pbkdf(br_luks_t *self, const struct crypt_pbkdf_type *pbkdf)
{
    //  libcryptsetup checks what it accepts (minimum iterations and memory,
    //  a known hash) here, before a keyslot or header is written
    int r = crypt_set_pbkdf_type(self->cd, pbkdf);
    if (r < 0) {
        br_luks_fail(self, r, "invalid PBKDF settings (%s, hash %s)", pbkdf->type,
                     pbkdf->hash ? pbkdf->hash : "default");
    }
    return r;
}
