/*  test_masters: the minion's option master read through its real schema
    (a string, a list, HOST and HOST:PORT, bad entries with file, line and
    option), master_alive_interval, and the failover order and backoff of
    br_masters. */
#include "br_masters.h"
#include "minion_config.h"
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

static char *s_dir;      //  scratch directory of this run
static char s_path[600]; //  CONFDIR/minion, written by s_load

//  Writes text as CONFDIR/minion and loads it with the minion's schema.
static br_config_t *
s_load(const char *text, br_errmsg_t *err)
{
    snprintf(s_path, sizeof s_path, "%s/minion", s_dir);
    FILE *file = fopen(s_path, "w");
    CHECK(file != NULL);
    if (file) {
        CHECK(fputs(text, file) >= 0);
        CHECK(fclose(file) == 0);
    }
    memset(err, 0, sizeof *err);
    return br_minion_config_load(s_dir, err);
}

//  Loads text and reads its masters, which must be the names given in
//  expected ("host:port", NULL-terminated).
static void
s_expect_masters(const char *text, const char *const *expected, int line)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load(text, &err);
    br_masters_t *masters = cfg ? br_masters_new(cfg, &err) : NULL;
    size_t count = 0;
    while (expected[count]) {
        count++;
    }
    bool same = masters && br_masters_size(masters) == count;
    for (size_t i = 0; same && i < count; i++) {
        same = strcmp(br_masters_name(masters, i), expected[i]) == 0;
    }
    if (!same) {
        fprintf(stderr, "%s:%d: for %s\n  expected %zu masters starting %s\n  got %s\n", __FILE__,
                line, text, count, expected[0] ? expected[0] : "(none)",
                masters ? br_masters_name(masters, 0) : err.text);
        test_failures++;
    }
    br_masters_destroy(&masters);
    br_config_destroy(&cfg);
}
#define EXPECT_MASTERS(text, ...)                                                                  \
    do {                                                                                           \
        const char *const names_[] = {__VA_ARGS__, NULL};                                          \
        s_expect_masters(text, names_, __LINE__);                                                  \
    } while (0)

//  Loads text expecting the error "PATH:REST" from the config or the list.
static void
s_expect_error(const char *text, const char *rest, int line)
{
    br_errmsg_t err;
    char expected[1024];
    br_config_t *cfg = s_load(text, &err);
    br_masters_t *masters = cfg ? br_masters_new(cfg, &err) : NULL;
    snprintf(expected, sizeof expected, "%s:%s", s_path, rest);
    if (masters || strcmp(err.text, expected) != 0) {
        fprintf(stderr, "%s:%d: for %s\n  expected error \"%s\"\n  got \"%s\"\n", __FILE__, line,
                text, expected, masters ? "(loaded)" : err.text);
        test_failures++;
    }
    br_masters_destroy(&masters);
    br_config_destroy(&cfg);
}
#define EXPECT_ERROR(text, rest) s_expect_error(text, rest, __LINE__)

static void
s_test_forms(void)
{
    //  Defaults: one master, on loopback, at ret_port
    EXPECT_MASTERS("", "127.0.0.1:4606");
    EXPECT_MASTERS("ret_port: 5000\n", "127.0.0.1:5000");
    //  A string, with and without a port
    EXPECT_MASTERS("master: salt.example.org\n", "salt.example.org:4606");
    EXPECT_MASTERS("master: 10.0.0.1:4706\n", "10.0.0.1:4706");
    EXPECT_MASTERS("master: '10.0.0.1:4706'\nret_port: 1\n", "10.0.0.1:4706");
    //  Lists, block and flow; an entry without a port takes ret_port
    EXPECT_MASTERS("master:\n  - 127.0.0.1:4606\n  - 127.0.0.1:4706\n", "127.0.0.1:4606",
                   "127.0.0.1:4706");
    EXPECT_MASTERS("ret_port: 7000\nmaster: [m1.example.org, 'm2_b.example.org:65535', m-3]\n",
                   "m1.example.org:7000", "m2_b.example.org:65535", "m-3:7000");
    //  The same host on two ports is two masters
    EXPECT_MASTERS("master: [127.0.0.1:1, 127.0.0.1]\n", "127.0.0.1:1", "127.0.0.1:4606");

    br_errmsg_t err;
    br_config_t *cfg = s_load("master: [a:1, b:2]\n", &err);
    br_masters_t *masters = cfg ? br_masters_new(cfg, &err) : NULL;
    CHECK(masters != NULL);
    if (masters) {
        CHECK_STR(br_masters_host(masters, 1), "b");
        CHECK_EQ_INT(br_masters_port(masters, 1), 2);
        CHECK(br_masters_host(masters, 2) == NULL);
        CHECK(br_masters_name(masters, 2) == NULL);
        CHECK_EQ_INT(br_masters_port(masters, 2), 0);
    }
    br_masters_destroy(&masters);
    br_masters_destroy(&masters); //  idempotent
    br_config_destroy(&cfg);
}

static void
s_test_bad_entries(void)
{
    //  Each error names the file, the line of the entry and the option
    EXPECT_ERROR("master:\n  - 127.0.0.1:4606\n  - 127.0.0.1:0\n",
                 "3: option 'master': '127.0.0.1:0': the port after ':' must be a number from 1 "
                 "to 65535 (the master's ret_port)");
    EXPECT_ERROR("master: 'a:65536'\n", "1: option 'master': 'a:65536': the port after ':' must "
                                        "be a number from 1 to 65535 (the master's ret_port)");
    EXPECT_ERROR("id: x\nmaster: [a:4606, 'b:']\n",
                 "2: option 'master': 'b:': the port after ':' must be a number from 1 to 65535 "
                 "(the master's ret_port)");
    EXPECT_ERROR("master: a:04606\n", "1: option 'master': 'a:04606': the port after ':' must be "
                                      "a number from 1 to 65535 (the master's ret_port)");
    EXPECT_ERROR("master: a:+1\n", "1: option 'master': 'a:+1': the port after ':' must be a "
                                   "number from 1 to 65535 (the master's ret_port)");
    EXPECT_ERROR("master: a:http\n", "1: option 'master': 'a:http': the port after ':' must be a "
                                     "number from 1 to 65535 (the master's ret_port)");
    EXPECT_ERROR("master:\n  - ok.example\n\n  - ':4606'\n",
                 "4: option 'master': ':4606': expected HOST or HOST:PORT, where HOST is a host "
                 "name or an IPv4 address");
    EXPECT_ERROR("master: 'tcp://a:1'\n",
                 "1: option 'master': 'tcp://a:1': expected HOST or HOST:PORT, without a scheme");
    EXPECT_ERROR("master: '::1'\n", "1: option 'master': '::1': IPv6 addresses are not supported "
                                    "(expected HOST or HOST:PORT with a host name or an IPv4 "
                                    "address)");
    EXPECT_ERROR("master: '[::1]:4606'\n",
                 "1: option 'master': '[::1]:4606': IPv6 addresses are not supported (expected "
                 "HOST or HOST:PORT with a host name or an IPv4 address)");
    EXPECT_ERROR("master: 'two words'\n",
                 "1: option 'master': 'two words': expected HOST or HOST:PORT, where HOST is a "
                 "host name or an IPv4 address");
    EXPECT_ERROR("master: -dash\n", "1: option 'master': '-dash': expected HOST or HOST:PORT, "
                                    "where HOST is a host name or an IPv4 address");
    EXPECT_ERROR("master: [a, '']\n",
                 "1: option 'master': an entry is empty (expected HOST or HOST:PORT)");
    //  A control character is not echoed as it is
    EXPECT_ERROR("master: \"a\\tb\"\n", "1: option 'master': 'a?b': expected HOST or HOST:PORT, "
                                        "where HOST is a host name or an IPv4 address");
    //  The same master twice, even spelt in another case or by ret_port
    EXPECT_ERROR("master:\n  - m1:4606\n  - m2\n  - M1\n",
                 "4: option 'master': 'M1' is the master of entry 1 again (M1:4606)");
    //  No master at all
    EXPECT_ERROR("id: x\nmaster: []\n", "2: option 'master': no master given (expected HOST, "
                                        "HOST:PORT or a list of them)");
    EXPECT_ERROR("master:\n", "1: option 'master': no master given (expected HOST, HOST:PORT or "
                              "a list of them)");
    //  What br_config itself refuses
    EXPECT_ERROR("master: {a: 1}\n", "1: option 'master': expected a string or a list of "
                                     "strings, got a nested mapping");
    EXPECT_ERROR("master: [a, [b]]\n",
                 "1: option 'master': list items must be strings, not lists or mappings");

    //  Too many
    char text[4096] = "master:\n";
    for (int i = 0; i <= BR_MASTERS_MAX; i++) {
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, "  - m%d\n", i);
    }
    EXPECT_ERROR(text, "1: option 'master': 65 masters; at most 64 may be listed");

    //  A command-line value says so instead of a file and line
    br_errmsg_t err;
    br_config_t *cfg = s_load("", &err);
    CHECK(cfg && br_config_set(cfg, "master", "a:0", &err) == 0);
    br_masters_t *masters = cfg ? br_masters_new(cfg, &err) : NULL;
    CHECK(masters == NULL);
    CHECK_STR(err.text, "command line: option 'master': 'a:0': the port after ':' must be a "
                        "number from 1 to 65535 (the master's ret_port)");
    br_config_destroy(&cfg);
}

static void
s_test_alive_interval(void)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load("", &err);
    CHECK(cfg && br_config_int(cfg, "master_alive_interval") == 10);
    br_config_destroy(&cfg);
    cfg = s_load("master_alive_interval: 3\n", &err);
    CHECK(cfg && br_config_int(cfg, "master_alive_interval") == 3);
    br_config_destroy(&cfg);
    cfg = s_load("master_alive_interval: 0\n", &err);
    CHECK(cfg == NULL);
    char expected[800];
    snprintf(expected, sizeof expected,
             "%s:1: option 'master_alive_interval': expected an integer between 1 and 3600, got "
             "'0'",
             s_path);
    CHECK_STR(err.text, expected);
}

//  Failover order: the next master at once within a round, then the
//  backoff, doubling to its cap; an answer starts afresh.
static void
s_test_order(void)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load("master: [a, b, c]\n", &err);
    br_masters_t *masters = cfg ? br_masters_new(cfg, &err) : NULL;
    CHECK(masters != NULL);
    if (!masters) {
        br_config_destroy(&cfg);
        return;
    }
    CHECK_EQ_INT(br_masters_current(masters), 0);
    CHECK_EQ_INT(br_masters_failed(masters), 0);
    CHECK_EQ_INT(br_masters_current(masters), 1);
    CHECK_EQ_INT(br_masters_failed(masters), 0);
    CHECK_EQ_INT(br_masters_current(masters), 2);
    //  All three failed in turn: wait, then a, b, c again
    CHECK_EQ_INT(br_masters_failed(masters), BR_CLIENT_RECONNECT_IVL);
    CHECK_EQ_INT(br_masters_current(masters), 0);
    int expected = BR_CLIENT_RECONNECT_IVL;
    for (int round = 0; round < 10; round++) {
        CHECK_EQ_INT(br_masters_failed(masters), 0);
        CHECK_EQ_INT(br_masters_failed(masters), 0);
        expected = expected * 2 > BR_CLIENT_RECONNECT_IVL_MAX ? BR_CLIENT_RECONNECT_IVL_MAX
                                                              : expected * 2;
        CHECK_EQ_INT(br_masters_failed(masters), expected);
        CHECK_EQ_INT(br_masters_current(masters), 0);
    }
    CHECK_EQ_INT(expected, BR_CLIENT_RECONNECT_IVL_MAX);
    //  b answers, and is lost later: c at once, then a, then the shortest wait
    CHECK_EQ_INT(br_masters_failed(masters), 0);
    br_masters_answered(masters);
    CHECK_EQ_INT(br_masters_current(masters), 1);
    CHECK_EQ_INT(br_masters_failed(masters), 0);
    CHECK_EQ_INT(br_masters_current(masters), 2);
    CHECK_EQ_INT(br_masters_failed(masters), 0);
    CHECK_EQ_INT(br_masters_current(masters), 0);
    CHECK_EQ_INT(br_masters_failed(masters), BR_CLIENT_RECONNECT_IVL);
    CHECK_EQ_INT(br_masters_current(masters), 1);
    br_masters_destroy(&masters);
    br_config_destroy(&cfg);

    //  A lone master: every failure is a round
    cfg = s_load("master: solo\n", &err);
    masters = cfg ? br_masters_new(cfg, &err) : NULL;
    CHECK(masters != NULL);
    if (masters) {
        CHECK_EQ_INT(br_masters_failed(masters), BR_CLIENT_RECONNECT_IVL);
        CHECK_EQ_INT(br_masters_failed(masters), 2 * BR_CLIENT_RECONNECT_IVL);
        CHECK_EQ_INT(br_masters_current(masters), 0);
        br_masters_answered(masters);
        CHECK_EQ_INT(br_masters_failed(masters), BR_CLIENT_RECONNECT_IVL);
    }
    br_masters_destroy(&masters);
    br_config_destroy(&cfg);
}

int
main(void)
{
    s_dir = test_tmpdir();
    CHECK(s_dir != NULL);
    if (!s_dir) {
        return test_done("unit_masters");
    }
    s_test_forms();
    s_test_bad_entries();
    s_test_alive_interval();
    s_test_order();
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_masters");
}
