/*  br_render: the entry point of the Jinja-subset renderer (lex, parse, run)
    and the statement level of running: text, {{ }}, if, for, set, with
    Jinja's scoping.

    Scopes are a stack of frames: the top level, then one frame per running
    for loop, cleared at each iteration. {% set %} writes to the innermost
    frame, so a set inside a loop does not leak out of it, and a set inside
    an if (which has no frame) is seen after the endif, as in Jinja. A name
    not found in any frame is looked up in the context (pillar, grains). */
#include "br_render_int.h"

#include <stdarg.h>
#include <stdio.h>

int
br_render_fail(br_render_t *r, int code, int line, const char *format, ...)
{
    char text[400];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return br_render_error(r->err, code, r->path, line, "%s", text);
}

int
br_render_undefined(br_render_t *r, int line, const br_rv_t *rv)
{
    char what[120];
    br_render_snippet(what, sizeof what, rv->undef->src, rv->undef->src_len);
    return br_render_fail(r, BR_ERR_NOTFOUND, line, "'%s' is undefined", what);
}

int
br_render_secret_error(br_render_t *r, int line)
{
    return br_render_fail(r, BR_ERR_DENIED, line,
                          "secret values cannot be compared or transformed");
}

static void
s_frame_clear(br_frame_t *f)
{
    for (size_t i = 0; i < f->size; i++) {
        br_rv_release(&f->vars[i].rv);
    }
    for (size_t i = 0; i < f->ntrash; i++) {
        br_value_destroy(&f->trash[i]);
    }
    f->size = 0;
    f->ntrash = 0;
}

static int
s_push_frame(br_render_t *r, int line)
{
    if (r->nframes == r->frames_cap) {
        size_t cap = r->frames_cap ? r->frames_cap * 2 : 8;
        br_frame_t *frames = realloc(r->frames, cap * sizeof *frames);
        if (!frames) {
            return br_render_fail(r, BR_ERR_NOMEM, line, "out of memory");
        }
        r->frames = frames;
        r->frames_cap = cap;
    }
    memset(&r->frames[r->nframes++], 0, sizeof r->frames[0]);
    return BR_OK;
}

static void
s_pop_frame(br_render_t *r)
{
    br_frame_t *f = &r->frames[--r->nframes];
    s_frame_clear(f);
    free(f->vars);
    free(f->trash);
}

//  Binds name in the innermost frame, taking *rv. A value it replaces may
//  still be borrowed ({% set x = x[0] %}), so it waits in the trash until
//  the frame goes.
static int
s_bind(br_render_t *r, int line, const char *name, br_rv_t *rv)
{
    br_frame_t *f = &r->frames[r->nframes - 1];
    br_binding_t *slot = NULL;
    for (size_t i = 0; i < f->size && !slot; i++) {
        if (strcmp(f->vars[i].name, name) == 0) {
            slot = &f->vars[i];
        }
    }
    if (slot && slot->rv.own) {
        if (f->ntrash == f->trash_cap) {
            size_t cap = f->trash_cap ? f->trash_cap * 2 : 4;
            br_value_t **trash = realloc(f->trash, cap * sizeof *trash);
            if (!trash) {
                br_rv_release(rv);
                return br_render_fail(r, BR_ERR_NOMEM, line, "out of memory");
            }
            f->trash = trash;
            f->trash_cap = cap;
        }
        f->trash[f->ntrash++] = slot->rv.own;
        slot->rv.own = NULL;
    }
    if (!slot) {
        if (f->size == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 4;
            br_binding_t *vars = realloc(f->vars, cap * sizeof *vars);
            if (!vars) {
                br_rv_release(rv);
                return br_render_fail(r, BR_ERR_NOMEM, line, "out of memory");
            }
            f->vars = vars;
            f->cap = cap;
        }
        slot = &f->vars[f->size++];
        slot->name = name;
    }
    slot->rv = *rv;
    memset(rv, 0, sizeof *rv);
    return BR_OK;
}

bool
br_render_lookup(br_render_t *r, const char *name, br_rv_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = r->nframes; i-- > 0;) {
        const br_frame_t *f = &r->frames[i];
        for (size_t k = f->size; k-- > 0;) {
            if (strcmp(f->vars[k].name, name) == 0) {
                *out = f->vars[k].rv;
                out->own = NULL;
                return true;
            }
        }
    }
    const br_value_t *v = br_value_map_get(r->context, name);
    if (v) {
        out->kind = BR_RV_VALUE;
        out->v = v;
    }
    return v != NULL;
}

static int s_body(br_render_t *r, const br_body_t *body);

static void
s_borrow(br_rv_t *rv, const br_value_t *v)
{
    memset(rv, 0, sizeof *rv);
    rv->kind = BR_RV_VALUE;
    rv->v = v;
}

//  Binds the loop variables to item i of the iterable it
static int
s_bind_targets(br_render_t *r, const br_stmt_t *s, const br_rv_t *it, size_t i)
{
    const br_value_t *v = it->v;
    br_rv_t first, second;
    memset(&second, 0, sizeof second);
    bool pair = false;
    bool keys = it->kind == BR_RV_VIEW ? it->view != BR_VIEW_VALUES : br_value_kind(v) == BR_V_MAP;
    if (keys) {
        br_value_t *key = br_value_str(br_value_map_key(v, i));
        if (!key) {
            return br_render_fail(r, BR_ERR_NOMEM, s->line, "out of memory");
        }
        s_borrow(&first, key);
        first.own = key;
        if (it->kind == BR_RV_VIEW && it->view == BR_VIEW_ITEMS) {
            s_borrow(&second, br_value_map_at(v, i));
            pair = true;
        }
    } else {
        s_borrow(&first, it->kind == BR_RV_VIEW ? br_value_map_at(v, i) : br_value_list_at(v, i));
    }
    if (pair && s->nnames == 1) {
        br_rv_release(&first);
        return br_render_fail(r, BR_ERR_TYPE, s->line, "a loop over items() needs two names");
    }
    if (!pair && s->nnames == 2) {
        const br_value_t *item = first.v;
        if (br_value_kind(item) != BR_V_LIST || br_value_list_size(item) != 2) {
            const char *kind = br_value_kind_name(br_value_kind(item));
            br_rv_release(&first);
            return br_render_fail(r, BR_ERR_TYPE, s->line, "cannot unpack %s into two names", kind);
        }
        //  item belongs to the iterable, which outlives the iteration
        s_borrow(&first, br_value_list_at(item, 0));
        s_borrow(&second, br_value_list_at(item, 1));
    }
    int rc = s_bind(r, s->line, s->names[0], &first);
    if (rc == BR_OK && s->nnames == 2) {
        rc = s_bind(r, s->line, s->names[1], &second);
    }
    return rc;
}

static int
s_for(br_render_t *r, const br_stmt_t *s)
{
    br_rv_t it;
    int rc = br_render_eval(r, s->expr, &it);
    if (rc != BR_OK) {
        return rc;
    }
    br_vkind_t kind = br_value_kind(it.v);
    if (it.kind == BR_RV_UNDEF) {
        rc = br_render_undefined(r, s->line, &it);
    } else if (it.kind == BR_RV_LOOP) {
        rc = br_render_fail(r, BR_ERR_TYPE, s->line, "cannot iterate over 'loop'");
    } else if (it.kind == BR_RV_VALUE && kind == BR_V_SECRET) {
        rc = br_render_secret_error(r, s->line);
    } else if (it.kind == BR_RV_VALUE && kind != BR_V_LIST && kind != BR_V_MAP) {
        rc = br_render_fail(r, BR_ERR_TYPE, s->line, "cannot iterate over %s",
                            br_value_kind_name(kind));
    }
    size_t n = kind == BR_V_LIST ? br_value_list_size(it.v) : br_value_map_size(it.v);
    if (rc == BR_OK) {
        rc = s_push_frame(r, s->line);
    }
    if (rc != BR_OK) {
        br_rv_release(&it);
        return rc;
    }
    br_loop_t loop = {0, n};
    for (size_t i = 0; rc == BR_OK && i < n; i++) {
        if (++r->iterations > BR_RENDER_MAX_ITER) {
            rc = br_render_fail(r, BR_ERR_TOOBIG, s->line, "more than %d loop iterations",
                                BR_RENDER_MAX_ITER);
            break;
        }
        s_frame_clear(&r->frames[r->nframes - 1]);
        loop.index0 = i;
        rc = s_bind_targets(r, s, &it, i);
        if (rc == BR_OK) {
            br_rv_t lv;
            memset(&lv, 0, sizeof lv);
            lv.kind = BR_RV_LOOP;
            lv.loop = &loop;
            rc = s_bind(r, s->line, "loop", &lv);
        }
        if (rc == BR_OK) {
            rc = s_body(r, &s->body);
        }
    }
    if (rc == BR_OK && n == 0) {
        rc = s_body(r, &s->else_body);
    }
    s_pop_frame(r);
    br_rv_release(&it);
    return rc;
}

static int
s_stmt(br_render_t *r, const br_stmt_t *s)
{
    br_rv_t rv;
    int rc = BR_OK;
    switch (s->kind) {
    case BR_S_TEXT:
        return br_render_emit(r, s->line, s->text, s->text_len);
    case BR_S_PRINT:
        rc = br_render_eval(r, s->expr, &rv);
        if (rc == BR_OK) {
            rc = br_render_print(r, s->line, &rv);
        }
        br_rv_release(&rv);
        return rc;
    case BR_S_SET:
        rc = br_render_eval(r, s->expr, &rv);
        return rc == BR_OK ? s_bind(r, s->line, s->names[0], &rv) : rc;
    case BR_S_IF:
        for (size_t i = 0; i < s->nbranches; i++) {
            rc = br_render_eval(r, s->conds[i], &rv);
            bool taken = rc == BR_OK && br_rv_truthy(&rv);
            br_rv_release(&rv);
            if (rc != BR_OK || taken) {
                return rc == BR_OK ? s_body(r, &s->bodies[i]) : rc;
            }
        }
        return s_body(r, &s->else_body);
    case BR_S_FOR:
        return s_for(r, s);
    }
    return BR_OK;
}

static int
s_body(br_render_t *r, const br_body_t *body)
{
    int rc = BR_OK;
    for (size_t i = 0; rc == BR_OK && i < body->size; i++) {
        rc = s_stmt(r, body->items[i]);
    }
    return rc;
}

char *
br_render(const char *path, const char *text, size_t len, const br_value_t *context,
          br_vault_t *vault, size_t *out_len, br_errmsg_t *err)
{
    //  Output is about as long as the template: one buffer of that size,
    //  rather than copies (each wiped) at every doubling
    br_render_t r = {
        .path = path ? path : "<template>", .err = err, .vault = vault, .out_hint = len + len / 8};
    r.context = br_value_kind(context) == BR_V_MAP ? context : NULL;
    br_tokens_t tokens = {0};
    br_body_t root = {0};
    br_value_pool_t *tree = NULL;
    if (out_len) {
        *out_len = 0;
    }
    int rc = BR_OK;
    if (!text && len) {
        rc = br_render_fail(&r, BR_ERR_INVALID, 1, "no template text");
    } else if (len > BR_RENDER_MAX) {
        rc = br_render_fail(&r, BR_ERR_TOOBIG, 1, "template larger than %u bytes", BR_RENDER_MAX);
    }
    if (rc == BR_OK) {
        rc = br_render_lex(r.path, text ? text : "", len, &tokens, err);
    }
    if (rc == BR_OK) {
        tree = br_value_pool_new();
        rc = tree ? br_render_parse(r.path, &tokens, tree, &root, err)
                  : br_render_fail(&r, BR_ERR_NOMEM, 1, "out of memory");
    }
    br_render_tokens_clear(&tokens);
    if (rc == BR_OK) {
        r.v_true = br_value_bool(true);
        r.v_false = br_value_bool(false);
        r.v_empty = br_value_str("");
        if (!r.v_true || !r.v_false || !r.v_empty) {
            rc = br_render_fail(&r, BR_ERR_NOMEM, 1, "out of memory");
        }
    }
    if (rc == BR_OK) {
        rc = s_push_frame(&r, 1);
    }
    if (rc == BR_OK) {
        rc = s_body(&r, &root);
    }
    if (rc == BR_OK) {
        //  Always a buffer, even for empty output, and NUL-terminated for
        //  callers that treat it as a string
        rc = br_render_emit(&r, 1, "", 0);
        if (rc == BR_OK && !r.out) {
            r.out = malloc(1);
            rc = r.out ? BR_OK : br_render_fail(&r, BR_ERR_NOMEM, 1, "out of memory");
        }
    }
    while (r.nframes > 0) {
        s_pop_frame(&r);
    }
    free(r.frames);
    br_render_body_clear(&root);
    br_value_pool_destroy(&tree);
    br_value_destroy(&r.v_true);
    br_value_destroy(&r.v_false);
    br_value_destroy(&r.v_empty);
    if (rc != BR_OK) {
        if (r.out) {
            br_wipe(r.out, r.out_cap + 1);
        }
        free(r.out);
        return NULL;
    }
    r.out[r.out_len] = 0;
    if (out_len) {
        *out_len = r.out_len;
    }
    return r.out;
}
