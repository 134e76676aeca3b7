/*  Unit tests of the luks module on this host, which has no device-mapper:
    schemas (compile errors, secrets kept to secret arguments), luks.formatted
    on image files (libcryptsetup formats a regular file), the data-safety
    rules (S7), test=True leaving every byte alone, and key rotation
    (keyslots are added, verified and destroyed on a file). Opening and
    closing need device-mapper and run in the VM (tests/vm/scenarios/luks.sh);
    secret hygiene is test_luks_secrets.c. */
#include "luks_util.h"

#include <fcntl.h>
#include <unistd.h>

static void
test_schema(void)
{
    //  Every passphrase argument of every luks function is a secret
    const br_module_t *luks = br_module_find("luks");
    CHECK(luks != NULL);
    size_t secrets = 0;
    for (const br_function_t *f = luks ? luks->functions : NULL; f && f->name; f++) {
        for (const br_arg_t *a = f->args; a->name; a++) {
            if (strstr(a->name, "passphrase")) {
                CHECK_EQ_INT(a->type, BR_ARG_SECRET);
                secrets++;
            }
        }
    }
    CHECK_EQ_INT(secrets, 5);

    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *pillar = lt_pillar("/dev/null", &pass, &new_pass);
    lt_fixture_t fx;

    lt_apply(&fx, "missing_passphrase", pillar, false, false);
    CHECK_EQ_INT(fx.rc, BR_ERR_FIELD);
    CHECK(strstr(fx.err.text, "missing required argument 'passphrase'") != NULL);
    lt_fini(&fx);

    //  From the secret pillar into the secret argument: held as a secret
    lt_apply(&fx, "format", pillar, false, false);
    CHECK_EQ_INT(fx.rc, 0);
    if (fx.rc == 0) {
        const br_value_t *v = br_value_map_get(fx.low->chunks[0].args, "passphrase");
        CHECK_EQ_INT(br_value_kind(v), BR_V_SECRET);
        const br_secret_t *got = br_value_as_secret(v);
        br_secret_t *want = lt_pass_secret(&pass);
        CHECK(got && br_secret_equal(got, want));
        br_secret_destroy(&want);
        //  Defaults from the schema
        CHECK_STR(br_value_as_str(br_value_map_get(fx.low->chunks[0].args, "type")), "luks2");
        CHECK_STR(br_value_as_str(br_value_map_get(fx.low->chunks[0].args, "cipher")),
                  "aes-xts-plain64");
        CHECK_EQ_INT(br_value_as_int(br_value_map_get(fx.low->chunks[0].args, "key_size")), 512);
    }
    lt_fini(&fx);

    //  The same secret into a label or a dm name is refused at compile time
    const char *leaky[] = {"secret_label", "secret_name", NULL};
    const char *arg[] = {"argument 'label'", "argument 'name'", NULL};
    for (int i = 0; leaky[i]; i++) {
        lt_apply(&fx, leaky[i], pillar, false, false);
        CHECK_EQ_INT(fx.rc, BR_ERR_DENIED);
        CHECK(strstr(fx.err.text, arg[i]) != NULL);
        CHECK(strstr(fx.err.text, "secrets may only be passed to secret arguments") != NULL);
        lt_fini(&fx);
        //  Not in the message, nor anywhere else once the engine is gone
        CHECK_EQ_INT(test_memscan(0, pass.inv, LT_PASS_LEN), 0);
    }

    lt_apply(&fx, "bad_type", pillar, false, false);
    CHECK_EQ_INT(fx.rc, BR_ERR_TYPE);
    CHECK(strstr(fx.err.text, "argument 'key_size': expected an integer") != NULL);
    lt_fini(&fx);
    test_rmtree(pillar);
    free(pillar);
}

static void
test_formatted(void)
{
    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *image = lt_image("fresh.img");
    char *pillar = lt_pillar(image, &pass, &new_pass);
    uint8_t before[32], after[32];
    lt_fixture_t fx;

    //  test=True on an empty image predicts and writes nothing
    lt_hash(image, before);
    lt_apply(&fx, "format", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_NONE, false, "would be formatted as LUKS2");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);

    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, true, "formatted as LUKS2 (pbkdf2, key slot 0)");
    if (fx.run && br_run_size(fx.run) == 1) {
        const br_value_t *changes = br_run_at(fx.run, 0)->changes;
        CHECK_STR(br_value_as_str(br_value_map_get(changes, "formatted")), image);
        CHECK_STR(br_value_as_str(br_value_map_get(changes, "type")), "luks2");
    }
    lt_fini(&fx);
    CHECK_STR(lt_luks_type(image), CRYPT_LUKS2);
    CHECK(lt_opens(image, &pass));
    CHECK(!lt_opens(image, &new_pass));

    //  Second run, and test=True on it: unchanged, nothing written
    lt_hash(image, before);
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "is already LUKS-formatted (LUKS2)");
    lt_fini(&fx);
    lt_apply(&fx, "format", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "is already LUKS-formatted (LUKS2)");
    lt_fini(&fx);
    //  force never reformats LUKS
    lt_apply(&fx, "force", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "it is never reformatted");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK(lt_opens(image, &pass));

    test_rmtree(pillar);
    free(pillar);
    free(image);
}

//  Writes a LUKS2 header with no key slot, as a format killed between its
//  two steps leaves it; marked as brine's unfinished format or not. With a
//  passphrase, a key slot for it follows (a kill after the two steps).
static void
s_header_only(const char *image, bool marked, const lt_pass_t *keyed)
{
    struct crypt_device *cd = NULL;
    struct crypt_pbkdf_type pbkdf = {.type = CRYPT_KDF_PBKDF2,
                                     .hash = "sha256",
                                     .iterations = 1000,
                                     .flags = CRYPT_PBKDF_NO_BENCHMARK};
    struct crypt_params_luks2 params = {.pbkdf = &pbkdf,
                                        .subsystem = marked ? "brine-unfinished" : NULL};
    CHECK_EQ_INT(crypt_init(&cd, image), 0);
    CHECK_EQ_INT(crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", NULL, NULL, 64, &params), 0);
    if (keyed) {
        br_secret_t *plain = lt_pass_secret(keyed);
        CHECK_EQ_INT(crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0,
                                                     (const char *)br_secret_cdata(plain),
                                                     br_secret_size(plain)),
                     0);
        br_secret_destroy(&plain);
    }
    crypt_free(cd);
}

//  Zeroes LEN bytes of IMAGE at OFFSET
static void
s_zero(const char *image, off_t offset, size_t len)
{
    static const uint8_t zeros[16 * 1024];
    int fd = open(image, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(len <= sizeof zeros);
    if (fd >= 0) {
        CHECK_EQ_INT(pwrite(fd, zeros, len, offset), (ssize_t)len);
        close(fd);
    }
}

//  Tears the header of IMAGE as a kill inside libcryptsetup's first header
//  write leaves it: the secondary copy not written yet, the primary's
//  checksum not written yet, and with JSON false its JSON area neither.
static void
s_tear(const char *image, bool json)
{
    s_zero(image, 16 * 1024, 16 * 1024); //  the secondary copy
    s_zero(image, 448, 64);              //  the primary's checksum
    if (!json) {
        s_zero(image, 4096, 12 * 1024);
    }
}

//  The state on IMAGE predicts that its unfinished format would be redone,
//  then redoes it, and the passphrase opens the result.
static void
s_expect_redone(const char *image, const char *pillar, const lt_pass_t *pass)
{
    lt_fixture_t fx;
    lt_apply(&fx, "format", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_NONE, false, "holds an unfinished format");
    lt_fini(&fx);
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, true, "formatted as LUKS2");
    lt_fini(&fx);
    CHECK(lt_opens(image, pass));
}

//  The state with force: True fails on IMAGE saying why, and writes nothing.
static void
s_expect_refused(const char *image, const char *pillar, const char *why)
{
    lt_fixture_t fx;
    uint8_t before[32], after[32];
    lt_hash(image, before);
    lt_apply(&fx, "force", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false, why);
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
}

//  A torn header no copy of which loads: redone only when the binary header
//  carries brine's mark and the JSON area lists no key slot.
static void
test_torn_header(void)
{
    lt_pass_t pass;
    lt_pass_random(&pass);
    char *image = lt_image("torn.img");
    char *pillar = lt_pillar(image, &pass, &pass);
    for (int json = 0; json < 2; json++) {
        s_header_only(image, true, NULL);
        s_tear(image, json);
        CHECK(!lt_opens(image, &pass));
        s_expect_redone(image, pillar, &pass);
        CHECK_EQ_INT(truncate(image, 0), 0);
        CHECK_EQ_INT(truncate(image, (off_t)LT_IMAGE_MB << 20), 0);
    }
    //  Unmarked, or marked but with a key slot: refused, every byte kept
    for (int keyed = 0; keyed < 2; keyed++) {
        s_header_only(image, keyed, keyed ? &pass : NULL);
        s_tear(image, true);
        s_expect_refused(image, pillar, "cannot load");
        CHECK_EQ_INT(truncate(image, 0), 0);
        CHECK_EQ_INT(truncate(image, (off_t)LT_IMAGE_MB << 20), 0);
    }
    test_rmtree(pillar);
    free(pillar);
    free(image);
}

//  Killed mid-format: brine's own marked header without a key slot is
//  formatted again; anyone else's keyless header is refused, untouched.
static void
test_unfinished_format(void)
{
    lt_pass_t pass;
    lt_pass_random(&pass);
    char *image = lt_image("unfinished.img");
    char *pillar = lt_pillar(image, &pass, &pass);
    lt_fixture_t fx;
    s_header_only(image, true, NULL);
    s_expect_redone(image, pillar, &pass);
    //  Finished: the mark is gone, so it is never formatted again
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "is already LUKS-formatted");
    lt_fini(&fx);
    free(image);

    image = lt_image("keyless.img");
    test_rmtree(pillar);
    free(pillar);
    pillar = lt_pillar(image, &pass, &pass);
    s_header_only(image, false, NULL);
    s_expect_refused(image, pillar, "without any key slot");
    test_rmtree(pillar);
    free(pillar);
    free(image);
}

//  A device holding something else: refused without force, its bytes
//  intact; force overwrites anything but LUKS.
static void
test_data_safety(void)
{
    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *image = lt_image("ext4.img");
    char *argv[] = {"mkfs.ext4", "-q", "-F", image, NULL};
    CHECK_EQ_INT(lt_run(argv, NULL), 0);
    char *pillar = lt_pillar(image, &pass, &new_pass);
    uint8_t before[32], after[32];
    lt_fixture_t fx;
    char expect[512];
    snprintf(expect, sizeof expect,
             "Device %s holds an ext4 filesystem: refusing to format it without force: True",
             image);

    lt_hash(image, before);
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false, expect);
    lt_fini(&fx);
    lt_apply(&fx, "format", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false, expect);
    lt_fini(&fx);
    lt_apply(&fx, "force", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_NONE, false,
              "(force: True overwrites an ext4 filesystem)");
    lt_fini(&fx);
    //  Arguments are checked before anything is written
    lt_apply(&fx, "bad_pbkdf", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false,
              "pbkdf must be argon2id, argon2i or pbkdf2");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
    char found[BR_PROBE_FOUND_MAX];
    CHECK_EQ_INT(br_probe_device(image, found, sizeof found, NULL), 1);
    CHECK_STR(found, "an ext4 filesystem");

    lt_apply(&fx, "force", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, true, "formatted as LUKS2");
    if (fx.run && br_run_size(fx.run) == 1) {
        CHECK_STR(br_value_as_str(br_value_map_get(br_run_at(fx.run, 0)->changes, "overwrote")),
                  "an ext4 filesystem");
    }
    lt_fini(&fx);
    CHECK(lt_opens(image, &pass));
    test_rmtree(pillar);
    free(pillar);
    free(image);

    //  A LUKS1 device (made here with libcryptsetup) is recognised, left as
    //  it is, even with force
    image = lt_image("luks1.img");
    pillar = lt_pillar(image, &pass, &new_pass);
    struct crypt_device *cd = NULL;
    struct crypt_pbkdf_type pbkdf = {.type = CRYPT_KDF_PBKDF2,
                                     .hash = "sha256",
                                     .iterations = 1000,
                                     .flags = CRYPT_PBKDF_NO_BENCHMARK};
    struct crypt_params_luks1 p1 = {.hash = "sha256"};
    br_secret_t *secret = lt_pass_secret(&new_pass);
    CHECK_EQ_INT(crypt_init(&cd, image), 0);
    CHECK_EQ_INT(crypt_format(cd, CRYPT_LUKS1, "aes", "xts-plain64", NULL, NULL, 64, &p1), 0);
    CHECK_EQ_INT(crypt_set_pbkdf_type(cd, &pbkdf), 0);
    CHECK_EQ_INT(crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0,
                                                 (const char *)br_secret_cdata(secret),
                                                 br_secret_size(secret)),
                 0);
    crypt_free(cd);
    br_secret_destroy(&secret);
    lt_hash(image, before);
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "is already LUKS-formatted (LUKS1)");
    lt_fini(&fx);
    lt_apply(&fx, "force", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, false, "is already LUKS-formatted (LUKS1)");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK(lt_opens(image, &new_pass));
    test_rmtree(pillar);
    free(pillar);
    free(image);

    //  A damaged LUKS header (magic, then garbage) that libcryptsetup cannot
    //  load is still LUKS: never formatted, force or not
    image = lt_image("damaged.img");
    pillar = lt_pillar(image, &pass, &new_pass);
    static const uint8_t damaged[16] = {'L', 'U', 'K', 'S', 0xba, 0xbe, 0, 9, 'x', 'x'};
    int fd = open(image, O_WRONLY | O_CLOEXEC);
    CHECK(fd >= 0 && pwrite(fd, damaged, sizeof damaged, 0) == (ssize_t)sizeof damaged);
    if (fd >= 0) {
        close(fd);
    }
    lt_hash(image, before);
    lt_apply(&fx, "force", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false, "a LUKS device is never reformatted");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
    test_rmtree(pillar);
    free(pillar);
    free(image);

    //  A missing device: a failure, and in test=True a prediction
    char *missing = lt_path("missing.img");
    pillar = lt_pillar(missing, &pass, &new_pass);
    lt_apply(&fx, "format", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_FALSE, false, "does not exist");
    lt_fini(&fx);
    lt_apply(&fx, "format", pillar, true, true);
    lt_expect(&fx, "formatted", BR_RESULT_NONE, false, "does not exist yet");
    lt_fini(&fx);
    CHECK(access(missing, F_OK) != 0);
    test_rmtree(pillar);
    free(pillar);
    free(missing);
}

static void
test_luks1_and_rotation(void)
{
    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *image = lt_image("rotate.img");
    char *pillar = lt_pillar(image, &pass, &new_pass);
    uint8_t before[32], after[32];
    lt_fixture_t fx;

    lt_apply(&fx, "format_luks1", pillar, false, true);
    lt_expect(&fx, "formatted", BR_RESULT_TRUE, true, "formatted as LUKS1");
    lt_fini(&fx);
    CHECK_STR(lt_luks_type(image), CRYPT_LUKS1);

    //  test=True: both predicted (removing the only key would fail unless
    //  the earlier state adds one), nothing written
    lt_hash(image, before);
    lt_apply(&fx, "rotate", pillar, true, true);
    lt_expect(&fx, "add-new", BR_RESULT_NONE, false, "would be added");
    lt_expect(&fx, "remove-old", BR_RESULT_NONE, false, "unless an earlier state adds");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);

    lt_apply(&fx, "rotate", pillar, false, true);
    lt_expect(&fx, "add-new", BR_RESULT_TRUE, true, "added key slot 1");
    lt_expect(&fx, "remove-old", BR_RESULT_TRUE, true, "removed key slot(s) 0");
    lt_fini(&fx);
    CHECK(!lt_opens(image, &pass));
    CHECK(lt_opens(image, &new_pass));

    //  Converged; the old passphrase can no longer add a key, but the new
    //  one is already present, so nothing is asked of it
    lt_apply(&fx, "rotate", pillar, false, true);
    lt_expect(&fx, "add-new", BR_RESULT_TRUE, false, "already opens");
    lt_expect(&fx, "remove-old", BR_RESULT_TRUE, false, "opens no key slot");
    lt_fini(&fx);

    //  Never the last key
    lt_hash(image, before);
    lt_apply(&fx, "remove_last", pillar, false, true);
    lt_expect(&fx, "remove-new", BR_RESULT_FALSE, false, "refusing to remove the last key");
    lt_fini(&fx);
    lt_hash(image, after);
    CHECK(memcmp(before, after, 32) == 0);
    CHECK(lt_opens(image, &new_pass));

    //  A wrong current passphrase cannot add a key: swap the roles
    test_rmtree(pillar);
    free(pillar);
    lt_pass_t other;
    lt_pass_random(&other);
    pillar = lt_pillar(image, &pass, &other);
    lt_apply(&fx, "rotate", pillar, false, true);
    lt_expect(&fx, "add-new", BR_RESULT_FALSE, false, "the passphrase does not open");
    lt_expect(&fx, "remove-old", BR_RESULT_FALSE, false, "One or more requisite failed");
    lt_fini(&fx);
    lt_apply(&fx, "rotate", pillar, true, true);
    lt_expect(&fx, "add-new", BR_RESULT_FALSE, false, "(no key slot matched)");
    lt_fini(&fx);
    CHECK(lt_opens(image, &new_pass));
    test_rmtree(pillar);
    free(pillar);
    free(image);
}

int
main(void)
{
    CHECK_EQ_INT(br_harden_process(), 0);
    crypt_set_debug_level(CRYPT_DEBUG_NONE);
    lt_dir = test_tmpdir();
    CHECK(lt_dir != NULL);
    if (!lt_dir) {
        return test_done("unit_luks");
    }
    test_schema();
    test_formatted();
    test_unfinished_format();
    test_torn_header();
    test_data_safety();
    test_luks1_and_rotation();
    test_rmtree(lt_dir);
    free(lt_dir);
    return test_done("unit_luks");
}
