/*  Unit tests for br_output: the YAML document reads back as the same
    value through brine's own YAML 1.1 reader, whatever the strings look
    like (words a reader would take for booleans, numbers, nulls, times;
    indicators; line breaks and control characters); the option parsers;
    state_verbose and terse on a results map. Golden files of whole runs are
    in tests/e2e/test_brine_call.sh. */
#include "br_output.h"
#include "br_yaml.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

//  Text printed by fn into a string the caller frees
static char *
s_capture(void (*fn)(const void *arg, FILE *out), const void *arg, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    if (!out) {
        return NULL;
    }
    fn(arg, out);
    fclose(out);
    return text;
}

static void
s_yaml(const void *arg, FILE *out)
{
    br_out_yaml(arg, out);
}

//  value -> YAML -> br_yaml -> the same value
static void
s_round_trip(const br_value_t *value, int line)
{
    size_t len = 0;
    char *text = s_capture(s_yaml, value, &len);
    br_value_t *back = NULL;
    br_errmsg_t err = {""};
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    int rc = br_yaml_parse("out.yaml", text, len, &back, &err);
    if (rc != 0 || !br_value_equal(value, back)) {
        fprintf(stderr, "test_output.c:%d: YAML does not read back (%s):\n%s\n", line,
                rc ? err.text : "another value", text);
        test_failures++;
    }
    br_value_destroy(&back);
    free(text);
}

static void
s_set(br_value_t *map, const char *key, br_value_t *value)
{
    CHECK(value != NULL);
    if (br_value_map_set(map, key, &value) != BR_OK) {
        br_value_destroy(&value);
        test_failures++;
    }
}

static void
s_append(br_value_t *list, br_value_t *value)
{
    CHECK(value != NULL);
    if (br_value_list_append(list, &value) != BR_OK) {
        br_value_destroy(&value);
        test_failures++;
    }
}

static void
s_test_yaml_strings(void)
{
    // clang-format off
    static const char *strings[] = {
        "plain words", "yes", "No", "ON", "off", "y", "N", "TRUE", "false", "null", "Null", "~",
        "", " lead", "trail ", "a: b", "a:b", "key:", "a #b", "a#b", "#x", "-x", "- x", "-",
        "?x", "12", "012", "0x1F", "0o17", "1_000", "1e3", "1:30", "12:00:00.123456", "1.5",
        ".5", ".inf", "-.inf", ".nan", "+1", "-1", "%x", "@x", "`x", "!x", "&x", "*x", "|x",
        ">x", "[x", "]x", "{x", "}x", "x,y", "=", "<<", "'quoted'", "\"dq\"", "it's",
        "back\\slash", "multi\nline", "trailing\n", "tab\there", "bell\x07", "del\x7f",
        "caf\xc3\xa9 \xe2\x82\xac", "cmd_|-id_|-echo \"hi\"_|-run", "/srv/salt", "a  b",
    };
    // clang-format on
    br_value_t *list = br_value_list();
    br_value_t *map = br_value_map();
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        s_append(list, br_value_str(strings[i]));
        //  The same strings as keys, each with itself as the value
        s_set(map, strings[i], br_value_str(strings[i]));
        br_value_t *one = br_value_str(strings[i]);
        s_round_trip(one, __LINE__);
        br_value_destroy(&one);
    }
    s_round_trip(list, __LINE__);
    s_round_trip(map, __LINE__);
    br_value_destroy(&list);
    br_value_destroy(&map);
}

static void
s_test_yaml_shapes(void)
{
    br_value_t *doc = br_value_map();
    br_value_t *inner = br_value_map();
    br_value_t *list = br_value_list();
    br_value_t *nested = br_value_list();
    br_value_t *item = br_value_map();
    s_set(inner, "empty_map", br_value_map());
    s_set(inner, "empty_list", br_value_list());
    s_set(inner, "null", br_value_null());
    s_set(inner, "true", br_value_bool(true));
    s_set(inner, "int", br_value_int(-42));
    s_set(inner, "big", br_value_int(INT64_MAX));
    s_set(inner, "float", br_value_float(0.421));
    s_set(inner, "whole_float", br_value_float(5.0));
    s_set(inner, "tiny_float", br_value_float(1e-05));
    s_set(inner, "huge_float", br_value_float(1e300));
    s_set(item, "a", br_value_int(1));
    s_set(item, "b", br_value_str("two"));
    s_append(nested, br_value_str("x"));
    s_append(nested, br_value_list());
    s_append(list, item);
    s_append(list, nested);
    s_append(list, br_value_map());
    s_append(list, br_value_null());
    s_set(inner, "list", list);
    s_set(doc, "web1", inner);
    s_set(doc, "web2", br_value_bool(false));
    s_set(doc, "web3", br_value_str("Minion did not return. [No response]"));
    s_round_trip(doc, __LINE__);
    br_value_destroy(&doc);

    //  A bare scalar is a document too
    br_value_t *scalar = br_value_bool(true);
    s_round_trip(scalar, __LINE__);
    br_value_destroy(&scalar);

    //  Infinities and NaN have YAML spellings (NaN equals nothing: by text)
    br_value_t *inf = br_value_float(-INFINITY);
    s_round_trip(inf, __LINE__);
    br_value_destroy(&inf);
    br_value_t *nan = br_value_float(NAN);
    size_t len = 0;
    char *text = s_capture(s_yaml, nan, &len);
    CHECK_STR(text, ".nan\n");
    free(text);
    br_value_destroy(&nan);
}

static void
s_test_parsers(void)
{
    br_out_format_t format = BR_OUT_JSON;
    bool on = false;
    CHECK_EQ_INT(br_out_format_parse("terse", &format), 0);
    CHECK_EQ_INT(format, BR_OUT_TERSE);
    CHECK_EQ_INT(br_out_format_parse("yaml", &format), 0);
    CHECK_EQ_INT(format, BR_OUT_YAML);
    CHECK_EQ_INT(br_out_format_parse("highstate", &format), 0);
    CHECK_EQ_INT(format, BR_OUT_HIGHSTATE);
    CHECK_EQ_INT(br_out_format_parse("json", &format), 0);
    CHECK_EQ_INT(format, BR_OUT_JSON);
    CHECK(br_out_format_parse("nested", &format) != 0);
    CHECK(br_out_format_parse("", &format) != 0);
    CHECK(br_out_format_parse(NULL, &format) != 0);
    CHECK(br_out_streams(BR_OUT_HIGHSTATE) && br_out_streams(BR_OUT_TERSE));
    CHECK(!br_out_streams(BR_OUT_JSON) && !br_out_streams(BR_OUT_YAML));
    CHECK_EQ_INT(br_out_bool_parse("False", &on), 0);
    CHECK(!on);
    CHECK_EQ_INT(br_out_bool_parse("True", &on), 0);
    CHECK(on);
    CHECK_EQ_INT(br_out_bool_parse("0", &on), 0);
    CHECK(!on);
    CHECK(br_out_bool_parse("maybe", &on) != 0);
    CHECK(br_out_bool_parse("", &on) != 0);
}

//  A results map of three states: unchanged, changed, failed
static br_value_t *
s_results(void)
{
    static const struct {
        const char *key, *id, *comment;
        int result; //  0 false, 1 true
        bool changed;
    } states[] = {
        {"test_|-quiet_|-quiet_|-nop", "quiet", "Success!", 1, false},
        {"cmd_|-loud_|-echo a_|-b_|-run", "loud", "Command run", 1, true},
        {"test_|-bad_|-bad_|-fail_without_changes", "bad", "Failure!\nsecond line", 0, false},
    };
    br_value_t *results = br_value_map();
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        br_value_t *state = br_value_map();
        br_value_t *changes = br_value_map();
        if (states[i].changed) {
            s_set(changes, "retcode", br_value_int(0));
        }
        s_set(state, "name", br_value_str(states[i].id));
        s_set(state, "result", br_value_bool(states[i].result));
        s_set(state, "changes", changes);
        s_set(state, "comment", br_value_str(states[i].comment));
        s_set(state, "__id__", br_value_str(states[i].id));
        s_set(state, "__run_num__", br_value_int((int64_t)i));
        s_set(state, "start_time", br_value_str("10:00:00.000000"));
        s_set(state, "duration", br_value_float(1.5));
        s_set(results, states[i].key, state);
    }
    return results;
}

typedef struct {
    br_out_opts_t opts;
    const br_value_t *ret;
} s_minion_arg_t;

static void
s_minion(const void *arg, FILE *out)
{
    const s_minion_arg_t *m = arg;
    br_out_minion(&m->opts, "web1", m->ret, out);
}

static void
s_test_states(void)
{
    br_value_t *results = s_results();
    size_t len;
    s_minion_arg_t arg = {{BR_OUT_HIGHSTATE, false, false}, results};
    char *text = s_capture(s_minion, &arg, &len);
    //  state_verbose False: the unchanged state is left out, and counted
    CHECK(text && !strstr(text, "ID: quiet") && strstr(text, "ID: loud") &&
          strstr(text, "ID: bad"));
    CHECK(text && strstr(text, "Succeeded: 2 (changed=1)") &&
          strstr(text, "Total states run:      3"));
    CHECK(text && strstr(text, "    Function: cmd.run\n") && strstr(text, "Duration: 1.500 ms"));
    free(text);

    arg.opts = (br_out_opts_t){BR_OUT_TERSE, false, true};
    text = s_capture(s_minion, &arg, &len);
    CHECK(text && strstr(text, "  Name: quiet - Function: test.nop - Result: Clean Started: - "
                               "10:00:00.000000 Duration: 1.500 ms\n"));
    CHECK(text && strstr(text, "  Name: loud - Function: cmd.run - Result: Changed "));
    //  A failure says why, on lines of its own
    CHECK(text && strstr(text, "Result: Failed Started: - 10:00:00.000000 Duration: 1.500 ms\n"
                               "      Comment: Failure!\n"
                               "               second line\n"));
    CHECK(text && !strchr(text, '\033'));
    free(text);

    //  Colour only when asked for; the same text around it
    arg.opts = (br_out_opts_t){BR_OUT_TERSE, true, true};
    text = s_capture(s_minion, &arg, &len);
    CHECK(text && strstr(text, "\033[0;31m") && strstr(text, "\033[0m"));
    free(text);

    //  Anything but states is printed as Salt's nested outputter does
    br_value_t *pong = br_value_bool(true);
    arg = (s_minion_arg_t){{BR_OUT_HIGHSTATE, false, true}, pong};
    text = s_capture(s_minion, &arg, &len);
    CHECK_STR(text, "web1:\n    True\n");
    free(text);
    br_value_destroy(&pong);
    br_value_destroy(&results);
}

int
main(void)
{
    s_test_yaml_strings();
    s_test_yaml_shapes();
    s_test_parsers();
    s_test_states();
    return test_done("unit_output");
}
