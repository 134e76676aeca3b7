/*  Unit tests for br_keys: key files on disk (format, modes, refusals),
    Z85 and fingerprints, and that a destroyed key pair leaves no copy of the
    secret key in memory. */
#include "brine.h"
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

static char *s_dir;

static void
s_write(const char *name, const char *content, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(write(fd, content, strlen(content)), (long long)strlen(content));
        CHECK_EQ_INT(fchmod(fd, mode), 0);
        close(fd);
    }
}

static mode_t
s_mode(const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static bool
s_same_pair(const br_keypair_t *a, const br_keypair_t *b)
{
    return sodium_memcmp(br_keypair_public(a), br_keypair_public(b), BR_KEY_SIZE) == 0 &&
           sodium_memcmp(br_keypair_secret(a), br_keypair_secret(b), BR_KEY_SIZE) == 0;
}

static void
s_test_round_trip_and_modes(void)
{
    br_errmsg_t err;
    br_keypair_t *pair = br_keypair_generate();
    CHECK(pair);
    br_keypair_t *other = br_keypair_generate();
    CHECK(!s_same_pair(pair, other));

    //  Modes must not depend on the umask, neither too open nor too closed
    mode_t old = umask(0);
    CHECK_EQ_INT(br_keypair_save(pair, s_dir, "one", &err), 0);
    umask(0777);
    CHECK_EQ_INT(br_keypair_save(other, s_dir, "two", &err), 0);
    umask(old);
    CHECK_EQ_INT(s_mode("one.pub"), 0644);
    CHECK_EQ_INT(s_mode("one.key"), 0600);
    CHECK_EQ_INT(s_mode("two.pub"), 0644);
    CHECK_EQ_INT(s_mode("two.key"), 0600);

    br_keypair_t *loaded = br_keypair_load(s_dir, "one", &err);
    CHECK(loaded);
    if (loaded) {
        CHECK(s_same_pair(pair, loaded));
    }
    br_keypair_destroy(&loaded);

    //  The .pub file is exactly the Z85 text and a newline
    char path[512], z85[BR_Z85_KEY_LEN + 1], text[64] = "";
    snprintf(path, sizeof path, "%s/one.pub", s_dir);
    FILE *file = fopen(path, "r");
    CHECK(file && fgets(text, sizeof text, file));
    if (file) {
        fclose(file);
    }
    br_pubkey_z85(br_keypair_public(pair), z85);
    CHECK_EQ_INT(strlen(text), BR_Z85_KEY_LEN + 1);
    CHECK(strncmp(text, z85, BR_Z85_KEY_LEN) == 0 && text[BR_Z85_KEY_LEN] == '\n');
    uint8_t pub[BR_KEY_SIZE];
    CHECK_EQ_INT(br_pubkey_load(pub, path, &err), 0);
    CHECK(memcmp(pub, br_keypair_public(pair), BR_KEY_SIZE) == 0);

    //  Never replaces a key: both files stay as they were
    CHECK_EQ_INT(br_keypair_save(other, s_dir, "one", &err), BR_ERR_EXISTS);
    CHECK(strstr(err.text, "one.pub") != NULL);
    loaded = br_keypair_load(s_dir, "one", &err);
    CHECK(loaded && s_same_pair(pair, loaded));
    br_keypair_destroy(&loaded);
    //  ... not even when only one of the two is there, and adds nothing
    s_write("half.key", "x\n", 0600);
    CHECK_EQ_INT(br_keypair_save(other, s_dir, "half", &err), BR_ERR_EXISTS);
    CHECK(strstr(err.text, "half.key") != NULL);
    CHECK_EQ_INT(s_mode("half.pub"), (mode_t)-1);

    //  A .pub of another pair is caught at load time
    snprintf(path, sizeof path, "%s/one.pub", s_dir);
    CHECK_EQ_INT(br_pubkey_save(br_keypair_public(other), path, true, &err), BR_ERR_EXISTS);
    CHECK_EQ_INT(br_pubkey_save(br_keypair_public(other), path, false, &err), 0);
    CHECK_EQ_INT(s_mode("one.pub"), 0644);
    CHECK(br_keypair_load(s_dir, "one", &err) == NULL);
    CHECK(strstr(err.text, "does not match") != NULL);

    //  Names are checked before they become paths
    CHECK_EQ_INT(br_keypair_save(pair, s_dir, "../escape", &err), BR_ERR_BADID);
    CHECK(br_keypair_load(s_dir, "a/b", &err) == NULL);
    CHECK(br_keypair_load(s_dir, "missing", &err) == NULL);
    CHECK(strstr(err.text, "missing.pub") != NULL);

    br_keypair_destroy(&pair);
    br_keypair_destroy(&other);
    CHECK(pair == NULL);
    br_keypair_destroy(&pair); //  idempotent
}

static void
s_test_secret_file_refusals(void)
{
    br_errmsg_t err;
    br_keypair_t *pair = br_keypair_generate();
    CHECK_EQ_INT(br_keypair_save(pair, s_dir, "perm", &err), 0);
    char path[512], expected[600];
    snprintf(path, sizeof path, "%s/perm.key", s_dir);

    mode_t modes[] = {0644, 0640, 0604, 0620};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        CHECK_EQ_INT(chmod(path, modes[i]), 0);
        err.text[0] = '\0';
        CHECK(br_keypair_load(s_dir, "perm", &err) == NULL);
        snprintf(expected, sizeof expected, "run chmod 600 %s", path);
        CHECK(strstr(err.text, expected) != NULL);
        CHECK(strstr(err.text, "readable by others") != NULL);
    }
    CHECK_EQ_INT(chmod(path, 0400), 0);
    br_keypair_t *loaded = br_keypair_load(s_dir, "perm", &err);
    CHECK(loaded && s_same_pair(pair, loaded));
    br_keypair_destroy(&loaded);

    //  A symbolic link is refused even when its target is fine
    char link_dir[512], target[600];
    snprintf(link_dir, sizeof link_dir, "%s/links", s_dir);
    CHECK_EQ_INT(mkdir(link_dir, 0700), 0);
    CHECK_EQ_INT(br_keypair_save(pair, link_dir, "perm", &err), 0);
    snprintf(target, sizeof target, "%s/perm.key", link_dir);
    CHECK_EQ_INT(unlink(target), 0);
    CHECK_EQ_INT(symlink(path, target), 0);
    CHECK(br_keypair_load(link_dir, "perm", &err) == NULL);
    CHECK(strstr(err.text, "symbolic link") && strstr(err.text, target));
    //  ... for a public key too
    uint8_t key[BR_KEY_SIZE];
    snprintf(target, sizeof target, "%s/link.pub", link_dir);
    snprintf(path, sizeof path, "%s/perm.pub", s_dir);
    CHECK_EQ_INT(symlink(path, target), 0);
    CHECK_EQ_INT(br_pubkey_load(key, target, &err), BR_ERR_PERM);
    //  ... and so is anything that is not a regular file
    CHECK_EQ_INT(br_pubkey_load(key, link_dir, &err), BR_ERR_PERM);
    CHECK(strstr(err.text, "not a regular file") != NULL);
    snprintf(target, sizeof target, "%s/fifo.pub", link_dir);
    CHECK_EQ_INT(mkfifo(target, 0644), 0);
    CHECK_EQ_INT(br_pubkey_load(key, target, &err), BR_ERR_PERM);
    br_keypair_destroy(&pair);
}

static void
s_test_malformed(void)
{
    static const char *bad[] = {
        "",                                             //  empty
        "\n",                                           //  empty line
        "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337\n",    //  39 characters
        "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337xx\n",  //  41 characters
        "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337~\n",   //  '~' is not Z85
        "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x\n\n", // two lines
        "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x\r\n", // CR
        "#####c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x\n", //  over 2^32
        " 09c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x\n",   //  space
    };
    uint8_t key[BR_KEY_SIZE];
    br_errmsg_t err;
    char path[512];
    snprintf(path, sizeof path, "%s/bad.pub", s_dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_write("bad.pub", bad[i], 0644);
        CHECK_EQ_INT(br_pubkey_load(key, path, &err), BR_ERR_MALFORMED);
        CHECK(strstr(err.text, path) != NULL);
        //  The same content as a secret key file, beside a valid .pub
        s_write("badk.pub", "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x\n", 0644);
        s_write("badk.key", bad[i], 0600);
        CHECK(br_keypair_load(s_dir, "badk", &err) == NULL);
        CHECK(strstr(err.text, "badk.key") && strstr(err.text, "Z85"));
    }
    //  Without the final newline the text is still accepted
    s_write("nonl.pub", "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x", 0644);
    snprintf(path, sizeof path, "%s/nonl.pub", s_dir);
    CHECK_EQ_INT(br_pubkey_load(key, path, &err), 0);
    for (int i = 0; i < BR_KEY_SIZE; i++) {
        CHECK_EQ_INT(key[i], i);
    }
    CHECK_EQ_INT(br_pubkey_load(key, "/nonexistent/x.pub", &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, "/nonexistent/x.pub") != NULL);

    CHECK_EQ_INT(br_pubkey_from_z85(key, "#####c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x", 40),
                 BR_ERR_MALFORMED);
    CHECK_EQ_INT(br_pubkey_from_z85(key, "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x", 39),
                 BR_ERR_MALFORMED);
    CHECK_EQ_INT(br_pubkey_from_z85(key, NULL, 40), BR_ERR_MALFORMED);
    //  An embedded NUL is not Z85
    CHECK_EQ_INT(br_pubkey_from_z85(key, "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh933\0x", 40),
                 BR_ERR_MALFORMED);
}

static void
s_test_z85_and_fingerprint(void)
{
    uint8_t key[BR_KEY_SIZE], back[BR_KEY_SIZE];
    for (int i = 0; i < BR_KEY_SIZE; i++) {
        key[i] = (uint8_t)i;
    }
    //  Expected values computed with Python (hashlib and a Z85 encoder)
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(key, z85);
    CHECK_STR(z85, "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x");
    CHECK_EQ_INT(br_pubkey_from_z85(back, z85, strlen(z85)), 0);
    CHECK(memcmp(key, back, sizeof key) == 0);

    char fingerprint[BR_FINGERPRINT_LEN + 1];
    br_key_fingerprint(key, fingerprint);
    CHECK_EQ_INT(strlen(fingerprint), BR_FINGERPRINT_LEN);
    CHECK_STR(fingerprint, "63:0d:cd:29:66:c4:33:66:91:12:54:48:bb:b2:5b:4f:"
                           "f4:12:a4:9c:73:2d:b2:c8:ab:c1:b8:58:1b:d7:10:dd");

    //  And for a random key, against libsodium directly
    randombytes_buf(key, sizeof key);
    uint8_t hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, key, sizeof key);
    char expected[BR_FINGERPRINT_LEN + 1] = "";
    for (size_t i = 0; i < sizeof hash; i++) {
        char pair[4];
        snprintf(pair, sizeof pair, "%s%02x", i ? ":" : "", hash[i]);
        strcat(expected, pair);
    }
    br_key_fingerprint(key, fingerprint);
    CHECK_STR(fingerprint, expected);
}

//  The secret key is searched for in its inverted form, so that the search
//  itself adds no copy. Two loads from disk must leave nothing behind either.
static void
s_test_no_secret_left(void)
{
    br_errmsg_t err;
    uint8_t inverted[BR_KEY_SIZE];
    br_keypair_t *pair = br_keypair_generate();
    CHECK(pair);
    const uint8_t *secret = br_keypair_secret(pair);
    for (size_t i = 0; i < BR_KEY_SIZE; i++) {
        inverted[i] = (uint8_t)~secret[i];
    }
    secret = NULL;
    CHECK_EQ_INT(test_memscan(0, inverted, BR_KEY_SIZE), 1);

    char sub[512];
    snprintf(sub, sizeof sub, "%s/leak", s_dir);
    CHECK_EQ_INT(mkdir(sub, 0700), 0);
    CHECK_EQ_INT(br_keypair_save(pair, sub, "k", &err), 0);
    br_keypair_t *loaded = br_keypair_load(sub, "k", &err);
    CHECK(loaded);
    CHECK_EQ_INT(test_memscan(0, inverted, BR_KEY_SIZE), 2);
    br_keypair_destroy(&pair);
    CHECK_EQ_INT(test_memscan(0, inverted, BR_KEY_SIZE), 1);
    br_keypair_destroy(&loaded);
    CHECK_EQ_INT(test_memscan(0, inverted, BR_KEY_SIZE), 0);
    //  The file holds the Z85 text, never the raw bytes
    char path[600];
    snprintf(path, sizeof path, "%s/k.key", sub);
    uint8_t raw[BR_KEY_SIZE];
    for (size_t i = 0; i < BR_KEY_SIZE; i++) {
        raw[i] = (uint8_t)~inverted[i];
    }
    CHECK_EQ_INT(test_filescan(path, raw, BR_KEY_SIZE), 0);
    sodium_memzero(raw, sizeof raw);
}

int
main(void)
{
    CHECK(sodium_init() >= 0);
    s_dir = test_tmpdir();
    CHECK(s_dir);
    if (!s_dir) {
        return test_done("unit_keys");
    }
    s_test_round_trip_and_modes();
    s_test_secret_file_refusals();
    s_test_malformed();
    s_test_z85_and_fingerprint();
    s_test_no_secret_left();
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_keys");
}
