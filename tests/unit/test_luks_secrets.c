/*  Secret hygiene of the luks module (invariant S1): after the engine ran
    every luks function that takes a passphrase, with random passphrases
    from a secret pillar, and everything was destroyed, this process's memory
    holds no copy (pbkdf2 through OpenSSL and argon2id through libargon2);
    brine-call's output in every format and outcome, and the LUKS image,
    never hold the passphrases' bytes. */
#include "luks_util.h"

#include <unistd.h>

//  S1: the engine with a random passphrase from a secret pillar, every
//  function that takes one, then everything destroyed: no copy anywhere in
//  this process. Run for pbkdf2 (OpenSSL) and argon2id (libargon2).
static void
s_hygiene_engine(const char *sls)
{
    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *image = lt_image("hygiene.img");
    char *pillar = lt_pillar(image, &pass, &new_pass);
    lt_fixture_t fx;
    const char *runs[] = {sls, sls, "rotate", "rotate", "remove_last", NULL};
    for (int i = 0; runs[i]; i++) {
        lt_apply(&fx, runs[i], pillar, false, true);
        CHECK_EQ_INT(fx.rc, 0);
        lt_fini(&fx);
        lt_apply(&fx, runs[i], pillar, true, true);
        if (!runs[i + 1]) {
            //  The scan works: while the engine holds the secrets (in
            //  locked memory), it finds them
            CHECK(test_memscan(0, new_pass.inv, LT_PASS_LEN) >= 1);
        }
        lt_fini(&fx);
    }
    CHECK(lt_opens(image, &new_pass));
    //  The pillar file is the one place the passphrase is meant to be
    test_rmtree(pillar);
    CHECK_EQ_INT(lt_filescan(image, &pass), 0);
    CHECK_EQ_INT(lt_filescan(image, &new_pass), 0);
    //  Whole passphrases, and their second halves: a freed small heap
    //  block keeps its tail after the allocator writes its links over the
    //  head, so an unwiped copy that was freed shows up by its tail
    const lt_pass_t *both[] = {&pass, &new_pass};
    for (int i = 0; i < 2; i++) {
        long whole = test_memscan(0, both[i]->inv, LT_PASS_LEN);
        long tail = test_memscan(0, both[i]->inv + LT_PASS_LEN / 2, LT_PASS_LEN / 2);
        if (whole != 0 || tail != 0) {
            fprintf(stderr, "%s: passphrase %d found in memory: %ld whole, %ld tails\n", sls, i,
                    whole, tail);
        }
        CHECK_EQ_INT(whole, 0);
        CHECK_EQ_INT(tail, 0);
    }
    unlink(image);
    free(pillar);
    free(image);
}

//  The same through brine-call: its output (highstate, JSON, test=True,
//  and the error runs) never holds the passphrase, nor does the image.
static void
test_hygiene_brine_call(void)
{
    const char *bin_dir = getenv("BRINE_BIN_DIR");
    char *brine_call = NULL;
    if (!bin_dir || asprintf(&brine_call, "%s/bin/brine-call", bin_dir) < 0 ||
        access(brine_call, X_OK) != 0) {
        printf("  (brine-call not found: BRINE_BIN_DIR unset; skipped)\n");
        free(brine_call);
        return;
    }
    lt_pass_t pass, new_pass;
    lt_pass_random(&pass);
    lt_pass_random(&new_pass);
    char *image = lt_image("call.img");
    char *pillar = lt_pillar(image, &pass, &new_pass);
    char *out = lt_path("brine-call.out");
    const char *cases[][3] = {
        {"format", "test=False", "--out=highstate"},  {"format", "test=True", "--out=json"},
        {"format", "test=False", "--out=json"},       {"rotate", "test=True", "--out=highstate"},
        {"rotate", "test=False", "--out=json"},       {"remove_last", "test=False", "--out=json"},
        {"secret_label", "test=False", "--out=json"},
    };
    const int expect[] = {0, 0, 0, 0, 0, 2, 1};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {brine_call,
                        "--local",
                        "-c",
                        "/nonexistent",
                        "--id",
                        "t",
                        "--no-color",
                        "--file-root",
                        LT_DATA,
                        "--pillar-root",
                        pillar,
                        "state.apply",
                        (char *)cases[i][0],
                        (char *)cases[i][1],
                        (char *)cases[i][2],
                        NULL};
        int status = lt_run(argv, out);
        if (status != expect[i]) {
            fprintf(stderr, "brine-call %s %s: exit %d, expected %d\n", cases[i][0], cases[i][1],
                    status, expect[i]);
            test_failures++;
        }
        CHECK_EQ_INT(lt_filescan(out, &pass), 0);
        CHECK_EQ_INT(lt_filescan(out, &new_pass), 0);
    }
    CHECK_EQ_INT(lt_filescan(image, &pass), 0);
    CHECK_EQ_INT(lt_filescan(image, &new_pass), 0);
    CHECK(lt_opens(image, &new_pass));
    CHECK(!lt_opens(image, &pass));
    test_rmtree(pillar);
    free(pillar);
    free(out);
    free(image);
    free(brine_call);
}

int
main(void)
{
    CHECK_EQ_INT(br_harden_process(), 0);
    crypt_set_debug_level(CRYPT_DEBUG_NONE);
    lt_dir = test_tmpdir();
    CHECK(lt_dir != NULL);
    if (!lt_dir) {
        return test_done("unit_luks_secrets");
    }
    s_hygiene_engine("format");
    s_hygiene_engine("format_argon");
    test_hygiene_brine_call();
    test_rmtree(lt_dir);
    free(lt_dir);
    return test_done("unit_luks_secrets");
}
