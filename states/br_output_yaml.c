/*  br_output_yaml: the YAML document of `--out=yaml` (br_output.h).

    YAML is read back as often by scripts as by people, and YAML 1.1 readers
    (PyYAML, so Salt) turn many plain words into something else: yes, off,
    ~, 012, 1:30, .5. So a string is written plain only when it cannot be
    read as anything but that string, and quoted otherwise: single quotes
    for printable text, double quotes with escapes when it holds a line
    break or another control character. Block style, maps in their own
    order, as Salt's yaml outputter prints them. */
#include "br_output.h"

#include <math.h>
#include <stdio.h>
#include <strings.h>

//  Words a YAML 1.1 reader resolves to a boolean or null, in any case
static const char *s_reserved[] = {"y",   "n",    "yes",   "no",   "on",
                                   "off", "true", "false", "null", NULL};

static bool
s_plain_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':') {
        return false;
    }
    //  Indicators, digits and signs (numbers), '.' (.inf, .5), '~' (null),
    //  '<' and '=' (YAML 1.1's merge and value keys)
    if (strchr("-?:,[]{}#&*!|>'\"%@`~.+<=0123456789", s[0])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f) {
            return false;
        }
        //  ": " starts a value and " #" a comment
        if ((c == ':' && i + 1 < len && s[i + 1] == ' ') || (c == '#' && s[i - 1] == ' ')) {
            return false;
        }
    }
    for (size_t i = 0; s_reserved[i]; i++) {
        if (strlen(s_reserved[i]) == len && strncasecmp(s, s_reserved[i], len) == 0) {
            return false;
        }
    }
    return true;
}

static void
s_string(const char *s, size_t len, FILE *out)
{
    bool control = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        control = control || c < 0x20 || c == 0x7f;
    }
    if (s_plain_ok(s, len)) {
        fwrite(s, 1, len, out);
    } else if (!control) {
        fputc('\'', out);
        for (size_t i = 0; i < len; i++) {
            //  The one escape of a single-quoted scalar: '' for '
            if (s[i] == '\'') {
                fputc('\'', out);
            }
            fputc(s[i], out);
        }
        fputc('\'', out);
    } else {
        fputc('"', out);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '"' || c == '\\') {
                fprintf(out, "\\%c", c);
            } else if (c == '\n') {
                fputs("\\n", out);
            } else if (c == '\t') {
                fputs("\\t", out);
            } else if (c < 0x20 || c == 0x7f) {
                fprintf(out, "\\x%02x", c);
            } else {
                fputc(c, out);
            }
        }
        fputc('"', out);
    }
}

//  The shortest text that reads back as the same float, with the '.' that
//  YAML 1.1 needs to see a float at all (1e-05 alone would be a string)
static void
s_float(double d, FILE *out)
{
    char num[64];
    if (isnan(d)) {
        fputs(".nan", out);
        return;
    }
    if (isinf(d)) {
        fputs(d > 0 ? ".inf" : "-.inf", out);
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(num, sizeof num, "%.*g", digits, d);
        if (strtod(num, NULL) == d) {
            break;
        }
    }
    if (!strchr(num, '.')) {
        char *e = strchr(num, 'e');
        fprintf(out, "%.*s.0%s", e ? (int)(e - num) : (int)strlen(num), num, e ? e : "");
    } else {
        fputs(num, out);
    }
}

static bool
s_is_block(const br_value_t *v)
{
    return (br_value_kind(v) == BR_V_MAP && br_value_map_size(v) > 0) ||
           (br_value_kind(v) == BR_V_LIST && br_value_list_size(v) > 0);
}

static void
s_scalar(const br_value_t *v, FILE *out)
{
    switch (br_value_kind(v)) {
    case BR_V_NULL:
        fputs("null", out);
        break;
    case BR_V_BOOL:
        fputs(br_value_as_bool(v) ? "true" : "false", out);
        break;
    case BR_V_INT:
        fprintf(out, "%lld", (long long)br_value_as_int(v));
        break;
    case BR_V_FLOAT:
        s_float(br_value_as_float(v), out);
        break;
    case BR_V_STR:
        s_string(br_value_as_str(v), br_value_str_len(v), out);
        break;
    case BR_V_SECRET:
        fputs("'<secret>'", out);
        break;
    case BR_V_MAP:
        fputs("{}", out);
        break;
    case BR_V_LIST:
        fputs("[]", out);
        break;
    }
}

static void s_block(const br_value_t *v, int indent, bool inline_first, FILE *out);

//  After "key:" or "- ": a scalar on the same line, a block below
static void
s_after(const br_value_t *v, int indent, FILE *out)
{
    if (s_is_block(v)) {
        fputc('\n', out);
        s_block(v, indent, false, out);
    } else {
        fputc(' ', out);
        s_scalar(v, out);
        fputc('\n', out);
    }
}

//  A non-empty map or list at indent; inline_first: the first line goes
//  where the cursor is (after a list's "- ")
static void
s_block(const br_value_t *v, int indent, bool inline_first, FILE *out)
{
    if (br_value_kind(v) == BR_V_MAP) {
        for (size_t i = 0; i < br_value_map_size(v); i++) {
            const char *key = br_value_map_key(v, i);
            fprintf(out, "%*s", i == 0 && inline_first ? 0 : indent, "");
            s_string(key, strlen(key), out);
            fputc(':', out);
            s_after(br_value_map_at(v, i), indent + 2, out);
        }
        return;
    }
    for (size_t i = 0; i < br_value_list_size(v); i++) {
        const br_value_t *item = br_value_list_at(v, i);
        fprintf(out, "%*s-", i == 0 && inline_first ? 0 : indent, "");
        if (br_value_kind(item) == BR_V_MAP && br_value_map_size(item) > 0) {
            fputc(' ', out);
            s_block(item, indent + 2, true, out);
        } else {
            s_after(item, indent + 2, out);
        }
    }
}

void
br_out_yaml(const br_value_t *value, FILE *out)
{
    if (s_is_block(value)) {
        s_block(value, 0, false, out);
    } else {
        s_scalar(value, out);
        fputc('\n', out);
    }
}
