/*  br_render_expr: expressions inside {{ }} and {% %}, by recursive descent
    with Jinja's precedence, loosest first:

      or  <  and  <  not  <  comparisons (== != < <= > >= in, not in)
          <  filters and tests (| default, is defined)  <  unary minus
          <  postfix (.name  [index]  .items())  <  literals, names, ( )

    This file has the tree helpers and the operators; the operands and
    postfix forms are in br_render_atom.c. Constructs outside the subset are
    refused with their line, so a template that parses is one brine knows
    how to render. Recursion and tree height are both bounded by
    BR_RENDER_DEPTH, so neither parsing nor evaluating can exhaust the
    stack. */
#include "br_render_int.h"

#include <stdarg.h>
#include <stdio.h>

int
br_parser_fail(br_parser_t *p, const br_token_t *t, const char *format, ...)
{
    char text[300];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line, "%s", text);
}

int
br_parser_nomem(br_parser_t *p)
{
    return br_render_error(p->err, BR_ERR_NOMEM, p->path, br_parser_peek(p)->line, "out of memory");
}

//  The node's memory is the parser's pool: only its constants go here
void
br_render_expr_destroy(br_expr_t **self_p)
{
    br_expr_t *self = *self_p;
    if (!self) {
        return;
    }
    for (size_t i = 0; i < self->nkids; i++) {
        br_render_expr_destroy(&self->kids[i]);
    }
    br_value_destroy(&self->value);
    *self_p = NULL;
}

void *
br_parser_alloc(br_parser_t *p, size_t size)
{
    void *memory = br_value_pool_alloc(p->pool, size);
    if (memory) {
        memset(memory, 0, size);
    }
    return memory;
}

int
br_parser_grow(br_parser_t *p, void *array_p, size_t count, size_t elem)
{
    //  Room for 2, then for each power of two: full at 0 and at 2, 4, 8...
    if (count == 1 || (count & (count - 1)) != 0) {
        return BR_OK;
    }
    void *old = NULL;
    memcpy(&old, array_p, sizeof old);
    void *grown = br_value_pool_alloc(p->pool, (count ? count * 2 : 2) * elem);
    if (!grown) {
        return br_parser_nomem(p);
    }
    if (count) {
        memcpy(grown, old, count * elem);
    }
    memcpy(array_p, &grown, sizeof grown);
    return BR_OK;
}

char *
br_parser_name(br_parser_t *p, const br_token_t *t)
{
    char *name = br_value_pool_alloc(p->pool, t->len + 1);
    if (name) {
        memcpy(name, t->src, t->len);
        name[t->len] = 0;
    }
    return name;
}

//  A node whose text starts at token t
br_expr_t *
br_expr_new(br_parser_t *p, br_ekind_t kind, const br_token_t *t)
{
    br_expr_t *e = br_parser_alloc(p, sizeof *e);
    if (e) {
        e->kind = kind;
        e->line = t->line;
        e->src = t->src;
        e->height = 1;
    }
    return e;
}

//  The node's text ends with the last token consumed
void
br_expr_close(br_parser_t *p, br_expr_t *e)
{
    const br_token_t *last = &p->toks[p->pos > 0 ? p->pos - 1 : 0];
    if (last->src + last->len >= e->src) {
        e->src_len = (size_t)(last->src + last->len - e->src);
    }
}

//  Attaches *kid_p to e (always, so that destroying e frees it), then
//  checks the height limit
int
br_expr_attach(br_parser_t *p, br_expr_t *e, br_expr_t **kid_p)
{
    br_expr_t *kid = *kid_p;
    int rc = br_parser_grow(p, &e->kids, e->nkids, sizeof *e->kids);
    if (rc != BR_OK) {
        br_render_expr_destroy(kid_p);
        return rc;
    }
    e->kids[e->nkids++] = kid;
    *kid_p = NULL;
    if (kid && kid->height + 1 > e->height) {
        e->height = kid->height + 1;
    }
    if (e->height > BR_RENDER_DEPTH) {
        return br_render_error(p->err, BR_ERR_TOOBIG, p->path, e->line,
                               "expression nested more than %d levels deep", BR_RENDER_DEPTH);
    }
    return BR_OK;
}

//  A new node of kind whose first operand is *left (taken in every case)
int
br_expr_wrap(br_parser_t *p, br_ekind_t kind, br_expr_t **left, br_expr_t **out)
{
    br_expr_t *e = br_parser_alloc(p, sizeof *e);
    if (!e) {
        br_render_expr_destroy(left);
        return br_parser_nomem(p);
    }
    e->kind = kind;
    e->line = (*left)->line;
    e->src = (*left)->src;
    e->height = 1;
    *out = e;
    return br_expr_attach(p, e, left);
}

//  A constant node for value (taken in every case), whose text ends with
//  the last token consumed
int
br_expr_const(br_parser_t *p, const br_token_t *t, br_value_t *value, br_expr_t **out)
{
    br_expr_t *e = value ? br_expr_new(p, BR_E_CONST, t) : NULL;
    if (!e) {
        br_value_destroy(&value);
        return br_parser_nomem(p);
    }
    e->value = value;
    br_expr_close(p, e);
    *out = e;
    return BR_OK;
}

//  Parses "(a, b, name=c)" after the '(' into slots, by position or by
//  keyword; params names the slots in order
int
br_parser_args(br_parser_t *p, const char *fn, const char *const *params, size_t nparams,
               br_expr_t **slots)
{
    size_t npos = 0;
    bool keywords = false;
    while (!br_token_is_op(br_parser_peek(p), ")")) {
        const br_token_t *t = br_parser_peek(p);
        size_t slot = nparams;
        if (t->kind == BR_TK_NAME && br_token_is_op(&p->toks[p->pos + 1], "=")) {
            for (size_t i = 0; i < nparams; i++) {
                if (br_token_is_name(t, params[i])) {
                    slot = i;
                }
            }
            if (slot == nparams) {
                return br_parser_fail(p, t, "unsupported argument '%.*s' to %s", (int)t->len,
                                      t->src, fn);
            }
            if (slots[slot]) {
                return br_parser_fail(p, t, "argument '%s' given twice to %s", params[slot], fn);
            }
            keywords = true;
            br_parser_next(p);
            br_parser_next(p);
        } else if (keywords) {
            return br_parser_fail(p, t, "positional argument after a keyword argument to %s", fn);
        } else if (npos >= nparams) {
            return br_parser_fail(p, t, "too many arguments to %s", fn);
        } else {
            slot = npos++;
        }
        int rc = br_render_parse_expr(p, &slots[slot]);
        if (rc != BR_OK) {
            return rc;
        }
        if (!br_token_is_op(br_parser_peek(p), ",")) {
            break;
        }
        br_parser_next(p);
    }
    return br_parser_expect_op(p, ")");
}

static int
s_unary(br_parser_t *p, br_expr_t **out)
{
    const br_token_t *t = br_parser_peek(p);
    if (br_token_is_op(t, "-")) {
        //  Only a negative number: arithmetic is outside the subset
        const br_token_t *num = &p->toks[p->pos + 1];
        if (num->kind == BR_TK_INT || num->kind == BR_TK_FLOAT) {
            p->pos += 2;
            return br_expr_const(
                p, t, num->kind == BR_TK_INT ? br_value_int(-num->i) : br_value_float(-num->d),
                out);
        }
    }
    return br_render_parse_postfix(p, out);
}

//  | default(value, boolean) and  is [not] defined
static int
s_filtered(br_parser_t *p, br_expr_t **out)
{
    static const char *const params[] = {"default_value", "boolean"};
    int rc = s_unary(p, out);
    while (rc == BR_OK) {
        const br_token_t *t = br_parser_peek(p);
        bool filter = br_token_is_op(t, "|");
        if (!filter && !br_token_is_name(t, "is")) {
            break;
        }
        br_parser_next(p);
        bool negated = !filter && br_token_is_name(br_parser_peek(p), "not");
        if (negated) {
            br_parser_next(p);
        }
        const br_token_t *name = br_parser_peek(p);
        if (name->kind != BR_TK_NAME) {
            return br_parser_unexpected(p, filter ? "a filter name after '|'"
                                                  : "a test name after 'is'");
        }
        char what[64];
        br_render_snippet(what, sizeof what, name->src, name->len);
        if (filter && !br_token_is_name(name, "default")) {
            return br_parser_fail(p, name, "unsupported filter '%s'", what);
        }
        if (!filter && !br_token_is_name(name, "defined")) {
            return br_parser_fail(p, name, "unsupported test '%s'", what);
        }
        br_parser_next(p);
        br_expr_t *e = NULL;
        rc = br_expr_wrap(p, filter ? BR_E_DEFAULT : BR_E_DEFINED, out, &e);
        *out = e;
        if (rc != BR_OK) {
            break;
        }
        if (!filter) {
            e->variant = negated;
            br_expr_close(p, e);
            continue;
        }
        br_expr_t *slots[2] = {NULL, NULL};
        if (br_token_is_op(br_parser_peek(p), "(")) {
            br_parser_next(p);
            rc = br_parser_args(p, "default", params, 2, slots);
        }
        if (rc == BR_OK && !slots[0]) {
            //  default() gives '' as in Jinja
            rc = br_expr_const(p, name, br_value_str(""), &slots[0]);
        }
        for (size_t i = 0; i < 2; i++) {
            if (slots[i]) {
                int attached = br_expr_attach(p, e, &slots[i]);
                rc = rc == BR_OK ? attached : rc;
            }
        }
        br_expr_close(p, e);
    }
    return rc;
}

static int
s_compare(br_parser_t *p, br_expr_t **out)
{
    static const struct {
        const char *op;
        br_cmp_t cmp;
    } ops[] = {{"==", BR_CMP_EQ}, {"!=", BR_CMP_NE}, {"<", BR_CMP_LT},
               {"<=", BR_CMP_LE}, {">", BR_CMP_GT},  {">=", BR_CMP_GE}};
    int rc = s_filtered(p, out);
    br_expr_t *e = NULL;
    while (rc == BR_OK) {
        const br_token_t *t = br_parser_peek(p);
        int cmp = -1;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            if (br_token_is_op(t, ops[i].op)) {
                cmp = (int)ops[i].cmp;
            }
        }
        if (br_token_is_name(t, "in")) {
            cmp = BR_CMP_IN;
        } else if (br_token_is_name(t, "not") && br_token_is_name(&p->toks[p->pos + 1], "in")) {
            cmp = BR_CMP_NOTIN;
            br_parser_next(p);
        }
        if (cmp < 0) {
            break;
        }
        br_parser_next(p);
        if (!e) {
            rc = br_expr_wrap(p, BR_E_COMPARE, out, &e);
            *out = e;
        }
        if (rc == BR_OK) {
            rc = br_parser_grow(p, &e->ops, e->nkids - 1, sizeof *e->ops);
        }
        if (rc != BR_OK) {
            break;
        }
        e->ops[e->nkids - 1] = (br_cmp_t)cmp;
        br_expr_t *right = NULL;
        rc = s_filtered(p, &right);
        if (rc == BR_OK) {
            rc = br_expr_attach(p, e, &right);
        }
        br_render_expr_destroy(&right);
        br_expr_close(p, e);
    }
    return rc;
}

static int
s_not(br_parser_t *p, br_expr_t **out)
{
    const br_token_t *t = br_parser_peek(p);
    if (!br_token_is_name(t, "not")) {
        return s_compare(p, out);
    }
    br_parser_next(p);
    if (++p->depth > BR_RENDER_DEPTH) {
        p->depth--;
        return br_render_error(p->err, BR_ERR_TOOBIG, p->path, t->line,
                               "expression nested more than %d levels deep", BR_RENDER_DEPTH);
    }
    br_expr_t *operand = NULL;
    int rc = s_not(p, &operand);
    p->depth--;
    br_expr_t *e = rc == BR_OK ? br_expr_new(p, BR_E_NOT, t) : NULL;
    if (rc != BR_OK || !e) {
        br_render_expr_destroy(&operand);
        return rc != BR_OK ? rc : br_parser_nomem(p);
    }
    *out = e;
    rc = br_expr_attach(p, e, &operand);
    br_expr_close(p, e);
    return rc;
}

//  and/or chains are one node with many operands: a long chain is flat
static int
s_chain(br_parser_t *p, br_ekind_t kind, br_expr_t **out)
{
    const char *word = kind == BR_E_OR ? "or" : "and";
    int rc = kind == BR_E_OR ? s_chain(p, BR_E_AND, out) : s_not(p, out);
    br_expr_t *e = NULL;
    while (rc == BR_OK && br_token_is_name(br_parser_peek(p), word)) {
        br_parser_next(p);
        if (!e) {
            rc = br_expr_wrap(p, kind, out, &e);
            *out = e;
        }
        br_expr_t *right = NULL;
        if (rc == BR_OK) {
            rc = kind == BR_E_OR ? s_chain(p, BR_E_AND, &right) : s_not(p, &right);
        }
        if (rc == BR_OK) {
            rc = br_expr_attach(p, e, &right);
        }
        br_render_expr_destroy(&right);
        if (e) {
            br_expr_close(p, e);
        }
    }
    return rc;
}

int
br_render_parse_expr(br_parser_t *p, br_expr_t **out)
{
    *out = NULL;
    if (++p->depth > BR_RENDER_DEPTH) {
        p->depth--;
        return br_render_error(p->err, BR_ERR_TOOBIG, p->path, br_parser_peek(p)->line,
                               "expression nested more than %d levels deep", BR_RENDER_DEPTH);
    }
    br_expr_t *e = NULL;
    int rc = s_chain(p, BR_E_OR, &e);
    p->depth--;
    if (rc != BR_OK) {
        br_render_expr_destroy(&e);
        return rc;
    }
    *out = e;
    return BR_OK;
}
