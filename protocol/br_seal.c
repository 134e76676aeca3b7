/*  br_seal: crypto_box sealing of job bodies, bound to their clear header. */
#include "brine.h"

#include <sodium.h>

#define BR_SEAL_NONCE crypto_box_NONCEBYTES
#define BR_SEAL_MAC crypto_box_MACBYTES
#define BR_SEAL_BIND 32

//  Domain separation: a hash made for sealing can never be confused with any
//  other use of BLAKE2b in brine
static const char s_context[] = "brine-seal-v1";

struct _br_sealer_t {
    br_secret_t *secret;  //  our X25519 secret key
    zhashx_t *shared;     //  peer Z85 key -> br_secret_t (precomputed key)
    br_secret_t *scratch; //  locked room for one plaintext, wiped after each use:
                          //  a job to ten thousand minions would otherwise map,
                          //  lock, unmap a fresh locked buffer per minion
};

//  The smallest scratch: what a locked allocation takes anyway (one page,
//  less libsodium's canary)
#define BR_SEAL_SCRATCH_MIN 4000

//  Locked room for size bytes of plaintext, or NULL
static uint8_t *
s_scratch(br_sealer_t *self, size_t size)
{
    if (!self->scratch || br_secret_size(self->scratch) < size) {
        br_secret_destroy(&self->scratch);
        self->scratch = br_secret_new(size > BR_SEAL_SCRATCH_MIN ? size : BR_SEAL_SCRATCH_MIN);
    }
    return self->scratch ? br_secret_data(self->scratch) : NULL;
}

static void
s_secret_free(void **item)
{
    br_secret_destroy((br_secret_t **)item);
}

br_sealer_t *
br_sealer_new(const br_keypair_t *own)
{
    if (!own || sodium_init() < 0) {
        return NULL;
    }
    br_sealer_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->secret = br_secret_from_bytes(br_keypair_secret(own), BR_KEY_SIZE);
    self->shared = zhashx_new();
    if (!self->secret || !self->shared) {
        br_sealer_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->shared, s_secret_free);
    return self;
}

void
br_sealer_destroy(br_sealer_t **self_p)
{
    if (self_p && *self_p) {
        br_sealer_t *self = *self_p;
        zhashx_destroy(&self->shared);
        br_secret_destroy(&self->secret);
        br_secret_destroy(&self->scratch);
        free(self);
        *self_p = NULL;
    }
}

//  The precomputed key for peer, computed on first use. The X25519 costs
//  ~27 us; cached, sealing a small body costs ~1.3 us.
static const uint8_t *
s_shared_key(br_sealer_t *self, const uint8_t peer[32])
{
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(peer, z85);
    br_secret_t *key = zhashx_lookup(self->shared, z85);
    if (!key) {
        key = br_secret_new(crypto_box_BEFORENMBYTES);
        if (!key) {
            return NULL;
        }
        //  Fails on a low-order peer key: refuse rather than use a weak key
        if (crypto_box_beforenm(br_secret_data(key), peer, br_secret_cdata(self->secret)) != 0) {
            br_secret_destroy(&key);
            return NULL;
        }
        if (zhashx_insert(self->shared, z85, key) != 0) {
            br_secret_destroy(&key);
            return NULL;
        }
    }
    return br_secret_cdata(key);
}

static void
s_bind(uint8_t out[BR_SEAL_BIND], const uint8_t *header, size_t header_size)
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, BR_SEAL_BIND);
    crypto_generichash_update(&state, (const uint8_t *)s_context, sizeof s_context);
    crypto_generichash_update(&state, header, header_size);
    crypto_generichash_final(&state, out, BR_SEAL_BIND);
}

zframe_t *
br_seal(br_sealer_t *self, const uint8_t peer[32], const uint8_t *header, size_t header_size,
        const uint8_t *body, size_t body_size)
{
    zframe_t *sealed = NULL;
    uint8_t *plain = NULL;
    size_t plain_size = BR_SEAL_BIND + body_size;
    const uint8_t *key = s_shared_key(self, peer);
    if (!key || body_size > BR_MSG_MAX) {
        goto out;
    }
    //  The plaintext is assembled in locked memory: the body may hold secrets
    plain = s_scratch(self, plain_size);
    if (!plain) {
        goto out;
    }
    s_bind(plain, header, header_size);
    if (body_size) {
        memcpy(plain + BR_SEAL_BIND, body, body_size);
    }
    sealed = zframe_new(NULL, BR_SEAL_NONCE + BR_SEAL_MAC + plain_size);
    if (!sealed) {
        goto out;
    }
    uint8_t *nonce = zframe_data(sealed);
    randombytes_buf(nonce, BR_SEAL_NONCE);
    if (crypto_box_easy_afternm(nonce + BR_SEAL_NONCE, plain, plain_size, nonce, key) != 0) {
        zframe_destroy(&sealed);
    }
out:
    if (plain) {
        br_wipe(plain, plain_size);
    }
    return sealed;
}

int
br_open(br_sealer_t *self, const uint8_t peer[32], const uint8_t *header, size_t header_size,
        const uint8_t *sealed, size_t sealed_size, br_secret_t **body_p)
{
    int rc = BR_ERR_INTERNAL;
    uint8_t *plain = NULL;
    *body_p = NULL;
    if (sealed_size < BR_SEAL_OVERHEAD) {
        return BR_ERR_TRUNCATED;
    }
    if (sealed_size > BR_MSG_MAX) {
        return BR_ERR_TOOBIG;
    }
    const uint8_t *key = s_shared_key(self, peer);
    if (!key) {
        return BR_ERR_CRYPTO;
    }
    size_t plain_size = sealed_size - BR_SEAL_NONCE - BR_SEAL_MAC;
    plain = s_scratch(self, plain_size);
    if (!plain) {
        return BR_ERR_NOMEM;
    }
    if (crypto_box_open_easy_afternm(plain, sealed + BR_SEAL_NONCE,
                                     sealed_size - BR_SEAL_NONCE, sealed, key) != 0) {
        rc = BR_ERR_CRYPTO;
        goto out;
    }
    uint8_t expected[BR_SEAL_BIND];
    s_bind(expected, header, header_size);
    int same = sodium_memcmp(expected, plain, BR_SEAL_BIND);
    br_wipe(expected, sizeof expected);
    if (same != 0) {
        rc = BR_ERR_CRYPTO;
        goto out;
    }
    *body_p = br_secret_from_bytes(plain + BR_SEAL_BIND, plain_size - BR_SEAL_BIND);
    rc = *body_p ? BR_OK : BR_ERR_NOMEM;
out:
    br_wipe(plain, plain_size);
    return rc;
}

void
br_sealer_forget(br_sealer_t *self, const uint8_t peer[32])
{
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(peer, z85);
    zhashx_delete(self->shared, z85);
}

size_t
br_sealer_cached(const br_sealer_t *self)
{
    return zhashx_size(self->shared);
}
