/*  br_sls: SLS files to high data, the list of state declarations.

    Each SLS file is loaded at most once: a name seen again (a second
    include, or an include cycle) is skipped, so cycles simply stop. An
    included file's states come before the including file's own, which
    keeps file order meaningful when one file builds on another.

    Only the shape of each declaration is checked here (Salt's forms, names
    of modules and functions, one function per module, argument items);
    whether a module, function or argument exists is the compiler's
    business, checked against the module schemas. */
#include "br_sls_file.h"

#include <stdio.h>

struct _br_high_t {
    br_hstate_t *states; //  in definition order
    size_t size, cap;
};

//  One br_high_load.
typedef struct {
    br_high_t *high; //  being filled
    zhashx_t *ids;   //  ID -> index + 1 of its first state in high
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
        br_hstate_t *st = &self->states[i];
        free(st->id);
        free(st->sls);
        free(st->file);
        free(st->module);
        free(st->fun);
        br_value_destroy(&st->args);
    }
    free(self->states);
    free(self);
    *self_p = NULL;
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

//  Appends one declaration; takes ownership of *args_p.
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
    *st = (br_hstate_t){strdup(w->id),  strdup(w->sls), strdup(w->path), w->line,
                        strdup(module), strdup(fun),    *args_p};
    *args_p = NULL;
    high->size++;
    if (!st->id || !st->sls || !st->file || !st->module || !st->fun) {
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
    for (size_t i = 0; br_value_map_get(args, name) && i < br_value_map_size(args); i++) {
        if (strcmp(br_value_map_key(args, i), name) == 0) {
            return br_errmsg_set(ld->err, BR_ERR_INVALID,
                                 "%s:%d: ID '%s', %s: duplicate argument '%s' (first on line %d)",
                                 w->path, line, w->echo, label,
                                 br_sls_echo(name, echo, sizeof echo),
                                 br_value_map_key_line(args, i));
        }
    }
    //  The parsed file is thrown away once read: move the value out of it
    //  rather than copy it (half the cost of loading 10,000 states). The
    //  item is const only on the way here; the walker owns and frees it.
    br_value_t *value = br_value_map_take((br_value_t *)item, 0);
    if (!value || br_value_map_set(args, name, &value) != BR_OK) {
        br_value_destroy(&value);
        return br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    }
    br_value_map_set_key_line(args, br_value_map_size(args) - 1, line);
    return BR_OK;
}

//  One "module.function: [args]" or "module: [function, args]" entry of an
//  ID. functions maps each module of this ID to the line that named it.
static int
s_declaration(s_loader_t *ld, const s_where_t *w, const char *key, int line, const br_value_t *body,
              br_value_t *functions)
{
    char echo[BR_SLS_ECHO_SIZE];
    const char *dot = strchr(key, '.');
    char *module = dot ? strndup(key, (size_t)(dot - key)) : strdup(key);
    char *fun = dot ? strdup(dot + 1) : NULL;
    br_value_t *args = br_value_map(), *seen = br_value_int(line);
    int rc = BR_OK;
    if (!module || (dot && !fun) || !args || !seen) {
        rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
        goto out;
    }
    if ((rc = s_check_words(ld, w, line, module, fun)) != BR_OK) {
        goto out;
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
        } else if (!(fun = strdup(word))) {
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
    if (rc == BR_OK && br_value_map_get(functions, module)) {
        rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                           "%s:%d: too many functions declared in state '%s' in SLS '%s' (ID "
                           "'%s', first on line %d)",
                           w->path, line, module, w->sls, w->echo,
                           (int)br_value_as_int(br_value_map_get(functions, module)));
    }
    if (rc == BR_OK && br_value_map_set(functions, module, &seen) != BR_OK) {
        rc = br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    }
    if (rc == BR_OK) {
        rc = s_state_add(ld, w, module, fun, &args);
    }
out:
    free(module);
    free(fun);
    br_value_destroy(&args);
    br_value_destroy(&seen);
    return rc;
}

//  One ID and everything declared under it.
static int
s_id(s_loader_t *ld, const s_where_t *w, const br_value_t *body)
{
    char echo[BR_SLS_ECHO_SIZE];
    br_value_t *functions = br_value_map();
    int rc = functions ? BR_OK : br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", w->path);
    br_vkind_t kind = br_value_kind(body);
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
    int rc = BR_OK;
    (void)err; //  ld->err, which every check here writes
    for (size_t i = 0; rc == BR_OK && i < br_value_map_size(doc); i++) {
        const char *key = br_value_map_key(doc, i);
        int line = br_value_map_key_line(doc, i);
        s_where_t w = {path, sls, key, br_sls_echo(key, echo, sizeof echo), line};
        size_t at = (size_t)(uintptr_t)zhashx_lookup(ld->ids, key);
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
        } else if (at) {
            const br_hstate_t *first = &ld->high->states[at - 1];
            rc = br_errmsg_set(ld->err, BR_ERR_INVALID,
                               "%s:%d: conflicting ID '%s': already declared at %s:%d (IDs must "
                               "be unique across all SLS files)",
                               path, line, w.echo, first->file, first->line);
        } else {
            size_t index = ld->high->size;
            rc = s_id(ld, &w, br_value_map_at(doc, i));
            if (rc == BR_OK && zhashx_insert(ld->ids, key, (void *)(uintptr_t)(index + 1))) {
                rc = br_errmsg_set(ld->err, BR_ERR_INTERNAL, "%s: ID table", path);
            }
        }
    }
    return rc;
}

int
br_high_load(const char *file_root, zlistx_t *sls_names, const br_value_t *context,
             br_vault_t *vault, br_high_t **high_p, br_errmsg_t *err)
{
    char echo[BR_SLS_ECHO_SIZE];
    s_loader_t ld = {calloc(1, sizeof(br_high_t)), zhashx_new(), err};
    br_sls_walk_t walk = {file_root, context, vault, false, s_ids, &ld, zhashx_new()};
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
    zhashx_destroy(&ld.ids);
    return rc;
}
