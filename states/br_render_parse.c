/*  br_render_parse: the statement level of the template: text, {{ expr }},
    and the {% if %}, {% for %} and {% set %} tags, into a tree of bodies.

    Each body is parsed by one call that returns when it meets one of the
    tags that may end it (elif/else/endif, else/endfor), so a misplaced or
    missing end tag is reported with the line of the block it leaves open.
    Every tag outside the subset is refused here by name. */
#include "br_render_int.h"

#include <stdio.h>

//  The block a body belongs to, for messages
typedef struct {
    const char *tag; //  "if" or "for"
    int line;
} opener_t;

const br_token_t *
br_parser_peek(const br_parser_t *p)
{
    return &p->toks[p->pos];
}

const br_token_t *
br_parser_next(br_parser_t *p)
{
    const br_token_t *t = &p->toks[p->pos];
    if (t->kind != BR_TK_EOF) {
        p->pos++;
    }
    return t;
}

static bool
s_token_is(const br_token_t *t, br_tkind_t kind, const char *text)
{
    size_t n = strlen(text);
    return t->kind == kind && t->len == n && memcmp(t->src, text, n) == 0;
}

bool
br_token_is_op(const br_token_t *t, const char *op)
{
    return s_token_is(t, BR_TK_OP, op);
}

bool
br_token_is_name(const br_token_t *t, const char *name)
{
    return s_token_is(t, BR_TK_NAME, name);
}

int
br_parser_unexpected(br_parser_t *p, const char *expected)
{
    static const char *const arithmetic[] = {"~", "+", "-", "*", "/", "//", "%", "**"};
    const br_token_t *t = br_parser_peek(p);
    char what[64];
    br_render_snippet(what, sizeof what, t->src, t->len);
    for (size_t i = 0; i < sizeof arithmetic / sizeof arithmetic[0]; i++) {
        if (br_token_is_op(t, arithmetic[i])) {
            return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                                   "unsupported operator '%s'", what);
        }
    }
    if (br_token_is_name(t, "if")) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported inline 'if' expression");
    }
    switch (t->kind) {
    case BR_TK_EOF:
        snprintf(what, sizeof what, "end of template");
        break;
    case BR_TK_STRING:
        snprintf(what, sizeof what, "a string");
        break;
    case BR_TK_TEXT:
        snprintf(what, sizeof what, "text");
        break;
    default: {
        char quoted[70];
        snprintf(quoted, sizeof quoted, "'%s'", what);
        memcpy(what, quoted, sizeof what - 1);
        what[sizeof what - 1] = 0;
        break;
    }
    }
    return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line, "unexpected %s, expected %s",
                           what, expected);
}

int
br_parser_expect_op(br_parser_t *p, const char *op)
{
    if (!br_token_is_op(br_parser_peek(p), op)) {
        char expected[16];
        snprintf(expected, sizeof expected, "'%s'", op);
        return br_parser_unexpected(p, expected);
    }
    br_parser_next(p);
    return BR_OK;
}

bool
br_render_reserved(const char *name, size_t len)
{
    static const char *const reserved[] = {"salt",  "loop", "true", "True", "false",
                                           "False", "none", "None", "and",  "or",
                                           "not",   "in",   "is",   "if",   "else"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (strlen(reserved[i]) == len && memcmp(reserved[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

static int
s_expect_kind(br_parser_t *p, br_tkind_t kind, const char *expected)
{
    if (br_parser_peek(p)->kind != kind) {
        return br_parser_unexpected(p, expected);
    }
    br_parser_next(p);
    return BR_OK;
}

static int
s_expect_block_end(br_parser_t *p)
{
    return s_expect_kind(p, BR_TK_BLOCK_END, "'%}'");
}

//  The statement's memory is the parser's pool: only its constants go here
static void
s_stmt_destroy(br_stmt_t **self_p)
{
    br_stmt_t *self = *self_p;
    if (!self) {
        return;
    }
    br_render_expr_destroy(&self->expr);
    for (size_t i = 0; i < self->nbranches; i++) {
        br_render_expr_destroy(&self->conds[i]);
        br_render_body_clear(&self->bodies[i]);
    }
    br_render_body_clear(&self->body);
    br_render_body_clear(&self->else_body);
    *self_p = NULL;
}

void
br_render_body_clear(br_body_t *body)
{
    for (size_t i = 0; i < body->size; i++) {
        s_stmt_destroy(&body->items[i]);
    }
    memset(body, 0, sizeof *body);
}

//  Appends a new statement to body; NULL when out of memory
static br_stmt_t *
s_add(br_parser_t *p, br_body_t *body, br_skind_t kind, int line)
{
    br_stmt_t *stmt = NULL;
    if (br_parser_grow(p, &body->items, body->size, sizeof *body->items) == BR_OK) {
        stmt = br_parser_alloc(p, sizeof *stmt);
    }
    if (stmt) {
        stmt->kind = kind;
        stmt->line = line;
        body->items[body->size++] = stmt;
    }
    return stmt;
}

//  Reads an assignable name into *name
static int
s_target(br_parser_t *p, char **name)
{
    const br_token_t *t = br_parser_peek(p);
    if (t->kind != BR_TK_NAME) {
        return br_parser_unexpected(p, "a variable name");
    }
    if (br_render_reserved(t->src, t->len)) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "cannot assign to '%.*s'", (int)t->len, t->src);
    }
    *name = br_parser_name(p, t);
    if (!*name) {
        return br_parser_nomem(p);
    }
    br_parser_next(p);
    return BR_OK;
}

static int s_body(br_parser_t *p, br_body_t *body, const opener_t *open, const char *const *ends,
                  const br_token_t **end);

//  Opens a block; the limit keeps the parser's and renderer's stacks small
static int
s_enter(br_parser_t *p, int line)
{
    if (++p->blocks > BR_RENDER_DEPTH) {
        return br_render_error(p->err, BR_ERR_TOOBIG, p->path, line,
                               "blocks nested more than %d levels deep", BR_RENDER_DEPTH);
    }
    return BR_OK;
}

static int
s_if(br_parser_t *p, br_body_t *body, int line)
{
    static const char *const if_ends[] = {"elif", "else", "endif", NULL};
    static const char *const else_ends[] = {"endif", NULL};
    br_stmt_t *stmt = s_add(p, body, BR_S_IF, line);
    if (!stmt) {
        return br_parser_nomem(p);
    }
    opener_t open = {"if", line};
    const br_token_t *end = NULL;
    do {
        br_parser_next(p); //  "if" or "elif"
        size_t n = stmt->nbranches;
        int rc = br_parser_grow(p, &stmt->conds, n, sizeof *stmt->conds);
        if (rc == BR_OK) {
            rc = br_parser_grow(p, &stmt->bodies, n, sizeof *stmt->bodies);
        }
        if (rc != BR_OK) {
            return rc;
        }
        stmt->nbranches++;
        stmt->conds[n] = NULL;
        memset(&stmt->bodies[n], 0, sizeof stmt->bodies[n]);
        rc = br_render_parse_expr(p, &stmt->conds[n]);
        if (rc == BR_OK) {
            rc = s_expect_block_end(p);
        }
        if (rc == BR_OK) {
            rc = s_body(p, &stmt->bodies[n], &open, if_ends, &end);
        }
        if (rc != BR_OK) {
            return rc;
        }
    } while (br_token_is_name(end, "elif"));
    br_parser_next(p); //  "else" or "endif"
    int rc = s_expect_block_end(p);
    if (rc == BR_OK && br_token_is_name(end, "else")) {
        rc = s_body(p, &stmt->else_body, &open, else_ends, &end);
        if (rc == BR_OK) {
            br_parser_next(p);
            rc = s_expect_block_end(p);
        }
    }
    return rc;
}

static int
s_for(br_parser_t *p, br_body_t *body, int line)
{
    static const char *const for_ends[] = {"else", "endfor", NULL};
    static const char *const else_ends[] = {"endfor", NULL};
    br_stmt_t *stmt = s_add(p, body, BR_S_FOR, line);
    if (!stmt) {
        return br_parser_nomem(p);
    }
    br_parser_next(p); //  "for"
    int rc = s_target(p, &stmt->names[stmt->nnames++]);
    if (rc == BR_OK && br_token_is_op(br_parser_peek(p), ",")) {
        br_parser_next(p);
        rc = s_target(p, &stmt->names[stmt->nnames++]);
        if (rc == BR_OK && br_token_is_op(br_parser_peek(p), ",")) {
            rc = br_render_error(p->err, BR_ERR_MALFORMED, p->path, br_parser_peek(p)->line,
                                 "unsupported: more than two loop variables");
        }
    }
    if (rc != BR_OK) {
        return rc;
    }
    if (!br_token_is_name(br_parser_peek(p), "in")) {
        return br_parser_unexpected(p, "'in'");
    }
    br_parser_next(p);
    rc = br_render_parse_expr(p, &stmt->expr);
    if (rc != BR_OK) {
        return rc;
    }
    const br_token_t *t = br_parser_peek(p);
    if (br_token_is_name(t, "if")) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported loop filter 'for ... if'");
    }
    if (br_token_is_name(t, "recursive")) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported recursive loop");
    }
    opener_t open = {"for", line};
    const br_token_t *end = NULL;
    rc = s_expect_block_end(p);
    if (rc == BR_OK) {
        rc = s_body(p, &stmt->body, &open, for_ends, &end);
    }
    if (rc != BR_OK) {
        return rc;
    }
    br_parser_next(p); //  "else" or "endfor"
    rc = s_expect_block_end(p);
    if (rc == BR_OK && br_token_is_name(end, "else")) {
        rc = s_body(p, &stmt->else_body, &open, else_ends, &end);
        if (rc == BR_OK) {
            br_parser_next(p);
            rc = s_expect_block_end(p);
        }
    }
    return rc;
}

static int
s_set(br_parser_t *p, br_body_t *body, int line)
{
    br_stmt_t *stmt = s_add(p, body, BR_S_SET, line);
    if (!stmt) {
        return br_parser_nomem(p);
    }
    br_parser_next(p); //  "set"
    int rc = s_target(p, &stmt->names[0]);
    if (rc != BR_OK) {
        return rc;
    }
    stmt->nnames = 1;
    const br_token_t *t = br_parser_peek(p);
    if (t->kind == BR_TK_BLOCK_END) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported block set: {%% set %s %%}...{%% endset %%}",
                               stmt->names[0]);
    }
    if (br_token_is_op(t, ",")) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported: set with several names");
    }
    if (br_token_is_op(t, ".") || br_token_is_op(t, "[")) {
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                               "unsupported: set of an attribute or item");
    }
    rc = br_parser_expect_op(p, "=");
    if (rc == BR_OK) {
        rc = br_render_parse_expr(p, &stmt->expr);
    }
    if (rc == BR_OK) {
        rc = s_expect_block_end(p);
    }
    return rc;
}

static int
s_print(br_parser_t *p, br_body_t *body)
{
    const br_token_t *begin = br_parser_next(p);
    br_stmt_t *stmt = s_add(p, body, BR_S_PRINT, begin->line);
    if (!stmt) {
        return br_parser_nomem(p);
    }
    int rc = br_render_parse_expr(p, &stmt->expr);
    if (rc == BR_OK) {
        rc = s_expect_kind(p, BR_TK_VAR_END, "'}}'");
    }
    return rc;
}

static bool
s_listed(const br_token_t *t, const char *const *names)
{
    for (size_t i = 0; names && names[i]; i++) {
        if (br_token_is_name(t, names[i])) {
            return true;
        }
    }
    return false;
}

//  Parses one {% tag %} that is not an end of the current body
static int
s_tag(br_parser_t *p, br_body_t *body, const opener_t *open)
{
    static const char *const closers[] = {"elif", "else", "endif", "endfor", NULL};
    const br_token_t *name = br_parser_peek(p);
    int line = name->line;
    if (br_token_is_name(name, "if") || br_token_is_name(name, "for")) {
        int rc = s_enter(p, line);
        if (rc == BR_OK) {
            rc = br_token_is_name(name, "if") ? s_if(p, body, line) : s_for(p, body, line);
        }
        p->blocks--;
        return rc;
    }
    if (br_token_is_name(name, "set")) {
        return s_set(p, body, line);
    }
    if (name->kind != BR_TK_NAME) {
        return br_parser_unexpected(p, "a tag name");
    }
    if (s_listed(name, closers)) {
        if (open) {
            return br_render_error(p->err, BR_ERR_MALFORMED, p->path, line,
                                   "unexpected {%% %.*s %%}: {%% %s %%} opened on line %d is "
                                   "not closed",
                                   (int)name->len, name->src, open->tag, open->line);
        }
        return br_render_error(p->err, BR_ERR_MALFORMED, p->path, line,
                               "unexpected {%% %.*s %%} outside any block", (int)name->len,
                               name->src);
    }
    char what[64];
    br_render_snippet(what, sizeof what, name->src, name->len);
    return br_render_error(p->err, BR_ERR_MALFORMED, p->path, line, "unsupported tag '%s'", what);
}

//  Parses statements into body until EOF (top level only) or a tag listed
//  in ends; then *end is that tag's name token, not yet consumed.
static int
s_body(br_parser_t *p, br_body_t *body, const opener_t *open, const char *const *ends,
       const br_token_t **end)
{
    while (true) {
        const br_token_t *t = br_parser_peek(p);
        int rc = BR_OK;
        switch (t->kind) {
        case BR_TK_EOF:
            if (open) {
                return br_render_error(p->err, BR_ERR_MALFORMED, p->path, t->line,
                                       "unexpected end of template: {%% %s %%} opened on line "
                                       "%d is not closed",
                                       open->tag, open->line);
            }
            return BR_OK;
        case BR_TK_TEXT: {
            br_stmt_t *stmt = s_add(p, body, BR_S_TEXT, t->line);
            if (!stmt) {
                return br_parser_nomem(p);
            }
            stmt->text = t->src;
            stmt->text_len = t->len;
            br_parser_next(p);
            break;
        }
        case BR_TK_VAR_BEGIN:
            rc = s_print(p, body);
            break;
        case BR_TK_BLOCK_BEGIN:
            br_parser_next(p);
            if (s_listed(br_parser_peek(p), ends)) {
                *end = br_parser_peek(p);
                return BR_OK;
            }
            rc = s_tag(p, body, open);
            break;
        default:
            rc = br_parser_unexpected(p, "text or a tag");
            break;
        }
        if (rc != BR_OK) {
            return rc;
        }
    }
}

int
br_render_parse(const char *path, const br_tokens_t *tokens, br_value_pool_t *pool, br_body_t *root,
                br_errmsg_t *err)
{
    br_parser_t p = {path, tokens->items, 0, err, 0, 0, pool};
    return s_body(&p, root, NULL, NULL, NULL);
}
