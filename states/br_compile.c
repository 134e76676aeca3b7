/*  br_compile: high data to an ordered low state (Salt's compile_high_data,
    requisite resolution and order_chunks, done once, up front). */
#include "br_state_int.h"

#include <stdio.h>

//  Salt's auto order starts here and counts up in definition order; 'last'
//  (and a negative N) sorts after everything, 'first' before.
#define BR_ORDER_AUTO 10000.0
#define BR_ORDER_LAST_PAD 1000000.0

typedef struct {
    const char *name;
    br_req_kind_t kind;
    bool in; //  the _in form: the target depends on this state
} br_req_arg_t;

static const br_req_arg_t s_req_args[] = {
    {"require", BR_REQ_REQUIRE, false},     {"require_in", BR_REQ_REQUIRE, true},
    {"watch", BR_REQ_WATCH, false},         {"watch_in", BR_REQ_WATCH, true},
    {"onchanges", BR_REQ_ONCHANGES, false}, {"onchanges_in", BR_REQ_ONCHANGES, true},
    {"onfail", BR_REQ_ONFAIL, false},       {"onfail_in", BR_REQ_ONFAIL, true},
};

//  Salt arguments brine does not implement: named so the error is clear
static const char *s_unsupported[] = {"prereq", "prereq_in", "listen", "listen_in", "use",
                                      "use_in", "names", "check_cmd", "retry", "parallel",
                                      "reload_modules", "runas", NULL};

int
br_idxs_add(br_idxs_t *self, size_t index)
{
    for (size_t i = 0; i < self->size; i++) {
        if (self->items[i] == index) {
            return BR_OK;
        }
    }
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

void
br_low_destroy(br_low_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_low_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++) {
        br_chunk_t *c = &self->chunks[i];
        free(c->id);
        free(c->name);
        free(c->sls);
        free(c->file);
        br_value_destroy(&c->args);
        br_value_destroy(&c->unless);
        br_value_destroy(&c->onlyif);
        br_value_destroy(&c->creates);
        for (int k = 0; k < BR_REQ_KINDS; k++) {
            free(c->reqs[k].items);
        }
    }
    free(self->chunks);
    free(self->exec);
    free(self);
    *self_p = NULL;
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

//  Names a state in messages: "FILE:LINE: state 'ID' (module.fun)"
static int
s_fail(br_errmsg_t *err, int rc, const br_hstate_t *h, const br_value_t *at, const char *what)
{
    int line = at && br_value_line(at) ? br_value_line(at) : h->line;
    return br_errmsg_set(err, rc, "%s:%d: state '%s' (%s.%s): %s", h->file, line, h->id,
                         h->module, h->fun, what);
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

//  A scalar as text, for string arguments (Salt passes numbers through).
static br_value_t *
s_scalar_text(const br_value_t *v)
{
    char text[64];
    switch (br_value_kind(v)) {
    case BR_V_STR:
        return br_value_dup(v);
    case BR_V_INT:
        snprintf(text, sizeof text, "%lld", (long long) br_value_as_int(v));
        return br_value_str(text);
    case BR_V_FLOAT:
        snprintf(text, sizeof text, "%g", br_value_as_float(v));
        return br_value_str(text);
    case BR_V_BOOL:
        return br_value_str(br_value_as_bool(v) ? "True" : "False");
    default:
        return NULL;
    }
}

//  Converts an argument's value to its schema type. NULL with why set when
//  the type does not fit.
static br_value_t *
s_convert(const br_arg_t *arg, const br_value_t *v, br_vault_t *vault, const char **why)
{
    br_vkind_t kind = br_value_kind(v);
    br_value_t *out = NULL;
    switch (arg->type) {
    case BR_ARG_STR:
        out = s_scalar_text(v);
        *why = "expected a string";
        break;
    case BR_ARG_INT:
        out = kind == BR_V_INT ? br_value_dup(v) : NULL;
        *why = "expected an integer";
        break;
    case BR_ARG_BOOL:
        out = kind == BR_V_BOOL ? br_value_dup(v) : NULL;
        *why = "expected True or False";
        break;
    case BR_ARG_LIST:
        *why = "expected a list of strings";
        if (kind == BR_V_LIST) {
            out = br_value_list();
            for (size_t i = 0; out && i < br_value_list_size(v); i++) {
                br_value_t *item = s_scalar_text(br_value_list_at(v, i));
                if (!item || br_value_list_append(out, &item) != BR_OK) {
                    br_value_destroy(&item);
                    br_value_destroy(&out);
                }
            }
        } else if ((out = s_scalar_text(v)) != NULL) {
            br_value_t *list = br_value_list();
            if (!list || br_value_list_append(list, &out) != BR_OK) {
                br_value_destroy(&out);
            }
            out = list;
        }
        break;
    case BR_ARG_MAP:
        *why = "expected a map of strings";
        if (kind == BR_V_MAP) {
            out = br_value_map();
            for (size_t i = 0; out && i < br_value_map_size(v); i++) {
                br_value_t *item = s_scalar_text(br_value_map_at(v, i));
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
s_global_arg(br_chunk_t *c, const br_hstate_t *h, const char *key, const br_value_t *v,
             br_vault_t *vault, bool *handled, br_errmsg_t *err)
{
    *handled = true;
    if (strcmp(key, "name") == 0) {
        br_value_t *text = s_scalar_text(v);
        if (!text) {
            return s_fail(err, BR_ERR_TYPE, h, v, "argument 'name': expected a string");
        }
        free(c->name);
        c->name = strdup(br_value_as_str(text));
        br_value_destroy(&text);
        return c->name ? BR_OK : BR_ERR_NOMEM;
    }
    if (strcmp(key, "order") == 0) {
        const char *s = br_value_as_str(v);
        if (br_value_kind(v) == BR_V_INT) {
            c->order_kind = BR_ORDER_NUMBER;
            c->order = (double) br_value_as_int(v);
        } else if (s && strcmp(s, "first") == 0) {
            c->order_kind = BR_ORDER_FIRST;
        } else if (s && strcmp(s, "last") == 0) {
            c->order_kind = BR_ORDER_LAST; //  placed once every order is known
        } else {
            return s_fail(err, BR_ERR_TYPE, h, v, "argument 'order': expected first, last or N");
        }
        return BR_OK;
    }
    if (strcmp(key, "failhard") == 0) {
        if (br_value_kind(v) != BR_V_BOOL) {
            return s_fail(err, BR_ERR_TYPE, h, v, "argument 'failhard': expected True or False");
        }
        c->failhard = br_value_as_bool(v);
        return BR_OK;
    }
    br_value_t **slot = strcmp(key, "unless") == 0    ? &c->unless
                        : strcmp(key, "onlyif") == 0  ? &c->onlyif
                        : strcmp(key, "creates") == 0 ? &c->creates
                                                      : NULL;
    if (slot) {
        static const br_arg_t list_arg = {"", BR_ARG_LIST, false, NULL, NULL};
        const char *why = NULL;
        br_value_destroy(slot);
        *slot = s_convert(&list_arg, v, vault, &why);
        if (!*slot) {
            char text[128];
            snprintf(text, sizeof text, "argument '%s': %s", key, why);
            return s_fail(err, BR_ERR_TYPE, h, v, text);
        }
        return BR_OK;
    }
    *handled = false;
    return BR_OK;
}

static int
s_compile_state(br_chunk_t *c, const br_hstate_t *h, br_vault_t *vault, br_errmsg_t *err)
{
    char text[256];
    c->module = br_module_find(h->module);
    if (!c->module) {
        snprintf(text, sizeof text, "unknown module '%s'", h->module);
        return s_fail(err, BR_ERR_INVALID, h, NULL, text);
    }
    c->fun = br_function_find(c->module, h->fun);
    if (!c->fun) {
        snprintf(text, sizeof text, "module '%s' has no function '%s'", h->module, h->fun);
        return s_fail(err, BR_ERR_INVALID, h, NULL, text);
    }
    c->id = strdup(h->id);
    c->sls = strdup(h->sls);
    c->file = strdup(h->file);
    c->line = h->line;
    c->args = br_value_map();
    if (!c->id || !c->sls || !c->file || !c->args) {
        return BR_ERR_NOMEM;
    }
    if (br_vault_mentions(vault, h->id, strlen(h->id))) {
        return s_fail(err, BR_ERR_DENIED, h, NULL,
                      "the state ID would hold a secret value; secrets may only be passed to "
                      "secret arguments");
    }
    for (size_t i = 0; i < br_value_map_size(h->args); i++) {
        const char *key = br_value_map_key(h->args, i);
        const br_value_t *v = br_value_map_at(h->args, i);
        bool requisite = false;
        for (size_t r = 0; r < sizeof s_req_args / sizeof s_req_args[0]; r++) {
            requisite = requisite || strcmp(key, s_req_args[r].name) == 0;
        }
        if (requisite) {
            continue; //  resolved once every state is known
        }
        for (int u = 0; s_unsupported[u]; u++) {
            if (strcmp(key, s_unsupported[u]) == 0) {
                snprintf(text, sizeof text, "argument '%s' is not supported by brine", key);
                return s_fail(err, BR_ERR_INVALID, h, v, text);
            }
        }
        const br_arg_t *arg = br_arg_find(c->fun, key);
        //  A secret may only flow into an argument declared secret
        if ((!arg || arg->type != BR_ARG_SECRET) && s_mentions(vault, v)) {
            snprintf(text, sizeof text,
                     "argument '%s' would receive a secret value; secrets may only be passed "
                     "to secret arguments",
                     key);
            return s_fail(err, BR_ERR_DENIED, h, v, text);
        }
        bool handled = false;
        int rc = s_global_arg(c, h, key, v, vault, &handled, err);
        if (rc != BR_OK || handled) {
            if (rc != BR_OK) {
                return rc;
            }
            continue;
        }
        if (!arg) {
            snprintf(text, sizeof text, "unknown argument '%s'", key);
            return s_fail(err, BR_ERR_INVALID, h, v, text);
        }
        if (br_value_kind(v) == BR_V_NULL) {
            continue; //  "arg:" with nothing: unset, as in Salt
        }
        const char *why = NULL;
        br_value_t *value = s_convert(arg, v, vault, &why);
        if (!value) {
            snprintf(text, sizeof text, "argument '%s': %s, got %s", key, why,
                     br_value_kind_name(br_value_kind(v)));
            return s_fail(err, BR_ERR_TYPE, h, v, text);
        }
        if (br_value_map_set(c->args, key, &value) != BR_OK) {
            br_value_destroy(&value);
            return BR_ERR_NOMEM;
        }
    }
    if (!c->name) {
        c->name = strdup(h->id);
        if (!c->name) {
            return BR_ERR_NOMEM;
        }
    }
    for (const br_arg_t *arg = c->fun->args; arg && arg->name; arg++) {
        if (br_value_map_get(c->args, arg->name)) {
            continue;
        }
        if (arg->required) {
            snprintf(text, sizeof text, "missing required argument '%s'", arg->name);
            return s_fail(err, BR_ERR_FIELD, h, NULL, text);
        }
        if (arg->def) {
            //  Defaults are schema data: plain literals of the argument's type
            br_value_t *value = NULL;
            if (arg->type == BR_ARG_BOOL) {
                value = br_value_bool(strcmp(arg->def, "True") == 0);
            } else if (arg->type == BR_ARG_INT) {
                value = br_value_int(strtoll(arg->def, NULL, 10));
            } else if (arg->type == BR_ARG_STR) {
                value = br_value_str(arg->def);
            }
            if (value && br_value_map_set(c->args, arg->name, &value) != BR_OK) {
                br_value_destroy(&value);
                return BR_ERR_NOMEM;
            }
        }
    }
    return BR_OK;
}

//  Indexes to find requisite targets by ID, by name and by SLS.
typedef struct {
    zhashx_t *by_id;   //  id -> br_idxs_t *
    zhashx_t *by_name; //  name -> br_idxs_t *
    zhashx_t *by_sls;  //  sls -> br_idxs_t *
} br_index_t;

static void
s_idxs_free(void **item)
{
    br_idxs_t *idxs = *item;
    if (idxs) {
        free(idxs->items);
        free(idxs);
        *item = NULL;
    }
}

static int
s_index_add(zhashx_t *table, const char *key, size_t index)
{
    br_idxs_t *idxs = zhashx_lookup(table, key);
    if (!idxs) {
        idxs = calloc(1, sizeof *idxs);
        if (!idxs || zhashx_insert(table, key, idxs) != 0) {
            free(idxs);
            return BR_ERR_NOMEM;
        }
    }
    //  States are indexed in definition order, so a repeat can only be the
    //  last one: checking it alone keeps indexing linear (one SLS may hold
    //  every state)
    if (idxs->size && idxs->items[idxs->size - 1] == index) {
        return BR_OK;
    }
    if (idxs->size == idxs->cap) {
        size_t cap = idxs->cap ? idxs->cap * 2 : 2;
        size_t *items = realloc(idxs->items, cap * sizeof *items);
        if (!items) {
            return BR_ERR_NOMEM;
        }
        idxs->items = items;
        idxs->cap = cap;
    }
    idxs->items[idxs->size++] = index;
    return BR_OK;
}

//  Chunks a requisite item refers to: "ID" (or a name), {module: ID-or-name}
//  or {sls: name}.
static int
s_targets(br_low_t *low, br_index_t *index, const char *module, const char *target,
          br_idxs_t *out)
{
    if (module && strcmp(module, "sls") == 0) {
        br_idxs_t *idxs = zhashx_lookup(index->by_sls, target);
        for (size_t i = 0; idxs && i < idxs->size; i++) {
            if (br_idxs_add(out, idxs->items[i]) != BR_OK) {
                return BR_ERR_NOMEM;
            }
        }
        return BR_OK;
    }
    br_idxs_t *tables[] = {zhashx_lookup(index->by_id, target),
                           zhashx_lookup(index->by_name, target)};
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; tables[t] && i < tables[t]->size; i++) {
            size_t at = tables[t]->items[i];
            if (module && strcmp(module, "id") != 0 &&
                strcmp(low->chunks[at].module->name, module) != 0) {
                continue;
            }
            if (br_idxs_add(out, at) != BR_OK) {
                return BR_ERR_NOMEM;
            }
        }
        //  IDs win over names, as in Salt
        if (out->size && !module) {
            break;
        }
    }
    return BR_OK;
}

static int
s_resolve_requisites(br_low_t *low, const br_high_t *high, br_index_t *index, br_errmsg_t *err)
{
    char text[512];
    for (size_t i = 0; i < low->size; i++) {
        const br_hstate_t *h = br_high_at(high, i);
        for (size_t r = 0; r < sizeof s_req_args / sizeof s_req_args[0]; r++) {
            const br_value_t *v = br_value_map_get(h->args, s_req_args[r].name);
            if (!v) {
                continue;
            }
            //  Salt wants a list; a single item is accepted as a list of one
            size_t count = br_value_kind(v) == BR_V_LIST ? br_value_list_size(v) : 1;
            for (size_t n = 0; n < count; n++) {
                const br_value_t *item = br_value_kind(v) == BR_V_LIST ? br_value_list_at(v, n) : v;
                const char *module = NULL, *target = NULL;
                if (br_value_kind(item) == BR_V_STR) {
                    target = br_value_as_str(item);
                } else if (br_value_kind(item) == BR_V_MAP && br_value_map_size(item) == 1 &&
                           br_value_kind(br_value_map_at(item, 0)) == BR_V_STR) {
                    module = br_value_map_key(item, 0);
                    target = br_value_as_str(br_value_map_at(item, 0));
                } else {
                    snprintf(text, sizeof text,
                             "%s: each item must be an ID or a single 'module: ID' pair",
                             s_req_args[r].name);
                    return s_fail(err, BR_ERR_TYPE, h, item ? item : v, text);
                }
                br_idxs_t found = {0};
                int rc = s_targets(low, index, module, target, &found);
                if (rc == BR_OK && found.size == 0) {
                    snprintf(text, sizeof text, "%s: no state matches '%s%s%s'",
                             s_req_args[r].name, module ? module : "", module ? ": " : "", target);
                    rc = s_fail(err, BR_ERR_NOTFOUND, h, item, text);
                }
                for (size_t f = 0; rc == BR_OK && f < found.size; f++) {
                    size_t t = found.items[f];
                    br_req_kind_t kind = s_req_args[r].kind;
                    rc = s_req_args[r].in ? br_idxs_add(&low->chunks[t].reqs[kind], i)
                                          : br_idxs_add(&low->chunks[i].reqs[kind], t);
                }
                free(found.items);
                if (rc != BR_OK) {
                    return rc;
                }
            }
        }
    }
    return BR_OK;
}

//  Salt's order_chunks: explicit N as given, unset in definition order from
//  BR_ORDER_AUTO, first before all, last (and negative N) after all.
static void
s_assign_orders(br_low_t *low)
{
    double cap = BR_ORDER_AUTO + (double) low->size;
    for (size_t i = 0; i < low->size; i++) {
        br_chunk_t *c = &low->chunks[i];
        if (c->order_kind == BR_ORDER_NUMBER && c->order + 100 > cap) {
            cap = c->order + 100;
        }
    }
    for (size_t i = 0; i < low->size; i++) {
        br_chunk_t *c = &low->chunks[i];
        switch (c->order_kind) {
        case BR_ORDER_UNSET:
            c->order = BR_ORDER_AUTO + (double) i;
            break;
        case BR_ORDER_FIRST:
            c->order = 0;
            break;
        case BR_ORDER_LAST:
            c->order = cap + BR_ORDER_LAST_PAD;
            break;
        default:
            if (c->order < 0) {
                c->order = cap + BR_ORDER_LAST_PAD + c->order;
            }
        }
    }
}

static int
s_by_order(const void *a, const void *b, void *arg)
{
    const br_low_t *low = arg;
    size_t x = *(const size_t *) a, y = *(const size_t *) b;
    double ox = low->chunks[x].order, oy = low->chunks[y].order;
    if (ox != oy) {
        return ox < oy ? -1 : 1;
    }
    return x < y ? -1 : (x > y ? 1 : 0);
}

//  Depth-first from each state in order: requisites run before the state
//  that needs them (Salt pulls them forward the same way). A state met again
//  while still on the path closes a cycle, which is named in full.
static int
s_exec_order(br_low_t *low, br_errmsg_t *err)
{
    int rc = BR_ERR_NOMEM;
    size_t *sorted = malloc(low->size * sizeof *sorted);
    uint8_t *mark = calloc(low->size ? low->size : 1, 1); //  0 new, 1 on path, 2 done
    size_t *path = malloc(low->size * sizeof *path);      //  the DFS stack
    size_t *next = calloc(low->size ? low->size : 1, sizeof *next); //  next edge per chunk
    low->exec = malloc((low->size ? low->size : 1) * sizeof *low->exec);
    if ((low->size && (!sorted || !path)) || !mark || !next || !low->exec) {
        goto out;
    }
    for (size_t i = 0; i < low->size; i++) {
        sorted[i] = i;
    }
    qsort_r(sorted, low->size, sizeof *sorted, s_by_order, low);
    size_t emitted = 0;
    for (size_t s = 0; s < low->size; s++) {
        if (mark[sorted[s]]) {
            continue;
        }
        size_t depth = 0;
        path[depth++] = sorted[s];
        mark[sorted[s]] = 1;
        while (depth) {
            br_chunk_t *c = &low->chunks[path[depth - 1]];
            //  Edges of every kind, in declaration order within a kind
            size_t edge = next[path[depth - 1]]++, kind = 0;
            while (kind < BR_REQ_KINDS && edge >= c->reqs[kind].size) {
                edge -= c->reqs[kind].size;
                kind++;
            }
            if (kind == BR_REQ_KINDS) {
                mark[path[depth - 1]] = 2;
                low->exec[emitted++] = path[--depth];
                continue;
            }
            size_t dep = c->reqs[kind].items[edge];
            if (mark[dep] == 1) {
                char text[400] = "";
                size_t from = 0;
                while (path[from] != dep) {
                    from++;
                }
                for (size_t p = from; p < depth; p++) {
                    size_t used = strlen(text);
                    snprintf(text + used, sizeof text - used, "%s -> ", low->chunks[path[p]].id);
                }
                size_t used = strlen(text);
                snprintf(text + used, sizeof text - used, "%s", low->chunks[dep].id);
                rc = br_errmsg_set(err, BR_ERR_INVALID,
                                   "%s:%d: requisite cycle between states: %s", c->file, c->line,
                                   text);
                goto out;
            }
            if (mark[dep] == 0) {
                mark[dep] = 1;
                path[depth++] = dep;
            }
        }
    }
    rc = BR_OK;
out:
    free(sorted);
    free(mark);
    free(path);
    free(next);
    return rc;
}

int
br_compile(const br_high_t *high, br_vault_t *vault, br_low_t **low_p, br_errmsg_t *err)
{
    *low_p = NULL;
    int rc = BR_ERR_NOMEM;
    br_index_t index = {zhashx_new(), zhashx_new(), zhashx_new()};
    br_low_t *low = calloc(1, sizeof *low);
    size_t size = br_high_size(high);
    if (!low || !index.by_id || !index.by_name || !index.by_sls) {
        goto out;
    }
    zhashx_t *tables[] = {index.by_id, index.by_name, index.by_sls};
    for (int t = 0; t < 3; t++) {
        zhashx_set_destructor(tables[t], s_idxs_free);
        //  Keys are the chunks' own strings, which outlive the index: no
        //  copy per state
        zhashx_set_key_duplicator(tables[t], NULL);
        zhashx_set_key_destructor(tables[t], NULL);
    }
    low->chunks = calloc(size ? size : 1, sizeof *low->chunks);
    if (!low->chunks) {
        goto out;
    }
    for (size_t i = 0; i < size; i++) {
        low->size = i + 1;
        rc = s_compile_state(&low->chunks[i], br_high_at(high, i), vault, err);
        if (rc != BR_OK) {
            goto out;
        }
        br_chunk_t *c = &low->chunks[i];
        if ((rc = s_index_add(index.by_id, c->id, i)) != BR_OK ||
            (rc = s_index_add(index.by_name, c->name, i)) != BR_OK ||
            (rc = s_index_add(index.by_sls, c->sls, i)) != BR_OK) {
            goto out;
        }
    }
    rc = s_resolve_requisites(low, high, &index, err);
    if (rc == BR_OK) {
        s_assign_orders(low);
        rc = s_exec_order(low, err);
    }
out:
    zhashx_destroy(&index.by_id);
    zhashx_destroy(&index.by_name);
    zhashx_destroy(&index.by_sls);
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
    br_low_t *low = calloc(1, sizeof *low);
    int rc = BR_ERR_NOMEM;
    if (!all || !name_v || !vault || !low || br_value_map_set(all, "name", &name_v) != BR_OK) {
        goto out;
    }
    br_hstate_t h = {(char *) name, "cli", "command line", 0, (char *) module, (char *) fun, all};
    low->chunks = calloc(1, sizeof *low->chunks);
    low->exec = calloc(1, sizeof *low->exec);
    if (!low->chunks || !low->exec) {
        goto out;
    }
    low->size = 1;
    rc = s_compile_state(&low->chunks[0], &h, vault, err);
    if (rc == BR_OK) {
        s_assign_orders(low);
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
