/*  br_match: does a minion match a target? Salt's matchers, shared by top
    files and by `brine`'s targeting: glob (the default) and list on the
    minion id, grain on "key:value" with a case-insensitive glob on the
    grain's text (nested keys joined with ':'; a list grain matches if any
    item does), and pcre, here a POSIX extended regex on the whole id. */
#include "br_match.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>

//  The text Salt would compare a grain with: Python's str() of the value.
static bool
s_grain_text(const br_value_t *value, char *buf, size_t size)
{
    switch (br_value_kind(value)) {
    case BR_V_STR:
        snprintf(buf, size, "%s", br_value_as_str(value));
        return strlen(br_value_as_str(value)) < size;
    case BR_V_INT:
        snprintf(buf, size, "%" PRId64, br_value_as_int(value));
        return true;
    case BR_V_FLOAT:
        snprintf(buf, size, "%.17g", br_value_as_float(value));
        return true;
    case BR_V_BOOL:
        snprintf(buf, size, "%s", br_value_as_bool(value) ? "True" : "False");
        return true;
    case BR_V_NULL:
        snprintf(buf, size, "None");
        return true;
    default:
        return false;
    }
}

static bool
s_grain_value_match(const br_value_t *value, const char *pattern)
{
    char text[1024];
    if (br_value_kind(value) == BR_V_LIST) {
        //  Any scalar item (a list grain such as ipv4 or roles).
        for (size_t i = 0; i < br_value_list_size(value); i++) {
            const br_value_t *item = br_value_list_at(value, i);
            if (br_value_kind(item) != BR_V_LIST && br_value_kind(item) != BR_V_MAP &&
                s_grain_value_match(item, pattern)) {
                return true;
            }
        }
        return false;
    }
    return s_grain_text(value, text, sizeof text) && fnmatch(pattern, text, FNM_CASEFOLD) == 0;
}

//  "a:b:c" means grain a is "b:c", or grain a -> b is "c": each split is
//  tried, the shortest key first, as Salt does. A map grain only matches
//  "*" (the key exists).
static bool
s_grain_match(const char *target, const br_value_t *grains)
{
    for (const char *colon = strchr(target, ':'); colon; colon = strchr(colon + 1, ':')) {
        char *key = strndup(target, (size_t)(colon - target));
        const br_value_t *value = key ? br_value_path(grains, key) : NULL;
        const char *pattern = colon + 1;
        free(key);
        if (br_value_kind(value) == BR_V_MAP) {
            if (strcmp(pattern, "*") == 0) {
                return true;
            }
        } else if (value && s_grain_value_match(value, pattern)) {
            return true;
        }
    }
    return false;
}

static bool
s_list_match(const char *target, const char *minion_id)
{
    size_t id_len = strlen(minion_id);
    const char *p = target;
    while (*p) {
        p += strspn(p, " \t");
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t')) {
            trimmed--;
        }
        if (trimmed == id_len && memcmp(p, minion_id, id_len) == 0) {
            return true;
        }
        p += len;
        p += *p == ',';
    }
    return false;
}

int
br_match_minion(const char *matcher, const char *target, const char *id, const br_value_t *grains,
                br_errmsg_t *err)
{
    if (strcmp(matcher, "glob") == 0) {
        return fnmatch(target, id, 0) == 0;
    }
    if (strcmp(matcher, "list") == 0) {
        return s_list_match(target, id);
    }
    if (strcmp(matcher, "grain") == 0) {
        if (!strchr(target, ':')) {
            return br_errmsg_set(err, BR_ERR_INVALID, "a grain target must be 'key:value'");
        }
        return s_grain_match(target, grains);
    }
    if (strcmp(matcher, "pcre") != 0) {
        return br_errmsg_set(err, BR_ERR_INVALID, "unknown matcher '%.16s'", matcher);
    }
    //  Anchored: the expression must match the whole id
    char *anchored = NULL;
    if (asprintf(&anchored, "^(%s)$", target) < 0) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    regex_t re;
    int code = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (code != 0) {
        char why[128];
        regerror(code, &re, why, sizeof why);
        return br_errmsg_set(err, BR_ERR_INVALID, "invalid regular expression: %s", why);
    }
    int match = regexec(&re, id, 0, NULL, 0) == 0;
    regfree(&re);
    return match;
}
