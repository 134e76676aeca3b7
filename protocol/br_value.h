/*  br_value: the data model of state files, pillar and configuration
    files: null, booleans, integers, floats, strings, lists, ordered maps,
    and secrets.

    Maps keep insertion order (Salt runs states in file order) and index their
    keys for constant-time lookup (10,000 states in one file must not cost a
    quadratic scan). Every value may carry the line it came from, so that any
    later error can name it. A secret value holds a br_secret_t: it is never
    converted to text and never printed. */
#ifndef BR_VALUE_H
#define BR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>

#include "br_error.h"
#include "br_secret.h"
#include "br_value_pool.h"

typedef enum {
    BR_V_NULL = 0,
    BR_V_BOOL,
    BR_V_INT,
    BR_V_FLOAT,
    BR_V_STR,
    BR_V_LIST,
    BR_V_MAP,
    BR_V_SECRET,
} br_vkind_t;

typedef struct _br_value_t br_value_t;

br_value_t *br_value_null(void);
br_value_t *br_value_bool(bool b);
br_value_t *br_value_int(int64_t i);
br_value_t *br_value_float(double d);
br_value_t *br_value_str(const char *s);
br_value_t *br_value_str_n(const char *s, size_t len);
br_value_t *br_value_list(void);
br_value_t *br_value_map(void);
//  Takes ownership of *secret_p and sets it to NULL.
br_value_t *br_value_secret(br_secret_t **secret_p);

//  The same made in pool (NULL: on the heap, as above): for a parser that
//  makes every value of a document at once (br_yaml). The value, and what
//  is later added to it (keys, room for items), are in the pool; it is
//  destroyed as any other value (br_value_pool.h says when memory goes).
br_value_t *br_value_null_in(br_value_pool_t *pool);
br_value_t *br_value_bool_in(br_value_pool_t *pool, bool b);
br_value_t *br_value_int_in(br_value_pool_t *pool, int64_t i);
br_value_t *br_value_float_in(br_value_pool_t *pool, double d);
br_value_t *br_value_str_in(br_value_pool_t *pool, const char *s, size_t len);
br_value_t *br_value_list_in(br_value_pool_t *pool);
br_value_t *br_value_map_in(br_value_pool_t *pool);

//  Destroys the value and everything under it (secrets are wiped).
void br_value_destroy(br_value_t **self_p);
//  Wipes the bytes of every string value under self (not map keys), for a
//  tree that held secrets in clear (a pillar file) before it is destroyed.
//  A pooled value's pool is then wiped whole when it goes, keys included.
void br_value_wipe(br_value_t *self);
//  Deep copy; secrets are copied into new locked memory.
br_value_t *br_value_dup(const br_value_t *self);

br_vkind_t br_value_kind(const br_value_t *self);
//  "null", "boolean", "integer", "float", "string", "list", "map", "secret"
const char *br_value_kind_name(br_vkind_t kind);

bool br_value_as_bool(const br_value_t *self);
int64_t br_value_as_int(const br_value_t *self);
double br_value_as_float(const br_value_t *self);
//  The string of a BR_V_STR, else NULL.
const char *br_value_as_str(const br_value_t *self);
size_t br_value_str_len(const br_value_t *self);
//  The secret of a BR_V_SECRET, else NULL.
const br_secret_t *br_value_as_secret(const br_value_t *self);

//  Source line (1-based), 0 if unknown.
int br_value_line(const br_value_t *self);
void br_value_set_line(br_value_t *self, int line);

//  True for a string written as a quoted or block scalar ('a', "a", |, >)
//  rather than a plain one: a reader with rules of its own (br_config) may
//  refuse "4605" where it takes 4605. Copied by br_value_dup.
bool br_value_quoted(const br_value_t *self);
void br_value_set_quoted(br_value_t *self, bool quoted);

//  Lists
size_t br_value_list_size(const br_value_t *self);
br_value_t *br_value_list_at(const br_value_t *self, size_t index);
//  Takes ownership of *item_p. 0 or BR_ERR_NOMEM.
int br_value_list_append(br_value_t *self, br_value_t **item_p);

//  Maps
size_t br_value_map_size(const br_value_t *self);
const char *br_value_map_key(const br_value_t *self, size_t index);
br_value_t *br_value_map_at(const br_value_t *self, size_t index);
//  Line (1-based) of the key at index, 0 if unknown. The line of a key can
//  differ from the line of its value (a block under it starts below), and
//  messages about a state ID or an option name should point at the key.
int br_value_map_key_line(const br_value_t *self, size_t index);
void br_value_map_set_key_line(br_value_t *self, size_t index, int line);
//  The value under key, or NULL.
br_value_t *br_value_map_get(const br_value_t *self, const char *key);
//  Sets key (takes ownership of *item_p); an existing key keeps its place.
int br_value_map_set(br_value_t *self, const char *key, br_value_t **item_p);
//  Moves the value at index out of the map, leaving an empty slot there
//  (br_value_map_at then gives NULL). For loaders that hand parsed values
//  on instead of copying them; the map is only destroyed afterwards.
br_value_t *br_value_map_take(br_value_t *self, size_t index);
//  For readers that check a key before they read its value (br_yaml):
//  appends key[0..len) (no NUL among those bytes; none needed after them)
//  with its line and an empty slot (br_value_map_at gives NULL) at
//  *index_p, for br_value_map_put. A key already there is BR_ERR_EXISTS,
//  with its position in *index_p; else 0 or BR_ERR_NOMEM.
int br_value_map_append(br_value_t *self, const char *key, size_t len, int line, size_t *index_p);
//  Fills the empty slot at index (br_value_map_append, br_value_map_take),
//  taking ownership of *item_p. 0, or BR_ERR_INVALID if it is not empty.
int br_value_map_put(br_value_t *self, size_t index, br_value_t **item_p);
//  Removes key; 0 or BR_ERR_NOTFOUND.
int br_value_map_remove(br_value_t *self, const char *key);

//  Walks a colon-separated path ("a:b:c") through nested maps; NULL if any
//  step is missing or not a map. (Salt's pillar.get syntax.)
br_value_t *br_value_path(const br_value_t *self, const char *path);

//  Merges src into dst as Salt merges pillar: maps merge recursively, any
//  other value from src replaces the one in dst. src is not modified.
int br_value_merge(br_value_t *dst, const br_value_t *src);

//  True if the value is or contains a secret.
bool br_value_has_secret(const br_value_t *self);

//  Equality of two non-secret values (a secret never equals anything).
bool br_value_equal(const br_value_t *a, const br_value_t *b);

//  Appends the value as JSON to out (secrets as the string "<secret>").
void br_value_to_json(const br_value_t *self, zchunk_t *out);

#endif
