/*  br_secret: the only container for secret bytes (LUKS passphrases, secret
    keys, opened job bodies).

    Memory comes from sodium_malloc: locked against swapping, fenced by guard
    pages, and wiped with sodium_memzero before it is freed. There is no
    function that prints or logs a secret; callers read the bytes through
    br_secret_data() and must not copy them anywhere else. */
#ifndef BR_SECRET_H
#define BR_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <czmq.h>

typedef struct _br_secret_t br_secret_t;

//  Upper bound for a single secret; larger requests fail.
#define BR_SECRET_MAX (16u * 1024 * 1024)

//  Creates a zero-filled secret of size bytes (0 is allowed). NULL on failure.
br_secret_t *br_secret_new(size_t size);

//  Creates a secret holding a copy of data. The caller wipes its source.
br_secret_t *br_secret_from_bytes(const void *data, size_t size);
//  Takes over *data_p, memory from sodium_malloc whose first size bytes are
//  the secret, without a copy (*data_p is then NULL; the whole allocation
//  is wiped when the secret is destroyed). NULL, *data_p left to the
//  caller, when out of memory or larger than BR_SECRET_MAX.
br_secret_t *br_secret_adopt(uint8_t **data_p, size_t size);

//  Copies the content of a received frame into a new secret, then wipes the
//  frame's bytes in place, so that the only copy left is in locked memory.
br_secret_t *br_secret_from_frame(zframe_t *frame);

//  Wipes and frees the secret, and sets *self_p to NULL. Idempotent.
void br_secret_destroy(br_secret_t **self_p);

//  Wipes the content without freeing it (size is kept).
void br_secret_wipe(br_secret_t *self);

uint8_t *br_secret_data(br_secret_t *self);
const uint8_t *br_secret_cdata(const br_secret_t *self);
size_t br_secret_size(const br_secret_t *self);

//  Constant-time comparison of two secrets (false if sizes differ).
bool br_secret_equal(const br_secret_t *a, const br_secret_t *b);

//  Wipes any buffer in a way the compiler cannot drop.
void br_wipe(void *data, size_t size);

//  Disables core dumps and ptrace-style dumping for this process, and
//  initialises libsodium. Every daemon calls it first. 0 or -1.
int br_harden_process(void);

#endif
