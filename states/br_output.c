/*  br_output: results as Salt prints them: the highstate outputter (a block
    per state, then a summary) and the JSON shape of `--out=json`. */
#include "br_state.h"

#include <math.h>
#include <stdio.h>

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

//  One state's block; counts it into the summary
static void
s_state_block(const char *key, const br_value_t *state, bool color, size_t counts[3], FILE *out)
{
    //  The key is "module_|-id_|-name_|-function": the function is after the
    //  last separator and the module before the first
    const char *first = strstr(key, "_|-");
    const char *last = first;
    for (const char *p = first; p; p = strstr(p + 3, "_|-")) {
        last = p;
    }
    const br_value_t *result = br_value_map_get(state, "result");
    const br_value_t *changes = br_value_map_get(state, "changes");
    bool failed = br_value_kind(result) == BR_V_BOOL && !br_value_as_bool(result);
    bool predicted = br_value_kind(result) != BR_V_BOOL;
    bool has_changes = br_value_map_size(changes) > 0;
    const char *tone = !color       ? ""
                       : failed     ? C_RED
                       : predicted  ? C_YELLOW
                       : has_changes ? C_CYAN
                                     : C_GREEN;
    counts[0] += !failed;
    counts[1] += !failed && has_changes;
    counts[2] += failed;
    fprintf(out, "%s----------\n", tone);
    fprintf(out, "          ID: %s\n", s_field_str(state, "__id__"));
    fprintf(out, "    Function: %.*s.%s\n", first ? (int) (first - key) : 0, key,
            last ? last + 3 : "");
    fprintf(out, "        Name: %s\n", s_field_str(state, "name"));
    fprintf(out, "      Result: %s\n", s_result_text(result));
    const char *comment = s_field_str(state, "comment");
    fprintf(out, "     Comment: ");
    if (!*comment) {
        fprintf(out, "\n");
    }
    while (*comment) {
        const char *nl = strchr(comment, '\n');
        int len = nl ? (int) (nl - comment) : (int) strlen(comment);
        fprintf(out, "%.*s\n", len, comment);
        comment = nl ? nl + 1 : comment + len;
        if (*comment) {
            fprintf(out, "              ");
        }
    }
    fprintf(out, "     Started: %s\n", s_field_str(state, "start_time"));
    fprintf(out, "    Duration: %.3f ms\n", br_value_as_float(br_value_map_get(state, "duration")));
    fprintf(out, "     Changes:   \n");
    if (has_changes) {
        s_nested(changes, 14, out);
    }
    fprintf(out, "%s", color ? C_RESET : "");
}

void
br_output_highstate(const br_value_t *results, const char *minion, bool color, FILE *out)
{
    size_t counts[3] = {0, 0, 0}; //  succeeded, changed, failed
    double total_ms = 0;
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
        const br_value_t *state = br_value_map_at(results, order[i]);
        s_state_block(br_value_map_key(results, order[i]), state, color, counts, out);
        total_ms += br_value_as_float(br_value_map_get(state, "duration"));
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
