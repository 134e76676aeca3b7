/*  br_render_int: what the files of the Jinja-subset renderer share, and
    nothing else includes. The pipeline is

      br_render_lex.c    template text -> tokens (whitespace control applied)
      br_render_parse.c  tokens -> statement tree ({% %} tags, text, {{ }})
      br_render_expr.c   tokens -> expression tree: operators
      br_render_atom.c   tokens -> expression tree: operands
      br_render_eval.c   expression tree -> run-time value
      br_render_cmp.c    comparisons and 'in'
      br_render_print.c  run-time value -> output text
      br_render.c        the entry point, scopes and statement execution

    The whole template is parsed before anything runs, so a syntax error in
    a branch that is not taken is still reported. The syntax tree (its
    nodes, their arrays and names) lives in one pool that goes with it, as
    a template of 10,000 states makes tens of thousands of nodes: freeing a
    tree only destroys its constant values. */
#ifndef BR_RENDER_INT_H
#define BR_RENDER_INT_H

#include "br_render.h"

//  Deepest nesting of blocks, of expressions, and of printed values
#define BR_RENDER_DEPTH 64
//  Most loop iterations in one render, all loops together
#define BR_RENDER_MAX_ITER 1000000
//  Most values that list and map literals may copy out of other lists and
//  maps in one render: {% set x = [x, x] %} would otherwise double forever
#define BR_RENDER_MAX_COPY 1000000

//  Formats "PATH:LINE: message" into err and returns code.
int br_render_error(br_errmsg_t *err, int code, const char *path, int line, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

//  Copies template text into dst as printable ASCII for a message: layout
//  becomes a space, other bytes '?', and long text ends in "...".
void br_render_snippet(char *dst, size_t size, const char *src, size_t len);

//  ---------------------------------------------------------------- tokens

typedef enum {
    BR_TK_EOF = 0,
    BR_TK_TEXT,        //  literal template text
    BR_TK_VAR_BEGIN,   //  {{
    BR_TK_VAR_END,     //  }}
    BR_TK_BLOCK_BEGIN, //  {%
    BR_TK_BLOCK_END,   //  %}
    BR_TK_NAME,
    BR_TK_STRING,
    BR_TK_INT,
    BR_TK_FLOAT,
    BR_TK_OP,
} br_tkind_t;

//  A template has a token every few bytes: they share their value fields
typedef struct {
    br_tkind_t kind;
    int line;        //  1-based line of the first byte
    const char *src; //  the bytes in the template (TEXT: after trimming)
    size_t len;
    union {
        struct {
            char *str; //  STRING: the decoded literal, owned, NUL-terminated
            size_t str_len;
        };
        struct {
            int64_t i; //  INT
            double d;  //  FLOAT
        };
    };
} br_token_t;

typedef struct {
    br_token_t *items; //  always ends with one BR_TK_EOF once lexed
    size_t size, cap;
} br_tokens_t;

int br_render_lex(const char *path, const char *text, size_t len, br_tokens_t *tokens,
                  br_errmsg_t *err);
void br_render_tokens_clear(br_tokens_t *tokens);

//  ---------------------------------------------------------------- syntax

typedef enum {
    BR_E_CONST,   //  value
    BR_E_LIST,    //  kids: items
    BR_E_DICT,    //  kids: key, value, key, value...
    BR_E_NAME,    //  name
    BR_E_ATTR,    //  kids[0] . name
    BR_E_ITEM,    //  kids[0] [ kids[1] ]
    BR_E_SALT,    //  salt['pillar.get' | 'grains.get'](kids[0] [, kids[1]])
    BR_E_METHOD,  //  kids[0] . items() | keys() | values()
    BR_E_GET,     //  kids[0] . get(kids[1] [, kids[2]]), Python's dict.get
    BR_E_DEFAULT, //  kids[0] | default(kids[1] [, kids[2]])
    BR_E_DEFINED, //  kids[0] is [not] defined
    BR_E_NOT,     //  not kids[0]
    BR_E_AND,     //  kids[0] and kids[1] and ...
    BR_E_OR,      //  kids[0] or kids[1] or ...
    BR_E_COMPARE, //  kids[0] ops[0] kids[1] ops[1] kids[2] ... (a chain)
} br_ekind_t;

typedef enum {
    BR_CMP_EQ,
    BR_CMP_NE,
    BR_CMP_LT,
    BR_CMP_LE,
    BR_CMP_GT,
    BR_CMP_GE,
    BR_CMP_IN,
    BR_CMP_NOTIN,
} br_cmp_t;

//  What a map method gives; also the variant of BR_E_METHOD
typedef enum {
    BR_VIEW_ITEMS,
    BR_VIEW_KEYS,
    BR_VIEW_VALUES,
} br_view_t;

//  BR_E_SALT variants
#define BR_SALT_PILLAR 0
#define BR_SALT_GRAINS 1

typedef struct _br_expr_t br_expr_t;
struct _br_expr_t {
    br_ekind_t kind;
    int line;
    int height;      //  longest path to a leaf, bounded by BR_RENDER_DEPTH
    const char *src; //  the expression's text, for messages
    size_t src_len;
    br_value_t *value; //  CONST
    char *name;        //  NAME, ATTR
    int variant;       //  SALT: BR_SALT_*; METHOD: br_view_t; DEFINED: negated
    br_expr_t **kids;  //  room for a power of two (br_parser_grow)
    size_t nkids;
    br_cmp_t *ops; //  COMPARE: nkids - 1 operators
};

typedef enum {
    BR_S_TEXT,
    BR_S_PRINT,
    BR_S_IF,
    BR_S_FOR,
    BR_S_SET,
} br_skind_t;

typedef struct _br_stmt_t br_stmt_t;

typedef struct {
    br_stmt_t **items; //  room for a power of two (br_parser_grow)
    size_t size;
} br_body_t;

struct _br_stmt_t {
    br_skind_t kind;
    int line;
    const char *text; //  TEXT: bytes of the template
    size_t text_len;
    br_expr_t *expr; //  PRINT; SET: the value; FOR: the iterable
    char *names[2];  //  SET: names[0]; FOR: the loop variables
    int nnames;
    br_expr_t **conds; //  IF: one condition per branch (br_parser_grow)
    br_body_t *bodies; //  IF: one body per branch (br_parser_grow)
    size_t nbranches;
    br_body_t body;      //  FOR
    br_body_t else_body; //  IF, FOR
};

typedef struct {
    const char *path;
    const br_token_t *toks;
    size_t pos;
    br_errmsg_t *err;
    int depth;             //  expression recursion
    int blocks;            //  open {% if %} and {% for %}
    br_value_pool_t *pool; //  the tree's memory
} br_parser_t;

//  Parses tokens into root, the tree's memory taken from pool (which the
//  caller destroys after br_render_body_clear).
int br_render_parse(const char *path, const br_tokens_t *tokens, br_value_pool_t *pool,
                    br_body_t *root, br_errmsg_t *err);
//  Destroys the constant values under body (its memory is the pool's).
void br_render_body_clear(br_body_t *body);

int br_render_parse_expr(br_parser_t *p, br_expr_t **out);
//  An operand with what follows it (.name, [index], .items())
int br_render_parse_postfix(br_parser_t *p, br_expr_t **out);
void br_render_expr_destroy(br_expr_t **self_p);

//  Zeroed memory of the tree, or NULL (no message).
void *br_parser_alloc(br_parser_t *p, size_t size);
//  Makes room in *array_p (an array in the pool holding count elements of
//  elem bytes, with room for a power of two) for one more: 0, or the
//  out-of-memory error.
int br_parser_grow(br_parser_t *p, void *array_p, size_t count, size_t elem);
//  The text of token t as a NUL-terminated name in the tree, or NULL.
char *br_parser_name(br_parser_t *p, const br_token_t *t);

//  Tree building, for both expression files. A node's text starts at its
//  first token; br_expr_close ends it at the last token consumed.
br_expr_t *br_expr_new(br_parser_t *p, br_ekind_t kind, const br_token_t *first);
void br_expr_close(br_parser_t *p, br_expr_t *e);
//  Attaches *kid_p to e (always, so that destroying e frees it), then
//  checks the height limit
int br_expr_attach(br_parser_t *p, br_expr_t *e, br_expr_t **kid_p);
//  A new node of kind whose first operand is *left (taken in every case)
int br_expr_wrap(br_parser_t *p, br_ekind_t kind, br_expr_t **left, br_expr_t **out);
//  A constant node for value (taken in every case)
int br_expr_const(br_parser_t *p, const br_token_t *t, br_value_t *value, br_expr_t **out);
//  Parses "(a, b, name=c)" after the '(' into slots, by position or by
//  keyword; params names the slots in order
int br_parser_args(br_parser_t *p, const char *fn, const char *const *params, size_t nparams,
                   br_expr_t **slots);

//  Token access for both parser files; the EOF token is never passed.
const br_token_t *br_parser_peek(const br_parser_t *p);
const br_token_t *br_parser_next(br_parser_t *p);
bool br_token_is_op(const br_token_t *t, const char *op);
bool br_token_is_name(const br_token_t *t, const char *name);
//  The error for an unexpected current token; expected is text such as
//  "'%}'". Unsupported operators and inline ifs get their own message.
int br_parser_unexpected(br_parser_t *p, const char *expected);
//  Consumes the operator op or fails naming it.
int br_parser_expect_op(br_parser_t *p, const char *op);
int br_parser_fail(br_parser_t *p, const br_token_t *t, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int br_parser_nomem(br_parser_t *p);
//  True for names that cannot be assigned (salt, loop, true, ...)
bool br_render_reserved(const char *name, size_t len);

//  --------------------------------------------------------------- runtime

typedef enum {
    BR_RV_VALUE, //  v
    BR_RV_UNDEF, //  undef names the expression that has no value
    BR_RV_VIEW,  //  items(), keys() or values() of the map v
    BR_RV_LOOP,  //  the loop object of the innermost for
} br_rvkind_t;

typedef struct {
    size_t index0, length;
} br_loop_t;

//  A value during evaluation. v is borrowed (from the context, the syntax
//  tree or a binding) unless own is set: then own is the root of a
//  temporary tree that holds v and is freed with the run-time value.
typedef struct {
    br_rvkind_t kind;
    const br_value_t *v;
    br_value_t *own;
    const br_expr_t *undef;
    br_view_t view;
    const br_loop_t *loop;
} br_rv_t;

typedef struct {
    const char *name; //  points into the syntax tree
    br_rv_t rv;
} br_binding_t;

//  One scope: the top level, or one iteration of a for loop
typedef struct {
    br_binding_t *vars;
    size_t size, cap;
    br_value_t **trash; //  values replaced by {% set %}, still maybe borrowed
    size_t ntrash, trash_cap;
} br_frame_t;

typedef struct {
    const char *path;
    br_errmsg_t *err;
    const br_value_t *context;
    br_vault_t *vault;
    char *out;
    size_t out_len, out_cap;
    size_t out_hint; //  first size of out: about the template's
    br_frame_t *frames;
    size_t nframes, frames_cap;
    size_t iterations;
    size_t copied;
    br_value_t *v_true, *v_false, *v_empty; //  shared results, borrowed
} br_render_t;

int br_render_fail(br_render_t *r, int code, int line, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
//  "'pillar.x' is undefined" for an undefined run-time value
int br_render_undefined(br_render_t *r, int line, const br_rv_t *rv);
int br_render_secret_error(br_render_t *r, int line);

int br_render_eval(br_render_t *r, const br_expr_t *e, br_rv_t *out);
void br_rv_release(br_rv_t *rv);
bool br_rv_truthy(const br_rv_t *rv);
//  Looks a name up in the scopes, then the context; borrowed. False if
//  the name is unknown.
bool br_render_lookup(br_render_t *r, const char *name, br_rv_t *out);

int br_render_compare(br_render_t *r, const br_expr_t *e, br_rv_t *out);

int br_render_emit(br_render_t *r, int line, const char *data, size_t len);
int br_render_print(br_render_t *r, int line, const br_rv_t *rv);

#endif
