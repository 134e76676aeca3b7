/*  br_value_ops: what is done with whole value trees (copies, paths, pillar
    merges, equality, JSON), through br_value's own functions. */
#include "br_value.h"

#include <math.h>
#include <stdio.h>

br_value_t *
br_value_dup(const br_value_t *self)
{
    if (!self) {
        return NULL;
    }
    br_value_t *copy = NULL;
    switch (br_value_kind(self)) {
    case BR_V_NULL:
        copy = br_value_null();
        break;
    case BR_V_BOOL:
        copy = br_value_bool(br_value_as_bool(self));
        break;
    case BR_V_INT:
        copy = br_value_int(br_value_as_int(self));
        break;
    case BR_V_FLOAT:
        copy = br_value_float(br_value_as_float(self));
        break;
    case BR_V_STR:
        copy = br_value_str_n(br_value_as_str(self), br_value_str_len(self));
        break;
    case BR_V_SECRET: {
        const br_secret_t *from = br_value_as_secret(self);
        br_secret_t *secret = br_secret_from_bytes(br_secret_cdata(from), br_secret_size(from));
        copy = secret ? br_value_secret(&secret) : NULL;
        br_secret_destroy(&secret);
        break;
    }
    case BR_V_LIST:
        copy = br_value_list();
        for (size_t i = 0; copy && i < br_value_list_size(self); i++) {
            br_value_t *item = br_value_dup(br_value_list_at(self, i));
            if (!item || br_value_list_append(copy, &item) != 0) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            }
        }
        break;
    case BR_V_MAP:
        copy = br_value_map();
        for (size_t i = 0; copy && i < br_value_map_size(self); i++) {
            br_value_t *item = br_value_dup(br_value_map_at(self, i));
            if (!item || br_value_map_set(copy, br_value_map_key(self, i), &item) != 0) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            } else {
                br_value_map_set_key_line(copy, i, br_value_map_key_line(self, i));
            }
        }
        break;
    }
    br_value_set_line(copy, br_value_line(self));
    br_value_set_quoted(copy, br_value_quoted(self));
    return copy;
}

br_value_t *
br_value_path(const br_value_t *self, const char *path)
{
    const br_value_t *at = self;
    const char *p = path;
    while (at && p && *p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        char key[256];
        if (len >= sizeof key || br_value_kind(at) != BR_V_MAP) {
            return NULL;
        }
        memcpy(key, p, len);
        key[len] = 0;
        at = br_value_map_get(at, key);
        p = colon ? colon + 1 : NULL;
    }
    return (br_value_t *)at;
}

int
br_value_merge(br_value_t *dst, const br_value_t *src)
{
    if (br_value_kind(dst) != BR_V_MAP || br_value_kind(src) != BR_V_MAP) {
        return BR_ERR_INVALID;
    }
    for (size_t i = 0; i < br_value_map_size(src); i++) {
        const char *key = br_value_map_key(src, i);
        const br_value_t *from = br_value_map_at(src, i);
        br_value_t *into = br_value_map_get(dst, key);
        if (br_value_kind(into) == BR_V_MAP && br_value_kind(from) == BR_V_MAP) {
            int rc = br_value_merge(into, from);
            if (rc != BR_OK) {
                return rc;
            }
            continue;
        }
        br_value_t *copy = br_value_dup(from);
        if (!copy || br_value_map_set(dst, key, &copy) != BR_OK) {
            br_value_destroy(&copy);
            return BR_ERR_NOMEM;
        }
        if (!into) {
            br_value_map_set_key_line(dst, br_value_map_size(dst) - 1,
                                      br_value_map_key_line(src, i));
        }
    }
    return BR_OK;
}

bool
br_value_has_secret(const br_value_t *self)
{
    switch (br_value_kind(self)) {
    case BR_V_SECRET:
        return true;
    case BR_V_LIST:
        for (size_t i = 0; i < br_value_list_size(self); i++) {
            if (br_value_has_secret(br_value_list_at(self, i))) {
                return true;
            }
        }
        return false;
    case BR_V_MAP:
        for (size_t i = 0; i < br_value_map_size(self); i++) {
            if (br_value_has_secret(br_value_map_at(self, i))) {
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

bool
br_value_equal(const br_value_t *a, const br_value_t *b)
{
    if (!a || !b) {
        return a == b;
    }
    br_vkind_t ka = br_value_kind(a), kb = br_value_kind(b);
    if ((ka == BR_V_INT || ka == BR_V_FLOAT) && (kb == BR_V_INT || kb == BR_V_FLOAT) && ka != kb) {
        return br_value_as_float(a) == br_value_as_float(b);
    }
    if (ka != kb) {
        return false;
    }
    switch (ka) {
    case BR_V_NULL:
        return true;
    case BR_V_BOOL:
        return br_value_as_bool(a) == br_value_as_bool(b);
    case BR_V_INT:
        return br_value_as_int(a) == br_value_as_int(b);
    case BR_V_FLOAT:
        return br_value_as_float(a) == br_value_as_float(b);
    case BR_V_STR:
        return br_value_str_len(a) == br_value_str_len(b) &&
               memcmp(br_value_as_str(a), br_value_as_str(b), br_value_str_len(a)) == 0;
    case BR_V_LIST:
        if (br_value_list_size(a) != br_value_list_size(b)) {
            return false;
        }
        for (size_t i = 0; i < br_value_list_size(a); i++) {
            if (!br_value_equal(br_value_list_at(a, i), br_value_list_at(b, i))) {
                return false;
            }
        }
        return true;
    case BR_V_MAP:
        if (br_value_map_size(a) != br_value_map_size(b)) {
            return false;
        }
        for (size_t i = 0; i < br_value_map_size(a); i++) {
            if (!br_value_equal(br_value_map_at(a, i),
                                br_value_map_get(b, br_value_map_key(a, i)))) {
                return false;
            }
        }
        return true;
    case BR_V_SECRET:
        return false;
    }
    return false;
}

static void
s_json_string(const char *s, size_t len, zchunk_t *out)
{
    zchunk_extend(out, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            zchunk_extend(out, esc, 2);
        } else if (c == '\n') {
            zchunk_extend(out, "\\n", 2);
        } else if (c == '\t') {
            zchunk_extend(out, "\\t", 2);
        } else if (c == '\r') {
            zchunk_extend(out, "\\r", 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            zchunk_extend(out, esc, 6);
        } else {
            zchunk_extend(out, &s[i], 1);
        }
    }
    zchunk_extend(out, "\"", 1);
}

void
br_value_to_json(const br_value_t *self, zchunk_t *out)
{
    char num[64];
    double d = 0;
    switch (br_value_kind(self)) {
    case BR_V_NULL:
        zchunk_extend(out, "null", 4);
        break;
    case BR_V_BOOL:
        zchunk_extend(out, br_value_as_bool(self) ? "true" : "false",
                      br_value_as_bool(self) ? 4 : 5);
        break;
    case BR_V_INT:
        snprintf(num, sizeof num, "%lld", (long long)br_value_as_int(self));
        zchunk_extend(out, num, strlen(num));
        break;
    case BR_V_FLOAT:
        d = br_value_as_float(self);
        if (isfinite(d)) {
            //  The shortest form that reads back the same (0.421, not
            //  0.42099999999999999), as Python prints floats
            for (int digits = 1; digits <= 17; digits++) {
                snprintf(num, sizeof num, "%.*g", digits, d);
                if (strtod(num, NULL) == d) {
                    break;
                }
            }
        } else {
            snprintf(num, sizeof num, "null");
        }
        zchunk_extend(out, num, strlen(num));
        break;
    case BR_V_STR:
        s_json_string(br_value_as_str(self), br_value_str_len(self), out);
        break;
    case BR_V_SECRET:
        s_json_string("<secret>", 8, out);
        break;
    case BR_V_LIST:
        zchunk_extend(out, "[", 1);
        for (size_t i = 0; i < br_value_list_size(self); i++) {
            if (i) {
                zchunk_extend(out, ", ", 2);
            }
            br_value_to_json(br_value_list_at(self, i), out);
        }
        zchunk_extend(out, "]", 1);
        break;
    case BR_V_MAP:
        zchunk_extend(out, "{", 1);
        for (size_t i = 0; i < br_value_map_size(self); i++) {
            const char *key = br_value_map_key(self, i);
            if (i) {
                zchunk_extend(out, ", ", 2);
            }
            s_json_string(key, strlen(key), out);
            zchunk_extend(out, ": ", 2);
            br_value_to_json(br_value_map_at(self, i), out);
        }
        zchunk_extend(out, "}", 1);
        break;
    }
}
