/*  br_wire: low states and results as BSON, for job bodies and returns. */
#include "br_state_int.h"
#include "br_wire.h"

#include <stdio.h>

static const char *s_req_keys[BR_REQ_KINDS] = {"require", "watch", "onchanges", "onfail"};

//  Nesting of values inside arguments and results, as the message decoder
//  also bounds it
#define BR_WIRE_DEPTH 30

static bool s_append(bson_t *doc, const char *key, const br_value_t *v, br_msg_t *body, int depth);

static bool
s_append_container(bson_t *doc, const char *key, const br_value_t *v, br_msg_t *body, int depth)
{
    bson_t child;
    bool list = br_value_kind(v) == BR_V_LIST;
    bool ok = list ? bson_append_array_begin(doc, key, -1, &child)
                   : bson_append_document_begin(doc, key, -1, &child);
    size_t n = list ? br_value_list_size(v) : br_value_map_size(v);
    for (size_t i = 0; ok && i < n; i++) {
        char index[24];
        const char *k = index;
        if (list) {
            snprintf(index, sizeof index, "%zu", i);
        } else {
            k = br_value_map_key(v, i);
        }
        ok = s_append(&child, k, list ? br_value_list_at(v, i) : br_value_map_at(v, i), body,
                      depth + 1);
    }
    return (list ? bson_append_array_end(doc, &child) : bson_append_document_end(doc, &child)) &&
           ok;
}

//  body NULL: secrets are refused (results never hold one)
static bool
s_append(bson_t *doc, const char *key, const br_value_t *v, br_msg_t *body, int depth)
{
    if (depth > BR_WIRE_DEPTH) {
        return false;
    }
    switch (br_value_kind(v)) {
    case BR_V_NULL:
        return bson_append_null(doc, key, -1);
    case BR_V_BOOL:
        return bson_append_bool(doc, key, -1, br_value_as_bool(v));
    case BR_V_INT:
        return bson_append_int64(doc, key, -1, br_value_as_int(v));
    case BR_V_FLOAT:
        return bson_append_double(doc, key, -1, br_value_as_float(v));
    case BR_V_STR:
        return bson_append_utf8(doc, key, -1, br_value_as_str(v), (int)br_value_str_len(v));
    case BR_V_LIST:
    case BR_V_MAP:
        return s_append_container(doc, key, v, body, depth);
    case BR_V_SECRET: {
        if (!body) {
            return false;
        }
        const br_secret_t *secret = br_value_as_secret(v);
        br_secret_t *copy = br_secret_from_bytes(br_secret_cdata(secret), br_secret_size(secret));
        size_t index = br_msg_secret_count(body);
        if (!copy || br_msg_add_secret(body, &copy) != BR_OK) {
            br_secret_destroy(&copy);
            return false;
        }
        bson_t ref;
        return bson_append_document_begin(doc, key, -1, &ref) &&
               bson_append_int32(&ref, "$secret", -1, (int32_t)index) &&
               bson_append_document_end(doc, &ref);
    }
    }
    return false;
}

bson_t *
br_wire_to_bson(const br_value_t *map)
{
    bson_t *doc = bson_new();
    bool ok = doc && br_value_kind(map) == BR_V_MAP;
    for (size_t i = 0; ok && i < br_value_map_size(map); i++) {
        ok = s_append(doc, br_value_map_key(map, i), br_value_map_at(map, i), NULL, 1);
    }
    if (!ok) {
        bson_destroy(doc);
        return NULL;
    }
    return doc;
}

//  body NULL: a {"$secret": N} document is refused
static br_value_t *s_value(bson_iter_t *it, br_msg_t *body, int depth);

static br_value_t *
s_container(bson_iter_t *it, br_msg_t *body, int depth, bool list)
{
    bson_iter_t child;
    if (!bson_iter_recurse(it, &child)) {
        return NULL;
    }
    br_value_t *out = list ? br_value_list() : br_value_map();
    while (out && bson_iter_next(&child)) {
        br_value_t *item = s_value(&child, body, depth + 1);
        int rc = !item  ? BR_ERR_MALFORMED
                 : list ? br_value_list_append(out, &item)
                        : br_value_map_set(out, bson_iter_key(&child), &item);
        if (rc != BR_OK) {
            br_value_destroy(&item);
            br_value_destroy(&out);
        }
    }
    return out;
}

static br_value_t *
s_secret_ref(bson_iter_t *it, br_msg_t *body)
{
    bson_iter_t ref;
    if (!body || !bson_iter_recurse(it, &ref) || !bson_iter_next(&ref) ||
        strcmp(bson_iter_key(&ref), "$secret") != 0 || !BSON_ITER_HOLDS_INT32(&ref)) {
        return NULL;
    }
    int32_t index = bson_iter_int32(&ref);
    if (bson_iter_next(&ref) || index < 0 || (size_t)index >= br_msg_secret_count(body)) {
        return NULL;
    }
    const br_secret_t *secret = br_msg_secret(body, (size_t)index);
    br_secret_t *copy = br_secret_from_bytes(br_secret_cdata(secret), br_secret_size(secret));
    br_value_t *v = copy ? br_value_secret(&copy) : NULL;
    br_secret_destroy(&copy);
    return v;
}

static br_value_t *
s_value(bson_iter_t *it, br_msg_t *body, int depth)
{
    if (depth > BR_WIRE_DEPTH) {
        return NULL;
    }
    uint32_t len = 0;
    const char *s;
    switch (bson_iter_type(it)) {
    case BSON_TYPE_NULL:
        return br_value_null();
    case BSON_TYPE_BOOL:
        return br_value_bool(bson_iter_bool(it));
    case BSON_TYPE_INT32:
        return br_value_int(bson_iter_int32(it));
    case BSON_TYPE_INT64:
        return br_value_int(bson_iter_int64(it));
    case BSON_TYPE_DOUBLE:
        return br_value_float(bson_iter_double(it));
    case BSON_TYPE_UTF8:
        s = bson_iter_utf8(it, &len);
        return br_value_str_n(s, len);
    case BSON_TYPE_ARRAY:
        return s_container(it, body, depth, true);
    case BSON_TYPE_DOCUMENT: {
        bson_iter_t peek;
        if (bson_iter_recurse(it, &peek) && bson_iter_next(&peek) &&
            bson_iter_key(&peek)[0] == '$') {
            return s_secret_ref(it, body);
        }
        return s_container(it, body, depth, false);
    }
    default:
        return NULL;
    }
}

//  The top-level array of a body's "low" as a list, secrets resolved
static br_value_t *
s_container_of(bson_iter_t *it, br_msg_t *body)
{
    br_value_t *out = br_value_list();
    while (out && bson_iter_next(it)) {
        br_value_t *item = s_value(it, body, 1);
        if (!item || br_value_list_append(out, &item) != BR_OK) {
            br_value_destroy(&item);
            br_value_destroy(&out);
        }
    }
    return out;
}

br_value_t *
br_wire_from_bson(const bson_t *doc)
{
    bson_iter_t it;
    br_value_t *out = br_value_map();
    if (!out || !bson_iter_init(&it, doc)) {
        br_value_destroy(&out);
        return NULL;
    }
    while (bson_iter_next(&it)) {
        br_value_t *item = s_value(&it, NULL, 1);
        if (!item || br_value_map_set(out, bson_iter_key(&it), &item) != BR_OK) {
            br_value_destroy(&item);
            br_value_destroy(&out);
            return NULL;
        }
    }
    return out;
}

static bool
s_append_strs(bson_t *doc, const char *key, const br_value_t *list)
{
    return !list || s_append(doc, key, list, NULL, 1);
}

int
br_wire_low_encode(const br_low_t *low, br_msg_t *body, br_errmsg_t *err)
{
    int rc = BR_ERR_NOMEM;
    bson_t *array = bson_new();
    size_t *position = calloc(low->size ? low->size : 1, sizeof *position);
    if (!array || !position) {
        goto out;
    }
    for (size_t p = 0; p < low->size; p++) {
        position[low->exec[p]] = p;
    }
    bool ok = true;
    for (size_t p = 0; ok && p < low->size; p++) {
        const br_chunk_t *c = &low->chunks[low->exec[p]];
        char index[24];
        snprintf(index, sizeof index, "%zu", p);
        bson_t doc, args;
        ok = bson_append_document_begin(array, index, -1, &doc) &&
             BSON_APPEND_UTF8(&doc, "id", c->id) && BSON_APPEND_UTF8(&doc, "name", c->name) &&
             BSON_APPEND_UTF8(&doc, "sls", c->sls) && BSON_APPEND_UTF8(&doc, "file", c->file) &&
             BSON_APPEND_INT32(&doc, "line", c->line) &&
             BSON_APPEND_UTF8(&doc, "mod", c->module->name) &&
             BSON_APPEND_UTF8(&doc, "fun", c->fun->name) &&
             bson_append_document_begin(&doc, "args", -1, &args);
        for (size_t a = 0; ok && a < br_value_map_size(c->args); a++) {
            ok =
                s_append(&args, br_value_map_key(c->args, a), br_value_map_at(c->args, a), body, 2);
        }
        ok = ok && bson_append_document_end(&doc, &args) &&
             s_append_strs(&doc, "unless", c->unless) && s_append_strs(&doc, "onlyif", c->onlyif) &&
             s_append_strs(&doc, "creates", c->creates) &&
             BSON_APPEND_BOOL(&doc, "failhard", c->failhard);
        for (int k = 0; ok && k < BR_REQ_KINDS; k++) {
            bson_t reqs;
            ok = bson_append_array_begin(&doc, s_req_keys[k], -1, &reqs);
            for (size_t r = 0; ok && r < c->reqs[k].size; r++) {
                snprintf(index, sizeof index, "%zu", r);
                ok = BSON_APPEND_INT32(&reqs, index, (int32_t)position[c->reqs[k].items[r]]);
            }
            ok = ok && bson_append_array_end(&doc, &reqs);
        }
        ok = ok && bson_append_document_end(array, &doc);
    }
    rc = ok && br_msg_set_low(body, array) == BR_OK
             ? BR_OK
             : br_errmsg_set(err, BR_ERR_TOOBIG,
                             "the compiled states do not fit in a job (too large or too deep)");
out:
    free(position);
    bson_destroy(array);
    return rc;
}

//  Checks a decoded argument against its schema type
static bool
s_fits(const br_arg_t *arg, const br_value_t *v)
{
    br_vkind_t kind = br_value_kind(v);
    switch (arg->type) {
    case BR_ARG_STR:
        return kind == BR_V_STR;
    case BR_ARG_INT:
        return kind == BR_V_INT;
    case BR_ARG_BOOL:
        return kind == BR_V_BOOL;
    case BR_ARG_SECRET:
        return kind == BR_V_SECRET;
    case BR_ARG_LIST:
        if (kind != BR_V_LIST) {
            return false;
        }
        for (size_t i = 0; i < br_value_list_size(v); i++) {
            if (br_value_kind(br_value_list_at(v, i)) != BR_V_STR) {
                return false;
            }
        }
        return true;
    case BR_ARG_MAP:
        if (kind != BR_V_MAP) {
            return false;
        }
        for (size_t i = 0; i < br_value_map_size(v); i++) {
            if (br_value_kind(br_value_map_at(v, i)) != BR_V_STR) {
                return false;
            }
        }
        return true;
    }
    return false;
}

static bool
s_strings(const br_value_t *v)
{
    if (br_value_kind(v) != BR_V_LIST) {
        return false;
    }
    for (size_t i = 0; i < br_value_list_size(v); i++) {
        if (br_value_kind(br_value_list_at(v, i)) != BR_V_STR) {
            return false;
        }
    }
    return true;
}

//  The string under key in the low state's pool; NULL if missing, or empty
//  and required.
static const char *
s_dup_str(br_low_t *low, const br_value_t *doc, const char *key, bool required)
{
    const char *s = br_value_as_str(br_value_map_get(doc, key));
    return s && (*s || !required) ? br_low_strdup(low, s) : NULL;
}

//  One state document at position p
static int
s_decode_chunk(br_low_t *low, br_chunk_t *c, size_t p, br_value_t *doc, br_errmsg_t *err)
{
    static const char *known[] = {"id",      "name",  "sls",       "file",   "line",    "mod",
                                  "fun",     "args",  "unless",    "onlyif", "creates", "failhard",
                                  "require", "watch", "onchanges", "onfail", NULL};
    for (size_t i = 0; i < br_value_map_size(doc); i++) {
        bool ok = false;
        for (int k = 0; known[k]; k++) {
            ok = ok || strcmp(br_value_map_key(doc, i), known[k]) == 0;
        }
        if (!ok) {
            return br_errmsg_set(err, BR_ERR_FIELD, "state %zu: unknown field", p);
        }
    }
    c->id = s_dup_str(low, doc, "id", true);
    c->name = s_dup_str(low, doc, "name", true);
    c->sls = s_dup_str(low, doc, "sls", false);
    c->file = s_dup_str(low, doc, "file", false);
    c->line = (int)br_value_as_int(br_value_map_get(doc, "line"));
    const char *mod = br_value_as_str(br_value_map_get(doc, "mod"));
    const char *fun = br_value_as_str(br_value_map_get(doc, "fun"));
    c->module = mod ? br_module_find(mod) : NULL;
    c->fun = c->module && fun ? br_function_find(c->module, fun) : NULL;
    if (!c->id || !c->name || !c->sls || !c->file || !c->fun) {
        return br_errmsg_set(err, BR_ERR_FIELD,
                             "state %zu: missing id, name, sls or file, or unknown function", p);
    }
    br_value_t *args = br_value_map_get(doc, "args");
    if (br_value_kind(args) != BR_V_MAP) {
        return br_errmsg_set(err, BR_ERR_TYPE, "state '%s': args is not a map", c->id);
    }
    for (size_t i = 0; i < br_value_map_size(args); i++) {
        const br_arg_t *arg = br_arg_find(c->fun, br_value_map_key(args, i));
        if (!arg || !s_fits(arg, br_value_map_at(args, i))) {
            return br_errmsg_set(err, BR_ERR_TYPE, "state '%s': bad argument '%s'", c->id,
                                 br_value_map_key(args, i));
        }
    }
    for (const br_arg_t *arg = c->fun->args; arg && arg->name; arg++) {
        if (arg->required && !br_value_map_get(args, arg->name)) {
            return br_errmsg_set(err, BR_ERR_FIELD, "state '%s': missing argument '%s'", c->id,
                                 arg->name);
        }
    }
    c->args = br_value_dup(args);
    br_value_t **lists[] = {&c->unless, &c->onlyif, &c->creates};
    static const char *list_keys[] = {"unless", "onlyif", "creates"};
    for (int l = 0; l < 3; l++) {
        br_value_t *v = br_value_map_get(doc, list_keys[l]);
        if (v && !s_strings(v)) {
            return br_errmsg_set(err, BR_ERR_TYPE, "state '%s': %s is not a list of strings", c->id,
                                 list_keys[l]);
        }
        *lists[l] = v ? br_value_dup(v) : NULL;
    }
    const br_value_t *failhard = br_value_map_get(doc, "failhard");
    if (failhard && br_value_kind(failhard) != BR_V_BOOL) {
        return br_errmsg_set(err, BR_ERR_TYPE, "state '%s': failhard is not a boolean", c->id);
    }
    c->failhard = br_value_as_bool(failhard);
    for (int k = 0; k < BR_REQ_KINDS; k++) {
        const br_value_t *reqs = br_value_map_get(doc, s_req_keys[k]);
        for (size_t r = 0; r < br_value_list_size(reqs); r++) {
            const br_value_t *at = br_value_list_at(reqs, r);
            //  Only earlier states: no cycle can be expressed at all
            if (br_value_kind(at) != BR_V_INT || br_value_as_int(at) < 0 ||
                (size_t)br_value_as_int(at) >= p ||
                br_idxs_add(&c->reqs[k], (size_t)br_value_as_int(at)) != BR_OK) {
                return br_errmsg_set(err, BR_ERR_INVALID,
                                     "state '%s': a requisite is not an earlier state", c->id);
            }
        }
    }
    return c->args ? BR_OK : BR_ERR_NOMEM;
}

int
br_wire_low_decode(br_msg_t *body, br_low_t **low_p, br_errmsg_t *err)
{
    *low_p = NULL;
    const bson_t *array = br_msg_low(body);
    if (!array) {
        return br_errmsg_set(err, BR_ERR_FIELD, "the job carries no states");
    }
    bson_iter_t it;
    br_value_t *states = NULL;
    if (bson_iter_init(&it, array)) {
        states = s_container_of(&it, body);
    }
    int rc = BR_ERR_MALFORMED;
    size_t n = br_value_list_size(states);
    br_low_t *low = states ? br_low_new(n) : NULL;
    if (!states) {
        br_errmsg_set(err, rc, "the job's states are malformed");
        goto out;
    }
    if (!low) {
        rc = BR_ERR_NOMEM;
        goto out;
    }
    for (size_t p = 0; p < n; p++) {
        low->size = p + 1;
        low->exec[p] = p;
        br_value_t *doc = br_value_list_at(states, p);
        if (br_value_kind(doc) != BR_V_MAP) {
            br_errmsg_set(err, rc, "state %zu is not a document", p);
            goto out;
        }
        rc = s_decode_chunk(low, &low->chunks[p], p, doc, err);
        if (rc != BR_OK) {
            goto out;
        }
    }
    rc = BR_OK;
out:
    br_value_destroy(&states);
    if (rc == BR_OK) {
        *low_p = low;
    } else {
        br_low_destroy(&low);
    }
    return rc;
}
