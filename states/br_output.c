/*  br_output: results as Salt prints them: the highstate outputter (a block
    per state, then a summary), its terse form (a line per state), and the
    JSON document of `--out=json`. The YAML document is br_output_yaml.c. */
#include "br_output.h"
#include "br_state.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define C_GREEN "\033[0;32m"
#define C_RED "\033[0;31m"
#define C_YELLOW "\033[0;33m"
#define C_CYAN "\033[0;36m"
#define C_RESET "\033[0m"

static int
s_by_key(const void *a, const void *b, void *map)
{
    return strcmp(br_value_map_key(map, *(const size_t *) a),
                  br_value_map_key(map, *(const size_t *) b));
}

//  Salt's nested outputter: maps under a "----------" rule, values indented
static void
s_nested(const br_value_t *v, int indent, FILE *out)
{
    switch (br_value_kind(v)) {
    case BR_V_MAP: {
        //  Salt's outputter prints keys sorted
        size_t n = br_value_map_size(v);
        size_t *order = malloc((n ? n : 1) * sizeof *order);
        if (!order) {
            break;
        }
        for (size_t i = 0; i < n; i++) {
            order[i] = i;
        }
        qsort_r(order, n, sizeof *order, s_by_key, (void *) v);
        fprintf(out, "%*s----------\n", indent, "");
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%*s%s:\n", indent, "", br_value_map_key(v, order[i]));
            s_nested(br_value_map_at(v, order[i]), indent + 4, out);
        }
        free(order);
        break;
    }
    case BR_V_LIST:
        for (size_t i = 0; i < br_value_list_size(v); i++) {
            fprintf(out, "%*s- ", indent, "");
            s_nested(br_value_list_at(v, i), 0, out);
        }
        break;
    case BR_V_STR: {
        const char *s = br_value_as_str(v);
        //  Multi-line output (a command's stdout) keeps its lines aligned
        while (*s) {
            const char *nl = strchr(s, '\n');
            int len = nl ? (int) (nl - s) : (int) strlen(s);
            fprintf(out, "%*s%.*s\n", indent, "", len, s);
            s = nl ? nl + 1 : s + len;
        }
        if (!*br_value_as_str(v)) {
            fprintf(out, "\n");
        }
        break;
    }
    case BR_V_INT:
        fprintf(out, "%*s%lld\n", indent, "", (long long) br_value_as_int(v));
        break;
    case BR_V_FLOAT:
        fprintf(out, "%*s%g\n", indent, "", br_value_as_float(v));
        break;
    case BR_V_BOOL:
        fprintf(out, "%*s%s\n", indent, "", br_value_as_bool(v) ? "True" : "False");
        break;
    case BR_V_NULL:
        fprintf(out, "%*sNone\n", indent, "");
        break;
    case BR_V_SECRET:
        fprintf(out, "%*s<secret>\n", indent, "");
        break;
    }
}

static const char *
s_result_text(const br_value_t *result)
{
    if (br_value_kind(result) == BR_V_BOOL) {
        return br_value_as_bool(result) ? "True" : "False";
    }
    return "None";
}

static const char *
s_field_str(const br_value_t *state, const char *key)
{
    const char *s = br_value_as_str(br_value_map_get(state, key));
    return s ? s : "";
}

br_value_t *
br_run_results(const br_run_t *run)
{
    br_value_t *results = br_value_map();
    for (size_t i = 0; results && i < br_run_size(run); i++) {
        const br_state_result_t *r = br_run_at(run, i);
        char *key = NULL;
        if (asprintf(&key, "%s_|-%s_|-%s_|-%s", r->module, r->id, r->name, r->fun) < 0) {
            br_value_destroy(&results);
            break;
        }
        br_value_t *state = br_value_map();
        br_value_t *fields[] = {
            br_value_str(r->name),
            r->result == BR_RESULT_NONE ? br_value_null()
                                        : br_value_bool(r->result == BR_RESULT_TRUE),
            br_value_dup(r->changes),
            br_value_str(r->comment),
            br_value_str(r->id),
            br_value_str(r->sls),
            br_value_int((int64_t) r->run_num),
            br_value_str(r->start_time),
            br_value_float(round(r->duration_ms * 1000.0) / 1000.0),
        };
        static const char *names[] = {"name",    "result",      "changes",    "comment", "__id__",
                                      "__sls__", "__run_num__", "start_time", "duration"};
        for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
            if (!state || !fields[f] || br_value_map_set(state, names[f], &fields[f]) != BR_OK) {
                br_value_destroy(&fields[f]);
            }
        }
        if (!state || br_value_map_set(results, key, &state) != BR_OK) {
            br_value_destroy(&state);
        }
        free(key);
    }
    return results;
}

bool
br_results_failed(const br_value_t *results)
{
    for (size_t i = 0; i < br_value_map_size(results); i++) {
        const br_value_t *result = br_value_map_get(br_value_map_at(results, i), "result");
        if (br_value_kind(result) == BR_V_BOOL && !br_value_as_bool(result)) {
            return true;
        }
    }
    return false;
}

static int
s_by_run_num(const void *a, const void *b, void *results)
{
    int64_t x = br_value_as_int(
        br_value_map_get(br_value_map_at(results, *(const size_t *) a), "__run_num__"));
    int64_t y = br_value_as_int(
        br_value_map_get(br_value_map_at(results, *(const size_t *) b), "__run_num__"));
    return x < y ? -1 : x > y;
}

//  What the printers need to know of one state's result
typedef struct {
    const char *key;   //  "module_|-id_|-name_|-function"
    const br_value_t *state;
    int module_len;    //  the module is key[0..module_len)
    const char *fun;   //  after the last separator
    bool failed;       //  result False
    bool predicted;    //  result None (test=True, changes would be made)
    bool changed;      //  changes not empty
    const char *tone;  //  its colour, or "" without colour
} s_state_t;

static s_state_t
s_state(const char *key, const br_value_t *state, bool color)
{
    s_state_t s = {key, state, 0, "", false, false, false, ""};
    //  The function is after the last separator and the module before the
    //  first; the name between may itself hold "_|-"
    const char *first = strstr(key, "_|-");
    const char *last = first;
    for (const char *p = first; p; p = strstr(p + 3, "_|-")) {
        last = p;
    }
    s.module_len = first ? (int) (first - key) : 0;
    s.fun = last ? last + 3 : "";
    const br_value_t *result = br_value_map_get(state, "result");
    s.failed = br_value_kind(result) == BR_V_BOOL && !br_value_as_bool(result);
    s.predicted = br_value_kind(result) != BR_V_BOOL;
    s.changed = br_value_map_size(br_value_map_get(state, "changes")) > 0;
    s.tone = !color        ? ""
             : s.failed    ? C_RED
             : s.predicted ? C_YELLOW
             : s.changed   ? C_CYAN
                           : C_GREEN;
    return s;
}

//  A multi-line text, its first line after what is already printed and the
//  others indented to match
static void
s_lines(const char *text, int indent, FILE *out)
{
    if (!*text) {
        fprintf(out, "\n");
    }
    while (*text) {
        const char *nl = strchr(text, '\n');
        int len = nl ? (int) (nl - text) : (int) strlen(text);
        fprintf(out, "%.*s\n", len, text);
        text = nl ? nl + 1 : text + len;
        if (*text) {
            fprintf(out, "%*s", indent, "");
        }
    }
}

//  One state's block, as the highstate outputter prints it
static void
s_state_block(const s_state_t *s, bool color, FILE *out)
{
    fprintf(out, "%s----------\n", s->tone);
    fprintf(out, "          ID: %s\n", s_field_str(s->state, "__id__"));
    fprintf(out, "    Function: %.*s.%s\n", s->module_len, s->key, s->fun);
    fprintf(out, "        Name: %s\n", s_field_str(s->state, "name"));
    fprintf(out, "      Result: %s\n", s_result_text(br_value_map_get(s->state, "result")));
    fprintf(out, "     Comment: ");
    s_lines(s_field_str(s->state, "comment"), 14, out);
    fprintf(out, "     Started: %s\n", s_field_str(s->state, "start_time"));
    fprintf(out, "    Duration: %.3f ms\n",
            br_value_as_float(br_value_map_get(s->state, "duration")));
    fprintf(out, "     Changes:   \n");
    if (s->changed) {
        s_nested(br_value_map_get(s->state, "changes"), 14, out);
    }
    fprintf(out, "%s", color ? C_RESET : "");
}

//  One state on one line, as Salt's terse state output prints it; a
//  failure also says why, which terse output would otherwise hide
static void
s_state_line(const s_state_t *s, bool color, FILE *out)
{
    const char *word = s->failed      ? "Failed"
                       : s->predicted ? "Differs"
                       : s->changed   ? "Changed"
                                      : "Clean";
    fprintf(out,
            "%s  Name: %s - Function: %.*s.%s - Result: %s Started: - %s Duration: %.3f ms%s\n",
            s->tone, s_field_str(s->state, "name"), s->module_len, s->key, s->fun, word,
            s_field_str(s->state, "start_time"),
            br_value_as_float(br_value_map_get(s->state, "duration")), color ? C_RESET : "");
    if (s->failed) {
        fprintf(out, "%s      Comment: ", s->tone);
        s_lines(s_field_str(s->state, "comment"), 15, out);
        fprintf(out, "%s", color ? C_RESET : "");
    }
}

static void
s_states(const br_out_opts_t *opts, const br_value_t *results, const char *minion, FILE *out)
{
    size_t counts[3] = {0, 0, 0}; //  succeeded, changed, failed
    double total_ms = 0;
    bool color = opts->color;
    const char *reset = color ? C_RESET : "";
    size_t n = br_value_map_size(results);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
    }
    qsort_r(order, n, sizeof *order, s_by_run_num, (void *) results);
    fprintf(out, "%s%s:%s\n", color ? C_GREEN : "", minion, reset);
    for (size_t i = 0; i < n; i++) {
        s_state_t s = s_state(br_value_map_key(results, order[i]),
                              br_value_map_at(results, order[i]), color);
        counts[0] += !s.failed;
        counts[1] += !s.failed && s.changed;
        counts[2] += s.failed;
        total_ms += br_value_as_float(br_value_map_get(s.state, "duration"));
        //  Salt's state_verbose: False hides what succeeded and changed
        //  nothing; the summary still counts it
        if (!opts->state_verbose && !s.failed && !s.predicted && !s.changed) {
            continue;
        }
        if (opts->format == BR_OUT_TERSE) {
            s_state_line(&s, color, out);
        } else {
            s_state_block(&s, color, out);
        }
    }
    free(order);
    fprintf(out, "\nSummary for %s\n------------\n", minion);
    fprintf(out, "%sSucceeded: %zu%s%s (changed=%zu)%s\n", color ? C_GREEN : "", counts[0], reset,
            color && counts[1] ? C_CYAN : "", counts[1], reset);
    fprintf(out, "%sFailed:    %zu%s\n", color ? (counts[2] ? C_RED : C_GREEN) : "", counts[2],
            reset);
    fprintf(out, "------------\n");
    fprintf(out, "Total states run: %6zu\n", n);
    fprintf(out, "Total run time: %8.3f ms\n", total_ms);
}

void
br_output_highstate(const br_value_t *results, const char *minion, bool color, FILE *out)
{
    br_out_opts_t opts = {BR_OUT_HIGHSTATE, color, true};
    s_states(&opts, results, minion, out);
}

void
br_out_minion(const br_out_opts_t *opts, const char *minion, const br_value_t *ret, FILE *out)
{
    if (br_value_kind(ret) == BR_V_MAP) {
        s_states(opts, ret, minion, out);
        return;
    }
    fprintf(out, "%s%s:%s\n", opts->color ? C_GREEN : "", minion, opts->color ? C_RESET : "");
    if (ret) {
        s_nested(ret, 4, out);
    } else {
        fprintf(out, "    (no return)\n");
    }
}

int
br_out_format_parse(const char *name, br_out_format_t *format)
{
    static const char *names[] = {"highstate", "terse", "json", "yaml"};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *format = (br_out_format_t) i;
            return 0;
        }
    }
    return BR_ERR_INVALID;
}

int
br_out_bool_parse(const char *text, bool *value)
{
    static const char *yes[] = {"True", "true", "1", "yes", "Yes"};
    static const char *no[] = {"False", "false", "0", "no", "No"};
    for (size_t i = 0; text && i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
            *value = strcmp(text, yes[i]) == 0;
            return 0;
        }
    }
    return BR_ERR_INVALID;
}

bool
br_out_color_default(FILE *stream)
{
    //  NO_COLOR (no-color.org) and TERM=dumb are how a user says no once for
    //  every program
    const char *no_color = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    return isatty(fileno(stream)) && !(no_color && *no_color) &&
           !(term && strcmp(term, "dumb") == 0);
}

bool
br_out_streams(br_out_format_t format)
{
    return format == BR_OUT_HIGHSTATE || format == BR_OUT_TERSE;
}

//  Indented JSON, as Salt's json outputter prints it
static void
s_json(const br_value_t *v, int indent, FILE *out)
{
    zchunk_t *buf = NULL;
    size_t n;
    switch (br_value_kind(v)) {
    case BR_V_MAP:
        n = br_value_map_size(v);
        if (!n) {
            fprintf(out, "{}");
            break;
        }
        fprintf(out, "{\n");
        for (size_t i = 0; i < n; i++) {
            br_value_t *key = br_value_str(br_value_map_key(v, i));
            fprintf(out, "%*s", indent + 4, "");
            s_json(key, indent + 4, out);
            br_value_destroy(&key);
            fprintf(out, ": ");
            s_json(br_value_map_at(v, i), indent + 4, out);
            fprintf(out, "%s\n", i + 1 < n ? "," : "");
        }
        fprintf(out, "%*s}", indent, "");
        break;
    case BR_V_LIST:
        n = br_value_list_size(v);
        if (!n) {
            fprintf(out, "[]");
            break;
        }
        fprintf(out, "[\n");
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%*s", indent + 4, "");
            s_json(br_value_list_at(v, i), indent + 4, out);
            fprintf(out, "%s\n", i + 1 < n ? "," : "");
        }
        fprintf(out, "%*s]", indent, "");
        break;
    default:
        buf = zchunk_new(NULL, 64);
        br_value_to_json(v, buf);
        fwrite(zchunk_data(buf), 1, zchunk_size(buf), out);
        zchunk_destroy(&buf);
    }
}

void
br_output_json(const br_value_t *by_minion, FILE *out)
{
    s_json(by_minion, 0, out);
    fprintf(out, "\n");
}

void
br_out_document(const br_out_opts_t *opts, const br_value_t *by_minion, FILE *out)
{
    if (opts->format == BR_OUT_YAML) {
        br_out_yaml(by_minion, out);
    } else {
        br_output_json(by_minion, out);
    }
}
