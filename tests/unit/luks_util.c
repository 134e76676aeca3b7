/*  luks_util: helpers shared by the luks module's unit tests (test_luks.c,
    test_luks_secrets.c): random passphrases kept inverted, image files,
    a pillar written without the passphrase passing through any library,
    the engine run on tests/data/luks, and checks on LUKS images. */
#include "luks_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *lt_dir;

//  Random lowercase letters (a plain YAML string whatever they are).
void
lt_pass_random(lt_pass_t *p)
{
    for (size_t i = 0; i < LT_PASS_LEN; i++) {
        p->inv[i] = (uint8_t) ~(uint8_t)('a' + randombytes_uniform(26));
    }
}

//  The plain bytes in locked memory, for libcryptsetup calls of the test.
br_secret_t *
lt_pass_secret(const lt_pass_t *p)
{
    br_secret_t *secret = br_secret_new(LT_PASS_LEN);
    for (size_t i = 0; secret && i < LT_PASS_LEN; i++) {
        br_secret_data(secret)[i] = (uint8_t)~p->inv[i];
    }
    return secret;
}

char *
lt_path(const char *name)
{
    char *path = NULL;
    return asprintf(&path, "%s/%s", lt_dir, name) < 0 ? NULL : path;
}

char *
lt_image(const char *name)
{
    char *path = lt_path(name);
    int fd = path ? open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(ftruncate(fd, (off_t)LT_IMAGE_MB << 20), 0);
        close(fd);
    }
    return path;
}

//  Appends text to a buffer, bounded; the passphrase parts are appended
//  byte by byte from the inverted form, so no library sees them.
static void
s_put(char *buf, size_t size, size_t *used, const char *text)
{
    size_t len = strlen(text);
    if (*used + len < size) {
        memcpy(buf + *used, text, len);
        *used += len;
    }
}

static void
s_put_pass(char *buf, size_t size, size_t *used, const lt_pass_t *p)
{
    for (size_t i = 0; i < LT_PASS_LEN && *used + 1 < size; i++) {
        buf[(*used)++] = (char)~p->inv[i];
    }
}

//  Writes the pillar tree (top.sls and luks.sls, mode 0600) into DIR/pillar:
//  luks: {device, passphrase, new_passphrase}. Returns the folder.
char *
lt_pillar(const char *device, const lt_pass_t *pass, const lt_pass_t *new_pass)
{
    char *dir = lt_path("pillar");
    mkdir(dir, 0700);
    char *top = NULL, *file = NULL;
    CHECK(asprintf(&top, "%s/top.sls", dir) > 0 && asprintf(&file, "%s/luks.sls", dir) > 0);
    int fd = open(top, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const char *top_text = "base:\n  '*':\n    - luks\n";
    CHECK(fd >= 0 && write(fd, top_text, strlen(top_text)) == (ssize_t)strlen(top_text));
    if (fd >= 0) {
        close(fd);
    }
    char text[1024];
    size_t used = 0;
    s_put(text, sizeof text, &used, "luks:\n  device: ");
    s_put(text, sizeof text, &used, device);
    s_put(text, sizeof text, &used, "\n  passphrase: ");
    s_put_pass(text, sizeof text, &used, pass);
    s_put(text, sizeof text, &used, "\n  new_passphrase: ");
    s_put_pass(text, sizeof text, &used, new_pass);
    s_put(text, sizeof text, &used, "\n");
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0 && write(fd, text, used) == (ssize_t)used);
    if (fd >= 0) {
        close(fd);
    }
    br_wipe(text, sizeof text);
    free(top);
    free(file);
    return dir;
}

void
lt_fini(lt_fixture_t *fx)
{
    br_run_destroy(&fx->run);
    br_low_destroy(&fx->low);
    br_high_destroy(&fx->high);
    br_vault_destroy(&fx->vault);
    br_value_destroy(&fx->context);
}

//  Loads SLS from LT_DATA with the pillar in pillar_dir, compiles, and runs
//  unless told only to compile.
void
lt_apply(lt_fixture_t *fx, const char *sls, const char *pillar_dir, bool test, bool run)
{
    memset(fx, 0, sizeof *fx);
    fx->context = br_value_map();
    fx->vault = br_vault_new();
    br_value_t *grains = br_value_map();
    br_value_t *id = br_value_str("testminion");
    br_value_map_set(grains, "id", &id);
    br_value_t *pillar = NULL;
    fx->rc =
        br_pillar_load(pillar_dir, "testminion", grains, br_default_secret_keys, &pillar, &fx->err);
    if (fx->rc < 0) {
        br_value_destroy(&grains);
        fprintf(stderr, "pillar: %s\n", fx->err.text);
        return;
    }
    br_value_map_set(fx->context, "grains", &grains);
    br_value_map_set(fx->context, "pillar", &pillar);
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    zlistx_add_end(names, strdup(sls));
    fx->rc = br_high_load(LT_DATA, names, fx->context, fx->vault, &fx->high, &fx->err);
    zlistx_destroy(&names);
    if (fx->rc == 0) {
        fx->rc = br_compile(fx->high, fx->vault, &fx->low, &fx->err);
    }
    if (fx->rc == 0 && run) {
        br_run_opts_t opts = {test, false};
        fx->run = br_execute(fx->low, &opts);
    }
}

//  The one result of a single-state run, checked: result, changed?, and
//  a comment containing the given text.
void
lt_expect(lt_fixture_t *fx, const char *id, br_result_t result, bool changed, const char *comment)
{
    const br_state_result_t *r = NULL;
    for (size_t i = 0; fx->run && i < br_run_size(fx->run); i++) {
        if (strcmp(br_run_at(fx->run, i)->id, id) == 0) {
            r = br_run_at(fx->run, i);
        }
    }
    if (!r) {
        fprintf(stderr, "no result for %s (rc %d: %s)\n", id, fx->rc, fx->err.text);
        test_failures++;
        return;
    }
    if (r->result != result || (br_value_map_size(r->changes) > 0) != changed ||
        (comment && !strstr(r->comment, comment))) {
        fprintf(stderr, "state %s: result %d changes %zu comment '%s'; expected %d %d '%s'\n", id,
                r->result, br_value_map_size(r->changes), r->comment, result, changed,
                comment ? comment : "");
        test_failures++;
    }
}

//  BLAKE2b of a whole file, to prove test=True and refusals wrote nothing.
void
lt_hash(const char *path, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    static uint8_t buf[1 << 16];
    ssize_t got;
    while (fd >= 0 && (got = read(fd, buf, sizeof buf)) > 0) {
        crypto_generichash_update(&st, buf, (size_t)got);
    }
    if (fd >= 0) {
        close(fd);
    }
    crypto_generichash_final(&st, out, 32);
}

//  Does passphrase p open the LUKS image (verify only)?
bool
lt_opens(const char *path, const lt_pass_t *p)
{
    struct crypt_device *cd = NULL;
    br_secret_t *secret = lt_pass_secret(p);
    bool opens = false;
    if (secret && crypt_init(&cd, path) == 0 && crypt_load(cd, CRYPT_LUKS, NULL) == 0) {
        opens = crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT,
                                             (const char *)br_secret_cdata(secret),
                                             br_secret_size(secret), 0) >= 0;
    }
    if (cd) {
        crypt_free(cd);
    }
    br_secret_destroy(&secret);
    return opens;
}

const char *
lt_luks_type(const char *path)
{
    static char type[16];
    struct crypt_device *cd = NULL;
    type[0] = 0;
    if (crypt_init(&cd, path) == 0 && crypt_load(cd, CRYPT_LUKS, NULL) == 0) {
        snprintf(type, sizeof type, "%s", crypt_get_type(cd));
    }
    if (cd) {
        crypt_free(cd);
    }
    return type;
}

int
lt_run(char *const argv[], const char *out_path)
{
    pid_t pid = fork();
    if (pid == 0) {
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDONLY);
        if (out >= 0 && null >= 0) {
            dup2(null, 0);
            dup2(out, 1);
            dup2(out, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

//  Hits of an inverted needle in a file (test_filescan wants it plain).
long
lt_filescan(const char *path, const lt_pass_t *p)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    long hits = 0;
    static uint8_t buf[(1 << 16) + LT_PASS_LEN];
    size_t carry = 0;
    ssize_t got;
    while ((got = read(fd, buf + carry, 1 << 16)) > 0) {
        size_t len = carry + (size_t)got;
        for (size_t i = 0; i + LT_PASS_LEN <= len; i++) {
            size_t j = 0;
            while (j < LT_PASS_LEN && (buf[i + j] ^ p->inv[j]) == 0xFF) {
                j++;
            }
            hits += j == LT_PASS_LEN;
        }
        carry = len < LT_PASS_LEN - 1 ? len : LT_PASS_LEN - 1;
        memmove(buf, buf + len - carry, carry);
    }
    close(fd);
    return hits;
}
