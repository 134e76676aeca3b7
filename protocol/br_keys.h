/*  br_keys: CURVE key pairs on disk, and fingerprints.

    A key pair NAME lives in a directory as two files:
      NAME.pub  the public key, 40 Z85 characters and a newline, mode 0644
      NAME.key  the secret key, same format, mode 0600, created with O_EXCL
    Loading a secret key file that group or others can read, or that is not a
    regular file, fails with a message naming the file. The secret key is only
    ever held in br_secret memory. */
#ifndef BR_KEYS_H
#define BR_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#define BR_KEY_SIZE 32
#define BR_Z85_KEY_LEN 40
//  SHA-256 as 32 hex pairs joined by ':' (Salt's fingerprint form)
#define BR_FINGERPRINT_LEN 95

typedef struct _br_keypair_t br_keypair_t;

//  A fresh random key pair, or NULL.
br_keypair_t *br_keypair_generate(void);

//  Loads DIR/NAME.pub and DIR/NAME.key. NULL on failure, with err set.
br_keypair_t *br_keypair_load(const char *dir, const char *name, br_errmsg_t *err);

//  Writes DIR/NAME.pub and DIR/NAME.key. Refuses (BR_ERR_EXISTS) if either
//  exists, so a key is never silently replaced.
int br_keypair_save(const br_keypair_t *self, const char *dir, const char *name,
                    br_errmsg_t *err);

void br_keypair_destroy(br_keypair_t **self_p);

const uint8_t *br_keypair_public(const br_keypair_t *self);
//  Points into locked memory; valid until the key pair is destroyed.
const uint8_t *br_keypair_secret(const br_keypair_t *self);

//  Reads a public key file (Z85 line) into key.
int br_pubkey_load(uint8_t key[BR_KEY_SIZE], const char *path, br_errmsg_t *err);
//  Writes a public key file with mode 0644, replacing atomically (temp file
//  and rename) unless exclusive is set, in which case an existing file is an
//  error.
int br_pubkey_save(const uint8_t key[BR_KEY_SIZE], const char *path, bool exclusive,
                   br_errmsg_t *err);
//  A minion's key file in the master's key store: its CURVE public key and,
//  on a second line, its sealing public key (when the minion sent one).
//  *has_seal_p says whether the second line was there.
int br_pubkey_load_sealed(uint8_t key[BR_KEY_SIZE], uint8_t seal[BR_KEY_SIZE], bool *has_seal_p,
                          const char *path, br_errmsg_t *err);
//  seal may be NULL: one line, as br_pubkey_save
int br_pubkey_save_sealed(const uint8_t key[BR_KEY_SIZE], const uint8_t *seal, const char *path,
                          bool exclusive, br_errmsg_t *err);

//  Z85 text of a public key: out holds BR_Z85_KEY_LEN + 1 bytes.
void br_pubkey_z85(const uint8_t key[BR_KEY_SIZE], char out[BR_Z85_KEY_LEN + 1]);
//  Parses exactly BR_Z85_KEY_LEN Z85 characters. 0 or BR_ERR_MALFORMED.
int br_pubkey_from_z85(uint8_t key[BR_KEY_SIZE], const char *text, size_t len);

//  Fingerprint of a public key: out holds BR_FINGERPRINT_LEN + 1 bytes.
void br_key_fingerprint(const uint8_t key[BR_KEY_SIZE], char out[BR_FINGERPRINT_LEN + 1]);

#endif
