/*  br_render_atom: the operands of expressions: literals (strings, numbers,
    booleans, none, lists, maps), names, parentheses, salt['pillar.get'](...)
    and salt['grains.get'](...), and what may follow an operand: .name,
    .0, [index] and the three map methods items(), keys() and values().

    Every other call, method, slice or tuple is refused here with its line.
    The operators around operands are in br_render_expr.c. */
#include "br_render_int.h"

//  salt['pillar.get'](key, default) and salt['grains.get'](key, default)
static int
s_salt(br_parser_t *p, br_expr_t **out)
{
    static const char *const params[] = {"key", "default"};
    const br_token_t *first = br_parser_next(p);
    const br_token_t *fn = &p->toks[p->pos + 1];
    if (!br_token_is_op(br_parser_peek(p), "[") || fn->kind != BR_TK_STRING ||
        !br_token_is_op(&p->toks[p->pos + 2], "]") || !br_token_is_op(&p->toks[p->pos + 3], "(")) {
        return br_parser_fail(p, first,
                              "unsupported use of 'salt': only salt['pillar.get'](...) and "
                              "salt['grains.get'](...) are available");
    }
    int variant;
    if (strcmp(fn->str, "pillar.get") == 0 && fn->str_len == 10) {
        variant = BR_SALT_PILLAR;
    } else if (strcmp(fn->str, "grains.get") == 0 && fn->str_len == 10) {
        variant = BR_SALT_GRAINS;
    } else {
        char name[64];
        br_render_snippet(name, sizeof name, fn->str, fn->str_len);
        return br_parser_fail(p, fn, "unsupported salt function '%s'", name);
    }
    p->pos += 4;
    br_expr_t *e = br_expr_new(p, BR_E_SALT, first);
    if (!e) {
        return br_parser_nomem(p);
    }
    e->variant = variant;
    *out = e;
    br_expr_t *slots[2] = {NULL, NULL};
    const char *fname = variant == BR_SALT_PILLAR ? "pillar.get" : "grains.get";
    int rc = br_parser_args(p, fname, params, 2, slots);
    if (rc == BR_OK && !slots[0]) {
        rc = br_parser_fail(p, first, "%s needs a key", fname);
    }
    for (size_t i = 0; i < 2; i++) {
        if (slots[i]) {
            int attached = br_expr_attach(p, e, &slots[i]);
            rc = rc == BR_OK ? attached : rc;
        }
    }
    br_expr_close(p, e);
    return rc;
}

//  [a, b, ...] or {k: v, ...} after the opening bracket
static int
s_collection(br_parser_t *p, const br_token_t *first, bool dict, br_expr_t **out)
{
    br_expr_t *e = br_expr_new(p, dict ? BR_E_DICT : BR_E_LIST, first);
    if (!e) {
        return br_parser_nomem(p);
    }
    *out = e;
    const char *close = dict ? "}" : "]";
    while (!br_token_is_op(br_parser_peek(p), close)) {
        br_expr_t *item = NULL;
        int rc = br_render_parse_expr(p, &item);
        if (rc == BR_OK) {
            rc = br_expr_attach(p, e, &item);
        }
        if (rc == BR_OK && dict) {
            rc = br_parser_expect_op(p, ":");
            if (rc == BR_OK) {
                rc = br_render_parse_expr(p, &item);
            }
            if (rc == BR_OK) {
                rc = br_expr_attach(p, e, &item);
            }
        }
        if (rc != BR_OK) {
            br_render_expr_destroy(&item);
            return rc;
        }
        if (!br_token_is_op(br_parser_peek(p), ",")) {
            break;
        }
        br_parser_next(p);
    }
    int rc = br_parser_expect_op(p, close);
    br_expr_close(p, e);
    return rc;
}

//  A variable: a name from the context, a set, a loop, or 'loop' itself
static int
s_name(br_parser_t *p, br_expr_t **out)
{
    const br_token_t *t = br_parser_peek(p);
    if (br_render_reserved(t->src, t->len) && !br_token_is_name(t, "loop")) {
        return br_parser_unexpected(p, "an expression");
    }
    br_expr_t *e = br_expr_new(p, BR_E_NAME, t);
    if (e) {
        e->name = br_parser_name(p, t);
    }
    if (!e || !e->name) {
        br_render_expr_destroy(&e);
        return br_parser_nomem(p);
    }
    br_parser_next(p);
    br_expr_close(p, e);
    *out = e;
    return BR_OK;
}

static int
s_primary(br_parser_t *p, br_expr_t **out)
{
    const br_token_t *t = br_parser_peek(p);
    switch (t->kind) {
    case BR_TK_STRING: {
        //  Adjacent literals join, as in Python
        size_t len = 0;
        for (size_t i = p->pos; p->toks[i].kind == BR_TK_STRING; i++) {
            len += p->toks[i].str_len;
        }
        char *joined = malloc(len + 1);
        if (!joined) {
            return br_parser_nomem(p);
        }
        size_t n = 0;
        while (br_parser_peek(p)->kind == BR_TK_STRING) {
            const br_token_t *s = br_parser_next(p);
            memcpy(joined + n, s->str, s->str_len);
            n += s->str_len;
        }
        int rc = br_expr_const(p, t, br_value_str_n(joined, len), out);
        free(joined);
        return rc;
    }
    case BR_TK_INT:
    case BR_TK_FLOAT:
        br_parser_next(p);
        return br_expr_const(p, t, t->kind == BR_TK_INT ? br_value_int(t->i) : br_value_float(t->d),
                             out);
    case BR_TK_NAME:
        if (br_token_is_name(t, "salt")) {
            return s_salt(p, out);
        }
        if (br_token_is_name(t, "true") || br_token_is_name(t, "True") ||
            br_token_is_name(t, "false") || br_token_is_name(t, "False")) {
            br_parser_next(p);
            return br_expr_const(p, t, br_value_bool(t->src[0] == 't' || t->src[0] == 'T'), out);
        }
        if (br_token_is_name(t, "none") || br_token_is_name(t, "None")) {
            br_parser_next(p);
            return br_expr_const(p, t, br_value_null(), out);
        }
        return s_name(p, out);
    default:
        break;
    }
    if (br_token_is_op(t, "(")) {
        br_parser_next(p);
        if (br_token_is_op(br_parser_peek(p), ")")) {
            return br_parser_fail(p, t, "unsupported tuple");
        }
        int rc = br_render_parse_expr(p, out);
        if (rc == BR_OK && br_token_is_op(br_parser_peek(p), ",")) {
            rc = br_parser_fail(p, t, "unsupported tuple");
        }
        return rc == BR_OK ? br_parser_expect_op(p, ")") : rc;
    }
    if (br_token_is_op(t, "[") || br_token_is_op(t, "{")) {
        br_parser_next(p);
        return s_collection(p, t, br_token_is_op(t, "{"), out);
    }
    return br_parser_unexpected(p, "an expression");
}

//  A call on *e: only .items(), .keys(), .values() and .get() are methods brine has
static int
s_call(br_parser_t *p, br_expr_t **e)
{
    static const char *const methods[] = {"items", "keys", "values"};
    const br_token_t *t = br_parser_peek(p);
    br_expr_t *callee = *e;
    if (callee->kind == BR_E_NAME) {
        return br_parser_fail(p, t, "unsupported function '%s'", callee->name);
    }
    if (callee->kind != BR_E_ATTR) {
        return br_parser_fail(p, t, "unsupported function call");
    }
    if (strcmp(callee->name, "get") == 0) {
        //  d.get(key[, default]): Python's dict.get, common in Salt states
        static const char *const params[] = {"key", "default"};
        br_parser_next(p);
        callee->kind = BR_E_GET;
        callee->name = NULL;
        br_expr_t *slots[2] = {NULL, NULL};
        int rc = br_parser_args(p, "get", params, 2, slots);
        if (rc == BR_OK && !slots[0]) {
            rc = br_parser_fail(p, t, "get() needs a key");
        }
        for (size_t i = 0; i < 2; i++) {
            if (slots[i]) {
                int attached = br_expr_attach(p, callee, &slots[i]);
                rc = rc == BR_OK ? attached : rc;
            }
        }
        br_expr_close(p, callee);
        return rc;
    }
    int view = -1;
    for (int i = 0; i < 3; i++) {
        if (strcmp(callee->name, methods[i]) == 0) {
            view = i;
        }
    }
    if (view < 0) {
        return br_parser_fail(p, t, "unsupported method '%s'", callee->name);
    }
    br_parser_next(p);
    if (!br_token_is_op(br_parser_peek(p), ")")) {
        return br_parser_fail(p, t, "'%s()' takes no arguments", callee->name);
    }
    br_parser_next(p);
    //  The attribute node becomes the method node: same operand, same text
    callee->kind = BR_E_METHOD;
    callee->variant = view;
    callee->name = NULL;
    br_expr_close(p, callee);
    return BR_OK;
}

int
br_render_parse_postfix(br_parser_t *p, br_expr_t **out)
{
    int rc = s_primary(p, out);
    while (rc == BR_OK) {
        const br_token_t *t = br_parser_peek(p);
        if (br_token_is_op(t, "(")) {
            rc = s_call(p, out);
            continue;
        }
        bool dot = br_token_is_op(t, ".");
        if (!dot && !br_token_is_op(t, "[")) {
            break;
        }
        br_parser_next(p);
        const br_token_t *key = br_parser_peek(p);
        br_expr_t *index = NULL;
        br_ekind_t kind = BR_E_ITEM;
        if (dot && key->kind == BR_TK_INT) {
            //  a.0 is a[0], as in Jinja
            br_parser_next(p);
            rc = br_expr_const(p, key, br_value_int(key->i), &index);
        } else if (dot && key->kind == BR_TK_NAME) {
            kind = BR_E_ATTR;
        } else if (dot) {
            return br_parser_unexpected(p, "a name after '.'");
        } else if (br_token_is_op(key, ":")) {
            return br_parser_fail(p, key, "unsupported slice");
        } else {
            rc = br_render_parse_expr(p, &index);
            const br_token_t *after = br_parser_peek(p);
            if (rc == BR_OK && br_token_is_op(after, ":")) {
                rc = br_parser_fail(p, after, "unsupported slice");
            } else if (rc == BR_OK && br_token_is_op(after, ",")) {
                rc = br_parser_fail(p, after, "unsupported tuple index");
            } else if (rc == BR_OK) {
                rc = br_parser_expect_op(p, "]");
            }
        }
        if (rc != BR_OK) {
            br_render_expr_destroy(&index);
            return rc;
        }
        br_expr_t *e = NULL;
        rc = br_expr_wrap(p, kind, out, &e);
        *out = e;
        if (rc == BR_OK && kind == BR_E_ATTR) {
            e->name = br_parser_name(p, key);
            rc = e->name ? BR_OK : br_parser_nomem(p);
            br_parser_next(p);
        } else if (rc == BR_OK) {
            rc = br_expr_attach(p, e, &index);
        }
        br_render_expr_destroy(&index);
        if (e) {
            br_expr_close(p, e);
        }
    }
    return rc;
}
