/*  br_render_eval: evaluates an expression tree to a run-time value.

    Values are borrowed wherever they can be (pillar and grains are never
    copied to be looked at); only literals that build lists or maps make new
    trees, and those count against BR_RENDER_MAX_COPY. An undefined value
    remembers the expression that produced it, so the error raised when it
    is finally printed or iterated names what the template author wrote.
    Anything that would expose part of a secret (indexing it, comparing it,
    using it as a key) is refused without naming the value. */
#include "br_render_int.h"

#include <stdio.h>

void
br_rv_release(br_rv_t *rv)
{
    br_value_destroy(&rv->own);
    memset(rv, 0, sizeof *rv);
}

static void
s_value(br_rv_t *out, const br_value_t *v, br_value_t *own)
{
    memset(out, 0, sizeof *out);
    out->kind = BR_RV_VALUE;
    out->v = v;
    out->own = own;
}

static void
s_undef(br_rv_t *out, const br_expr_t *e)
{
    memset(out, 0, sizeof *out);
    out->kind = BR_RV_UNDEF;
    out->undef = e;
}

static int
s_owned(br_render_t *r, const br_expr_t *e, br_value_t *v, br_rv_t *out)
{
    if (!v) {
        return br_render_fail(r, BR_ERR_NOMEM, e->line, "out of memory");
    }
    s_value(out, v, v);
    return BR_OK;
}

static void
s_bool(br_render_t *r, bool b, br_rv_t *out)
{
    s_value(out, b ? r->v_true : r->v_false, NULL);
}

bool
br_rv_truthy(const br_rv_t *rv)
{
    switch (rv->kind) {
    case BR_RV_UNDEF:
        return false;
    case BR_RV_LOOP:
        return true;
    case BR_RV_VIEW:
        return br_value_map_size(rv->v) > 0;
    case BR_RV_VALUE:
        break;
    }
    const br_value_t *v = rv->v;
    switch (br_value_kind(v)) {
    case BR_V_NULL:
        return false;
    case BR_V_BOOL:
        return br_value_as_bool(v);
    case BR_V_INT:
        return br_value_as_int(v) != 0;
    case BR_V_FLOAT:
        return br_value_as_float(v) != 0.0;
    case BR_V_STR:
        return br_value_str_len(v) > 0;
    case BR_V_LIST:
        return br_value_list_size(v) > 0;
    case BR_V_MAP:
        return br_value_map_size(v) > 0;
    case BR_V_SECRET:
        return br_secret_size(br_value_as_secret(v)) > 0;
    }
    return false;
}

//  Nodes in v, stopping early past limit
static size_t
s_count(const br_value_t *v, size_t limit)
{
    size_t n = 1;
    size_t size = br_value_kind(v) == BR_V_LIST ? br_value_list_size(v) : br_value_map_size(v);
    for (size_t i = 0; i < size && n <= limit; i++) {
        const br_value_t *kid =
            br_value_kind(v) == BR_V_LIST ? br_value_list_at(v, i) : br_value_map_at(v, i);
        n += s_count(kid, limit - n);
    }
    return n;
}

//  Turns an evaluated item of a literal into a tree the literal can own
static int
s_take(br_render_t *r, const br_expr_t *e, br_rv_t *rv, br_value_t **item)
{
    *item = NULL;
    if (rv->kind == BR_RV_UNDEF) {
        return br_render_undefined(r, e->line, rv);
    }
    if (rv->kind != BR_RV_VALUE) {
        return br_render_fail(r, BR_ERR_TYPE, e->line, "%s cannot be stored in a list or map",
                              rv->kind == BR_RV_LOOP ? "'loop'" : "a dict view");
    }
    if (rv->own && rv->own == rv->v) {
        *item = rv->own;
        rv->own = NULL;
        return BR_OK;
    }
    br_vkind_t kind = br_value_kind(rv->v);
    if (kind == BR_V_LIST || kind == BR_V_MAP) {
        r->copied += s_count(rv->v, BR_RENDER_MAX_COPY + 1);
        if (r->copied > BR_RENDER_MAX_COPY) {
            return br_render_fail(r, BR_ERR_TOOBIG, e->line,
                                  "list and map literals copy more than %d values",
                                  BR_RENDER_MAX_COPY);
        }
    }
    *item = br_value_dup(rv->v);
    return *item ? BR_OK : br_render_fail(r, BR_ERR_NOMEM, e->line, "out of memory");
}

static int
s_list(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    br_value_t *list = br_value_list();
    int rc = s_owned(r, e, list, out);
    for (size_t i = 0; rc == BR_OK && i < e->nkids; i++) {
        br_rv_t rv;
        br_value_t *item = NULL;
        rc = br_render_eval(r, e->kids[i], &rv);
        if (rc == BR_OK) {
            rc = s_take(r, e->kids[i], &rv, &item);
        }
        if (rc == BR_OK && br_value_list_append(list, &item) != BR_OK) {
            rc = br_render_fail(r, BR_ERR_NOMEM, e->line, "out of memory");
        }
        br_value_destroy(&item);
        br_rv_release(&rv);
    }
    return rc;
}

static int
s_dict(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    br_value_t *map = br_value_map();
    int rc = s_owned(r, e, map, out);
    for (size_t i = 0; rc == BR_OK && i + 1 < e->nkids; i += 2) {
        br_rv_t key, rv;
        br_value_t *item = NULL;
        memset(&rv, 0, sizeof rv);
        rc = br_render_eval(r, e->kids[i], &key);
        if (rc == BR_OK && key.kind == BR_RV_UNDEF) {
            rc = br_render_undefined(r, e->kids[i]->line, &key);
        } else if (rc == BR_OK && br_value_kind(key.v) == BR_V_SECRET) {
            rc = br_render_secret_error(r, e->kids[i]->line);
        } else if (rc == BR_OK && (key.kind != BR_RV_VALUE || !br_value_as_str(key.v))) {
            rc = br_render_fail(r, BR_ERR_TYPE, e->kids[i]->line, "map keys must be strings");
        }
        if (rc == BR_OK) {
            rc = br_render_eval(r, e->kids[i + 1], &rv);
        }
        if (rc == BR_OK) {
            rc = s_take(r, e->kids[i + 1], &rv, &item);
        }
        if (rc == BR_OK && br_value_map_set(map, br_value_as_str(key.v), &item) != BR_OK) {
            rc = br_render_fail(r, BR_ERR_NOMEM, e->line, "out of memory");
        }
        br_value_destroy(&item);
        br_rv_release(&rv);
        br_rv_release(&key);
    }
    return rc;
}

//  loop.index and friends
static int
s_loop_attr(br_render_t *r, const br_expr_t *e, const br_loop_t *loop, const char *name,
            br_rv_t *out)
{
    size_t i = loop->index0, n = loop->length;
    if (strcmp(name, "first") == 0 || strcmp(name, "last") == 0) {
        s_bool(r, name[0] == 'f' ? i == 0 : i + 1 == n, out);
        return BR_OK;
    }
    static const char *const names[] = {"index", "index0", "revindex", "revindex0", "length"};
    const size_t values[] = {i + 1, i, n - i, n - i - 1, n};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strcmp(name, names[k]) == 0) {
            return s_owned(r, e, br_value_int((int64_t)values[k]), out);
        }
    }
    s_undef(out, e);
    return BR_OK;
}

//  The key text of an index, or NULL for a type that names no key. An
//  integer names the key "N": brine's maps only have text keys.
static const char *
s_key(const br_value_t *index, char *buf, size_t size)
{
    if (br_value_kind(index) == BR_V_INT) {
        snprintf(buf, size, "%lld", (long long)br_value_as_int(index));
        return buf;
    }
    const char *s = br_value_as_str(index);
    //  A key with a NUL in it cannot be in a map
    return s && strlen(s) == br_value_str_len(index) ? s : NULL;
}

//  a.b, a['b'], a[0]
static int
s_lookup(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    br_rv_t obj, index;
    memset(&index, 0, sizeof index);
    int rc = br_render_eval(r, e->kids[0], &obj);
    if (rc == BR_OK && e->kind == BR_E_ITEM) {
        rc = br_render_eval(r, e->kids[1], &index);
        if (rc == BR_OK && index.kind == BR_RV_UNDEF) {
            rc = br_render_undefined(r, e->line, &index);
        } else if (rc == BR_OK && index.kind != BR_RV_VALUE) {
            rc = br_render_fail(r, BR_ERR_TYPE, e->line, "unsupported index");
        } else if (rc == BR_OK && br_value_has_secret(index.v)) {
            rc = br_render_secret_error(r, e->line);
        }
    }
    if (rc != BR_OK) {
        br_rv_release(&index);
        br_rv_release(&obj);
        return rc;
    }
    char buf[32];
    const char *key = e->kind == BR_E_ATTR ? e->name : s_key(index.v, buf, sizeof buf);
    const br_value_t *v = obj.v;
    const br_value_t *found = NULL;
    if (obj.kind == BR_RV_LOOP) {
        rc = key ? s_loop_attr(r, e, obj.loop, key, out) : (s_undef(out, e), BR_OK);
        br_rv_release(&index);
        br_rv_release(&obj);
        return rc;
    }
    if (obj.kind == BR_RV_VALUE) {
        switch (br_value_kind(v)) {
        case BR_V_SECRET:
            rc = br_render_secret_error(r, e->line);
            break;
        case BR_V_MAP:
            found = key ? br_value_map_get(v, key) : NULL;
            break;
        case BR_V_LIST:
            if (e->kind == BR_E_ITEM && br_value_kind(index.v) == BR_V_INT) {
                int64_t at = br_value_as_int(index.v);
                int64_t size = (int64_t)br_value_list_size(v);
                if (at < 0) {
                    at += size;
                }
                found = at >= 0 && at < size ? br_value_list_at(v, (size_t)at) : NULL;
            }
            break;
        case BR_V_STR:
            if (e->kind == BR_E_ITEM) {
                rc = br_render_fail(r, BR_ERR_TYPE, e->line, "indexing a string is not supported");
            }
            break;
        default:
            break;
        }
    }
    br_rv_release(&index);
    if (rc == BR_OK && found) {
        //  The result lives inside obj's tree: it keeps that tree alive
        s_value(out, found, obj.own);
        return BR_OK;
    }
    br_rv_release(&obj);
    if (rc == BR_OK) {
        s_undef(out, e);
    }
    return rc;
}

//  salt['pillar.get'](key, default): Salt's colon path through the context
static int
s_salt(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    br_rv_t key;
    int rc = br_render_eval(r, e->kids[0], &key);
    if (rc != BR_OK) {
        return rc;
    }
    const char *fn = e->variant == BR_SALT_PILLAR ? "pillar.get" : "grains.get";
    if (key.kind == BR_RV_UNDEF) {
        rc = br_render_undefined(r, e->line, &key);
    } else if (key.kind == BR_RV_VALUE && br_value_kind(key.v) == BR_V_SECRET) {
        rc = br_render_secret_error(r, e->line);
    } else if (key.kind != BR_RV_VALUE || !br_value_as_str(key.v)) {
        rc = br_render_fail(r, BR_ERR_TYPE, e->line, "%s needs a string key", fn);
    }
    const br_value_t *found = NULL;
    if (rc == BR_OK) {
        const char *path = br_value_as_str(key.v);
        const br_value_t *root =
            br_value_map_get(r->context, e->variant == BR_SALT_PILLAR ? "pillar" : "grains");
        //  Salt finds nothing under an empty key; a NUL would cut the path
        if (root && *path && strlen(path) == br_value_str_len(key.v)) {
            found = br_value_path(root, path);
        }
    }
    br_rv_release(&key);
    if (rc != BR_OK) {
        return rc;
    }
    if (found) {
        s_value(out, found, NULL);
        return BR_OK;
    }
    if (e->nkids > 1) {
        return br_render_eval(r, e->kids[1], out);
    }
    s_value(out, r->v_empty, NULL);
    return BR_OK;
}

//  d.get(key[, default]): the value under key, else default, else None
static int
s_get(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    int rc = br_render_eval(r, e->kids[0], out);
    if (rc != BR_OK) {
        return rc;
    }
    if (out->kind == BR_RV_UNDEF) {
        rc = br_render_undefined(r, e->line, out);
    } else if (out->kind != BR_RV_VALUE || br_value_kind(out->v) != BR_V_MAP) {
        rc = br_render_fail(r, BR_ERR_TYPE, e->line, "get() needs a map");
    }
    br_rv_t key;
    if (rc == BR_OK) {
        rc = br_render_eval(r, e->kids[1], &key);
        if (rc == BR_OK && (key.kind != BR_RV_VALUE || !br_value_as_str(key.v))) {
            br_rv_release(&key);
            rc = br_render_fail(r, BR_ERR_TYPE, e->line, "get() needs a string key");
        }
    }
    if (rc != BR_OK) {
        br_rv_release(out);
        return rc;
    }
    const br_value_t *found = br_value_map_get(out->v, br_value_as_str(key.v));
    br_rv_release(&key);
    if (found) {
        //  found lives in the same tree as the map (borrowed, or owned by
        //  out->own), so out keeps it alive
        out->v = found;
        return BR_OK;
    }
    br_rv_release(out);
    if (e->nkids > 2) {
        return br_render_eval(r, e->kids[2], out);
    }
    br_value_t *none = br_value_null();
    if (!none) {
        return br_render_fail(r, BR_ERR_NOMEM, e->line, "out of memory");
    }
    s_value(out, none, none);
    return BR_OK;
}

//  d.items(), d.keys(), d.values()
static int
s_method(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    static const char *const names[] = {"items", "keys", "values"};
    int rc = br_render_eval(r, e->kids[0], out);
    if (rc != BR_OK) {
        return rc;
    }
    if (out->kind == BR_RV_UNDEF) {
        rc = br_render_undefined(r, e->line, out);
    } else if (out->kind == BR_RV_VALUE && br_value_kind(out->v) == BR_V_SECRET) {
        rc = br_render_secret_error(r, e->line);
    } else if (out->kind != BR_RV_VALUE || br_value_kind(out->v) != BR_V_MAP) {
        const char *kind = out->kind == BR_RV_VALUE  ? br_value_kind_name(br_value_kind(out->v))
                           : out->kind == BR_RV_LOOP ? "loop"
                                                     : "dict view";
        rc = br_render_fail(r, BR_ERR_TYPE, e->line, "%s() needs a map, got %s", names[e->variant],
                            kind);
    }
    if (rc != BR_OK) {
        br_rv_release(out);
        return rc;
    }
    out->kind = BR_RV_VIEW;
    out->view = (br_view_t)e->variant;
    return BR_OK;
}

//  x | default(y [, boolean])
static int
s_default(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    int rc = br_render_eval(r, e->kids[0], out);
    if (rc != BR_OK) {
        return rc;
    }
    bool fallback = out->kind == BR_RV_UNDEF;
    if (!fallback && e->nkids > 2) {
        br_rv_t boolean;
        rc = br_render_eval(r, e->kids[2], &boolean);
        fallback = rc == BR_OK && br_rv_truthy(&boolean) && !br_rv_truthy(out);
        br_rv_release(&boolean);
    }
    if (rc == BR_OK && fallback) {
        br_rv_release(out);
        rc = br_render_eval(r, e->kids[1], out);
    }
    return rc;
}

//  and/or give one of their operands, as in Python: {{ a or 'x' }}
static int
s_logic(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    int rc = br_render_eval(r, e->kids[0], out);
    for (size_t i = 1; rc == BR_OK && i < e->nkids; i++) {
        bool truthy = br_rv_truthy(out);
        if (e->kind == BR_E_AND ? !truthy : truthy) {
            break;
        }
        br_rv_release(out);
        rc = br_render_eval(r, e->kids[i], out);
    }
    return rc;
}

int
br_render_eval(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    memset(out, 0, sizeof *out);
    br_rv_t tmp;
    int rc;
    switch (e->kind) {
    case BR_E_CONST:
        s_value(out, e->value, NULL);
        return BR_OK;
    case BR_E_LIST:
        rc = s_list(r, e, out);
        break;
    case BR_E_DICT:
        rc = s_dict(r, e, out);
        break;
    case BR_E_NAME:
        if (!br_render_lookup(r, e->name, out)) {
            s_undef(out, e);
        }
        return BR_OK;
    case BR_E_ATTR:
    case BR_E_ITEM:
        return s_lookup(r, e, out);
    case BR_E_SALT:
        return s_salt(r, e, out);
    case BR_E_GET:
        return s_get(r, e, out);
    case BR_E_METHOD:
        return s_method(r, e, out);
    case BR_E_DEFAULT:
        return s_default(r, e, out);
    case BR_E_DEFINED:
    case BR_E_NOT:
        rc = br_render_eval(r, e->kids[0], &tmp);
        if (rc == BR_OK) {
            bool b = e->kind == BR_E_NOT ? !br_rv_truthy(&tmp)
                                         : (tmp.kind != BR_RV_UNDEF) != (e->variant != 0);
            s_bool(r, b, out);
        }
        br_rv_release(&tmp);
        return rc;
    case BR_E_AND:
    case BR_E_OR:
        rc = s_logic(r, e, out);
        break;
    case BR_E_COMPARE:
        return br_render_compare(r, e, out);
    default:
        rc = br_render_fail(r, BR_ERR_INTERNAL, e->line, "internal error: bad expression");
        break;
    }
    if (rc != BR_OK) {
        br_rv_release(out);
    }
    return rc;
}
