/*  luks_util: helpers shared by the luks module's unit tests.

    Random passphrases are only ever kept inverted (each byte XOR 0xFF, as
    test_memscan wants them); their plain bytes exist only in locked
    br_secret memory or in stack buffers wiped right after use, so a memory
    scan that finds them has found a copy made by the code under test. */
#ifndef LUKS_UTIL_H
#define LUKS_UTIL_H

#include "br_probe.h"
#include "br_sls.h"
#include "br_state.h"
#include "br_state_int.h"
#include "testutil.h"

#include <libcryptsetup.h>
#include <sodium.h>

#define LT_DATA BRINE_SOURCE_DIR "/tests/data/luks"
#define LT_IMAGE_MB 24
#define LT_PASS_LEN 24

//  The scratch folder of the test (set by its main).
extern char *lt_dir;

//  A passphrase, inverted.
typedef struct {
    uint8_t inv[LT_PASS_LEN];
} lt_pass_t;

//  Random lowercase letters (a plain YAML string whatever they are).
void lt_pass_random(lt_pass_t *p);
//  The plain bytes in locked memory, for the test's own libcryptsetup calls.
br_secret_t *lt_pass_secret(const lt_pass_t *p);

//  lt_dir/name (caller frees).
char *lt_path(const char *name);
//  A sparse zero-filled image of LT_IMAGE_MB MiB at lt_dir/name.
char *lt_image(const char *name);
//  Writes lt_dir/pillar (top.sls, luks.sls: luks.device, luks.passphrase,
//  luks.new_passphrase; mode 0600) and returns the folder.
char *lt_pillar(const char *device, const lt_pass_t *pass, const lt_pass_t *new_pass);

//  The engine run on one SLS of tests/data/luks.
typedef struct {
    br_value_t *context;
    br_vault_t *vault;
    br_high_t *high;
    br_low_t *low;
    br_run_t *run;
    br_errmsg_t err;
    int rc;
} lt_fixture_t;

//  Loads the pillar and SLS, compiles, and runs (unless run is false).
void lt_apply(lt_fixture_t *fx, const char *sls, const char *pillar_dir, bool test, bool run);
void lt_fini(lt_fixture_t *fx);
//  Checks state id's result, whether it changed, and that its comment
//  contains the given text (when not NULL).
void lt_expect(lt_fixture_t *fx, const char *id, br_result_t result, bool changed,
               const char *comment);

//  BLAKE2b of a whole file, to prove that nothing was written.
void lt_hash(const char *path, uint8_t out[32]);
//  Does the passphrase open the LUKS image (verification only)?
bool lt_opens(const char *path, const lt_pass_t *p);
//  "LUKS1", "LUKS2", or "" when libcryptsetup cannot load the image.
const char *lt_luks_type(const char *path);
//  Runs argv, stdout and stderr into out_path (or /dev/null); exit status.
int lt_run(char *const argv[], const char *out_path);
//  How often the passphrase's bytes occur in a file, or -1.
long lt_filescan(const char *path, const lt_pass_t *p);

#endif
