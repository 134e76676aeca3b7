/*  test_config: br_config against a small schema with every option type,
    the master's and the minion's real schemas, and a crude fuzz loop
    (every prefix and many one-byte mutations of a valid file). */
#include "brine.h"
#include "master_config.h"
#include "minion_config.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const br_option_t s_schema[] = {
    {"name", BR_OPT_STRING, "brine", 0, 0, "a string with a default"},
    {"id", BR_OPT_STRING, NULL, 0, 0, "a string unset by default"},
    {"port", BR_OPT_INT, "4605", 1, 65535, "a bounded integer"},
    {"offset", BR_OPT_INT, "-5", INT64_MIN, INT64_MAX, "any 64-bit integer"},
    {"debug", BR_OPT_BOOL, "false", 0, 0, "a boolean"},
    {"roots", BR_OPT_LIST, "/srv/salt", 0, 0, "a list with one default item"},
    {"extra", BR_OPT_LIST, NULL, 0, 0, "a list empty by default"},
    {NULL, 0, NULL, 0, 0, NULL},
};

static char *s_dir;      //  scratch directory of this run
static char s_path[600]; //  the file s_load writes

static void
s_write(const char *path, const char *text, size_t size)
{
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file) {
        CHECK(fwrite(text, 1, size, file) == size);
        CHECK(fclose(file) == 0);
    }
}

//  Writes text to the scratch file and loads it with the test schema.
static br_config_t *
s_load(const char *text, br_errmsg_t *err)
{
    snprintf(s_path, sizeof s_path, "%s/conf", s_dir);
    s_write(s_path, text, strlen(text));
    memset(err, 0, sizeof *err);
    return br_config_load(s_path, s_schema, true, err);
}

//  Loads text expecting failure with exactly "PATH:REST".
static void
s_expect_error(const char *text, const char *rest, int line)
{
    br_errmsg_t err;
    char expected[1024];
    br_config_t *cfg = s_load(text, &err);
    snprintf(expected, sizeof expected, "%s:%s", s_path, rest);
    if (cfg || strcmp(err.text, expected) != 0) {
        fprintf(stderr, "%s:%d: for %s\n  expected error \"%s\"\n  got \"%s\"\n", __FILE__, line,
                text, expected, cfg ? "(loaded)" : err.text);
        test_failures++;
    }
    br_config_destroy(&cfg);
}
#define EXPECT_ERROR(text, rest) s_expect_error(text, rest, __LINE__)

static void
s_test_defaults(void)
{
    br_errmsg_t err;
    char path[600];
    snprintf(path, sizeof path, "%s/missing", s_dir);
    br_config_t *cfg = br_config_load(path, s_schema, false, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        return;
    }
    CHECK_STR(br_config_path(cfg), path);
    CHECK_STR(br_config_str(cfg, "name"), "brine");
    CHECK(br_config_str(cfg, "id") == NULL);
    CHECK_EQ_INT(br_config_int(cfg, "port"), 4605);
    CHECK_EQ_INT(br_config_int(cfg, "offset"), -5);
    CHECK(!br_config_bool(cfg, "debug"));
    zlistx_t *roots = br_config_list(cfg, "roots");
    CHECK(roots && zlistx_size(roots) == 1);
    CHECK_STR(zlistx_first(roots), "/srv/salt");
    CHECK(br_config_list(cfg, "extra") && zlistx_size(br_config_list(cfg, "extra")) == 0);
    br_config_destroy(&cfg);
    br_config_destroy(&cfg); //  idempotent
    CHECK(cfg == NULL);

    //  must_exist: the error names the file.
    cfg = br_config_load(path, s_schema, true, &err);
    CHECK(cfg == NULL);
    CHECK(strstr(err.text, path) != NULL);
    CHECK(strstr(err.text, "No such file") != NULL);

    //  Empty, comments only, and an empty document all mean defaults.
    const char *empties[] = {"",      "\n\n", "# nothing here\n  # still nothing\n",
                             "---\n", "~\n",  "--- # only a marker\n...\n"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        cfg = s_load(empties[i], &err);
        CHECK(cfg != NULL);
        if (cfg) {
            CHECK_EQ_INT(br_config_int(cfg, "port"), 4605);
            CHECK_STR(br_config_str(cfg, "name"), "brine");
        } else {
            fprintf(stderr, "  (%s)\n", err.text);
        }
        br_config_destroy(&cfg);
    }
}

static void
s_test_values(void)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load("# a comment\n"
                              "name: 'quoted: with colon'\n"
                              "id: \"web-01\"\n"
                              "port: 8080\n"
                              "offset: -9223372036854775808\n"
                              "debug: yes\n"
                              "roots:\n"
                              "  - /srv/a\n"
                              "  - \"/srv/b\"\n"
                              "  - 42\n"
                              "extra: [x, y]\n",
                              &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  (%s)\n", err.text);
        return;
    }
    CHECK_STR(br_config_str(cfg, "name"), "quoted: with colon");
    CHECK_STR(br_config_str(cfg, "id"), "web-01");
    CHECK_EQ_INT(br_config_int(cfg, "port"), 8080);
    CHECK(br_config_int(cfg, "offset") == INT64_MIN);
    CHECK(br_config_bool(cfg, "debug"));
    zlistx_t *roots = br_config_list(cfg, "roots");
    CHECK_EQ_INT(zlistx_size(roots), 3);
    CHECK_STR(zlistx_first(roots), "/srv/a");
    CHECK_STR(zlistx_next(roots), "/srv/b");
    CHECK_STR(zlistx_next(roots), "42");
    CHECK_EQ_INT(zlistx_size(br_config_list(cfg, "extra")), 2);
    br_config_destroy(&cfg);

    //  Numbers and booleans are fine as string text; a scalar is a
    //  one-item list; null unsets a string and empties a list; "" is a
    //  string, not null.
    cfg = s_load("name: 12345\nid: true\nroots: /only\nextra: []\noffset: +7\n", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        CHECK_STR(br_config_str(cfg, "name"), "12345");
        CHECK_STR(br_config_str(cfg, "id"), "true");
        CHECK_EQ_INT(zlistx_size(br_config_list(cfg, "roots")), 1);
        CHECK_STR(zlistx_first(br_config_list(cfg, "roots")), "/only");
        CHECK_EQ_INT(zlistx_size(br_config_list(cfg, "extra")), 0);
        CHECK_EQ_INT(br_config_int(cfg, "offset"), 7);
    }
    br_config_destroy(&cfg);
    //  Other YAML 1.1 numbers are text too, as written
    cfg = s_load("name: 0x1F\nroots: [1_000, .inf, 0o17, 1:30, 1e3, ~a]\n", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        zlistx_t *roots = br_config_list(cfg, "roots");
        CHECK_STR(br_config_str(cfg, "name"), "0x1F");
        CHECK_EQ_INT(zlistx_size(roots), 6);
        CHECK_STR(zlistx_first(roots), "1_000");
        CHECK_STR(zlistx_next(roots), ".inf");
        CHECK_STR(zlistx_next(roots), "0o17");
        CHECK_STR(zlistx_next(roots), "1:30");
        CHECK_STR(zlistx_next(roots), "1e3");
        CHECK_STR(zlistx_next(roots), "~a");
    }
    br_config_destroy(&cfg);
    const char *nulls[] = {"name:\n", "name: ~\n", "name: null\n", "name: NULL\n"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        cfg = s_load(nulls[i], &err);
        CHECK(cfg && br_config_str(cfg, "name") == NULL);
        br_config_destroy(&cfg);
    }
    cfg = s_load("name: ''\nroots:\n", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        CHECK_STR(br_config_str(cfg, "name"), "");
        CHECK_EQ_INT(zlistx_size(br_config_list(cfg, "roots")), 0);
    }
    br_config_destroy(&cfg);

    //  Block scalars are strings too.
    cfg = s_load("name: |\n  two\n  lines\n", &err);
    CHECK(cfg && strcmp(br_config_str(cfg, "name"), "two\nlines\n") == 0);
    br_config_destroy(&cfg);
}

static void
s_test_bools(void)
{
    const char *yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    const char *no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    char text[64];
    br_errmsg_t err;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        snprintf(text, sizeof text, "debug: %s\n", yes[i]);
        br_config_t *cfg = s_load(text, &err);
        CHECK(cfg && br_config_bool(cfg, "debug"));
        br_config_destroy(&cfg);
        snprintf(text, sizeof text, "debug: %s\n", no[i]);
        cfg = s_load(text, &err);
        CHECK(cfg && !br_config_bool(cfg, "debug"));
        br_config_destroy(&cfg);
    }
    EXPECT_ERROR("debug: maybe\n",
                 "1: option 'debug': expected true or false (or yes/no, on/off), got 'maybe'");
    EXPECT_ERROR("debug: 1\n",
                 "1: option 'debug': expected true or false (or yes/no, on/off), got '1'");
    EXPECT_ERROR("debug: 'yes'\n",
                 "1: option 'debug': expected true or false, got the quoted string 'yes'");
    EXPECT_ERROR("debug:\n", "1: option 'debug': expected true or false, got nothing");
}

static void
s_test_errors(void)
{
    const char *range = "expected an integer between 1 and 65535";
    char rest[256];
    snprintf(rest, sizeof rest, "3: option 'port': %s, got 'abc'", range);
    EXPECT_ERROR("name: x\n\nport: abc\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '0'", range);
    EXPECT_ERROR("port: 0\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '65536'", range);
    EXPECT_ERROR("port: 65536\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '-1'", range);
    EXPECT_ERROR("port: -1\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '12 34'", range);
    EXPECT_ERROR("port: 12 34\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '0x10'", range);
    EXPECT_ERROR("port: 0x10\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '0100'", range);
    EXPECT_ERROR("port: 0100\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '+'", range);
    EXPECT_ERROR("port: +\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '4605.0'", range);
    EXPECT_ERROR("port: 4605.0\n", rest);
    //  YAML 1.1 integers that are not plain decimal
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '1_000'", range);
    EXPECT_ERROR("port: 1_000\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '1:30'", range);
    EXPECT_ERROR("port: 1:30\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got '0b11'", range);
    EXPECT_ERROR("port: 0b11\n", rest);
    snprintf(rest, sizeof rest, "2: option 'port': %s, got the quoted string '4605'", range);
    EXPECT_ERROR("debug: on\nport: \"4605\"\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got nothing", range);
    EXPECT_ERROR("port: ~\n", rest);
    snprintf(rest, sizeof rest, "1: option 'port': %s, got a list", range);
    EXPECT_ERROR("port: [1]\n", rest);

    //  64-bit overflow either way, and the extremes that just fit.
    const char *big = "expected an integer between -9223372036854775808 and 9223372036854775807";
    snprintf(rest, sizeof rest, "1: option 'offset': %s, got '99999999999999999999'", big);
    EXPECT_ERROR("offset: 99999999999999999999\n", rest);
    snprintf(rest, sizeof rest, "1: option 'offset': %s, got '9223372036854775808'", big);
    EXPECT_ERROR("offset: 9223372036854775808\n", rest);
    snprintf(rest, sizeof rest, "1: option 'offset': %s, got '-9223372036854775809'", big);
    EXPECT_ERROR("offset: -9223372036854775809\n", rest);
    br_errmsg_t err;
    br_config_t *cfg = s_load("offset: 9223372036854775807\n", &err);
    CHECK(cfg && br_config_int(cfg, "offset") == INT64_MAX);
    br_config_destroy(&cfg);

    //  Names: unknown, misspelt, quoted, not a scalar.
    EXPECT_ERROR("name: x\nport: 1\n\n# comment\n\n\npublsh_port: 4605\n",
                 "7: unknown option 'publsh_port'");
    EXPECT_ERROR("\"port\": 1\n", "1: expected an option name (a plain, unquoted word)");
    EXPECT_ERROR("[a]: 1\n", "1: expected an option name (a plain, unquoted word)");
    EXPECT_ERROR("? [a, b]\n: 1\n", "1: expected an option name (a plain, unquoted word)");
    EXPECT_ERROR("name: x\n\001bad: 1\n", "2:1: YAML syntax error: control characters are not "
                                          "allowed");
    EXPECT_ERROR("nam\xc3\xa9: 1\n", "1: unknown option 'nam?"
                                     "?'");
    EXPECT_ERROR("<<: {port: 1}\n", "1: unknown option '<<'");
    EXPECT_ERROR("port: 1\n'port': 2\n", "2: expected an option name (a plain, unquoted word)");

    //  Structure.
    EXPECT_ERROR("port: 1\nname: a\nport: 2\n", "3: option 'port': set twice (first on line 1)");
    EXPECT_ERROR("{port: 1, port: 2}\n", "1: option 'port': set twice (first on line 1)");
    EXPECT_ERROR("name:\n  nested: map\n",
                 "2: option 'name': expected a string, got a nested mapping");
    EXPECT_ERROR("roots:\n  - a\n  - {b: c}\n",
                 "3: option 'roots': list items must be strings, not lists or mappings");
    EXPECT_ERROR("roots:\n  - a\n  - [b]\n",
                 "3: option 'roots': list items must be strings, not lists or mappings");
    EXPECT_ERROR("roots:\n  - a\n  -\n", "3: option 'roots': list items must not be empty");
    EXPECT_ERROR("name: [a, b]\n", "1: option 'name': expected a string, got a list");
    EXPECT_ERROR("- name\n- port\n", "1: expected a mapping of option names to values");
    EXPECT_ERROR("just text\n", "1: expected a mapping of option names to values");
    //  YAML features brine refuses anywhere (br_yaml's messages, no option).
    EXPECT_ERROR("name: &a x\nid: *a\n", "1: anchors and aliases are not supported");
    EXPECT_ERROR("name: x\nid: *a\n", "2: anchors and aliases are not supported");
    EXPECT_ERROR("roots: [a, *b]\n", "1: anchors and aliases are not supported");
    EXPECT_ERROR("name: !!str x\n", "1: YAML tags are not supported");
    EXPECT_ERROR("&top\nname: x\n", "1: anchors and aliases are not supported");
    EXPECT_ERROR("name: a\n---\nname: b\n", "2: only one YAML document is allowed");
    EXPECT_ERROR("name: \"a\\0b\"\n", "1: option 'name': value contains a NUL byte");

    //  Syntax errors carry line and column.
    EXPECT_ERROR("name: x\nid: 'a' b\n", "2:9: YAML syntax error: did not find expected key "
                                         "(while parsing a block mapping on line 1)");
    EXPECT_ERROR("name: x\nid: \"unterminated\n",
                 "3:1: YAML syntax error: found unexpected end of stream (while scanning a quoted "
                 "scalar on line 2)");
    cfg = s_load("name: x\nid: \xff\xfe\n", &err);
    CHECK(cfg == NULL);
    CHECK(strstr(err.text, ":2:5: YAML syntax error") != NULL);
    br_config_destroy(&cfg);
}

static void
s_test_limits(void)
{
    br_errmsg_t err;
    //  A value of exactly 4096 bytes passes, one more fails.
    size_t size = 6 + 4097 + 1;
    char *text = malloc(size + 1);
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    memcpy(text, "name: ", 6);
    memset(text + 6, 'v', 4096);
    strcpy(text + 6 + 4096, "\n");
    br_config_t *cfg = s_load(text, &err);
    CHECK(cfg && strlen(br_config_str(cfg, "name")) == 4096);
    br_config_destroy(&cfg);
    strcpy(text + 6 + 4096, "v\n");
    EXPECT_ERROR(text, "1: option 'name': value is longer than 4096 bytes");
    free(text);
    text = malloc(5000);
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    memset(text, 'v', 5000);
    memcpy(text, "roots: [a, ", 11);
    strcpy(text + 4990, "]\n");
    EXPECT_ERROR(text, "1: option 'roots': value is longer than 4096 bytes");
    free(text);

    //  Files over 1 MiB are refused before parsing.
    size = 1024 * 1024 + 1;
    text = malloc(size);
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    memset(text, '#', size);
    text[size - 1] = '\n';
    snprintf(s_path, sizeof s_path, "%s/big", s_dir);
    s_write(s_path, text, size);
    cfg = br_config_load(s_path, s_schema, false, &err);
    CHECK(cfg == NULL);
    CHECK(strstr(err.text, s_path) == err.text);
    CHECK(strstr(err.text, "larger than 1048576 bytes") != NULL);
    s_write(s_path, text, size - 1); //  exactly the cap is fine
    cfg = br_config_load(s_path, s_schema, false, &err);
    CHECK(cfg != NULL);
    br_config_destroy(&cfg);
    free(text);

    //  A directory or a FIFO is not a config file (and must not hang).
    cfg = br_config_load(s_dir, s_schema, false, &err);
    CHECK(cfg == NULL);
    CHECK(strstr(err.text, s_dir) && strstr(err.text, "not a regular file"));
    snprintf(s_path, sizeof s_path, "%s/fifo", s_dir);
    CHECK(mkfifo(s_path, 0600) == 0);
    cfg = br_config_load(s_path, s_schema, false, &err);
    CHECK(cfg == NULL);
    CHECK(strstr(err.text, "not a regular file") != NULL);

    //  Unreadable: only testable when not root (root reads anything).
    if (geteuid() != 0) {
        snprintf(s_path, sizeof s_path, "%s/secret", s_dir);
        s_write(s_path, "name: x\n", 8);
        CHECK(chmod(s_path, 0) == 0);
        cfg = br_config_load(s_path, s_schema, false, &err);
        CHECK(cfg == NULL);
        CHECK(strstr(err.text, s_path) && strstr(err.text, "Permission denied"));
    }
}

static void
s_test_set(void)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load("port: 10\n", &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        return;
    }
    CHECK_EQ_INT(br_config_set(cfg, "port", "20", &err), 0);
    CHECK_EQ_INT(br_config_int(cfg, "port"), 20);
    CHECK_EQ_INT(br_config_set(cfg, "debug", "on", &err), 0);
    CHECK(br_config_bool(cfg, "debug"));
    CHECK_EQ_INT(br_config_set(cfg, "name", "null", &err), 0); //  literal text
    CHECK_STR(br_config_str(cfg, "name"), "null");
    CHECK_EQ_INT(br_config_set(cfg, "name", NULL, &err), 0); //  NULL unsets
    CHECK(br_config_str(cfg, "name") == NULL);
    CHECK_EQ_INT(br_config_set(cfg, "roots", "/x", &err), 0);
    CHECK_EQ_INT(zlistx_size(br_config_list(cfg, "roots")), 1);
    CHECK_STR(zlistx_first(br_config_list(cfg, "roots")), "/x");

    //  A bad value leaves the old one in place.
    CHECK_EQ_INT(br_config_set(cfg, "port", "99999", &err), BR_ERR_CONFIG);
    CHECK_STR(err.text,
              "command line: option 'port': expected an integer between 1 and 65535, got '99999'");
    CHECK_EQ_INT(br_config_int(cfg, "port"), 20);
    CHECK_EQ_INT(br_config_set(cfg, "port", NULL, &err), BR_ERR_CONFIG);
    CHECK_EQ_INT(br_config_set(cfg, "debug", "sure", &err), BR_ERR_CONFIG);
    CHECK(strncmp(err.text, "command line: option 'debug': ", 30) == 0);
    CHECK_EQ_INT(br_config_set(cfg, "publsh_port", "1", &err), BR_ERR_CONFIG);
    CHECK_STR(err.text, "command line: unknown option 'publsh_port'");
    char *huge = malloc(5000);
    CHECK(huge != NULL);
    if (huge) {
        memset(huge, 'h', 4999);
        huge[4999] = '\0';
        CHECK_EQ_INT(br_config_set(cfg, "name", huge, &err), BR_ERR_CONFIG);
        CHECK_STR(err.text, "command line: option 'name': value is longer than 4096 bytes");
        free(huge);
    }
    br_config_destroy(&cfg);
}

//  Programming errors: assert in debug builds, a neutral answer otherwise.
static void
s_test_misuse(void)
{
    br_errmsg_t err;
    br_config_t *cfg = s_load("", &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        return;
    }
#ifdef NDEBUG
    CHECK(br_config_str(cfg, "nope") == NULL);
    CHECK(br_config_str(cfg, "port") == NULL);
    CHECK_EQ_INT(br_config_int(cfg, "name"), 0);
    CHECK(!br_config_bool(cfg, "roots"));
    CHECK(br_config_list(cfg, "debug") == NULL);
#else
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        //  Keep the expected assertion message out of the test log.
        CHECK(freopen("/dev/null", "w", stderr) != NULL);
        (void)br_config_int(cfg, "name"); //  wrong type: must abort
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
#endif
    br_config_destroy(&cfg);
}

//  Every option of a schema holds its default.
static void
s_check_defaults(const br_config_t *cfg, const br_option_t *schema)
{
    for (const br_option_t *opt = schema; opt->name; opt++) {
        switch (opt->type) {
        case BR_OPT_STRING:
            if (opt->def) {
                CHECK_STR(br_config_str(cfg, opt->name), opt->def);
            } else {
                CHECK(br_config_str(cfg, opt->name) == NULL);
            }
            break;
        case BR_OPT_INT:
            CHECK(opt->def != NULL);
            CHECK_EQ_INT(br_config_int(cfg, opt->name), strtoll(opt->def, NULL, 10));
            break;
        case BR_OPT_BOOL:
            CHECK(opt->def != NULL);
            CHECK(br_config_bool(cfg, opt->name) == (opt->def[0] == 't' || opt->def[0] == 'y'));
            break;
        case BR_OPT_LIST:
            CHECK_EQ_INT(zlistx_size(br_config_list(cfg, opt->name)), opt->def ? 1 : 0);
            break;
        }
    }
}

//  Where values were written, for a program's own checks of them
static void
s_test_lines(void)
{
    br_errmsg_t err;
    char expected[800];
    br_config_t *cfg = s_load("# lines\nport: 1\nroots:\n  - /a\n\n  - /b\nextra: one\n"
                              "debug:\n  yes\n",
                              &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        return;
    }
    CHECK_EQ_INT(br_config_line(cfg, "port", BR_CONFIG_WHOLE), 2);
    CHECK_EQ_INT(br_config_line(cfg, "roots", BR_CONFIG_WHOLE), 3);
    CHECK_EQ_INT(br_config_line(cfg, "roots", 0), 4);
    CHECK_EQ_INT(br_config_line(cfg, "roots", 1), 6);
    CHECK_EQ_INT(br_config_line(cfg, "roots", 2), 0);
    CHECK_EQ_INT(br_config_line(cfg, "extra", 0), 7);
    CHECK_EQ_INT(br_config_line(cfg, "debug", BR_CONFIG_WHOLE), 8);
    CHECK_EQ_INT(br_config_line(cfg, "port", 0), 0);
    //  Defaults, and names outside the schema, were written nowhere
    CHECK_EQ_INT(br_config_line(cfg, "name", BR_CONFIG_WHOLE), 0);
    CHECK_EQ_INT(br_config_line(cfg, "nosuch", BR_CONFIG_WHOLE), 0);

    //  The errors of a program's own checks look like ours, and never echo
    //  a control character
    CHECK_EQ_INT(br_config_error(cfg, &err, BR_ERR_CONFIG, "roots", 1, "'%s' is \033[1mbad", "/b"),
                 BR_ERR_CONFIG);
    snprintf(expected, sizeof expected, "%s:6: option 'roots': '/b' is ?[1mbad", s_path);
    CHECK_STR(err.text, expected);
    br_config_error(cfg, &err, BR_ERR_CONFIG, "port", BR_CONFIG_WHOLE, "too low");
    snprintf(expected, sizeof expected, "%s:2: option 'port': too low", s_path);
    CHECK_STR(err.text, expected);
    br_config_error(cfg, &err, BR_ERR_CONFIG, "name", BR_CONFIG_WHOLE, "not here");
    snprintf(expected, sizeof expected, "%s: option 'name': not here", s_path);
    CHECK_STR(err.text, expected);
    CHECK_EQ_INT(br_config_set(cfg, "roots", "/c", &err), 0);
    CHECK_EQ_INT(br_config_line(cfg, "roots", 0), 0);
    br_config_error(cfg, &err, BR_ERR_CONFIG, "roots", 0, "no");
    CHECK_STR(err.text, "command line: option 'roots': no");
    br_config_destroy(&cfg);
}

static void
s_test_real_schemas(void)
{
    br_errmsg_t err;
    br_config_t *cfg = br_master_config_load(s_dir, &err);
    CHECK(cfg != NULL);
    if (cfg) {
        s_check_defaults(cfg, br_master_options);
        CHECK_EQ_INT(br_config_int(cfg, "publish_port"), 4605);
    }
    br_config_destroy(&cfg);
    cfg = br_minion_config_load(s_dir, &err);
    CHECK(cfg != NULL);
    if (cfg) {
        s_check_defaults(cfg, br_minion_options);
        CHECK(br_config_str(cfg, "id") == NULL);
    }
    br_config_destroy(&cfg);

    //  A real file in CONFDIR is read, and its errors name it.
    char path[600];
    snprintf(path, sizeof path, "%s/master", s_dir);
    const char *text = "publish_port: 5000\npki_dir: /tmp/pki\n";
    s_write(path, text, strlen(text));
    cfg = br_master_config_load(s_dir, &err);
    CHECK(cfg && br_config_int(cfg, "publish_port") == 5000);
    CHECK(cfg && strcmp(br_config_str(cfg, "pki_dir"), "/tmp/pki") == 0);
    br_config_destroy(&cfg);
    text = "publsh_port: 5000\n";
    s_write(path, text, strlen(text));
    cfg = br_master_config_load(s_dir, &err);
    CHECK(cfg == NULL);
    char expected[700];
    snprintf(expected, sizeof expected, "%s:1: unknown option 'publsh_port'", path);
    CHECK_STR(err.text, expected);
    CHECK_EQ_INT(unlink(path), 0);
}

//  docs/configuration.md has a table row for every real option.
static void
s_test_docs(void)
{
#ifdef BRINE_SOURCE_DIR
    const br_option_t *schemas[] = {br_master_options, br_minion_options};
    FILE *file = fopen(BRINE_SOURCE_DIR "/docs/configuration.md", "r");
    CHECK(file != NULL);
    if (!file) {
        return;
    }
    static char doc[65536];
    size_t size = fread(doc, 1, sizeof doc - 1, file);
    doc[size] = '\0';
    fclose(file);
    for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
        for (const br_option_t *opt = schemas[i]; opt->name; opt++) {
            char row[128];
            snprintf(row, sizeof row, "| `%s` ", opt->name);
            if (!strstr(doc, row)) {
                fprintf(stderr, "docs/configuration.md lacks a row for '%s'\n", opt->name);
                test_failures++;
            }
        }
    }
#endif
}

//  Every prefix and many one-byte mutations of a valid file: each must
//  load or fail cleanly (the sanitizer build catches the rest).
static void
s_test_fuzz(void)
{
    const char *valid = "# brine test config\n"
                        "name: 'x y'\n"
                        "id: \"web-01\"\n"
                        "port: 4605\n"
                        "offset: -12\n"
                        "debug: yes\n"
                        "roots:\n"
                        "  - /srv/a\n"
                        "  - /srv/b\n"
                        "extra: [a, 'b', \"c\"]\n";
    const char mutations[] = {':', '-', '[', ']', '{', '}', '"', '\'', '\n', ' ',  '&',
                              '*', '!', '#', '|', '>', '?', '%', '\t', '\\', '\0', (char)0xff};
    size_t len = strlen(valid);
    char *text = malloc(len + 1);
    br_errmsg_t err;
    size_t loaded = 0, failed = 0;
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    snprintf(s_path, sizeof s_path, "%s/fuzz", s_dir);
    for (size_t cut = 0; cut <= len; cut++) {
        s_write(s_path, valid, cut);
        br_config_t *cfg = br_config_load(s_path, s_schema, true, &err);
        cfg ? loaded++ : failed++;
        CHECK(cfg || err.text[0] != '\0');
        br_config_destroy(&cfg);
    }
    for (size_t at = 0; at < len; at++) {
        for (size_t m = 0; m < sizeof mutations; m++) {
            memcpy(text, valid, len + 1);
            text[at] = mutations[m];
            memset(&err, 0, sizeof err);
            s_write(s_path, text, len);
            br_config_t *cfg = br_config_load(s_path, s_schema, true, &err);
            cfg ? loaded++ : failed++;
            CHECK(cfg || strncmp(err.text, s_path, strlen(s_path)) == 0);
            br_config_destroy(&cfg);
        }
    }
    CHECK(loaded > 0 && failed > 0);
    free(text);
}

//  Open file descriptors of this process, to catch a leaked one.
static int
s_count_fds(void)
{
    int count = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) {
        return -1;
    }
    while (readdir(dir)) {
        count++;
    }
    closedir(dir);
    return count;
}

int
main(void)
{
    int fds = s_count_fds();
    s_dir = test_tmpdir();
    CHECK(s_dir != NULL);
    if (!s_dir) {
        return test_done("unit_config");
    }
    s_test_defaults();
    s_test_values();
    s_test_bools();
    s_test_errors();
    s_test_limits();
    s_test_set();
    s_test_misuse();
    s_test_lines();
    s_test_real_schemas();
    s_test_docs();
    s_test_fuzz();
    CHECK_EQ_INT(s_count_fds(), fds);
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_config");
}
