/*  br_compile: high data to an ordered low state (Salt's compile_high_data;
    requisite resolution and order_chunks are in br_requisite.c), done
    once, up front.

    Each state is checked against its module's schema here and its
    arguments converted to the schema's types; every string and value of
    the low state goes into its pool, so compiling 10,000 states costs a
    few dozen allocations, not a few per state. */
#include "br_state_int.h"

#include <stdio.h>

//  What a state argument is to the compiler, before the module's schema
typedef enum {
    S_ARG_OWN = 0,     //  the function's own (or unknown)
    S_ARG_REQUISITE,   //  resolved once every state is known
    S_ARG_UNSUPPORTED, //  Salt's, not implemented by brine
    S_ARG_NAME,
    S_ARG_ORDER,
    S_ARG_FAILHARD,
    S_ARG_UNLESS,
    S_ARG_ONLYIF,
    S_ARG_CREATES,
} s_arg_class_t;

typedef struct {
    const char *name;
    s_arg_class_t cls;
    int req; //  S_ARG_REQUISITE: index in br_req_args
} s_global_t;

//  Salt's "requisite and other" arguments, sorted by name for bsearch.
//  The unsupported ones are named so that the error is clear.
static const s_global_t s_globals[] = {
    {"check_cmd", S_ARG_UNSUPPORTED, 0},
    {"creates", S_ARG_CREATES, 0},
    {"failhard", S_ARG_FAILHARD, 0},
    {"listen", S_ARG_UNSUPPORTED, 0},
    {"listen_in", S_ARG_UNSUPPORTED, 0},
    {"name", S_ARG_NAME, 0},
    {"names", S_ARG_UNSUPPORTED, 0},
    {"onchanges", S_ARG_REQUISITE, 4},
    {"onchanges_in", S_ARG_REQUISITE, 5},
    {"onfail", S_ARG_REQUISITE, 6},
    {"onfail_in", S_ARG_REQUISITE, 7},
    {"onlyif", S_ARG_ONLYIF, 0},
    {"order", S_ARG_ORDER, 0},
    {"parallel", S_ARG_UNSUPPORTED, 0},
    {"prereq", S_ARG_UNSUPPORTED, 0},
    {"prereq_in", S_ARG_UNSUPPORTED, 0},
    {"reload_modules", S_ARG_UNSUPPORTED, 0},
    {"require", S_ARG_REQUISITE, 0},
    {"require_in", S_ARG_REQUISITE, 1},
    {"retry", S_ARG_UNSUPPORTED, 0},
    {"runas", S_ARG_UNSUPPORTED, 0},
    {"unless", S_ARG_UNLESS, 0},
    {"use", S_ARG_UNSUPPORTED, 0},
    {"use_in", S_ARG_UNSUPPORTED, 0},
    {"watch", S_ARG_REQUISITE, 2},
    {"watch_in", S_ARG_REQUISITE, 3},
};

static int
s_global_cmp(const void *key, const void *item)
{
    return strcmp(key, ((const s_global_t *)item)->name);
}

static const s_global_t *
s_global_find(const char *name)
{
    return bsearch(name, s_globals, sizeof s_globals / sizeof s_globals[0], sizeof s_globals[0],
                   s_global_cmp);
}

int
br_idxs_add(br_idxs_t *self, size_t index)
{
    for (size_t i = 0; i < self->size; i++) {
        if (self->items[i] == index) {
            return BR_OK;
        }
    }
    return br_idxs_push(self, index);
}

int
br_idxs_push(br_idxs_t *self, size_t index)
{
    if (self->size == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 2;
        size_t *items = realloc(self->items, cap * sizeof *items);
        if (!items) {
            return BR_ERR_NOMEM;
        }
        self->items = items;
        self->cap = cap;
    }
    self->items[self->size++] = index;
    return BR_OK;
}

br_low_t *
br_low_new(size_t count)
{
    br_low_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->pool = br_value_pool_new();
    self->chunks = calloc(count ? count : 1, sizeof *self->chunks);
    self->exec = calloc(count ? count : 1, sizeof *self->exec);
    if (!self->pool || !self->chunks || !self->exec) {
        br_low_destroy(&self);
    }
    return self;
}

void
br_low_destroy(br_low_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_low_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++) {
        br_chunk_t *c = &self->chunks[i];
        br_value_destroy(&c->args);
        br_value_destroy(&c->unless);
        br_value_destroy(&c->onlyif);
        br_value_destroy(&c->creates);
        for (int k = 0; k < BR_REQ_KINDS; k++) {
            free(c->reqs[k].items);
        }
    }
    //  Secret arguments are not in the pool: destroying them wiped them
    br_value_pool_destroy(&self->pool);
    free(self->chunks);
    free(self->exec);
    free(self);
    *self_p = NULL;
}

const char *
br_low_strdup(br_low_t *low, const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t len = strlen(s);
    char *copy = br_value_pool_alloc(low->pool, len + 1);
    if (copy) {
        memcpy(copy, s, len + 1);
    }
    return copy;
}

size_t
br_low_size(const br_low_t *self)
{
    return self->size;
}

const char *
br_low_id_at(const br_low_t *self, size_t index)
{
    return index < self->size ? self->chunks[self->exec[index]].id : NULL;
}

int
br_state_fail(br_errmsg_t *err, int rc, const br_hstate_t *h, const br_value_t *at,
              const char *what)
{
    int line = at && br_value_line(at) ? br_value_line(at) : h->line;
    return br_errmsg_set(err, rc, "%s:%d: state '%s' (%s.%s): %s", h->file, line, h->id, h->module,
                         h->fun, what);
}

//  True if the value holds a vault token anywhere (a secret on its way into
//  an argument that is not secret).
static bool
s_mentions(const br_vault_t *vault, const br_value_t *v)
{
    switch (br_value_kind(v)) {
    case BR_V_STR:
        return br_vault_mentions(vault, br_value_as_str(v), br_value_str_len(v));
    case BR_V_SECRET:
        return true;
    case BR_V_LIST:
        for (size_t i = 0; i < br_value_list_size(v); i++) {
            if (s_mentions(vault, br_value_list_at(v, i))) {
                return true;
            }
        }
        return false;
    case BR_V_MAP:
        for (size_t i = 0; i < br_value_map_size(v); i++) {
            if (br_vault_mentions(vault, br_value_map_key(v, i), strlen(br_value_map_key(v, i))) ||
                s_mentions(vault, br_value_map_at(v, i))) {
                return true;
            }
        }
        return false;
    default:
        return false;
    }
}

//  A scalar as text in pool, for string arguments (Salt passes numbers
//  through).
static br_value_t *
s_scalar_text(br_value_pool_t *pool, const br_value_t *v)
{
    char text[64];
    br_value_t *out = NULL;
    switch (br_value_kind(v)) {
    case BR_V_STR:
        out = br_value_str_in(pool, br_value_as_str(v), br_value_str_len(v));
        br_value_set_line(out, br_value_line(v));
        br_value_set_quoted(out, br_value_quoted(v));
        return out;
    case BR_V_INT:
        snprintf(text, sizeof text, "%lld", (long long)br_value_as_int(v));
        break;
    case BR_V_FLOAT:
        snprintf(text, sizeof text, "%g", br_value_as_float(v));
        break;
    case BR_V_BOOL:
        snprintf(text, sizeof text, "%s", br_value_as_bool(v) ? "True" : "False");
        break;
    default:
        return NULL;
    }
    return br_value_str_in(pool, text, strlen(text));
}

//  Converts an argument's value to its schema type, in pool (a secret in
//  locked memory). NULL with why set when the type does not fit.
static br_value_t *
s_convert(br_value_pool_t *pool, const br_arg_t *arg, const br_value_t *v, br_vault_t *vault,
          const char **why)
{
    br_vkind_t kind = br_value_kind(v);
    br_value_t *out = NULL;
    switch (arg->type) {
    case BR_ARG_STR:
        out = s_scalar_text(pool, v);
        *why = "expected a string";
        break;
    case BR_ARG_INT:
        out = kind == BR_V_INT ? br_value_int_in(pool, br_value_as_int(v)) : NULL;
        *why = "expected an integer";
        break;
    case BR_ARG_BOOL:
        out = kind == BR_V_BOOL ? br_value_bool_in(pool, br_value_as_bool(v)) : NULL;
        *why = "expected True or False";
        break;
    case BR_ARG_LIST:
        *why = "expected a list of strings";
        if (kind == BR_V_LIST) {
            out = br_value_list_in(pool);
            for (size_t i = 0; out && i < br_value_list_size(v); i++) {
                br_value_t *item = s_scalar_text(pool, br_value_list_at(v, i));
                if (!item || br_value_list_append(out, &item) != BR_OK) {
                    br_value_destroy(&item);
                    br_value_destroy(&out);
                }
            }
        } else if ((out = s_scalar_text(pool, v)) != NULL) {
            br_value_t *list = br_value_list_in(pool);
            if (!list || br_value_list_append(list, &out) != BR_OK) {
                br_value_destroy(&out);
            }
            out = list;
        }
        break;
    case BR_ARG_MAP:
        *why = "expected a map of strings";
        if (kind == BR_V_MAP) {
            out = br_value_map_in(pool);
            for (size_t i = 0; out && i < br_value_map_size(v); i++) {
                br_value_t *item = s_scalar_text(pool, br_value_map_at(v, i));
                if (!item || br_value_map_set(out, br_value_map_key(v, i), &item) != BR_OK) {
                    br_value_destroy(&item);
                    br_value_destroy(&out);
                }
            }
        }
        break;
    case BR_ARG_SECRET: {
        *why = "expected a secret string (a pillar value marked secret, or a literal)";
        const br_secret_t *secret = NULL;
        if (kind == BR_V_STR) {
            secret = br_vault_lookup(vault, br_value_as_str(v), br_value_str_len(v));
            if (!secret && br_vault_mentions(vault, br_value_as_str(v), br_value_str_len(v))) {
                *why = "a secret must be the whole value of a secret argument";
                break;
            }
        }
        br_secret_t *copy = NULL;
        if (secret) {
            copy = br_secret_from_bytes(br_secret_cdata(secret), br_secret_size(secret));
        } else if (kind == BR_V_STR) {
            copy = br_secret_from_bytes(br_value_as_str(v), br_value_str_len(v));
        } else if (kind == BR_V_SECRET) {
            out = br_value_dup(v);
        }
        if (copy) {
            out = br_value_secret(&copy);
        }
        break;
    }
    }
    if (out) {
        br_value_set_line(out, br_value_line(v));
    }
    return out;
}

//  Global (Salt "requisite and other") arguments that are not requisites.
static int
s_global_arg(br_low_t *low, br_chunk_t *c, const br_hstate_t *h, const s_global_t *g,
             const br_value_t *v, br_vault_t *vault, br_errmsg_t *err)
{
    const char *s = br_value_as_str(v);
    br_value_t **slot = NULL;
    switch (g->cls) {
    case S_ARG_NAME:
        if (s) {
            c->name = br_low_strdup(low, s);
        } else {
            br_value_t *text = s_scalar_text(NULL, v);
            if (!text) {
                return br_state_fail(err, BR_ERR_TYPE, h, v, "argument 'name': expected a string");
            }
            c->name = br_low_strdup(low, br_value_as_str(text));
            br_value_destroy(&text);
        }
        return c->name ? BR_OK : BR_ERR_NOMEM;
    case S_ARG_ORDER:
        if (br_value_kind(v) == BR_V_INT) {
            c->order_kind = BR_ORDER_NUMBER;
            c->order = (double)br_value_as_int(v);
        } else if (s && strcmp(s, "first") == 0) {
            c->order_kind = BR_ORDER_FIRST;
        } else if (s && strcmp(s, "last") == 0) {
            c->order_kind = BR_ORDER_LAST; //  placed once every order is known
        } else {
            return br_state_fail(err, BR_ERR_TYPE, h, v,
                                 "argument 'order': expected first, last or N");
        }
        return BR_OK;
    case S_ARG_FAILHARD:
        if (br_value_kind(v) != BR_V_BOOL) {
            return br_state_fail(err, BR_ERR_TYPE, h, v,
                                 "argument 'failhard': expected True or False");
        }
        c->failhard = br_value_as_bool(v);
        return BR_OK;
    case S_ARG_UNLESS:
        slot = &c->unless;
        break;
    case S_ARG_ONLYIF:
        slot = &c->onlyif;
        break;
    case S_ARG_CREATES:
        slot = &c->creates;
        break;
    default:
        return BR_ERR_INTERNAL;
    }
    static const br_arg_t list_arg = {"", BR_ARG_LIST, false, NULL, NULL};
    const char *why = NULL;
    br_value_destroy(slot);
    *slot = s_convert(low->pool, &list_arg, v, vault, &why);
    if (!*slot) {
        char text[128];
        snprintf(text, sizeof text, "argument '%s': %s", g->name, why);
        return br_state_fail(err, BR_ERR_TYPE, h, v, text);
    }
    return BR_OK;
}

//  The module and function of h. The high data keeps one copy of each
//  name, so a state with the same strings as the one before has the same
//  function (10,000 states of one kind look it up once).
static int
s_function(br_chunk_t *c, const br_chunk_t *before, const br_hstate_t *h,
           const br_hstate_t *h_before, br_errmsg_t *err)
{
    char text[256];
    if (h_before && h_before->module == h->module && h_before->fun == h->fun) {
        c->module = before->module;
        c->fun = before->fun;
        return BR_OK;
    }
    c->module = br_module_find(h->module);
    if (!c->module) {
        snprintf(text, sizeof text, "unknown module '%s'", h->module);
        return br_state_fail(err, BR_ERR_INVALID, h, NULL, text);
    }
    c->fun = br_function_find(c->module, h->fun);
    if (!c->fun) {
        snprintf(text, sizeof text, "module '%s' has no function '%s'", h->module, h->fun);
        return br_state_fail(err, BR_ERR_INVALID, h, NULL, text);
    }
    return BR_OK;
}

//  Fills chunk at (the next one of low) from h; *reqs gets bit r for each
//  requisite argument br_req_args[r] that h has. h_before is the state
//  compiled before (NULL for the first): equal strings are shared.
static int
s_compile_state(br_low_t *low, size_t at, const br_hstate_t *h, const br_hstate_t *h_before,
                br_vault_t *vault, uint8_t *reqs, br_errmsg_t *err)
{
    char text[256];
    br_chunk_t *c = &low->chunks[at];
    const br_chunk_t *before = at ? &low->chunks[at - 1] : NULL;
    int rc = s_function(c, before, h, h_before, err);
    if (rc != BR_OK) {
        return rc;
    }
    c->id = br_low_strdup(low, h->id);
    c->sls = h_before && h_before->sls == h->sls ? before->sls : br_low_strdup(low, h->sls);
    c->file = h_before && h_before->file == h->file ? before->file : br_low_strdup(low, h->file);
    c->line = h->line;
    c->args = br_value_map_in(low->pool);
    if (!c->id || !c->sls || !c->file || !c->args) {
        return BR_ERR_NOMEM;
    }
    if (br_vault_mentions(vault, h->id, strlen(h->id))) {
        return br_state_fail(err, BR_ERR_DENIED, h, NULL,
                             "the state ID would hold a secret value; secrets may only be passed "
                             "to secret arguments");
    }
    *reqs = 0;
    for (size_t i = 0; i < br_value_map_size(h->args); i++) {
        const char *key = br_value_map_key(h->args, i);
        const br_value_t *v = br_value_map_at(h->args, i);
        const s_global_t *g = s_global_find(key);
        if (g && g->cls == S_ARG_REQUISITE) {
            *reqs |= (uint8_t)(1u << g->req);
            continue; //  resolved once every state is known
        }
        if (g && g->cls == S_ARG_UNSUPPORTED) {
            snprintf(text, sizeof text, "argument '%s' is not supported by brine", key);
            return br_state_fail(err, BR_ERR_INVALID, h, v, text);
        }
        const br_arg_t *arg = br_arg_find(c->fun, key);
        //  A secret may only flow into an argument declared secret
        if ((!arg || arg->type != BR_ARG_SECRET) && s_mentions(vault, v)) {
            snprintf(text, sizeof text,
                     "argument '%s' would receive a secret value; secrets may only be passed "
                     "to secret arguments",
                     key);
            return br_state_fail(err, BR_ERR_DENIED, h, v, text);
        }
        if (g) {
            rc = s_global_arg(low, c, h, g, v, vault, err);
            if (rc != BR_OK) {
                return rc;
            }
            continue;
        }
        if (!arg) {
            snprintf(text, sizeof text, "unknown argument '%s'", key);
            return br_state_fail(err, BR_ERR_INVALID, h, v, text);
        }
        if (br_value_kind(v) == BR_V_NULL) {
            continue; //  "arg:" with nothing: unset, as in Salt
        }
        const char *why = NULL;
        br_value_t *value = s_convert(low->pool, arg, v, vault, &why);
        if (!value) {
            snprintf(text, sizeof text, "argument '%s': %s, got %s", key, why,
                     br_value_kind_name(br_value_kind(v)));
            return br_state_fail(err, BR_ERR_TYPE, h, v, text);
        }
        if (br_value_map_set(c->args, key, &value) != BR_OK) {
            br_value_destroy(&value);
            return BR_ERR_NOMEM;
        }
    }
    if (!c->name && !(c->name = c->id)) {
        return BR_ERR_NOMEM;
    }
    for (const br_arg_t *arg = c->fun->args; arg && arg->name; arg++) {
        if (br_value_map_get(c->args, arg->name)) {
            continue;
        }
        if (arg->required) {
            snprintf(text, sizeof text, "missing required argument '%s'", arg->name);
            return br_state_fail(err, BR_ERR_FIELD, h, NULL, text);
        }
        if (arg->def) {
            //  Defaults are schema data: plain literals of the argument's type
            br_value_t *value = NULL;
            if (arg->type == BR_ARG_BOOL) {
                value = br_value_bool_in(low->pool, strcmp(arg->def, "True") == 0);
            } else if (arg->type == BR_ARG_INT) {
                value = br_value_int_in(low->pool, strtoll(arg->def, NULL, 10));
            } else if (arg->type == BR_ARG_STR) {
                value = br_value_str_in(low->pool, arg->def, strlen(arg->def));
            }
            if (value && br_value_map_set(c->args, arg->name, &value) != BR_OK) {
                br_value_destroy(&value);
                return BR_ERR_NOMEM;
            }
        }
    }
    return BR_OK;
}

int
br_compile(const br_high_t *high, br_vault_t *vault, br_low_t **low_p, br_errmsg_t *err)
{
    *low_p = NULL;
    int rc = BR_ERR_NOMEM;
    size_t size = br_high_size(high);
    br_low_t *low = br_low_new(size);
    uint8_t *reqs = calloc(size ? size : 1, 1);
    if (!low || !reqs) {
        goto out;
    }
    for (size_t i = 0; i < size; i++) {
        low->size = i + 1;
        rc = s_compile_state(low, i, br_high_at(high, i), i ? br_high_at(high, i - 1) : NULL, vault,
                             &reqs[i], err);
        if (rc != BR_OK) {
            goto out;
        }
    }
    rc = br_requisites(low, high, reqs, err);
    if (rc == BR_OK) {
        br_order_assign(low);
        rc = br_order_exec(low, err);
    }
out:
    free(reqs);
    if (rc == BR_OK) {
        *low_p = low;
    } else {
        br_low_destroy(&low);
    }
    return rc;
}

int
br_low_single(const char *module, const char *fun, const char *name, const br_value_t *args,
              br_low_t **low_p, br_errmsg_t *err)
{
    *low_p = NULL;
    br_value_t *all = args ? br_value_dup(args) : br_value_map();
    br_value_t *name_v = br_value_str(name);
    br_vault_t *vault = br_vault_new();
    br_low_t *low = br_low_new(1);
    uint8_t reqs = 0;
    int rc = BR_ERR_NOMEM;
    if (!all || !name_v || !vault || !low || br_value_map_set(all, "name", &name_v) != BR_OK) {
        goto out;
    }
    br_hstate_t h = {name, "cli", "command line", 0, module, fun, all};
    low->size = 1;
    rc = s_compile_state(low, 0, &h, NULL, vault, &reqs, err);
    if (rc == BR_OK) {
        br_order_assign(low);
    }
out:
    br_value_destroy(&name_v);
    br_value_destroy(&all);
    br_vault_destroy(&vault);
    if (rc == BR_OK) {
        *low_p = low;
    } else {
        br_low_destroy(&low);
    }
    return rc;
}
