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

//  One compiled state.
typedef struct {
    char *id;
    char *name;
    char *sls;
    char *file;
    int line;
    const br_module_t *module;
    const br_function_t *fun;
    br_value_t *args;      //  the function's own arguments, defaults applied
    br_value_t *unless;    //  list of commands, or NULL
    br_value_t *onlyif;    //  list of commands, or NULL
    br_value_t *creates;   //  list of paths, or NULL
    bool failhard;
    int order_kind;        //  BR_ORDER_*: how order was given
    double order;          //  Salt's order value, final after compiling
    br_idxs_t reqs[BR_REQ_KINDS]; //  requisites: chunks this one depends on
} br_chunk_t;

struct _br_low_t {
    br_chunk_t *chunks;    //  in definition order
    size_t size;
    size_t *exec;          //  execution order: indexes into chunks
};

enum { BR_ORDER_UNSET = 0, BR_ORDER_NUMBER, BR_ORDER_FIRST, BR_ORDER_LAST };

int br_idxs_add(br_idxs_t *self, size_t index);

#endif
