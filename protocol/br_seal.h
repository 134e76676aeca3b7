/*  br_seal: a job body sealed from the master to one minion.

    sealed = nonce (24 bytes) || crypto_box_easy_afternm(plaintext)
    plaintext = BLAKE2b-256("brine-seal-v1" || clear header) || body

    The clear header (version, jid, expiry) travels beside the sealed frame so
    that a minion can check expiry and replay before decrypting; the hash
    inside the box binds it, so neither header nor body can be swapped or
    edited. The X25519 shared key with each peer is computed once and cached
    in locked memory, and plaintexts pass through one locked scratch buffer
    per sealer, wiped after each seal or open. Opening verifies the box, then
    the header hash, and fails closed: on any error no plaintext is returned
    and the scratch buffer is wiped. A sealer is used by one thread. */
#ifndef BR_SEAL_H
#define BR_SEAL_H

#include <stdint.h>
#include <czmq.h>

#define BR_SEAL_OVERHEAD (24 + 16 + 32)

typedef struct _br_sealer_t br_sealer_t;

//  A sealer for our own key pair (the secret key is copied into locked memory).
br_sealer_t *br_sealer_new(const br_keypair_t *own);
void br_sealer_destroy(br_sealer_t **self_p);

//  Seals body for peer, bound to header. Returns a new frame or NULL.
zframe_t *br_seal(br_sealer_t *self, const uint8_t peer[32], const uint8_t *header,
                  size_t header_size, const uint8_t *body, size_t body_size);

//  Opens a sealed frame from peer, checking it against header. On success
//  *body_p holds the body in locked memory; otherwise it is NULL and the
//  return is BR_ERR_CRYPTO (box or header mismatch) or BR_ERR_TRUNCATED.
int br_open(br_sealer_t *self, const uint8_t peer[32], const uint8_t *header,
            size_t header_size, const uint8_t *sealed, size_t sealed_size,
            br_secret_t **body_p);

//  Drops the cached shared key for peer (after its key is deleted).
void br_sealer_forget(br_sealer_t *self, const uint8_t peer[32]);

//  Number of cached shared keys.
size_t br_sealer_cached(const br_sealer_t *self);

#endif
