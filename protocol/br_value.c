/*  br_value: trees of state-file, pillar and configuration data.

    A value made alone (br_value_str, br_value_map...) lives on the heap
    with its text, keys and arrays. A value made in a pool (br_value_*_in,
    what br_yaml does for every value of a document) takes its node, text,
    keys and small arrays from the pool's blocks: br_value_pool.h says when
    those go. Either kind may hold the other; each value knows where its
    own memory is. A string's text follows its node in one allocation.

    A map keeps its entries (key, value, line of the key, hash of the key)
    in insertion order in one array, and past a few keys an open-addressing
    index of positions, so a 10,000-key map costs no extra allocation per
    key and no copy of any key. Operations on whole trees (copies, merges,
    equality, JSON) are in br_value_ops.c. */
#include "br_value.h"

//  One key of a map.
typedef struct {
    char *key;        //  NUL-terminated; in the map's pool, or on the heap
    br_value_t *item; //  NULL in a slot emptied by br_value_map_take
    int line;         //  line of the key, 0 if unknown
    uint32_t hash;    //  of key (s_hash)
} s_entry_t;

//  One slot of a map's index: a key's hash beside its position, so that a
//  probe past other keys reads the index alone.
typedef struct {
    uint32_t hash;
    uint32_t at; //  position + 1; 0 for an empty slot
} s_slot_t;

struct _br_value_t {
    uint8_t kind;          //  br_vkind_t
    bool quoted;           //  written as a quoted or block scalar
    bool heap_array;       //  a pooled list's or map's array outgrew the pool
    int line;              //  source line, 0 if unknown
    br_value_pool_t *pool; //  holds this value's memory, or NULL: the heap
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *data; //  NUL-terminated, right after the node
            size_t len;
        } s;
        struct {
            br_value_t **items;
            size_t size, cap;
        } list;
        struct {
            s_entry_t *entries; //  in insertion order
            size_t size, cap;
            s_slot_t *index;  //  on the heap, NULL for a small map
            size_t index_cap; //  slots, a power of two, at least twice size
        } map;
        br_secret_t *secret;
    } u;
};

//  Small maps are scanned; an index pays off only past this size
#define BR_MAP_INDEX_AT 8
//  A pooled array larger than this moves to the heap, where growing it
//  does not leave the old copies behind
#define BR_POOL_ARRAY_MAX 512

//  A hash of key, eight bytes per multiply: a byte-wise hash is one
//  multiply per byte, each waiting for the last, and keys such as
//  "test.succeed_without_changes" are common.
static uint32_t
s_hash(const char *key, size_t len)
{
    size_t i = 0;
    uint64_t hash = 0x9e3779b97f4a7c15u ^ len, word;
    for (; i + 8 <= len; i += 8) {
        memcpy(&word, key + i, 8);
        hash = (hash ^ word) * 0xff51afd7ed558ccdu;
        hash ^= hash >> 32;
    }
    for (word = 0; i < len; i++) {
        word = word << 8 | (unsigned char)key[i];
    }
    hash = (hash ^ word) * 0xc4ceb9fe1a85ec53u;
    hash ^= hash >> 29;
    return (uint32_t)hash;
}

//  A node (and extra bytes after it) in pool, or on the heap.
static br_value_t *
s_new(br_value_pool_t *pool, br_vkind_t kind, size_t extra)
{
    br_value_t *self = NULL;
    if (pool) {
        self = br_value_pool_alloc(pool, sizeof *self + extra);
        if (self) {
            memset(self, 0, sizeof *self);
            self->pool = pool;
            br_value_pool_hold(pool);
        }
    } else {
        self = malloc(sizeof *self + extra);
        if (self) {
            memset(self, 0, sizeof *self);
        }
    }
    if (self) {
        self->kind = (uint8_t)kind;
    }
    return self;
}

br_value_t *
br_value_null_in(br_value_pool_t *pool)
{
    return s_new(pool, BR_V_NULL, 0);
}

br_value_t *
br_value_bool_in(br_value_pool_t *pool, bool b)
{
    br_value_t *self = s_new(pool, BR_V_BOOL, 0);
    if (self) {
        self->u.b = b;
    }
    return self;
}

br_value_t *
br_value_int_in(br_value_pool_t *pool, int64_t i)
{
    br_value_t *self = s_new(pool, BR_V_INT, 0);
    if (self) {
        self->u.i = i;
    }
    return self;
}

br_value_t *
br_value_float_in(br_value_pool_t *pool, double d)
{
    br_value_t *self = s_new(pool, BR_V_FLOAT, 0);
    if (self) {
        self->u.d = d;
    }
    return self;
}

br_value_t *
br_value_str_in(br_value_pool_t *pool, const char *s, size_t len)
{
    if (len > SIZE_MAX - sizeof(br_value_t) - 1) {
        return NULL;
    }
    br_value_t *self = s_new(pool, BR_V_STR, len + 1);
    if (self) {
        self->u.s.data = (char *)(self + 1);
        if (len) {
            memcpy(self->u.s.data, s, len);
        }
        self->u.s.data[len] = 0;
        self->u.s.len = len;
    }
    return self;
}

br_value_t *
br_value_list_in(br_value_pool_t *pool)
{
    return s_new(pool, BR_V_LIST, 0);
}

br_value_t *
br_value_map_in(br_value_pool_t *pool)
{
    return s_new(pool, BR_V_MAP, 0);
}

br_value_t *
br_value_null(void)
{
    return br_value_null_in(NULL);
}

br_value_t *
br_value_bool(bool b)
{
    return br_value_bool_in(NULL, b);
}

br_value_t *
br_value_int(int64_t i)
{
    return br_value_int_in(NULL, i);
}

br_value_t *
br_value_float(double d)
{
    return br_value_float_in(NULL, d);
}

br_value_t *
br_value_str_n(const char *s, size_t len)
{
    return br_value_str_in(NULL, s, len);
}

br_value_t *
br_value_str(const char *s)
{
    return br_value_str_in(NULL, s, strlen(s));
}

br_value_t *
br_value_list(void)
{
    return br_value_list_in(NULL);
}

br_value_t *
br_value_map(void)
{
    return br_value_map_in(NULL);
}

br_value_t *
br_value_secret(br_secret_t **secret_p)
{
    br_value_t *self = s_new(NULL, BR_V_SECRET, 0);
    if (self) {
        self->u.secret = *secret_p;
        *secret_p = NULL;
    }
    return self;
}

//  True if the array of self is on the heap (free it, realloc it).
static bool
s_array_on_heap(const br_value_t *self)
{
    return !self->pool || self->heap_array;
}

void
br_value_destroy(br_value_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_value_t *self = *self_p;
    //  The caller's pointer may itself be in a pool this call frees
    *self_p = NULL;
    switch (self->kind) {
    case BR_V_LIST:
        for (size_t i = 0; i < self->u.list.size; i++) {
            br_value_destroy(&self->u.list.items[i]);
        }
        if (s_array_on_heap(self)) {
            free(self->u.list.items);
        }
        break;
    case BR_V_MAP:
        for (size_t i = 0; i < self->u.map.size; i++) {
            if (!self->pool) {
                free(self->u.map.entries[i].key);
            }
            br_value_destroy(&self->u.map.entries[i].item);
        }
        if (s_array_on_heap(self)) {
            free(self->u.map.entries);
        }
        free(self->u.map.index);
        break;
    case BR_V_SECRET:
        br_secret_destroy(&self->u.secret);
        break;
    default:
        break;
    }
    if (self->pool) {
        br_value_pool_release(self->pool);
    } else {
        free(self);
    }
}

void
br_value_wipe(br_value_t *self)
{
    if (self && self->pool) {
        br_value_pool_set_wipe(self->pool);
    }
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
            br_value_wipe(self->u.map.entries[i].item);
        }
        break;
    default:
        break;
    }
}

br_vkind_t
br_value_kind(const br_value_t *self)
{
    return self ? (br_vkind_t)self->kind : BR_V_NULL;
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

//  Grows the array *array_p of self (list items or map entries, elem bytes
//  each, *cap_p of them, size in use) to hold at least one more. A pooled
//  value's array grows in its pool until it is large, then on the heap.
static int
s_grow(br_value_t *self, void **array_p, size_t *cap_p, size_t size, size_t elem)
{
    size_t cap = *cap_p ? *cap_p * 2 : (self->pool ? 1 : 4);
    if (cap > SIZE_MAX / elem) {
        return BR_ERR_NOMEM;
    }
    void *array = NULL;
    if (s_array_on_heap(self)) {
        array = realloc(*array_p, cap * elem);
    } else {
        bool to_heap = cap * elem > BR_POOL_ARRAY_MAX;
        array = to_heap ? malloc(cap * elem) : br_value_pool_alloc(self->pool, cap * elem);
        if (array && size) {
            memcpy(array, *array_p, size * elem);
        }
        self->heap_array = array && to_heap;
    }
    if (!array) {
        return BR_ERR_NOMEM;
    }
    *array_p = array;
    *cap_p = cap;
    return BR_OK;
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
    if (self->u.list.size == self->u.list.cap &&
        s_grow(self, (void **)&self->u.list.items, &self->u.list.cap, self->u.list.size,
               sizeof *self->u.list.items) != BR_OK) {
        return BR_ERR_NOMEM;
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
    return self && self->kind == BR_V_MAP && index < self->u.map.size
               ? self->u.map.entries[index].key
               : NULL;
}

br_value_t *
br_value_map_at(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_MAP && index < self->u.map.size
               ? self->u.map.entries[index].item
               : NULL;
}

int
br_value_map_key_line(const br_value_t *self, size_t index)
{
    return self && self->kind == BR_V_MAP && index < self->u.map.size
               ? self->u.map.entries[index].line
               : 0;
}

void
br_value_map_set_key_line(br_value_t *self, size_t index, int line)
{
    if (self && self->kind == BR_V_MAP && index < self->u.map.size) {
        self->u.map.entries[index].line = line;
    }
}

//  True if entry holds key[0..len).
static bool
s_same(const s_entry_t *entry, uint32_t hash, const char *key, size_t len)
{
    return entry->hash == hash && strncmp(entry->key, key, len) == 0 && entry->key[len] == 0;
}

//  Position of key[0..len) (of that hash) plus one, or 0.
static size_t
s_map_find(const br_value_t *self, const char *key, size_t len, uint32_t hash)
{
    const s_entry_t *entries = self->u.map.entries;
    if (self->u.map.index) {
        size_t mask = self->u.map.index_cap - 1;
        for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            const s_slot_t *at = &self->u.map.index[slot];
            if (at->at == 0) {
                return 0;
            }
            if (at->hash == hash && s_same(&entries[at->at - 1], hash, key, len)) {
                return at->at;
            }
        }
    }
    for (size_t i = 0; i < self->u.map.size; i++) {
        if (s_same(&entries[i], hash, key, len)) {
            return i + 1;
        }
    }
    return 0;
}

//  Puts position at (0-based) into the index, which has room.
static void
s_index_put(br_value_t *self, size_t at)
{
    size_t mask = self->u.map.index_cap - 1;
    uint32_t hash = self->u.map.entries[at].hash;
    size_t slot = hash & mask;
    while (self->u.map.index[slot].at) {
        slot = (slot + 1) & mask;
    }
    self->u.map.index[slot] = (s_slot_t){hash, (uint32_t)(at + 1)};
}

//  Rebuilds the index for the current keys (none for a small map), with
//  room for twice as many.
static int
s_map_reindex(br_value_t *self)
{
    free(self->u.map.index);
    self->u.map.index = NULL;
    self->u.map.index_cap = 0;
    size_t size = self->u.map.size;
    if (size < BR_MAP_INDEX_AT) {
        return BR_OK;
    }
    if (size >= UINT32_MAX / 4) {
        return BR_ERR_NOMEM;
    }
    size_t cap = 16;
    while (cap < size * 4) {
        cap *= 2;
    }
    self->u.map.index = calloc(cap, sizeof *self->u.map.index);
    if (!self->u.map.index) {
        return BR_ERR_NOMEM;
    }
    self->u.map.index_cap = cap;
    for (size_t i = 0; i < size; i++) {
        s_index_put(self, i);
    }
    return BR_OK;
}

br_value_t *
br_value_map_get(const br_value_t *self, const char *key)
{
    if (!self || self->kind != BR_V_MAP || !key) {
        return NULL;
    }
    size_t len = strlen(key);
    uint32_t hash = s_hash(key, len);
    size_t at = s_map_find(self, key, len, hash);
    return at ? self->u.map.entries[at - 1].item : NULL;
}

//  Appends key[0..len) (of that hash) with an empty slot; its position is
//  size - 1.
static int
s_map_add(br_value_t *self, const char *key, uint32_t hash, size_t len, int line)
{
    if (self->u.map.size == self->u.map.cap &&
        s_grow(self, (void **)&self->u.map.entries, &self->u.map.cap, self->u.map.size,
               sizeof *self->u.map.entries) != BR_OK) {
        return BR_ERR_NOMEM;
    }
    char *copy = self->pool ? br_value_pool_alloc(self->pool, len + 1) : malloc(len + 1);
    if (!copy) {
        return BR_ERR_NOMEM;
    }
    memcpy(copy, key, len);
    copy[len] = 0;
    size_t at = self->u.map.size++;
    self->u.map.entries[at] = (s_entry_t){copy, NULL, line, hash};
    //  Kept at most half full, so that a probe ends soon
    if (self->u.map.index && self->u.map.size * 2 <= self->u.map.index_cap) {
        s_index_put(self, at);
        return BR_OK;
    }
    if (self->u.map.size >= BR_MAP_INDEX_AT && s_map_reindex(self) != BR_OK) {
        //  Without its index the map would still answer, but slowly: undo
        self->u.map.size--;
        if (!self->pool) {
            free(copy);
        }
        s_map_reindex(self);
        return BR_ERR_NOMEM;
    }
    return BR_OK;
}

int
br_value_map_set(br_value_t *self, const char *key, br_value_t **item_p)
{
    if (!self || self->kind != BR_V_MAP || !key || !*item_p) {
        return BR_ERR_INVALID;
    }
    size_t len = strlen(key);
    uint32_t hash = s_hash(key, len);
    size_t at = s_map_find(self, key, len, hash);
    if (!at) {
        int rc = s_map_add(self, key, hash, len, 0);
        if (rc != BR_OK) {
            return rc;
        }
        at = self->u.map.size;
    }
    s_entry_t *entry = &self->u.map.entries[at - 1];
    br_value_destroy(&entry->item);
    entry->item = *item_p;
    *item_p = NULL;
    return BR_OK;
}

int
br_value_map_append(br_value_t *self, const char *key, size_t len, int line, size_t *index_p)
{
    if (!self || self->kind != BR_V_MAP || !key) {
        return BR_ERR_INVALID;
    }
    uint32_t hash = s_hash(key, len);
    size_t at = s_map_find(self, key, len, hash);
    if (at) {
        *index_p = at - 1;
        return BR_ERR_EXISTS;
    }
    int rc = s_map_add(self, key, hash, len, line);
    if (rc == BR_OK) {
        *index_p = self->u.map.size - 1;
    }
    return rc;
}

int
br_value_map_put(br_value_t *self, size_t index, br_value_t **item_p)
{
    if (!self || self->kind != BR_V_MAP || index >= self->u.map.size || !*item_p ||
        self->u.map.entries[index].item) {
        return BR_ERR_INVALID;
    }
    self->u.map.entries[index].item = *item_p;
    *item_p = NULL;
    return BR_OK;
}

br_value_t *
br_value_map_take(br_value_t *self, size_t index)
{
    if (!self || self->kind != BR_V_MAP || index >= self->u.map.size) {
        return NULL;
    }
    br_value_t *taken = self->u.map.entries[index].item;
    self->u.map.entries[index].item = NULL;
    return taken;
}

int
br_value_map_remove(br_value_t *self, const char *key)
{
    if (!self || self->kind != BR_V_MAP || !key) {
        return BR_ERR_INVALID;
    }
    size_t len = strlen(key);
    uint32_t hash = s_hash(key, len);
    size_t at = s_map_find(self, key, len, hash);
    if (!at) {
        return BR_ERR_NOTFOUND;
    }
    s_entry_t *entry = &self->u.map.entries[at - 1];
    if (!self->pool) {
        free(entry->key);
    }
    br_value_destroy(&entry->item);
    memmove(entry, entry + 1, (self->u.map.size - at) * sizeof *entry);
    self->u.map.size--;
    return s_map_reindex(self);
}
