/*  br_render_print: run-time values to output text, as Jinja prints Python
    objects: a string as itself, anything else as Python's repr() would show
    it (True, None, 1.5, ['a', 1], {'k': 'v'}), so that rendered YAML reads
    the same as under Salt.

    A secret is written as its vault token, quoted like a string when it
    sits inside a list or a map; its bytes are never read here. The output
    buffer is capped at BR_RENDER_MAX. */
#include "br_render_int.h"

#include <math.h>
#include <stdio.h>

int
br_render_emit(br_render_t *r, int line, const char *data, size_t len)
{
    if (len > BR_RENDER_MAX - r->out_len) {
        return br_render_fail(r, BR_ERR_TOOBIG, line, "output larger than %u bytes", BR_RENDER_MAX);
    }
    if (len > r->out_cap - r->out_len) {
        size_t cap = r->out_cap ? r->out_cap : r->out_hint > 4096 ? r->out_hint : 4096;
        while (cap - r->out_len < len) {
            cap *= 2;
        }
        //  + 1 for the NUL that br_render adds. Not realloc: the old block may
        //  hold a pillar file's literal secrets and must be wiped, not left
        //  behind in freed memory
        char *out = malloc(cap + 1);
        if (!out) {
            return br_render_fail(r, BR_ERR_NOMEM, line, "out of memory");
        }
        if (r->out) {
            memcpy(out, r->out, r->out_len);
            br_wipe(r->out, r->out_cap + 1);
            free(r->out);
        }
        r->out = out;
        r->out_cap = cap;
    }
    if (len) {
        memcpy(r->out + r->out_len, data, len);
    }
    r->out_len += len;
    return BR_OK;
}

static int
s_emit_str(br_render_t *r, int line, const char *s)
{
    return br_render_emit(r, line, s, strlen(s));
}

//  Python's repr() of a float: the shortest digits that read back the same,
//  in positional form for exponents -5 < e < 16, else d.ddde+XX
static void
s_float(double d, char *buf, size_t size)
{
    if (isnan(d) || isinf(d)) {
        snprintf(buf, size, "%s", isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
        return;
    }
    char sci[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec, d);
        if (strtod(sci, NULL) == d) {
            break;
        }
    }
    //  sci is [-]D[.DDD]e[+-]XX
    char digits[24];
    size_t n = 0;
    const char *p = sci;
    bool negative = *p == '-';
    if (negative) {
        p++;
    }
    for (; *p && *p != 'e'; p++) {
        if (*p != '.' && n + 1 < sizeof digits) {
            digits[n++] = *p;
        }
    }
    digits[n] = 0;
    while (n > 1 && digits[n - 1] == '0') {
        digits[--n] = 0;
    }
    int exp = *p == 'e' ? atoi(p + 1) : 0;
    int point = exp + 1; //  digits before the decimal point
    char out[64];
    size_t o = 0;
    if (negative) {
        out[o++] = '-';
    }
    if (point > -4 && point <= 16) {
        if (point <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int k = 0; k < -point; k++) {
                out[o++] = '0';
            }
            memcpy(out + o, digits, n);
            o += n;
        } else {
            for (size_t k = 0; k < (size_t)point; k++) {
                out[o++] = k < n ? digits[k] : '0';
            }
            out[o++] = '.';
            if ((size_t)point < n) {
                memcpy(out + o, digits + point, n - (size_t)point);
                o += n - (size_t)point;
            } else {
                out[o++] = '0';
            }
        }
        out[o] = 0;
    } else {
        out[o++] = digits[0];
        if (n > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, n - 1);
            o += n - 1;
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    snprintf(buf, size, "%s", out);
}

//  A string quoted and escaped as Python's repr() does it: in single quotes,
//  or in double quotes when it holds a ' and no "
static int
s_quoted(br_render_t *r, int line, const char *s, size_t len)
{
    char quote = memchr(s, '\'', len) && !memchr(s, '"', len) ? '"' : '\'';
    int rc = br_render_emit(r, line, &quote, 1);
    size_t run = 0;
    for (size_t i = 0; rc == BR_OK && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != (unsigned char)quote && c != '\\') {
            continue;
        }
        char esc[8];
        if (c == '\n' || c == '\t' || c == '\r') {
            snprintf(esc, sizeof esc, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
        } else {
            snprintf(esc, sizeof esc, "\\%c", c);
        }
        rc = br_render_emit(r, line, s + run, i - run);
        if (rc == BR_OK) {
            rc = s_emit_str(r, line, esc);
        }
        run = i + 1;
    }
    if (rc == BR_OK) {
        rc = br_render_emit(r, line, s + run, len - run);
    }
    return rc == BR_OK ? br_render_emit(r, line, &quote, 1) : rc;
}

static int
s_token(br_render_t *r, int line, const br_value_t *v, bool quoted)
{
    const char *token = r->vault ? br_vault_token(r->vault, br_value_as_secret(v)) : NULL;
    if (!token) {
        return br_render_fail(r, BR_ERR_INTERNAL, line, "cannot store a secret in the vault");
    }
    return quoted ? s_quoted(r, line, token, strlen(token)) : s_emit_str(r, line, token);
}

static int s_repr(br_render_t *r, int line, const br_value_t *v, int depth);

static int
s_items(br_render_t *r, int line, const br_value_t *v, int depth)
{
    bool list = br_value_kind(v) == BR_V_LIST;
    size_t size = list ? br_value_list_size(v) : br_value_map_size(v);
    int rc = br_render_emit(r, line, list ? "[" : "{", 1);
    for (size_t i = 0; rc == BR_OK && i < size; i++) {
        if (i) {
            rc = br_render_emit(r, line, ", ", 2);
        }
        if (rc == BR_OK && !list) {
            const char *key = br_value_map_key(v, i);
            rc = s_quoted(r, line, key, strlen(key));
            if (rc == BR_OK) {
                rc = br_render_emit(r, line, ": ", 2);
            }
        }
        if (rc == BR_OK) {
            rc = s_repr(r, line, list ? br_value_list_at(v, i) : br_value_map_at(v, i), depth + 1);
        }
    }
    return rc == BR_OK ? br_render_emit(r, line, list ? "]" : "}", 1) : rc;
}

static int
s_repr(br_render_t *r, int line, const br_value_t *v, int depth)
{
    if (depth > BR_RENDER_DEPTH) {
        return br_render_fail(r, BR_ERR_TOOBIG, line, "value nested more than %d levels deep",
                              BR_RENDER_DEPTH);
    }
    char num[64];
    switch (br_value_kind(v)) {
    case BR_V_NULL:
        return s_emit_str(r, line, "None");
    case BR_V_BOOL:
        return s_emit_str(r, line, br_value_as_bool(v) ? "True" : "False");
    case BR_V_INT:
        snprintf(num, sizeof num, "%lld", (long long)br_value_as_int(v));
        return s_emit_str(r, line, num);
    case BR_V_FLOAT:
        s_float(br_value_as_float(v), num, sizeof num);
        return s_emit_str(r, line, num);
    case BR_V_STR:
        return s_quoted(r, line, br_value_as_str(v), br_value_str_len(v));
    case BR_V_SECRET:
        return s_token(r, line, v, true);
    case BR_V_LIST:
    case BR_V_MAP:
        return s_items(r, line, v, depth);
    }
    return BR_OK;
}

//  dict_items([('k', v)]), dict_keys(['k']), dict_values([v])
static int
s_view(br_render_t *r, int line, const br_rv_t *rv)
{
    static const char *const names[] = {"dict_items([", "dict_keys([", "dict_values(["};
    const br_value_t *map = rv->v;
    int rc = s_emit_str(r, line, names[rv->view]);
    for (size_t i = 0; rc == BR_OK && i < br_value_map_size(map); i++) {
        const char *key = br_value_map_key(map, i);
        if (i) {
            rc = br_render_emit(r, line, ", ", 2);
        }
        if (rc == BR_OK && rv->view == BR_VIEW_ITEMS) {
            rc = br_render_emit(r, line, "(", 1);
        }
        if (rc == BR_OK && rv->view != BR_VIEW_VALUES) {
            rc = s_quoted(r, line, key, strlen(key));
        }
        if (rc == BR_OK && rv->view == BR_VIEW_ITEMS) {
            rc = br_render_emit(r, line, ", ", 2);
        }
        if (rc == BR_OK && rv->view != BR_VIEW_KEYS) {
            rc = s_repr(r, line, br_value_map_at(map, i), 1);
        }
        if (rc == BR_OK && rv->view == BR_VIEW_ITEMS) {
            rc = br_render_emit(r, line, ")", 1);
        }
    }
    return rc == BR_OK ? br_render_emit(r, line, "])", 2) : rc;
}

int
br_render_print(br_render_t *r, int line, const br_rv_t *rv)
{
    switch (rv->kind) {
    case BR_RV_UNDEF:
        return br_render_undefined(r, line, rv);
    case BR_RV_LOOP:
        return br_render_fail(r, BR_ERR_TYPE, line, "cannot print 'loop'");
    case BR_RV_VIEW:
        return s_view(r, line, rv);
    case BR_RV_VALUE:
        break;
    }
    switch (br_value_kind(rv->v)) {
    case BR_V_STR:
        return br_render_emit(r, line, br_value_as_str(rv->v), br_value_str_len(rv->v));
    case BR_V_SECRET:
        return s_token(r, line, rv->v, false);
    default:
        return s_repr(r, line, rv->v, 0);
    }
}
