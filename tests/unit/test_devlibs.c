/*  Unit tests for br_devlibs: the device libraries load on first use, a
    library that cannot be loaded is an error naming it (never a crash), and
    brine-minion itself does not link them. */
#include "brine.h"
#include "testutil.h"

//  The loader compiled here a second time, under other names and with a
//  soname no system has, to see the failure a missing library gives
#define BR_CRYPTSETUP_SONAME "libcryptsetup-absent.so.0"
#define br_devlibs_load s_absent_load
#define br_devlibs_get s_absent_get
#include "br_devlibs.c"
#undef br_devlibs_load
#undef br_devlibs_get

#include <stdio.h>

int br_devlibs_load(char *why, size_t why_size);
const br_devlibs_t *br_devlibs_get(void);

int
main(void)
{
    char why[300] = "";
    CHECK_EQ_INT(s_absent_load(why, sizeof why), -1);
    CHECK(strstr(why, "libcryptsetup-absent.so.0") != NULL);
    //  Still not loaded: a second try fails the same way
    CHECK_EQ_INT(s_absent_load(why, sizeof why), -1);

    CHECK_EQ_INT(br_devlibs_load(why, sizeof why), 0);
    const br_devlibs_t *libs = br_devlibs_get();
    CHECK(libs->crypt_init != NULL && libs->blkid_do_safeprobe != NULL);
    //  Calls go to the real library
    CHECK(libs->crypt_get_pbkdf_default(CRYPT_LUKS2) != NULL);
    CHECK_EQ_INT(br_devlibs_load(why, sizeof why), 0);

    const char *bin = getenv("BRINE_BIN_DIR");
    CHECK(bin != NULL);
    if (bin) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bin/brine-minion", bin);
        CHECK(test_needs_lib(path, "libczmq"));
        CHECK(!test_needs_lib(path, "libcryptsetup"));
        CHECK(!test_needs_lib(path, "libblkid"));
    }
    return test_done("unit_devlibs");
}
