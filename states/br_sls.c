/*  br_sls: SLS files to high data, the list of state declarations.

    Each SLS file is loaded at most once: a name seen again (a second
    include, or an include cycle) is skipped, so cycles simply stop. An
    included file's states come before the including file's own, which
    keeps file order meaningful when one file builds on another.

    Only the shape of each declaration is checked here (Salt's forms, names
    of modules and functions, one function per module, argument items);
    whether a module, function or argument exists is the compiler's
    business, checked against the module schemas.

    The high data keeps its strings and argument maps in one pool
    (br_value_pool.h): a file's path and SLS name are copied once for all
    its states, module and function names once each, and argument values
    move from the parsed file without a copy. */
#include "br_sls_file.h"

#include <stdio.h>

struct _br_high_t {
    br_hstate_t *states; //  in definition order
    size_t size, cap;
    br_value_pool_t *pool; //  the states' strings and argument maps
    br_value_t *words;     //  module and function names (keys only), in pool
};

//  One br_high_load.
typedef struct {
    br_high_t *high;          //  being filled
    br_value_pool_t *scratch; //  for ids, dropped at the end of loading
    br_value_t *ids;          //  ID -> index + 1 of its first state in high
    //  The last "module.function" key and its words: most states of a file
    //  repeat the one before
    const char *last_key; //  in high's pool, or NULL
    const char *last_module, *last_fun;
    br_errmsg_t *err;
} s_loader_t;

//  Where the ID being read is, for messages.
typedef struct {
    const char *path; //  file
    const char *sls;  //  its SLS name
    const char *id;   //  the ID
    const char *echo; //  the ID, quotable in a message (br_sls_echo)
    int line;         //  line of the ID
} s_where_t;

size_t
br_high_size(const br_high_t *self)
{
    return self ? self->size : 0;
}

const br_hstate_t *
br_high_at(const br_high_t *self, size_t index)
{
    return self && index < self->size ? &self->states[index] : NULL;
}

void
br_high_destroy(br_high_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_high_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++) {
        br_value_destroy(&self->states[i].args);
    }
    br_value_destroy(&self->words);
    br_value_pool_destroy(&self->pool);
    free(self->states);
    free(self);
    *self_p = NULL;
}

static br_high_t *
s_high_new(void)
{
    br_high_t *self = calloc(1, sizeof *self);
    if (self) {
        self->pool = br_value_pool_new();
        self->words = self->pool ? br_value_map_in(self->pool) : NULL;
        if (!self->words) {
            br_high_destroy(&self);
        }
    }
    return self;
}

//  A copy of text[0..len) in the high data's pool, or NULL.
static const char *
s_copy(br_high_t *high, const char *text, size_t len)
{
    char *copy = br_value_pool_alloc(high->pool, len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = 0;
    }
    return copy;
}

//  The one copy of the module or function name text[0..len), or NULL.
static const char *
s_word(br_high_t *high, const char *text, size_t len)
{
    size_t at = 0;
    int rc = br_value_map_append(high->words, text, len, 0, &at);
    return rc == BR_OK || rc == BR_ERR_EXISTS ? br_value_map_key(high->words, at) : NULL;
}

//  Module and function names: [a-z0-9_]+, as every brine module is named.
static bool
s_word_valid(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

static int
s_check_words(s_loader_t *ld, const s_where_t *w, int line, const char *module, const char *fun)
{
    char echo[BR_SLS_ECHO_SIZE];
    const char *what = !s_word_valid(module)       ? "module"
                       : fun && !s_word_valid(fun) ? "function"
                                                   : NULL;
    if (!what) {
        return BR_OK;
    }
    return br_errmsg_set(ld->err, BR_ERR_INVALID,
                         "%s:%d: ID '%s': invalid %s name '%s' (lowercase letters, digits and "
                         "'_')",
                         w->path, line, w->echo, what,
                         br_sls_echo(what[0] == 'm' ? module : fun, echo, sizeof echo));
}

//  Appends one declaration; takes ownership of *args_p. module and fun are
//  the high data's own (s_word).
static int
s_state_add(s_loader_t *ld, const s_where_t *w, const char *module, const char *fun,
            br_value_t **args_p)
{
    br_high_t *high = ld->high;
    if (high->size == high->cap) {
        size_t cap = high->cap ? high->cap * 2 : 16;
        br_hstate_t *states = realloc(high->states, cap * sizeof *states);
        if (!states) {
            return br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
        }
        high->states = states;
        high->cap = cap;
    }
    br_hstate_t *st = &high->states[high->size];
    //  w->path and w->sls are already the high data's (s_ids)
    *st = (br_hstate_t){
        s_copy(high, w->id, strlen(w->id)), w->sls, w->path, w->line, module, fun, *args_p};
    *args_p = NULL;
    high->size++;
    if (!st->id) {
        return br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    }
    return BR_OK;
}

//  One argument item, "- name: value", into args.
static int
s_arg_add(s_loader_t *ld, const s_where_t *w, const char *label, const br_value_t *item,
          br_value_t *args)
{
    char echo[BR_SLS_ECHO_SIZE];
    int line = br_value_line(item);
    if (br_value_kind(item) != BR_V_MAP || br_value_map_size(item) != 1) {
        char what[48];
        if (br_value_kind(item) == BR_V_MAP) {
            snprintf(what, sizeof what, "a map of %zu keys", br_value_map_size(item));
        } else {
            snprintf(what, sizeof what, "a %s", br_value_kind_name(br_value_kind(item)));
        }
        return br_errmsg_set(ld->err, BR_ERR_INVALID,
                             "%s:%d: ID '%s', %s: each argument must be a single-key map "
                             "('- name: value'), not %s",
                             w->path, line, w->echo, label, what);
    }
    const char *name = br_value_map_key(item, 0);
    size_t at = 0;
    int rc = br_value_map_append(args, name, strlen(name), line, &at);
    if (rc == BR_ERR_EXISTS) {
        return br_errmsg_set(ld->err, BR_ERR_INVALID,
                             "%s:%d: ID '%s', %s: duplicate argument '%s' (first on line %d)",
                             w->path, line, w->echo, label, br_sls_echo(name, echo, sizeof echo),
                             br_value_map_key_line(args, at));
    }
    //  The parsed file is thrown away once read: move the value out of it
    //  rather than copy it (half the cost of loading 10,000 states). The
    //  item is const only on the way here; the walker owns and frees it.
    br_value_t *value = rc == BR_OK ? br_value_map_take((br_value_t *)item, 0) : NULL;
    if (!value || br_value_map_put(args, at, &value) != BR_OK) {
        br_value_destroy(&value);
        return br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    }
    return BR_OK;
}

//  One "module.function: [args]" or "module: [function, args]" entry of an
//  ID. functions maps each module of this ID to the line that named it
//  (NULL when the ID declares only one).
static int
s_declaration(s_loader_t *ld, const s_where_t *w, const char *key, int line, const br_value_t *body,
              br_value_t *functions)
{
    char echo[BR_SLS_ECHO_SIZE];
    br_high_t *high = ld->high;
    const char *dot = strchr(key, '.');
    bool again = dot && ld->last_key && strcmp(key, ld->last_key) == 0;
    const char *module =
        again ? ld->last_module : s_word(high, key, dot ? (size_t)(dot - key) : strlen(key));
    const char *fun = again ? ld->last_fun : dot ? s_word(high, dot + 1, strlen(dot + 1)) : NULL;
    br_value_t *args = br_value_map_in(high->pool);
    br_value_t *seen = functions ? br_value_int_in(ld->scratch, line) : NULL;
    int rc = BR_OK;
    if (!module || (dot && !fun) || !args || (functions && !seen)) {
        rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
        goto out;
    }
    //  Words of the key before were checked then
    if (!again && (rc = s_check_words(ld, w, line, module, fun)) != BR_OK) {
        goto out;
    }
    if (!again && dot) {
        ld->last_key = s_copy(high, key, strlen(key));
        ld->last_module = module;
        ld->last_fun = fun;
    }
    br_vkind_t kind = br_value_kind(body);
    if (kind != BR_V_LIST && (!dot || kind != BR_V_NULL)) {
        rc = br_errmsg_set(ld->err, BR_ERR_TYPE,
                           dot ? "%s:%d: ID '%s', %s: arguments must be a list of '- name: "
                                 "value' items, not a %s"
                               : "%s:%d: ID '%s', %s: expected a list of the function and its "
                                 "'- name: value' arguments, not a %s",
                           w->path, line, w->echo, br_sls_echo(key, echo, sizeof echo),
                           br_value_kind_name(kind));
        goto out;
    }
    for (size_t i = 0; rc == BR_OK && i < br_value_list_size(body); i++) {
        const br_value_t *item = br_value_list_at(body, i);
        const char *word = br_value_as_str(item);
        if (!word) {
            rc = s_arg_add(ld, w, key, item, args);
        } else if (dot) {
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                               "%s:%d: ID '%s', %s: unexpected bare item '%s' (the function is "
                               "in the key; arguments are '- name: value')",
                               w->path, br_value_line(item), w->echo, key,
                               br_sls_echo(word, echo, sizeof echo));
        } else if (fun) {
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                               "%s:%d: too many functions declared in state '%s' in SLS '%s' "
                               "(ID '%s': '%s' and '%s')",
                               w->path, br_value_line(item), module, w->sls, w->echo, fun,
                               br_sls_echo(word, echo, sizeof echo));
        } else if (!(fun = s_word(high, word, strlen(word)))) {
            rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
        } else {
            rc = s_check_words(ld, w, br_value_line(item), module, fun);
        }
    }
    if (rc == BR_OK && !fun) {
        rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                           "%s:%d: ID '%s': no function declared for module '%s'", w->path, line,
                           w->echo, module);
    }
    if (rc == BR_OK && functions && br_value_map_get(functions, module)) {
        rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                           "%s:%d: too many functions declared in state '%s' in SLS '%s' (ID "
                           "'%s', first on line %d)",
                           w->path, line, module, w->sls, w->echo,
                           (int)br_value_as_int(br_value_map_get(functions, module)));
    }
    if (rc == BR_OK && functions && br_value_map_set(functions, module, &seen) != BR_OK) {
        rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    }
    if (rc == BR_OK) {
        rc = s_state_add(ld, w, module, fun, &args);
    }
out:
    br_value_destroy(&args);
    br_value_destroy(&seen);
    return rc;
}

//  One ID and everything declared under it.
static int
s_id(s_loader_t *ld, const s_where_t *w, const br_value_t *body)
{
    char echo[BR_SLS_ECHO_SIZE];
    br_vkind_t kind = br_value_kind(body);
    //  Only an ID with several declarations can repeat a module
    br_value_t *functions =
        kind == BR_V_MAP && br_value_map_size(body) > 1 ? br_value_map_in(ld->scratch) : NULL;
    int rc = functions || kind != BR_V_MAP || br_value_map_size(body) <= 1
                 ? BR_OK
                 : br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    const char *text = br_value_as_str(body);
    if (rc != BR_OK) {
        //  reported
    } else if (kind == BR_V_STR && !strchr(text, '.')) {
        rc = br_errmsg_set(ld->err, BR_ERR_INVALID, "%s:%d: ID '%s': '%s' is not a module.function",
                           w->path, w->line, w->echo, br_sls_echo(text, echo, sizeof echo));
    } else if (kind == BR_V_STR) {
        //  The short form "ID: module.function"
        rc = s_declaration(ld, w, text, br_value_line(body), NULL, functions);
    } else if (kind == BR_V_MAP && br_value_map_size(body) == 0) {
        rc = br_errmsg_set(ld->err, BR_ERR_INVALID, "%s:%d: ID '%s' declares no state", w->path,
                           w->line, w->echo);
    } else if (kind == BR_V_MAP) {
        for (size_t i = 0; rc == BR_OK && i < br_value_map_size(body); i++) {
            rc = s_declaration(ld, w, br_value_map_key(body, i), br_value_map_key_line(body, i),
                               br_value_map_at(body, i), functions);
        }
    } else {
        rc = br_errmsg_set(ld->err, BR_ERR_TYPE,
                           "%s:%d: ID '%s' must map to module functions ('module.function: "
                           "[args]'), not a %s",
                           w->path, w->line, w->echo, br_value_kind_name(kind));
    }
    br_value_destroy(&functions);
    return rc;
}

//  The top-level keys of one parsed SLS file, after its includes (the
//  visitor of br_sls_walk).
static int
s_ids(void *arg, const char *path, const char *sls, br_value_t *doc, br_errmsg_t *err)
{
    s_loader_t *ld = arg;
    char echo[BR_SLS_ECHO_SIZE];
    (void)err; //  ld->err, which every check here writes
    //  One copy of the path and the SLS name for all the file's states
    const char *file = s_copy(ld->high, path, strlen(path));
    const char *sls_name = s_copy(ld->high, sls, strlen(sls));
    int rc =
        file && sls_name ? BR_OK : br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", path);
    for (size_t i = 0; rc == BR_OK && i < br_value_map_size(doc); i++) {
        const char *key = br_value_map_key(doc, i);
        int line = br_value_map_key_line(doc, i);
        s_where_t w = {file, sls_name, key, br_sls_echo(key, echo, sizeof echo), line};
        size_t at = 0;
        if (strcmp(key, "include") == 0) {
            continue;
        }
        if (strcmp(key, "extend") == 0 || strcmp(key, "exclude") == 0) {
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID, "%s:%d: '%s' is not supported", path, line,
                               key);
        } else if (strncmp(key, "__", 2) == 0) {
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                               "%s:%d: '%s': keys starting with '__' are reserved", path, line,
                               w.echo);
        } else if (!*key) {
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID, "%s:%d: empty ID", path, line);
        } else if ((rc = br_value_map_append(ld->ids, key, strlen(key), line, &at)) ==
                   BR_ERR_EXISTS) {
            size_t first_at = (size_t)br_value_as_int(br_value_map_at(ld->ids, at));
            const br_hstate_t *first = &ld->high->states[first_at - 1];
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                               "%s:%d: conflicting ID '%s': already declared at %s:%d (IDs must "
                               "be unique across all SLS files)",
                               path, line, w.echo, first->file, first->line);
        } else if (rc != BR_OK) {
            rc = br_errmsg_set(ld->err, rc, "%s: out of memory", path);
        } else {
            br_value_t *index = br_value_int_in(ld->scratch, (int64_t)ld->high->size + 1);
            rc = s_id(ld, &w, br_value_map_at(doc, i));
            if (rc == BR_OK && br_value_map_put(ld->ids, at, &index) != BR_OK) {
                rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", path);
            }
            br_value_destroy(&index);
        }
    }
    return rc;
}

int
br_high_load(const char *file_root, zlistx_t *sls_names, const br_value_t *context,
             br_vault_t *vault, br_high_t **high_p, br_errmsg_t *err)
{
    char echo[BR_SLS_ECHO_SIZE];
    s_loader_t ld = {s_high_new(), br_value_pool_new(), NULL, NULL, NULL, NULL, err};
    br_sls_walk_t walk = {file_root, context, vault, false, s_ids, &ld, zhashx_new()};
    ld.ids = ld.scratch ? br_value_map_in(ld.scratch) : NULL;
    int rc = ld.high && ld.ids && walk.loaded
                 ? BR_OK
                 : br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", file_root);
    *high_p = NULL;
    for (const char *name = sls_names ? zlistx_first(sls_names) : NULL; rc == BR_OK && name;
         name = zlistx_next(sls_names)) {
        if (!br_sls_name_valid(name)) {
            rc = br_errmsg_set(err, BR_ERR_INVALID,
                               "invalid SLS name '%s' (SLS names are dot-separated words of "
                               "letters, digits, '_' and '-')",
                               br_sls_echo(name, echo, sizeof echo));
        } else {
            rc = br_sls_walk(&walk, name, NULL, 0, 0, err);
        }
    }
    if (rc == BR_OK) {
        *high_p = ld.high;
        ld.high = NULL;
    }
    br_high_destroy(&ld.high);
    zhashx_destroy(&walk.loaded);
    br_value_destroy(&ld.ids);
    br_value_pool_destroy(&ld.scratch);
    return rc;
}
