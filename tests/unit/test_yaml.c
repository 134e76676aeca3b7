/*  Unit tests for br_yaml: PyYAML's scalar resolution, lines of values and
    keys, every refused construct with its message, limits, and every
    prefix of a realistic file (no crash, no leak, a value or an error). */
#include "br_yaml.h"
#include "testutil.h"

#include <math.h>

//  Parses "v: TEXT" and returns the value under v (caller destroys doc).
static br_value_t *
s_value_of(const char *text, br_value_t **doc)
{
    char buf[256];
    br_errmsg_t err = {""};
    snprintf(buf, sizeof buf, "v: %s\n", text);
    *doc = NULL;
    if (br_yaml_parse("t.sls", buf, strlen(buf), doc, &err) != BR_OK) {
        fprintf(stderr, "parse of '%s' failed: %s\n", text, err.text);
        return NULL;
    }
    return br_value_map_get(*doc, "v");
}

static void
s_check_str(const char *text, const char *expected)
{
    br_value_t *doc;
    br_value_t *v = s_value_of(text, &doc);
    if (br_value_kind(v) != BR_V_STR || strcmp(br_value_as_str(v), expected) != 0) {
        fprintf(stderr, "'%s': expected the string '%s'\n", text, expected);
        test_failures++;
    }
    br_value_destroy(&doc);
}

static void
s_check_int(const char *text, int64_t expected)
{
    br_value_t *doc;
    br_value_t *v = s_value_of(text, &doc);
    if (br_value_kind(v) != BR_V_INT || br_value_as_int(v) != expected) {
        fprintf(stderr, "'%s': expected the integer %lld (kind %s)\n", text, (long long)expected,
                br_value_kind_name(br_value_kind(v)));
        test_failures++;
    }
    br_value_destroy(&doc);
}

static void
s_check_float(const char *text, double expected)
{
    br_value_t *doc;
    br_value_t *v = s_value_of(text, &doc);
    double got = br_value_as_float(v);
    bool same = isnan(expected) ? isnan(got) : got == expected;
    if (br_value_kind(v) != BR_V_FLOAT || !same) {
        fprintf(stderr, "'%s': expected the float %g (kind %s, %g)\n", text, expected,
                br_value_kind_name(br_value_kind(v)), got);
        test_failures++;
    }
    br_value_destroy(&doc);
}

static void
s_check_kind(const char *text, br_vkind_t kind, bool b)
{
    br_value_t *doc;
    br_value_t *v = s_value_of(text, &doc);
    if (br_value_kind(v) != kind || (kind == BR_V_BOOL && br_value_as_bool(v) != b)) {
        fprintf(stderr, "'%s': expected a %s%s\n", text, br_value_kind_name(kind),
                kind == BR_V_BOOL ? (b ? " true" : " false") : "");
        test_failures++;
    }
    br_value_destroy(&doc);
}

//  Parses text (length len, not NUL-terminated for the parser) and checks
//  the error message.
static void
s_check_error_n(const char *text, size_t len, const char *expected)
{
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    int rc = br_yaml_parse("bad.sls", text, len, &doc, &err);
    CHECK(rc < 0);
    CHECK(doc == NULL);
    if (strcmp(err.text, expected) != 0) {
        fprintf(stderr, "for:\n%.*s\nexpected: %s\n     got: %s\n", (int)len, text, expected,
                err.text);
        test_failures++;
    }
    br_value_destroy(&doc);
}

static void
s_check_error(const char *text, const char *expected)
{
    s_check_error_n(text, strlen(text), expected);
}

static void
s_test_scalars(void)
{
    //  null
    s_check_kind("", BR_V_NULL, false);
    s_check_kind("~", BR_V_NULL, false);
    s_check_kind("null", BR_V_NULL, false);
    s_check_kind("Null", BR_V_NULL, false);
    s_check_kind("NULL", BR_V_NULL, false);
    s_check_str("nULL", "nULL");
    //  booleans: every PyYAML spelling, and some that are not
    const char *trues[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    const char *falses[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof trues / sizeof trues[0]; i++) {
        s_check_kind(trues[i], BR_V_BOOL, true);
        s_check_kind(falses[i], BR_V_BOOL, false);
    }
    s_check_str("y", "y");
    s_check_str("n", "n");
    s_check_str("yEs", "yEs");
    s_check_str("tRUE", "tRUE");
    //  integers
    s_check_int("0", 0);
    s_check_int("-0", 0);
    s_check_int("42", 42);
    s_check_int("+42", 42);
    s_check_int("-17", -17);
    s_check_int("1_000_000", 1000000);
    s_check_int("0x1F", 31);
    s_check_int("0xff", 255);
    s_check_int("-0x10", -16);
    s_check_int("0x_1_0", 16);
    s_check_int("0b1010", 10);
    s_check_int("0644", 420);
    s_check_int("0_17", 15);
    s_check_int("00", 0);
    s_check_int("1:30", 90);
    s_check_int("-1:00:00", -3600);
    s_check_int("9223372036854775807", INT64_MAX);
    s_check_int("-9223372036854775808", INT64_MIN);
    s_check_int("0x7fffffffffffffff", INT64_MAX);
    s_check_int("-0x8000000000000000", INT64_MIN);
    //  what PyYAML leaves as text
    s_check_str("08", "08");
    s_check_str("0o17", "0o17");
    s_check_str("0b", "0b");
    s_check_str("1e3", "1e3");
    s_check_str("1.0e3", "1.0e3");
    s_check_str("-.5", "-.5");
    s_check_str("1:60", "1:60");
    s_check_str("12:30:x", "12:30:x");
    s_check_str("0x", "0x");
    s_check_str("_1", "_1");
    s_check_str("1,000", "1,000");
    s_check_str("2024-01-31", "2024-01-31");
    s_check_str("10.0.0.1", "10.0.0.1");
    s_check_str("1.2.3", "1.2.3");
    s_check_str("inf", "inf");
    s_check_str("nan", "nan");
    s_check_str("+.nan", "+.nan");
    s_check_str("=", "=");
    //  floats
    s_check_float("1.5", 1.5);
    s_check_float("-1.5", -1.5);
    s_check_float("1.", 1.0);
    s_check_float(".5", 0.5);
    s_check_float("1_000.5", 1000.5);
    s_check_float("1.5e+3", 1500.0);
    s_check_float("1.5E-1", 0.15);
    s_check_float("1.e+3", 1000.0);
    s_check_float(".5e+1", 5.0);
    s_check_float("1:30.5", 90.5);
    s_check_float(".inf", INFINITY);
    s_check_float("-.Inf", -INFINITY);
    s_check_float("+.INF", INFINITY);
    s_check_float(".nan", NAN);
    s_check_float(".NaN", NAN);
    s_check_float("1.0e+999", INFINITY);
    //  quoted and block scalars are always text
    s_check_str("'yes'", "yes");
    s_check_str("\"42\"", "42");
    s_check_str("''", "");
    s_check_str("\"~\"", "~");
    s_check_str("'0x1F'", "0x1F");
    s_check_str("|\n  12\n", "12\n");
    s_check_str(">-\n  true\n", "true");
    s_check_str("plain words here", "plain words here");
    s_check_str("echo a:b # comment", "echo a:b");
    //  out of range: an error that never quotes the value
    const char *range_msg = "bad.sls:2: number out of range or malformed (integers must fit in "
                            "64 bits; quote the value to keep it as text)";
    s_check_error("a: 1\nv: 9223372036854775808\n", range_msg);
    s_check_error("a: 1\nv: -9223372036854775809\n", range_msg);
    s_check_error("a: 1\nv: 0x10000000000000000\n", range_msg);
    s_check_error("a: 1\nv: 99999999999999999999999\n", range_msg);
    s_check_error("a: 1\nv: 0x_\n", range_msg);
    s_check_error("a: 1\nv: ._\n", range_msg);
}

static void
s_test_structure_and_lines(void)
{
    const char *text = "# a comment\n"
                       "first:\n"
                       "  cmd.run:\n"
                       "    - name: echo hi\n"
                       "    - env: {LANG: C, TZ: UTC}\n"
                       "second: [1, two, 3.0]\n"
                       "\n"
                       "third:\n"
                       "  - |\n"
                       "    line one\n"
                       "    line two\n"
                       "  - nested:\n"
                       "      deeper: ~\n";
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_yaml_parse("t.sls", text, strlen(text), &doc, &err), BR_OK);
    CHECK_EQ_INT(br_value_kind(doc), BR_V_MAP);
    CHECK_EQ_INT(br_value_map_size(doc), 3);
    CHECK_STR(br_value_map_key(doc, 0), "first");
    CHECK_STR(br_value_map_key(doc, 1), "second");
    CHECK_STR(br_value_map_key(doc, 2), "third");
    CHECK_EQ_INT(br_value_line(doc), 2);
    CHECK_EQ_INT(br_value_map_key_line(doc, 0), 2);
    CHECK_EQ_INT(br_value_map_key_line(doc, 1), 6);
    CHECK_EQ_INT(br_value_map_key_line(doc, 2), 8);

    br_value_t *first = br_value_map_get(doc, "first");
    CHECK_EQ_INT(br_value_line(first), 3); //  a block starts at its first key
    br_value_t *args = br_value_map_get(first, "cmd.run");
    CHECK_EQ_INT(br_value_kind(args), BR_V_LIST);
    CHECK_EQ_INT(br_value_line(args), 4);
    br_value_t *name = br_value_list_at(args, 0);
    CHECK_EQ_INT(br_value_line(name), 4);
    CHECK_STR(br_value_as_str(br_value_map_get(name, "name")), "echo hi");
    CHECK_EQ_INT(br_value_line(br_value_map_get(name, "name")), 4);
    br_value_t *env = br_value_map_get(br_value_list_at(args, 1), "env");
    CHECK_EQ_INT(br_value_line(env), 5);
    CHECK_STR(br_value_as_str(br_value_map_get(env, "TZ")), "UTC");

    br_value_t *second = br_value_map_get(doc, "second");
    CHECK_EQ_INT(br_value_list_size(second), 3);
    CHECK_EQ_INT(br_value_as_int(br_value_list_at(second, 0)), 1);
    CHECK_STR(br_value_as_str(br_value_list_at(second, 1)), "two");
    CHECK_EQ_INT(br_value_kind(br_value_list_at(second, 2)), BR_V_FLOAT);
    CHECK_EQ_INT(br_value_line(br_value_list_at(second, 2)), 6);

    br_value_t *third = br_value_map_get(doc, "third");
    CHECK_STR(br_value_as_str(br_value_list_at(third, 0)), "line one\nline two\n");
    CHECK_EQ_INT(br_value_line(br_value_list_at(third, 0)), 9);
    br_value_t *nested = br_value_map_get(br_value_list_at(third, 1), "nested");
    CHECK_EQ_INT(br_value_line(nested), 13);
    CHECK_EQ_INT(br_value_kind(br_value_map_get(nested, "deeper")), BR_V_NULL);
    CHECK(br_value_map_get(nested, "deeper") != NULL);
    br_value_destroy(&doc);
}

static void
s_test_documents(void)
{
    const char *empties[] = {"",    "# only a comment\n", "---\n", "---\n...\n", "~\n", "null",
                             "\n\n"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        br_value_t *doc = NULL;
        br_errmsg_t err = {""};
        CHECK_EQ_INT(br_yaml_parse("e.sls", empties[i], strlen(empties[i]), &doc, &err), BR_OK);
        CHECK_EQ_INT(br_value_kind(doc), BR_V_MAP);
        CHECK_EQ_INT(br_value_map_size(doc), 0);
        br_value_destroy(&doc);
    }
    //  NULL text with length 0 is an empty document too
    br_value_t *doc = NULL;
    CHECK_EQ_INT(br_yaml_parse("e.sls", NULL, 0, &doc, NULL), BR_OK);
    CHECK_EQ_INT(br_value_map_size(doc), 0);
    br_value_destroy(&doc);

    //  A root that is not a map is returned as is; callers decide.
    CHECK_EQ_INT(br_yaml_parse("s.sls", "- a\n- b\n", 8, &doc, NULL), BR_OK);
    CHECK_EQ_INT(br_value_kind(doc), BR_V_LIST);
    br_value_destroy(&doc);
    CHECK_EQ_INT(br_yaml_parse("s.sls", "hello", 5, &doc, NULL), BR_OK);
    CHECK_STR(br_value_as_str(doc), "hello");
    br_value_destroy(&doc);

    //  The text is not NUL-terminated: only len bytes count.
    const char *longer = "a: 1\nb: 2\nc: {";
    CHECK_EQ_INT(br_yaml_parse("n.sls", longer, 9, &doc, NULL), BR_OK);
    CHECK_EQ_INT(br_value_map_size(doc), 2);
    CHECK_EQ_INT(br_value_as_int(br_value_map_get(doc, "b")), 2);
    br_value_destroy(&doc);
    char buf[4] = {'a', ':', ' ', '7'};
    CHECK_EQ_INT(br_yaml_parse("n.sls", buf, sizeof buf, &doc, NULL), BR_OK);
    CHECK_EQ_INT(br_value_as_int(br_value_map_get(doc, "a")), 7);
    br_value_destroy(&doc);

    //  Strings may hold NUL bytes (escaped); keys may not.
    const char *nul = "v: \"a\\0b\"\n";
    CHECK_EQ_INT(br_yaml_parse("z.sls", nul, strlen(nul), &doc, NULL), BR_OK);
    CHECK_EQ_INT(br_value_str_len(br_value_map_get(doc, "v")), 3);
    br_value_destroy(&doc);
    s_check_error("\"a\\0b\": 1\n", "bad.sls:1: a map key contains a NUL byte");
}

static void
s_test_errors(void)
{
    s_check_error("a: 1\nb: 2\na: 3\n", "bad.sls:3: duplicate key 'a' (first on line 1)");
    s_check_error("top:\n  x: 1\n  'x': 2\n", "bad.sls:3: duplicate key 'x' (first on line 2)");
    s_check_error("? [a, b]\n: 1\n",
                  "bad.sls:1: a map key must be a plain value, not a list or a map");
    s_check_error("{a: 1}: 2\n", "bad.sls:1: a map key must be a plain value, not a list or a map");
    s_check_error("base: &b\n  x: 1\nother: *b\n",
                  "bad.sls:1: anchors and aliases are not supported");
    s_check_error("a: 1\nb: *nothing\n", "bad.sls:2: anchors and aliases are not supported");
    s_check_error("a: 1\n&k b: 2\n", "bad.sls:2: anchors and aliases are not supported");
    s_check_error("a: !!str 1\n", "bad.sls:1: YAML tags are not supported");
    s_check_error("a: !custom {x: 1}\n", "bad.sls:1: YAML tags are not supported");
    s_check_error("!!map\na: 1\n", "bad.sls:1: YAML tags are not supported");
    s_check_error("a: 1\n---\nb: 2\n", "bad.sls:2: only one YAML document is allowed");
    s_check_error("a: 1\n<<: {b: 2}\n", "bad.sls:2: merge keys (<<) are not supported");
    s_check_error("a: [1, 2\nb: 3\n",
                  "bad.sls:2:2: YAML syntax error: did not find expected ',' or ']' (while "
                  "parsing a flow sequence on line 1)");
    s_check_error("a: \"open\n", "bad.sls:2:1: YAML syntax error: found unexpected end of stream "
                                 "(while scanning a quoted scalar on line 1)");
    s_check_error("a:\n  - 1\n b: 2\n", "bad.sls:3:2: YAML syntax error: did not find expected "
                                        "key (while parsing a block mapping on line 1)");
    s_check_error("a: 1\n\tb: 2\n", "bad.sls:2:1: YAML syntax error: found a tab character that "
                                    "violates indentation (while scanning a plain scalar on line "
                                    "1)");
    //  A control character: libyaml's reader reports a byte offset.
    s_check_error_n("a: 1\nb: \x01\n", 9,
                    "bad.sls:2:4: YAML syntax error: control characters are not allowed");
    //  Invalid UTF-8
    s_check_error_n("a: 1\nb: \xff\xfe\n", 10,
                    "bad.sls:2:4: YAML syntax error: invalid leading UTF-8 octet");
}

static void
s_test_limits(void)
{
    //  64 levels of nesting are fine, 65 are not.
    char text[512];
    size_t at = 0;
    for (int i = 0; i < 64; i++) {
        text[at++] = '[';
    }
    for (int i = 0; i < 64; i++) {
        text[at++] = ']';
    }
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_yaml_parse("deep.sls", text, at, &doc, &err), BR_OK);
    br_value_destroy(&doc);
    at = 0;
    for (int i = 0; i < 65; i++) {
        text[at++] = '[';
    }
    for (int i = 0; i < 65; i++) {
        text[at++] = ']';
    }
    s_check_error_n(text, at, "bad.sls:1: nested deeper than 64 levels");

    //  A deep block of maps is counted the same way, with its line.
    char *block = malloc(70 * 140);
    at = 0;
    for (int i = 0; i < 70; i++) {
        at += (size_t)sprintf(block + at, "%*sk%d:\n", i, "", i);
    }
    s_check_error_n(block, at, "bad.sls:65: nested deeper than 64 levels");
    free(block);

    //  Inputs over 16 MiB are refused before parsing.
    size_t big = 16u * 1024 * 1024 + 1;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    s_check_error_n(huge, big, "bad.sls: larger than 16777216 bytes");
    free(huge);
}

//  Every prefix of a file that uses most of YAML must give a value or an
//  error message, never a crash or a leak (the ASan build checks that).
static void
s_test_prefixes(void)
{
    const char *text = "# state file\n"
                       "include:\n"
                       "  - common\n"
                       "  - .relative\n"
                       "web:\n"
                       "  pkg:\n"
                       "    - installed\n"
                       "    - pkgs: [nginx, 'curl', \"vim\"]\n"
                       "  service.running:\n"
                       "    - enable: yes\n"
                       "    - watch:\n"
                       "      - pkg: web\n"
                       "  file.managed:\n"
                       "    - contents: |\n"
                       "        line one\n"
                       "        line: two\n"
                       "    - mode: 0644\n"
                       "    - opts: {a: 1, b: [x, y], c: ~}\n"
                       "    - folded: >-\n"
                       "        some folded\n"
                       "        text\n"
                       "numbers: [0x1F, 1_000, 1.5e+3, .inf, -0, 1:30]\n"
                       "quoted: 'it''s' \n"
                       "escaped: \"tab\\there \\u00e9\"\n"
                       "? complex key\n"
                       ": value\n"
                       "short: cmd.run\n"
                       "...\n";
    size_t len = strlen(text);
    int ok = 0, failed = 0;
    for (size_t n = 0; n <= len; n++) {
        br_value_t *doc = NULL;
        br_errmsg_t err = {""};
        int rc = br_yaml_parse("p.sls", text, n, &doc, &err);
        if (rc == BR_OK) {
            CHECK(doc != NULL);
            ok++;
        } else {
            CHECK(doc == NULL);
            CHECK(strncmp(err.text, "p.sls:", 6) == 0);
            failed++;
        }
        br_value_destroy(&doc);
    }
    CHECK(ok > 0 && failed > 0);
    //  The whole file parses.
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_yaml_parse("p.sls", text, len, &doc, &err), BR_OK);
    CHECK_STR(br_value_as_str(br_value_map_get(doc, "complex key")), "value");
    CHECK_STR(br_value_as_str(br_value_map_get(doc, "quoted")), "it's");
    CHECK_EQ_INT(br_value_list_size(br_value_map_get(doc, "numbers")), 6);
    br_value_destroy(&doc);

    //  Each single byte replaced by a troublesome one: same contract.
    const char subst[] = {':', '-', '[', '{', '\'', '"', '&', '*', '!', '\t', '\n', '#', '|'};
    char *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (size_t s = 0; s < sizeof subst; s++) {
            memcpy(copy, text, len);
            copy[i] = subst[s];
            int rc = br_yaml_parse("p.sls", copy, len, &doc, &err);
            CHECK((rc == BR_OK) == (doc != NULL));
            br_value_destroy(&doc);
        }
    }
    free(copy);
}

//  A key check that counts its calls and refuses "b" at the top and any
//  key that is not a scalar.
static int
s_no_b(void *arg, const br_value_t *map, const char *key, bool quoted, int line, int depth,
       br_errmsg_t *err)
{
    int *calls = arg;
    (*calls)++;
    if (!key) {
        return br_errmsg_set(err, BR_ERR_INVALID, "%d: not a scalar", line);
    }
    if (depth == 1 && strcmp(key, "b") == 0) {
        return br_errmsg_set(err, BR_ERR_INVALID, "%d: no b%s after %zu keys", line,
                             quoted ? " (quoted)" : "", br_value_map_size(map));
    }
    return BR_OK;
}

//  Raw mode (br_config's): plain scalars stay as written, br_value_quoted
//  tells them from quoted ones, and a key check runs before br_yaml's own.
static void
s_test_raw(void)
{
    int calls = 0;
    br_yaml_opts_t raw = {true, s_no_b, &calls};
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    const char *text = "i: 0x10\nn: ~\nq: 'yes'\nl: [1_000, \"x\"]\nk: |\n  y\nm: {x: 1}\n";
    CHECK_EQ_INT(br_yaml_parse_with("r", text, strlen(text), &raw, &doc, &err), BR_OK);
    const br_value_t *l = br_value_map_get(doc, "l");
    CHECK_STR(br_value_as_str(br_value_map_get(doc, "i")), "0x10");
    CHECK(!br_value_quoted(br_value_map_get(doc, "i")));
    CHECK_STR(br_value_as_str(br_value_map_get(doc, "n")), "~");
    CHECK_STR(br_value_as_str(br_value_map_get(doc, "q")), "yes");
    CHECK(br_value_quoted(br_value_map_get(doc, "q")));
    CHECK_STR(br_value_as_str(br_value_list_at(l, 0)), "1_000");
    CHECK(!br_value_quoted(br_value_list_at(l, 0)));
    CHECK(br_value_quoted(br_value_list_at(l, 1)));
    CHECK(br_value_quoted(br_value_map_get(doc, "k")));
    CHECK_EQ_INT(br_value_kind(br_value_map_get(br_value_map_get(doc, "m"), "x")), BR_V_STR);
    CHECK_EQ_INT(calls, 7);
    //  The flag survives a copy, and resolved documents carry it too.
    br_value_t *copy = br_value_dup(br_value_map_get(doc, "q"));
    CHECK(br_value_quoted(copy));
    br_value_destroy(&copy);
    br_value_destroy(&doc);
    CHECK_EQ_INT(br_yaml_parse("r", "a: '1'\nb: 1\n", 12, &doc, &err), BR_OK);
    CHECK(br_value_quoted(br_value_map_get(doc, "a")));
    CHECK(!br_value_quoted(br_value_map_get(doc, "b")));
    br_value_destroy(&doc);

    //  The check sees a duplicate before br_yaml does, and keys that are
    //  not scalars as NULL; it is not called with default options.
    CHECK_EQ_INT(br_yaml_parse_with("r", "a: 1\n'b': 2\n", 12, &raw, &doc, &err), BR_ERR_INVALID);
    CHECK_STR(err.text, "2: no b (quoted) after 1 keys");
    CHECK(doc == NULL);
    CHECK_EQ_INT(br_yaml_parse_with("r", "x:\n  b: 1\n[k]: 2\n", 16, &raw, &doc, &err),
                 BR_ERR_INVALID);
    CHECK_STR(err.text, "3: not a scalar");
    br_yaml_opts_t checked = {false, s_no_b, &calls};
    CHECK_EQ_INT(br_yaml_parse_with("r", "b: 1\n", 5, &checked, &doc, &err), BR_ERR_INVALID);
    br_value_destroy(&doc);

    //  Null documents are empty maps in raw mode too; a quoted "~" is not.
    const char *nulls[] = {"", "~\n", "null\n", "--- NULL\n"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        CHECK_EQ_INT(br_yaml_parse_with("r", nulls[i], strlen(nulls[i]), &raw, &doc, &err), BR_OK);
        CHECK(br_value_kind(doc) == BR_V_MAP && br_value_map_size(doc) == 0);
        br_value_destroy(&doc);
    }
    CHECK_EQ_INT(br_yaml_parse_with("r", "'~'\n", 4, &raw, &doc, &err), BR_OK);
    CHECK_STR(br_value_as_str(doc), "~");
    br_value_destroy(&doc);
}

//  br_yaml_parse_file: a missing file is BR_ERR_NOTFOUND; only regular
//  files of at most max bytes are read.
static void
s_test_file(void)
{
    char *dir = test_tmpdir(), path[600];
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    CHECK(dir != NULL);
    if (!dir) {
        return;
    }
    snprintf(path, sizeof path, "%s/f.yaml", dir);
    CHECK_EQ_INT(br_yaml_parse_file(path, 100, NULL, &doc, &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, "cannot open: No such file") != NULL);
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file) {
        fputs("a: [1, 2]\n", file);
        fclose(file);
    }
    CHECK_EQ_INT(br_yaml_parse_file(path, 10, NULL, &doc, &err), BR_OK);
    CHECK_EQ_INT(br_value_list_size(br_value_map_get(doc, "a")), 2);
    br_value_destroy(&doc);
    CHECK_EQ_INT(br_yaml_parse_file(path, 9, NULL, &doc, &err), BR_ERR_TOOBIG);
    CHECK(strstr(err.text, ": larger than 9 bytes") != NULL);
    CHECK_EQ_INT(br_yaml_parse_file(dir, 10, NULL, &doc, &err), BR_ERR_IO);
    CHECK(strstr(err.text, ": not a regular file") != NULL);
    CHECK(doc == NULL);
    test_rmtree(dir);
    free(dir);
}

int
main(void)
{
    s_test_scalars();
    s_test_structure_and_lines();
    s_test_documents();
    s_test_errors();
    s_test_limits();
    s_test_prefixes();
    s_test_raw();
    s_test_file();
    return test_done("unit_yaml");
}
