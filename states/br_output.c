/*  br_output: results as Salt prints them: the highstate outputter (a block
    per state, then a summary) and the JSON shape of `--out=json`. */
#include "br_state.h"

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
s_result_text(br_result_t result)
{
    return result == BR_RESULT_TRUE ? "True" : result == BR_RESULT_FALSE ? "False" : "None";
}

void
br_output_highstate(const br_run_t *run, const char *minion, bool color, FILE *out)
{
    size_t ok = 0, changed = 0, failed = 0;
    const char *reset = color ? C_RESET : "";
    fprintf(out, "%s%s:%s\n", color ? C_GREEN : "", minion, reset);
    for (size_t i = 0; i < br_run_size(run); i++) {
        const br_state_result_t *r = br_run_at(run, i);
        bool has_changes = br_value_map_size(r->changes) > 0;
        const char *tone = !color                         ? ""
                           : r->result == BR_RESULT_FALSE ? C_RED
                           : r->result == BR_RESULT_NONE  ? C_YELLOW
                           : has_changes                  ? C_CYAN
                                                          : C_GREEN;
        failed += r->result == BR_RESULT_FALSE;
        ok += r->result != BR_RESULT_FALSE;
        changed += r->result != BR_RESULT_FALSE && has_changes;
        fprintf(out, "%s----------\n", tone);
        fprintf(out, "          ID: %s\n", r->id);
        fprintf(out, "    Function: %s.%s\n", r->module, r->fun);
        fprintf(out, "        Name: %s\n", r->name);
        fprintf(out, "      Result: %s\n", s_result_text(r->result));
        const char *comment = r->comment;
        fprintf(out, "     Comment: ");
        while (*comment) {
            const char *nl = strchr(comment, '\n');
            int len = nl ? (int) (nl - comment) : (int) strlen(comment);
            fprintf(out, "%.*s\n", len, comment);
            comment = nl ? nl + 1 : comment + len;
            if (*comment) {
                fprintf(out, "              ");
            }
        }
        if (!*r->comment) {
            fprintf(out, "\n");
        }
        fprintf(out, "     Started: %s\n", r->start_time);
        fprintf(out, "    Duration: %.3f ms\n", r->duration_ms);
        fprintf(out, "     Changes:   \n");
        if (has_changes) {
            s_nested(r->changes, 14, out);
        }
        fprintf(out, "%s", reset);
    }
    fprintf(out, "\nSummary for %s\n------------\n", minion);
    fprintf(out, "%sSucceeded: %zu%s%s (changed=%zu)%s\n", color ? C_GREEN : "", ok, reset,
            color && changed ? C_CYAN : "", changed, reset);
    fprintf(out, "%sFailed:    %zu%s\n", color ? (failed ? C_RED : C_GREEN) : "", failed, reset);
    fprintf(out, "------------\n");
    fprintf(out, "Total states run: %6zu\n", br_run_size(run));
    fprintf(out, "Total run time: %8.3f ms\n", br_run_duration_ms(run));
}

static void
s_json_str(const char *s, FILE *out)
{
    br_value_t *v = br_value_str(s);
    zchunk_t *buf = zchunk_new(NULL, 64);
    br_value_to_json(v, buf);
    fwrite(zchunk_data(buf), 1, zchunk_size(buf), out);
    zchunk_destroy(&buf);
    br_value_destroy(&v);
}

void
br_output_json(const br_run_t *run, const char *minion, FILE *out)
{
    fprintf(out, "{\n    ");
    s_json_str(minion, out);
    fprintf(out, ": {");
    for (size_t i = 0; i < br_run_size(run); i++) {
        const br_state_result_t *r = br_run_at(run, i);
        char *key = NULL;
        if (asprintf(&key, "%s_|-%s_|-%s_|-%s", r->module, r->id, r->name, r->fun) < 0) {
            continue;
        }
        fprintf(out, "%s\n        ", i ? "," : "");
        s_json_str(key, out);
        free(key);
        fprintf(out, ": {\n            \"name\": ");
        s_json_str(r->name, out);
        fprintf(out, ",\n            \"result\": %s",
                r->result == BR_RESULT_TRUE    ? "true"
                : r->result == BR_RESULT_FALSE ? "false"
                                               : "null");
        fprintf(out, ",\n            \"changes\": ");
        zchunk_t *buf = zchunk_new(NULL, 128);
        br_value_to_json(r->changes, buf);
        fwrite(zchunk_data(buf), 1, zchunk_size(buf), out);
        zchunk_destroy(&buf);
        fprintf(out, ",\n            \"comment\": ");
        s_json_str(r->comment, out);
        fprintf(out, ",\n            \"__id__\": ");
        s_json_str(r->id, out);
        fprintf(out, ",\n            \"__sls__\": ");
        s_json_str(r->sls, out);
        fprintf(out, ",\n            \"__run_num__\": %zu", r->run_num);
        fprintf(out, ",\n            \"start_time\": ");
        s_json_str(r->start_time, out);
        fprintf(out, ",\n            \"duration\": %.3f\n        }", r->duration_ms);
    }
    fprintf(out, "%s}\n}\n", br_run_size(run) ? "\n    " : "");
}
