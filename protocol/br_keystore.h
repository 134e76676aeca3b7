/*  br_keystore: the master's minion keys, in Salt's four states.

    Layout under the master's pki_dir (directories 0700, files 0644, each file
    named by the minion id and holding that minion's public key as one Z85
    line, and its sealing public key as a second one when it sent one):
      minions/           accepted
      minions_pre/       pending: enrolled, waiting for `brine-key -a`
      minions_rejected/  rejected by the operator
      minions_denied/    denied: a key that tried to use an id already
                         accepted or pending under another key
    The store is also kept in memory (ids and keys in hash tables) so that the
    ZAP handler answers without touching the disk; br_keystore_refresh()
    reloads it when a directory changed (brine-key runs in another process). */
#ifndef BR_KEYSTORE_H
#define BR_KEYSTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

typedef enum {
    BR_KEY_UNKNOWN = 0,
    BR_KEY_ACCEPTED,
    BR_KEY_PENDING,
    BR_KEY_REJECTED,
    BR_KEY_DENIED,
} br_key_state_t;

//  "accepted", "pending", "rejected", "denied" or "unknown".
const char *br_key_state_name(br_key_state_t state);

typedef struct _br_keystore_t br_keystore_t;

//  Opens (creating if needed, mode 0700) the store under pki_dir and loads it.
br_keystore_t *br_keystore_new(const char *pki_dir, br_errmsg_t *err);
void br_keystore_destroy(br_keystore_t **self_p);

//  Reloads from disk if any state directory changed since the last load.
//  Returns 1 if reloaded, 0 if nothing changed, negative on error.
int br_keystore_refresh(br_keystore_t *self, br_errmsg_t *err);

//  State of an id (the state directories are checked in the order accepted,
//  pending, rejected, denied). If key is not NULL and the id is known, its key
//  is copied there.
br_key_state_t br_keystore_state(br_keystore_t *self, const char *id, uint8_t *key);

//  State of a public key, and the id it is filed under (a pointer valid until
//  the next change or refresh), or BR_KEY_UNKNOWN.
br_key_state_t br_keystore_lookup(br_keystore_t *self, const uint8_t key[32], const char **id_p);

//  A minion with this key asks to be known as id. Salt's rules:
//    id accepted with this key  -> BR_KEY_ACCEPTED, nothing written
//    id accepted or pending with another key -> the new key is filed under
//      minions_denied, returns BR_KEY_DENIED
//    id rejected                -> BR_KEY_REJECTED, nothing written
//    id pending with this key   -> BR_KEY_PENDING, nothing written
//    otherwise                  -> filed as pending, returns BR_KEY_PENDING
//  Negative on error (BR_ERR_BADID for an invalid id).
int br_keystore_enrol(br_keystore_t *self, const char *id, const uint8_t key[32],
                      br_errmsg_t *err);
//  The same, for a minion that sent its sealing public key (seal may be
//  NULL): it is filed with the key, on the key file's second line, and moves
//  with it from state to state. It is never replaced: a minion already on
//  file keeps the sealing key of its first enrolment.
int br_keystore_enrol_sealed(br_keystore_t *self, const char *id, const uint8_t key[32],
                             const uint8_t *seal, br_errmsg_t *err);

//  The sealing key filed with id (in the first state that holds it): true
//  and copied to seal, or false when the minion enrolled without one.
bool br_keystore_seal_key(br_keystore_t *self, const char *id, uint8_t seal[32]);

//  Operator actions. accept: pending (or rejected) -> accepted; reject:
//  pending (or accepted) -> rejected; delete: removed from every state.
//  BR_ERR_NOTFOUND when the id is not in a state the action applies to.
int br_keystore_accept(br_keystore_t *self, const char *id, br_errmsg_t *err);
int br_keystore_reject(br_keystore_t *self, const char *id, br_errmsg_t *err);
int br_keystore_delete(br_keystore_t *self, const char *id, br_errmsg_t *err);

//  Sorted ids in one state; the caller destroys the list (of char *).
zlistx_t *br_keystore_list(br_keystore_t *self, br_key_state_t state);

#endif
