/*  br_value_pool: the memory that the values of one document share.

    Parsing a 10,000-state file makes a few hundred thousand values, keys
    and strings; one allocation (and one free) each was most of the cost of
    loading it. Values made in a pool (br_value_*_in) take their node, their
    text, their keys and their small arrays from a few large blocks instead.

    A pool counts holds: its maker holds it until br_value_pool_destroy,
    and every value made in it holds it until that value is destroyed. The
    blocks go when the last hold does, so a value taken out of a parsed
    document (br_value_map_take) stays valid after the document is
    destroyed; it then keeps the whole pool's memory. The count is not
    atomic: the values of one pool belong to one thread at a time.

    Once any value of a pool has been wiped (br_value_wipe: a pillar file
    held secrets), every block is wiped when the pool goes, map keys and
    freed strings included. */
#ifndef BR_VALUE_POOL_H
#define BR_VALUE_POOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct _br_value_pool_t br_value_pool_t;

//  A pool held by its maker, or NULL.
br_value_pool_t *br_value_pool_new(void);
//  Drops the maker's hold and sets *self_p to NULL; the blocks go now if
//  no value made in the pool is left.
void br_value_pool_destroy(br_value_pool_t **self_p);

//  size bytes, 8-aligned, that stay until the pool goes (NULL when out of
//  memory). Allocating takes no hold: besides br_value.c, only the pool's
//  maker may use this, for memory that lives as long as its values (the
//  strings of high data and low states, a template's syntax tree).
void *br_value_pool_alloc(br_value_pool_t *self, size_t size);
//  For br_value.c: one more hold, for a value made in the pool.
void br_value_pool_hold(br_value_pool_t *self);
//  For br_value.c: drops one hold; the last one frees the blocks, so
//  nothing in them may be touched after this call.
void br_value_pool_release(br_value_pool_t *self);
//  For br_value.c: wipe every block when the pool goes.
void br_value_pool_set_wipe(br_value_pool_t *self);

#endif
