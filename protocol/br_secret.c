/*  br_secret: locked, wiped memory for secret bytes. */
#include "brine.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

struct _br_secret_t {
    uint8_t *data; //  sodium_malloc'd; never NULL, even for size 0
    size_t size;   //  number of meaningful bytes in data
};

br_secret_t *
br_secret_new(size_t size)
{
    if (size > BR_SECRET_MAX || sodium_init() < 0) {
        return NULL;
    }
    br_secret_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    //  sodium_malloc(0) is legal but keep one byte so data is never NULL
    self->data = sodium_malloc(size ? size : 1);
    if (!self->data) {
        free(self);
        return NULL;
    }
    sodium_memzero(self->data, size ? size : 1);
    self->size = size;
    return self;
}

br_secret_t *
br_secret_from_bytes(const void *data, size_t size)
{
    br_secret_t *self = br_secret_new(size);
    if (self && size) {
        memcpy(self->data, data, size);
    }
    return self;
}

br_secret_t *
br_secret_adopt(uint8_t **data_p, size_t size)
{
    if (!data_p || !*data_p || size > BR_SECRET_MAX) {
        return NULL;
    }
    br_secret_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->data = *data_p;
    self->size = size;
    *data_p = NULL;
    return self;
}

br_secret_t *
br_secret_from_frame(zframe_t *frame)
{
    if (!frame) {
        return NULL;
    }
    br_secret_t *self = br_secret_from_bytes(zframe_data(frame), zframe_size(frame));
    //  Wipe the frame even on failure: it must not outlive its reader
    sodium_memzero(zframe_data(frame), zframe_size(frame));
    return self;
}

void
br_secret_destroy(br_secret_t **self_p)
{
    if (self_p && *self_p) {
        br_secret_t *self = *self_p;
        //  sodium_free wipes too; wiping here keeps that true if the
        //  allocator ever changes
        sodium_memzero(self->data, self->size ? self->size : 1);
        sodium_free(self->data);
        free(self);
        *self_p = NULL;
    }
}

void
br_secret_wipe(br_secret_t *self)
{
    if (self) {
        sodium_memzero(self->data, self->size ? self->size : 1);
    }
}

uint8_t *
br_secret_data(br_secret_t *self)
{
    return self->data;
}

const uint8_t *
br_secret_cdata(const br_secret_t *self)
{
    return self->data;
}

size_t
br_secret_size(const br_secret_t *self)
{
    return self->size;
}

bool
br_secret_equal(const br_secret_t *a, const br_secret_t *b)
{
    if (!a || !b || a->size != b->size) {
        return false;
    }
    return a->size == 0 || sodium_memcmp(a->data, b->data, a->size) == 0;
}

void
br_wipe(void *data, size_t size)
{
    if (data && size) {
        sodium_memzero(data, size);
    }
}

int
br_harden_process(void)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        return -1;
    }
    //  Not dumpable: no core file even if the limit is raised again, and
    //  unprivileged processes cannot read our memory through /proc
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return -1;
    }
    return sodium_init() < 0 ? -1 : 0;
}
