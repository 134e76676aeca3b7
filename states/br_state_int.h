/*  br_state_int: the low state's layout, shared by the compiler and the
    executor only. */
#ifndef BR_STATE_INT_H
#define BR_STATE_INT_H

#include "br_state.h"

typedef enum {
    BR_REQ_REQUIRE = 0,
    BR_REQ_WATCH,
    BR_REQ_ONCHANGES,
    BR_REQ_ONFAIL,
    BR_REQ_KINDS,
} br_req_kind_t;

typedef struct {
    size_t *items; //  indexes of chunks
    size_t size, cap;
} br_idxs_t;

//  One compiled state. Its strings and values are in the low state's pool.
typedef struct {
    const char *id;
    const char *name;
    const char *sls;
    const char *file;
    int line;
    const br_module_t *module;
    const br_function_t *fun;
    br_value_t *args;    //  the function's own arguments, defaults applied
    br_value_t *unless;  //  list of commands, or NULL
    br_value_t *onlyif;  //  list of commands, or NULL
    br_value_t *creates; //  list of paths, or NULL
    bool failhard;
    int order_kind;               //  BR_ORDER_*: how order was given
    double order;                 //  Salt's order value, final after compiling
    br_idxs_t reqs[BR_REQ_KINDS]; //  requisites: chunks this one depends on
} br_chunk_t;

struct _br_low_t {
    br_chunk_t *chunks;    //  in definition order
    size_t size;           //  chunks filled so far (br_low_destroy frees those)
    size_t *exec;          //  execution order: indexes into chunks
    br_value_pool_t *pool; //  the chunks' strings, argument maps and values
};

enum { BR_ORDER_UNSET = 0, BR_ORDER_NUMBER, BR_ORDER_FIRST, BR_ORDER_LAST };

//  A low state with room for count chunks (none filled yet), or NULL.
br_low_t *br_low_new(size_t count);
//  A copy of s in the low state's pool, or NULL.
const char *br_low_strdup(br_low_t *low, const char *s);

//  Appends index unless it is there already.
int br_idxs_add(br_idxs_t *self, size_t index);
//  Appends index.
int br_idxs_push(br_idxs_t *self, size_t index);

//  "FILE:LINE: state 'ID' (module.fun): what", at the line of at if it
//  has one, else of the state; returns rc.
int br_state_fail(br_errmsg_t *err, int rc, const br_hstate_t *h, const br_value_t *at,
                  const char *what);

//  A requisite argument: require, require_in, watch, ...
typedef struct {
    const char *name;
    br_req_kind_t kind;
    bool in; //  the _in form: the target depends on this state
} br_req_arg_t;

#define BR_REQ_ARGS 8
//  Every requisite argument, in the order each state's are resolved
extern const br_req_arg_t br_req_args[BR_REQ_ARGS];

//  br_requisite.c: resolves the requisite arguments of every state of high
//  into low's edges; reqs[i] has bit r set when state i has the argument
//  br_req_args[r] (the others are not looked for).
int br_requisites(br_low_t *low, const br_high_t *high, const uint8_t *reqs, br_errmsg_t *err);
//  Salt's order values of every chunk.
void br_order_assign(br_low_t *low);
//  Fills low->exec: each state after its requisites, or a cycle error.
int br_order_exec(br_low_t *low, br_errmsg_t *err);

#endif
