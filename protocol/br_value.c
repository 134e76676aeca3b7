/*  br_value: trees of state-file, pillar and configuration data. */
#include "br_value.h"

#include <math.h>
#include <stdio.h>

struct _br_value_t {
    br_vkind_t kind;
    int line;    //  source line, 0 if unknown
    bool quoted; //  written as a quoted or block scalar
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *data; //  NUL-terminated
            size_t len;
        } s;
        struct {
            br_value_t **items;
            size_t size, cap;
        } list;
        struct {
            char **keys;        //  insertion order
            br_value_t **items; //  parallel to keys
            int *key_lines;     //  parallel to keys: line of each key, 0 if unknown
            size_t size, cap;
            zhashx_t *index; //  key -> position + 1, built past a few keys
        } map;
        br_secret_t *secret;
    } u;
};

//  Small maps are scanned; an index pays off only past this size
#define BR_MAP_INDEX_AT 8

static br_value_t *
s_new(br_vkind_t kind)
{
    br_value_t *self = calloc(1, sizeof *self);
    if (self) {
        self->kind = kind;
    }
    return self;
}

br_value_t *
br_value_null(void)
{
    return s_new(BR_V_NULL);
}

br_value_t *
br_value_bool(bool b)
{
    br_value_t *self = s_new(BR_V_BOOL);
    if (self) {
        self->u.b = b;
    }
    return self;
}

br_value_t *
br_value_int(int64_t i)
{
    br_value_t *self = s_new(BR_V_INT);
    if (self) {
        self->u.i = i;
    }
    return self;
}

br_value_t *
br_value_float(double d)
{
    br_value_t *self = s_new(BR_V_FLOAT);
    if (self) {
        self->u.d = d;
    }
    return self;
}

br_value_t *
br_value_str_n(const char *s, size_t len)
{
    br_value_t *self = s_new(BR_V_STR);
    if (!self) {
        return NULL;
    }
    self->u.s.data = malloc(len + 1);
    if (!self->u.s.data) {
        free(self);
        return NULL;
    }
    if (len) {
        memcpy(self->u.s.data, s, len);
    }
    self->u.s.data[len] = 0;
    self->u.s.len = len;
    return self;
}

br_value_t *
br_value_str(const char *s)
{
    return br_value_str_n(s, strlen(s));
}

br_value_t *
br_value_list(void)
{
    return s_new(BR_V_LIST);
}

br_value_t *
br_value_map(void)
{
    return s_new(BR_V_MAP);
}

br_value_t *
br_value_secret(br_secret_t **secret_p)
{
    br_value_t *self = s_new(BR_V_SECRET);
    if (self) {
        self->u.secret = *secret_p;
        *secret_p = NULL;
    }
    return self;
}

void
br_value_destroy(br_value_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_value_t *self = *self_p;
    switch (self->kind) {
    case BR_V_STR:
        free(self->u.s.data);
        break;
    case BR_V_LIST:
        for (size_t i = 0; i < self->u.list.size; i++) {
            br_value_destroy(&self->u.list.items[i]);
        }
        free(self->u.list.items);
        break;
    case BR_V_MAP:
        for (size_t i = 0; i < self->u.map.size; i++) {
            free(self->u.map.keys[i]);
            br_value_destroy(&self->u.map.items[i]);
        }
        free(self->u.map.keys);
        free(self->u.map.items);
        free(self->u.map.key_lines);
        zhashx_destroy(&self->u.map.index);
        break;
    case BR_V_SECRET:
        br_secret_destroy(&self->u.secret);
        break;
    default:
        break;
    }
    free(self);
    *self_p = NULL;
}

void
br_value_wipe(br_value_t *self)
{
    switch (self ? self->kind : BR_V_NULL) {
    case BR_V_STR:
        br_wipe(self->u.s.data, self->u.s.len);
        break;
    case BR_V_LIST:
        for (size_t i = 0; i < self->u.list.size; i++) {
            br_value_wipe(self->u.list.items[i]);
        }
        break;
    case BR_V_MAP:
        for (size_t i = 0; i < self->u.map.size; i++) {
            br_value_wipe(self->u.map.items[i]);
        }
        break;
    default:
        break;
    }
}

br_value_t *
br_value_dup(const br_value_t *self)
{
    if (!self) {
        return NULL;
    }
    br_value_t *copy = NULL;
    switch (self->kind) {
    case BR_V_NULL:
        copy = br_value_null();
        break;
    case BR_V_BOOL:
        copy = br_value_bool(self->u.b);
        break;
    case BR_V_INT:
        copy = br_value_int(self->u.i);
        break;
    case BR_V_FLOAT:
        copy = br_value_float(self->u.d);
        break;
    case BR_V_STR:
        copy = br_value_str_n(self->u.s.data, self->u.s.len);
        break;
    case BR_V_SECRET: {
        br_secret_t *secret =
            br_secret_from_bytes(br_secret_cdata(self->u.secret), br_secret_size(self->u.secret));
        copy = secret ? br_value_secret(&secret) : NULL;
        br_secret_destroy(&secret);
        break;
    }
    case BR_V_LIST:
        copy = br_value_list();
        for (size_t i = 0; copy && i < self->u.list.size; i++) {
            br_value_t *item = br_value_dup(self->u.list.items[i]);
            if (!item || br_value_list_append(copy, &item) != 0) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            }
        }
        break;
    case BR_V_MAP:
        copy = br_value_map();
        for (size_t i = 0; copy && i < self->u.map.size; i++) {
            br_value_t *item = br_value_dup(self->u.map.items[i]);
            if (!item || br_value_map_set(copy, self->u.map.keys[i], &item) != 0) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            } else {
                copy->u.map.key_lines[i] = self->u.map.key_lines[i];
            }
        }
        break;
    }
    if (copy) {
        copy->line = self->line;
        copy->quoted = self->quoted;
    }
    return copy;
}

br_vkind_t
br_value_kind(const br_value_t *self)
{
    return self ? self->kind : BR_V_NULL;
}

const char *
br_value_kind_name(br_vkind_t kind)
{
    static const char *names[] = {"null",   "boolean", "integer", "float",
                                  "string", "list",    "map",     "secret"};
    return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

bool
br_value_as_bool(const br_value_t *self)
{
    return self && self->kind == BR_V_BOOL && self->u.b;
}

int64_t
br_value_as_int(const br_value_t *self)
{
    return self && self->kind == BR_V_INT ? self->u.i : 0;
}

double
br_value_as_float(const br_value_t *self)
{
    if (self && self->kind == BR_V_FLOAT) {
        return self->u.d;
    }
    return self && self->kind == BR_V_INT ? (double)self->u.i : 0.0;
}

const char *
br_value_as_str(const br_value_t *self)
{
    return self && self->kind == BR_V_STR ? self->u.s.data : NULL;
}

size_t
br_value_str_len(const br_value_t *self)
{
    return self && self->kind == BR_V_STR ? self->u.s.len : 0;
}

const br_secret_t *
br_value_as_secret(const br_value_t *self)
{
    return self && self->kind == BR_V_SECRET ? self->u.secret : NULL;
}

int
br_value_line(const br_value_t *self)
{
    return self ? self->line : 0;
}

void
br_value_set_line(br_value_t *self, int line)
{
    if (self) {
        self->line = line;
    }
}

bool
br_value_quoted(const br_value_t *self)
{
    return self ? self->quoted : false;
}

void
br_value_set_quoted(br_value_t *self, bool quoted)
{
    if (self) {
        self->quoted = quoted;
    }
}

size_t
br_value_list_size(const br_value_t *self)
{
    return self && self->kind == BR_V_LIST ? self->u.list.size : 0;
}

br_value_t *
br_value_list_at(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_LIST && index < self->u.list.size ? self->u.list.items[index]
                                                                        : NULL;
}

int
br_value_list_append(br_value_t *self, br_value_t **item_p)
{
    if (!self || self->kind != BR_V_LIST || !*item_p) {
        return BR_ERR_INVALID;
    }
    if (self->u.list.size == self->u.list.cap) {
        size_t cap = self->u.list.cap ? self->u.list.cap * 2 : 4;
        br_value_t **items = realloc(self->u.list.items, cap * sizeof *items);
        if (!items) {
            return BR_ERR_NOMEM;
        }
        self->u.list.items = items;
        self->u.list.cap = cap;
    }
    self->u.list.items[self->u.list.size++] = *item_p;
    *item_p = NULL;
    return BR_OK;
}

size_t
br_value_map_size(const br_value_t *self)
{
    return self && self->kind == BR_V_MAP ? self->u.map.size : 0;
}

const char *
br_value_map_key(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_MAP && index < self->u.map.size ? self->u.map.keys[index]
                                                                      : NULL;
}

br_value_t *
br_value_map_at(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_MAP && index < self->u.map.size ? self->u.map.items[index]
                                                                      : NULL;
}

int
br_value_map_key_line(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_MAP && index < self->u.map.size ? self->u.map.key_lines[index]
                                                                      : 0;
}

void
br_value_map_set_key_line(br_value_t *self, size_t index, int line)
{
    if (self && self->kind == BR_V_MAP && index < self->u.map.size) {
        self->u.map.key_lines[index] = line;
    }
}

//  Position of key plus one, or 0.
static size_t
s_map_find(const br_value_t *self, const char *key)
{
    if (self->u.map.index) {
        return (size_t)(uintptr_t)zhashx_lookup(self->u.map.index, key);
    }
    for (size_t i = 0; i < self->u.map.size; i++) {
        if (strcmp(self->u.map.keys[i], key) == 0) {
            return i + 1;
        }
    }
    return 0;
}

br_value_t *
br_value_map_get(const br_value_t *self, const char *key)
{
    if (!self || self->kind != BR_V_MAP || !key) {
        return NULL;
    }
    size_t at = s_map_find(self, key);
    return at ? self->u.map.items[at - 1] : NULL;
}

static int
s_map_reindex(br_value_t *self)
{
    zhashx_destroy(&self->u.map.index);
    if (self->u.map.size < BR_MAP_INDEX_AT) {
        return BR_OK;
    }
    self->u.map.index = zhashx_new();
    if (!self->u.map.index) {
        return BR_ERR_NOMEM;
    }
    for (size_t i = 0; i < self->u.map.size; i++) {
        zhashx_insert(self->u.map.index, self->u.map.keys[i], (void *)(uintptr_t)(i + 1));
    }
    return BR_OK;
}

int
br_value_map_set(br_value_t *self, const char *key, br_value_t **item_p)
{
    if (!self || self->kind != BR_V_MAP || !key || !*item_p) {
        return BR_ERR_INVALID;
    }
    size_t at = s_map_find(self, key);
    if (at) {
        br_value_destroy(&self->u.map.items[at - 1]);
        self->u.map.items[at - 1] = *item_p;
        *item_p = NULL;
        return BR_OK;
    }
    if (self->u.map.size == self->u.map.cap) {
        size_t cap = self->u.map.cap ? self->u.map.cap * 2 : 4;
        char **keys = realloc(self->u.map.keys, cap * sizeof *keys);
        if (!keys) {
            return BR_ERR_NOMEM;
        }
        self->u.map.keys = keys;
        br_value_t **items = realloc(self->u.map.items, cap * sizeof *items);
        if (!items) {
            return BR_ERR_NOMEM;
        }
        self->u.map.items = items;
        int *key_lines = realloc(self->u.map.key_lines, cap * sizeof *key_lines);
        if (!key_lines) {
            return BR_ERR_NOMEM;
        }
        self->u.map.key_lines = key_lines;
        self->u.map.cap = cap;
    }
    char *copy = strdup(key);
    if (!copy) {
        return BR_ERR_NOMEM;
    }
    size_t index = self->u.map.size++;
    self->u.map.keys[index] = copy;
    self->u.map.items[index] = *item_p;
    self->u.map.key_lines[index] = 0;
    *item_p = NULL;
    if (self->u.map.index) {
        zhashx_insert(self->u.map.index, copy, (void *)(uintptr_t)(index + 1));
    } else if (self->u.map.size >= BR_MAP_INDEX_AT) {
        return s_map_reindex(self);
    }
    return BR_OK;
}

br_value_t *
br_value_map_take(br_value_t *self, size_t index)
{
    if (!self || self->kind != BR_V_MAP || index >= self->u.map.size) {
        return NULL;
    }
    br_value_t *taken = self->u.map.items[index];
    self->u.map.items[index] = NULL;
    return taken;
}

int
br_value_map_remove(br_value_t *self, const char *key)
{
    if (!self || self->kind != BR_V_MAP) {
        return BR_ERR_INVALID;
    }
    size_t at = s_map_find(self, key);
    if (!at) {
        return BR_ERR_NOTFOUND;
    }
    free(self->u.map.keys[at - 1]);
    br_value_destroy(&self->u.map.items[at - 1]);
    memmove(self->u.map.keys + at - 1, self->u.map.keys + at,
            (self->u.map.size - at) * sizeof *self->u.map.keys);
    memmove(self->u.map.items + at - 1, self->u.map.items + at,
            (self->u.map.size - at) * sizeof *self->u.map.items);
    memmove(self->u.map.key_lines + at - 1, self->u.map.key_lines + at,
            (self->u.map.size - at) * sizeof *self->u.map.key_lines);
    self->u.map.size--;
    return s_map_reindex(self);
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
        if (len >= sizeof key || at->kind != BR_V_MAP) {
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
    if (!dst || !src || dst->kind != BR_V_MAP || src->kind != BR_V_MAP) {
        return BR_ERR_INVALID;
    }
    for (size_t i = 0; i < src->u.map.size; i++) {
        const char *key = src->u.map.keys[i];
        const br_value_t *from = src->u.map.items[i];
        br_value_t *into = br_value_map_get(dst, key);
        if (into && into->kind == BR_V_MAP && from->kind == BR_V_MAP) {
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
            br_value_map_set_key_line(dst, dst->u.map.size - 1, src->u.map.key_lines[i]);
        }
    }
    return BR_OK;
}

bool
br_value_has_secret(const br_value_t *self)
{
    if (!self) {
        return false;
    }
    if (self->kind == BR_V_SECRET) {
        return true;
    }
    if (self->kind == BR_V_LIST) {
        for (size_t i = 0; i < self->u.list.size; i++) {
            if (br_value_has_secret(self->u.list.items[i])) {
                return true;
            }
        }
    }
    if (self->kind == BR_V_MAP) {
        for (size_t i = 0; i < self->u.map.size; i++) {
            if (br_value_has_secret(self->u.map.items[i])) {
                return true;
            }
        }
    }
    return false;
}

bool
br_value_equal(const br_value_t *a, const br_value_t *b)
{
    if (!a || !b) {
        return a == b;
    }
    if ((a->kind == BR_V_INT || a->kind == BR_V_FLOAT) &&
        (b->kind == BR_V_INT || b->kind == BR_V_FLOAT) && a->kind != b->kind) {
        return br_value_as_float(a) == br_value_as_float(b);
    }
    if (a->kind != b->kind) {
        return false;
    }
    switch (a->kind) {
    case BR_V_NULL:
        return true;
    case BR_V_BOOL:
        return a->u.b == b->u.b;
    case BR_V_INT:
        return a->u.i == b->u.i;
    case BR_V_FLOAT:
        return a->u.d == b->u.d;
    case BR_V_STR:
        return a->u.s.len == b->u.s.len && memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0;
    case BR_V_LIST:
        if (a->u.list.size != b->u.list.size) {
            return false;
        }
        for (size_t i = 0; i < a->u.list.size; i++) {
            if (!br_value_equal(a->u.list.items[i], b->u.list.items[i])) {
                return false;
            }
        }
        return true;
    case BR_V_MAP:
        if (a->u.map.size != b->u.map.size) {
            return false;
        }
        for (size_t i = 0; i < a->u.map.size; i++) {
            if (!br_value_equal(a->u.map.items[i], br_value_map_get(b, a->u.map.keys[i]))) {
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
    switch (br_value_kind(self)) {
    case BR_V_NULL:
        zchunk_extend(out, "null", 4);
        break;
    case BR_V_BOOL:
        zchunk_extend(out, self->u.b ? "true" : "false", self->u.b ? 4 : 5);
        break;
    case BR_V_INT:
        snprintf(num, sizeof num, "%lld", (long long)self->u.i);
        zchunk_extend(out, num, strlen(num));
        break;
    case BR_V_FLOAT:
        if (isfinite(self->u.d)) {
            //  The shortest form that reads back the same (0.421, not
            //  0.42099999999999999), as Python prints floats
            for (int digits = 1; digits <= 17; digits++) {
                snprintf(num, sizeof num, "%.*g", digits, self->u.d);
                if (strtod(num, NULL) == self->u.d) {
                    break;
                }
            }
        } else {
            snprintf(num, sizeof num, "null");
        }
        zchunk_extend(out, num, strlen(num));
        break;
    case BR_V_STR:
        s_json_string(self->u.s.data, self->u.s.len, out);
        break;
    case BR_V_SECRET:
        s_json_string("<secret>", 8, out);
        break;
    case BR_V_LIST:
        zchunk_extend(out, "[", 1);
        for (size_t i = 0; i < self->u.list.size; i++) {
            if (i) {
                zchunk_extend(out, ", ", 2);
            }
            br_value_to_json(self->u.list.items[i], out);
        }
        zchunk_extend(out, "]", 1);
        break;
    case BR_V_MAP:
        zchunk_extend(out, "{", 1);
        for (size_t i = 0; i < self->u.map.size; i++) {
            if (i) {
                zchunk_extend(out, ", ", 2);
            }
            s_json_string(self->u.map.keys[i], strlen(self->u.map.keys[i]), out);
            zchunk_extend(out, ": ", 2);
            br_value_to_json(self->u.map.items[i], out);
        }
        zchunk_extend(out, "}", 1);
        break;
    }
}
