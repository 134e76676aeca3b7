/*  br_value_pool: blocks handed out front to back, freed all at once when
    the last hold on them goes. */
#include "br_value_pool.h"
#include "br_secret.h"

#include <stdint.h>
#include <stdlib.h>

//  Blocks double from the first size to the last: a small configuration
//  file costs a block of a few hundred bytes, a large state file a few
//  dozen blocks of 64 KiB.
#define BR_POOL_FIRST_BLOCK 1024u
#define BR_POOL_LAST_BLOCK (64u * 1024)
#define BR_POOL_ALIGN 8u

typedef struct _s_block_t s_block_t;
struct _s_block_t {
    s_block_t *next; //  the block made before this one
    size_t size;     //  bytes after this header
};

struct _br_value_pool_t {
    s_block_t *blocks; //  newest first; the first one is being handed out
    char *at;          //  its first free byte
    char *end;         //  its end
    size_t next_size;  //  of the next block
    size_t holds;      //  the maker's, plus one per live value
    bool wipe;         //  a value was wiped: wipe every block at the end
};

br_value_pool_t *
br_value_pool_new(void)
{
    br_value_pool_t *self = calloc(1, sizeof *self);
    if (self) {
        self->next_size = BR_POOL_FIRST_BLOCK;
        self->holds = 1;
    }
    return self;
}

static void
s_free(br_value_pool_t *self)
{
    s_block_t *block = self->blocks;
    while (block) {
        s_block_t *next = block->next;
        if (self->wipe) {
            br_wipe(block + 1, block->size);
        }
        free(block);
        block = next;
    }
    free(self);
}

void
br_value_pool_destroy(br_value_pool_t **self_p)
{
    if (self_p && *self_p) {
        br_value_pool_release(*self_p);
        *self_p = NULL;
    }
}

void *
br_value_pool_alloc(br_value_pool_t *self, size_t size)
{
    if (size > SIZE_MAX / 2) {
        return NULL;
    }
    size = (size + BR_POOL_ALIGN - 1) & ~(size_t)(BR_POOL_ALIGN - 1);
    if ((size_t)(self->end - self->at) >= size) {
        void *p = self->at;
        self->at += size;
        return p;
    }
    //  A request larger than a quarter of a block gets a block of its own,
    //  behind the current one, whose free space stays in use.
    bool own = size > self->next_size / 4;
    size_t block_size = own ? size : self->next_size;
    s_block_t *block = malloc(sizeof *block + block_size);
    if (!block) {
        return NULL;
    }
    block->size = block_size;
    if (own && self->blocks) {
        block->next = self->blocks->next;
        self->blocks->next = block;
        return block + 1;
    }
    block->next = self->blocks;
    self->blocks = block;
    self->at = (char *)(block + 1) + size;
    self->end = (char *)(block + 1) + block_size;
    if (self->next_size < BR_POOL_LAST_BLOCK) {
        self->next_size *= 2;
    }
    return block + 1;
}

void
br_value_pool_hold(br_value_pool_t *self)
{
    self->holds++;
}

void
br_value_pool_release(br_value_pool_t *self)
{
    if (--self->holds == 0) {
        s_free(self);
    }
}

void
br_value_pool_set_wipe(br_value_pool_t *self)
{
    self->wipe = true;
}
