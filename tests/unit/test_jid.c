/*  Unit tests for br_jid: Salt's format, and strictly increasing ids. */
#include "brine.h"
#include "testutil.h"

#include <time.h>

int
main(void)
{
    br_jidgen_t *gen = br_jidgen_new();
    char prev[BR_JID_LEN + 1] = "";
    char jid[BR_JID_LEN + 1];
    //  Many in a tight loop: several fall into one microsecond
    for (int i = 0; i < 100000; i++) {
        br_jidgen_next(gen, jid);
        if (!br_jid_valid(jid) || strcmp(jid, prev) <= 0) {
            fprintf(stderr, "bad or non-increasing jid %s after %s\n", jid, prev);
            test_failures++;
            break;
        }
        memcpy(prev, jid, sizeof prev);
    }
    //  The jid names the current UTC second
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char year[16];
    snprintf(year, sizeof year, "%04d", tm.tm_year + 1900);
    CHECK(strncmp(jid, year, 4) == 0);
    CHECK_EQ_INT(strlen(jid), 20);
    br_jidgen_destroy(&gen);
    CHECK(gen == NULL);

    CHECK(br_jid_valid("20261128053000123456"));
    CHECK(!br_jid_valid("2026112805300012345"));
    CHECK(!br_jid_valid("202611280530001234567"));
    CHECK(!br_jid_valid("2026112805300012345a"));
    CHECK(!br_jid_valid("20261328053000123456"));
    CHECK(!br_jid_valid("../../../etc/passwd0"));
    CHECK(!br_jid_valid(NULL));
    CHECK(!br_jid_valid_n("20261128053000123456", 19));
    CHECK(!br_jid_valid_n("2026112805300\00023456", 20));
    return test_done("unit_jid");
}
