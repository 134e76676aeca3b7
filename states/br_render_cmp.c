/*  br_render_cmp: comparisons (== != < <= > >=, chained as in Python) and
    membership (in, not in).

    A comparison is where a template could learn something about a secret
    ("is the passphrase 'hunter2'?") and reveal it through what it renders,
    so any comparison or membership test that would look at secret bytes is
    an error, not false. A map's keys are never secret, so 'k' in pillar
    stays allowed when pillar holds secrets. Comparing with an undefined
    value is an error (Salt's StrictUndefined); use 'is defined' first. */
#include "br_render_int.h"

#include <stdio.h>

static const char *
s_kind(const br_rv_t *rv)
{
    switch (rv->kind) {
    case BR_RV_VIEW:
        return "dict view";
    case BR_RV_LOOP:
        return "loop";
    default:
        return br_value_kind_name(br_value_kind(rv->v));
    }
}

static bool
s_number(const br_value_t *v)
{
    return br_value_kind(v) == BR_V_INT || br_value_kind(v) == BR_V_FLOAT;
}

//  'key' in map: brine's map keys are text, so an integer names "N"
static bool
s_has_key(const br_value_t *map, const br_value_t *needle)
{
    char buf[32];
    const char *key = br_value_as_str(needle);
    if (br_value_kind(needle) == BR_V_INT) {
        snprintf(buf, sizeof buf, "%lld", (long long)br_value_as_int(needle));
        key = buf;
    } else if (!key || strlen(key) != br_value_str_len(needle)) {
        return false;
    }
    return br_value_map_get(map, key) != NULL;
}

static int
s_contains(br_render_t *r, int line, const br_rv_t *a, const br_rv_t *b, bool *result)
{
    if (a->kind != BR_RV_VALUE) {
        return br_render_fail(r, BR_ERR_TYPE, line, "'in' cannot test a %s", s_kind(a));
    }
    if (br_value_has_secret(a->v)) {
        return br_render_secret_error(r, line);
    }
    const br_value_t *hay = b->v;
    br_vkind_t kind = br_value_kind(hay);
    if (b->kind == BR_RV_VIEW) {
        if (b->view == BR_VIEW_ITEMS) {
            return br_render_fail(r, BR_ERR_TYPE, line, "'in' on items() is not supported");
        }
        kind = b->view == BR_VIEW_KEYS ? BR_V_MAP : BR_V_LIST;
    } else if (b->kind != BR_RV_VALUE) {
        return br_render_fail(r, BR_ERR_TYPE, line, "'in' needs a string, list or map, got %s",
                              s_kind(b));
    }
    switch (kind) {
    case BR_V_SECRET:
        return br_render_secret_error(r, line);
    case BR_V_STR: {
        if (br_value_kind(a->v) != BR_V_STR) {
            return br_render_fail(r, BR_ERR_TYPE, line,
                                  "'in' a string needs a string on the left, got %s", s_kind(a));
        }
        size_t n = br_value_str_len(a->v);
        *result =
            n == 0 || memmem(br_value_as_str(hay), br_value_str_len(hay), br_value_as_str(a->v), n);
        return BR_OK;
    }
    case BR_V_MAP:
        *result = s_has_key(hay, a->v);
        return BR_OK;
    case BR_V_LIST: {
        //  A list, or the values of a map
        if (br_value_has_secret(hay)) {
            return br_render_secret_error(r, line);
        }
        bool is_list = br_value_kind(hay) == BR_V_LIST;
        size_t size = is_list ? br_value_list_size(hay) : br_value_map_size(hay);
        *result = false;
        for (size_t i = 0; i < size && !*result; i++) {
            const br_value_t *item = is_list ? br_value_list_at(hay, i) : br_value_map_at(hay, i);
            *result = br_value_equal(a->v, item);
        }
        return BR_OK;
    }
    default:
        return br_render_fail(r, BR_ERR_TYPE, line, "'in' needs a string, list or map, got %s",
                              s_kind(b));
    }
}

//  < <= > >= on two numbers or two strings, as Python orders them
static int
s_order(br_render_t *r, int line, br_cmp_t op, const br_value_t *a, const br_value_t *b,
        bool *result)
{
    int c;
    if (br_value_kind(a) == BR_V_INT && br_value_kind(b) == BR_V_INT) {
        int64_t x = br_value_as_int(a), y = br_value_as_int(b);
        c = (x > y) - (x < y);
    } else if (s_number(a) && s_number(b)) {
        //  Every comparison with NaN is false
        double x = br_value_as_float(a), y = br_value_as_float(b);
        bool ok = op == BR_CMP_LT   ? x < y
                  : op == BR_CMP_LE ? x <= y
                  : op == BR_CMP_GT ? x > y
                                    : x >= y;
        *result = ok;
        return BR_OK;
    } else if (br_value_kind(a) == BR_V_STR && br_value_kind(b) == BR_V_STR) {
        size_t la = br_value_str_len(a), lb = br_value_str_len(b);
        int m = memcmp(br_value_as_str(a), br_value_as_str(b), la < lb ? la : lb);
        c = m ? (m > 0) - (m < 0) : (la > lb) - (la < lb);
    } else {
        return br_render_fail(r, BR_ERR_TYPE, line, "cannot compare %s with %s",
                              br_value_kind_name(br_value_kind(a)),
                              br_value_kind_name(br_value_kind(b)));
    }
    *result = op == BR_CMP_LT ? c < 0 : op == BR_CMP_LE ? c <= 0 : op == BR_CMP_GT ? c > 0 : c >= 0;
    return BR_OK;
}

static int
s_compare(br_render_t *r, int line, br_cmp_t op, const br_rv_t *a, const br_rv_t *b, bool *result)
{
    if (a->kind == BR_RV_UNDEF) {
        return br_render_undefined(r, line, a);
    }
    if (b->kind == BR_RV_UNDEF) {
        return br_render_undefined(r, line, b);
    }
    if (op == BR_CMP_IN || op == BR_CMP_NOTIN) {
        int rc = s_contains(r, line, a, b, result);
        if (op == BR_CMP_NOTIN) {
            *result = !*result;
        }
        return rc;
    }
    if (a->kind != BR_RV_VALUE || b->kind != BR_RV_VALUE) {
        return br_render_fail(r, BR_ERR_TYPE, line, "cannot compare %s with %s", s_kind(a),
                              s_kind(b));
    }
    if (br_value_has_secret(a->v) || br_value_has_secret(b->v)) {
        return br_render_secret_error(r, line);
    }
    if (op == BR_CMP_EQ || op == BR_CMP_NE) {
        *result = br_value_equal(a->v, b->v) == (op == BR_CMP_EQ);
        return BR_OK;
    }
    return s_order(r, line, op, a->v, b->v, result);
}

int
br_render_compare(br_render_t *r, const br_expr_t *e, br_rv_t *out)
{
    br_rv_t left, right;
    bool result = true;
    int rc = br_render_eval(r, e->kids[0], &left);
    //  a < b < c is a < b and b < c, b evaluated once, c only if needed
    for (size_t i = 0; rc == BR_OK && result && i + 1 < e->nkids; i++) {
        rc = br_render_eval(r, e->kids[i + 1], &right);
        if (rc == BR_OK) {
            rc = s_compare(r, e->line, e->ops[i], &left, &right, &result);
        }
        br_rv_release(&left);
        left = right;
    }
    br_rv_release(&left);
    if (rc == BR_OK) {
        memset(out, 0, sizeof *out);
        out->kind = BR_RV_VALUE;
        out->v = result ? r->v_true : r->v_false;
    }
    return rc;
}
