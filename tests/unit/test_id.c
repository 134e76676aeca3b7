/*  Unit tests for br_id: the character set that keeps ids safe in paths. */
#include "brine.h"
#include "testutil.h"

int
main(void)
{
    const char *good[] = {"web1", "db-01.example.com", "a", "A_b-c.d", "0", NULL};
    for (int i = 0; good[i]; i++) {
        CHECK(br_id_valid(good[i]));
    }
    const char *bad[] = {"",    ".",    "..", "../etc", "a/b", ".hidden", "-x",
                         "a b", "a\nb", "é",  "a:b",    "*",   "a\\b",    NULL};
    for (int i = 0; bad[i]; i++) {
        if (br_id_valid(bad[i])) {
            fprintf(stderr, "accepted bad id '%s'\n", bad[i]);
            test_failures++;
        }
    }
    CHECK(!br_id_valid(NULL));
    char longid[BR_ID_MAX + 2];
    memset(longid, 'a', sizeof longid - 1);
    longid[BR_ID_MAX + 1] = 0;
    CHECK(!br_id_valid(longid));
    longid[BR_ID_MAX] = 0;
    CHECK(br_id_valid(longid));
    CHECK(!br_id_valid_n("ab\0cd", 5));
    CHECK(br_id_valid_n("abcd", 4));
    return test_done("unit_id");
}
