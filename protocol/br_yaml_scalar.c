/*  br_yaml_scalar: PyYAML's YAML 1.1 resolution of plain scalars, written
    out by hand from its resolver's patterns: the spellings of null and of
    booleans, integers with '_', 0b, 0x, 0-leading octal and base 60, and
    floats, which need a '.' (and a sign on any exponent). What matches no
    pattern is a string, as in PyYAML: "1e3", "0o17" and "08" are text. */
#include "br_yaml_scalar.h"

#include <locale.h>
#include <math.h>
#include <strings.h>

static bool
s_is_one_of(const char *text, const char *const *words)
{
    for (size_t i = 0; words[i]; i++) {
        if (strcmp(text, words[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool
s_all_in(const char *s, const char *set)
{
    for (; *s; s++) {
        if (!strchr(set, *s)) {
            return false;
        }
    }
    return true;
}

//  [0-9][0-9_]* at *s: advances past it, false if none.
static bool
s_skip_digits(const char **s, bool first_nonzero)
{
    const char *p = *s;
    if (!(*p >= '0' && *p <= '9') || (first_nonzero && *p == '0')) {
        return false;
    }
    while ((*p >= '0' && *p <= '9') || *p == '_') {
        p++;
    }
    *s = p;
    return true;
}

//  (:[0-5]?[0-9])+ at *s (base 60 groups); false if none.
static bool
s_skip_sexagesimal(const char **s)
{
    const char *p = *s;
    int groups = 0;
    while (*p == ':') {
        const char *q = p + 1;
        if (q[0] >= '0' && q[0] <= '5' && q[1] >= '0' && q[1] <= '9') {
            q += 2;
        } else if (q[0] >= '0' && q[0] <= '9') {
            q += 1;
        } else {
            break;
        }
        p = q;
        groups++;
    }
    *s = p;
    return groups > 0;
}

//  PyYAML's float pattern: 1.5, 1., 1.5e+3, .5, 1:30.5, +.inf, .nan
static bool
s_looks_float(const char *text)
{
    static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                          "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                          ".NaN",  ".NAN",  NULL};
    if (s_is_one_of(text, special)) {
        return true;
    }
    const char *p = text;
    if (*p == '.') {
        //  No sign allowed before a leading dot, as in PyYAML.
        p++;
        if (!(*p >= '0' && *p <= '9') && *p != '_') {
            return false;
        }
        while ((*p >= '0' && *p <= '9') || *p == '_') {
            p++;
        }
    } else {
        if (*p == '-' || *p == '+') {
            p++;
        }
        if (!s_skip_digits(&p, false)) {
            return false;
        }
        bool sexagesimal = s_skip_sexagesimal(&p);
        if (*p != '.') {
            return false;
        }
        p++;
        while ((*p >= '0' && *p <= '9') || *p == '_') {
            p++;
        }
        if (sexagesimal) {
            return *p == 0;
        }
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p != '-' && *p != '+') {
            return false;
        }
        p++;
        if (!(*p >= '0' && *p <= '9')) {
            return false;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    return *p == 0;
}

//  PyYAML's int pattern: 0b101, 017 (octal), 0, 12_345, 0x1F, 1:30
static bool
s_looks_int(const char *text)
{
    const char *p = text;
    if (*p == '-' || *p == '+') {
        p++;
    }
    if (p[0] == '0' && p[1] == 'b') {
        return p[2] && s_all_in(p + 2, "01_");
    }
    if (p[0] == '0' && p[1] == 'x') {
        return p[2] && s_all_in(p + 2, "0123456789abcdefABCDEF_");
    }
    if (p[0] == '0') {
        return p[1] == 0 || s_all_in(p + 1, "01234567_");
    }
    if (!s_skip_digits(&p, true)) {
        return false;
    }
    if (*p == ':') {
        return s_skip_sexagesimal(&p) && *p == 0;
    }
    return *p == 0;
}

//  Copies text without '_' into buf (the caller sized it).
static void
s_strip_underscores(const char *text, char *buf)
{
    for (; *text; text++) {
        if (*text != '_') {
            *buf++ = *text;
        }
    }
    *buf = 0;
}

//  *value = *value * base + digit, false on overflow. Works on the magnitude
//  as unsigned so that INT64_MIN fits.
static bool
s_accumulate(uint64_t *value, uint64_t base, uint64_t digit)
{
    if (*value > (UINT64_MAX - digit) / base) {
        return false;
    }
    *value = *value * base + digit;
    return true;
}

static unsigned
s_digit(char c)
{
    if (c >= 'a' && c <= 'f') {
        return (unsigned)(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return (unsigned)(c - 'A' + 10);
    }
    return (unsigned)(c - '0');
}

//  Converts a scalar s_looks_int accepted. BR_ERR_INVALID when it does not
//  fit in 64 bits or has no digits at all ("0x_", which PyYAML fails on).
static int
s_to_int(const char *text, int64_t *out)
{
    size_t size = strlen(text) + 1;
    char *buf = malloc(size);
    if (!buf) {
        return BR_ERR_NOMEM;
    }
    s_strip_underscores(text, buf);
    int rc = BR_ERR_INVALID;
    const char *p = buf;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+') {
        p++;
    }
    unsigned base = 10;
    if (p[0] == '0' && (p[1] == 'b' || p[1] == 'x')) {
        base = p[1] == 'b' ? 2 : 16;
        p += 2;
    } else if (p[0] == '0' && p[1]) {
        base = 8;
        p++;
    }
    //  Base 60 ("1:30" is 90): each ':' closes a group of decimal digits.
    uint64_t total = 0, group = 0;
    bool digits = false;
    for (; *p; p++) {
        if (*p == ':') {
            if (!s_accumulate(&total, 60, group)) {
                goto out;
            }
            group = 0;
        } else if (s_accumulate(&group, base, s_digit(*p))) {
            digits = true;
        } else {
            goto out;
        }
    }
    if (!digits || !s_accumulate(&total, strchr(buf, ':') ? 60 : 1, group)) {
        goto out;
    }
    if (total > (uint64_t)INT64_MAX + (negative ? 1 : 0)) {
        goto out;
    }
    *out = negative ? (int64_t)(0 - total) : (int64_t)total;
    rc = BR_OK;
out:
    //  A number under a secret pillar key is a secret too.
    br_wipe(buf, size);
    free(buf);
    return rc;
}

//  Converts a scalar s_looks_float accepted.
static int
s_to_float(const char *text, double *out)
{
    size_t size = strlen(text) + 1;
    //  strtod in the C locale, whatever the process's locale is
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    char *buf = malloc(size), *end = NULL;
    int rc = BR_ERR_NOMEM;
    if (!buf || c_locale == (locale_t)0) {
        goto out;
    }
    s_strip_underscores(text, buf);
    rc = BR_ERR_INVALID;
    const char *p = buf;
    double sign = *p == '-' ? -1.0 : 1.0;
    if (*p == '-' || *p == '+') {
        p++;
    }
    if (strcasecmp(p, ".inf") == 0) {
        *out = sign * INFINITY;
        rc = BR_OK;
    } else if (strcasecmp(p, ".nan") == 0) {
        *out = NAN;
        rc = BR_OK;
    } else if (strchr(p, ':')) {
        //  Base 60: whole groups, then the last one with its fraction.
        double value = 0;
        while (strchr(p, ':')) {
            value = value * 60 + (double)strtol(p, &end, 10);
            p = end + 1;
        }
        value = value * 60 + strtod_l(p, &end, c_locale);
        if (*end == 0) {
            *out = sign * value;
            rc = BR_OK;
        }
    } else if (*p && strcmp(p, ".") != 0) {
        //  Overflow gives inf, as Python's float() does.
        double value = strtod_l(p, &end, c_locale);
        if (*end == 0) {
            *out = sign * value;
            rc = BR_OK;
        }
    }
out:
    if (buf) {
        //  A number under a secret pillar key is a secret too.
        br_wipe(buf, size);
        free(buf);
    }
    if (c_locale != (locale_t)0) {
        freelocale(c_locale);
    }
    return rc;
}

//  True if text could be anything but a string: each null, boolean and
//  number spelling starts with one of these, so most text (names, paths,
//  commands) is told apart by its first byte.
static bool
s_may_resolve(const char *text)
{
    switch (text[0]) {
    case 0:
    case '~':
    case 'n':
    case 'N':
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case 'o':
    case 'O':
    case 'f':
    case 'F':
    case '.':
    case '+':
    case '-':
        return true;
    default:
        return text[0] >= '0' && text[0] <= '9';
    }
}

int
br_yaml_plain_in(br_value_pool_t *pool, const char *text, size_t len, br_value_t **out)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"yes",  "Yes", "YES", "true", "True",
                                        "TRUE", "on",  "On",  "ON",   NULL};
    static const char *const falses[] = {"no",    "No",  "NO",  "false", "False",
                                         "FALSE", "off", "Off", "OFF",   NULL};
    int rc = BR_OK;
    int64_t i = 0;
    double d = 0;
    *out = NULL;
    if (!s_may_resolve(text) || strlen(text) != len) {
        //  A NUL inside matches no pattern.
        *out = br_value_str_in(pool, text, len);
    } else if (s_is_one_of(text, nulls)) {
        *out = br_value_null_in(pool);
    } else if (s_is_one_of(text, trues)) {
        *out = br_value_bool_in(pool, true);
    } else if (s_is_one_of(text, falses)) {
        *out = br_value_bool_in(pool, false);
    } else if (s_looks_float(text)) {
        rc = s_to_float(text, &d);
        *out = rc == BR_OK ? br_value_float_in(pool, d) : NULL;
    } else if (s_looks_int(text)) {
        rc = s_to_int(text, &i);
        *out = rc == BR_OK ? br_value_int_in(pool, i) : NULL;
    } else {
        *out = br_value_str_in(pool, text, len);
    }
    if (rc == BR_OK && !*out) {
        rc = BR_ERR_NOMEM;
    }
    return rc;
}

int
br_yaml_plain(const char *text, size_t len, br_value_t **out)
{
    return br_yaml_plain_in(NULL, text, len, out);
}
