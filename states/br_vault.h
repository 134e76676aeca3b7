/*  br_vault: keeps secrets out of rendered text.

    State files are rendered (Jinja subset) to text and then parsed as YAML.
    A secret pillar value must not become ordinary text on the way: the
    renderer asks the vault for a token instead, an unguessable placeholder
    (random per vault), and writes the token. The compiler later resolves an
    argument whose whole value is a token back to the secret, for secret
    arguments only; a token anywhere else (inside a command line, a name, a
    comment) is an error that names the state and argument, never the value. */
#ifndef BR_VAULT_H
#define BR_VAULT_H

#include "brine.h"

typedef struct _br_vault_t br_vault_t;

br_vault_t *br_vault_new(void);
//  Destroys the vault and wipes every secret it holds.
void br_vault_destroy(br_vault_t **self_p);

//  Stores a copy of secret and returns its token (owned by the vault, valid
//  until the vault is destroyed). The same secret bytes get the same token.
const char *br_vault_token(br_vault_t *self, const br_secret_t *secret);

//  The secret whose token is exactly text[0..len), or NULL.
const br_secret_t *br_vault_lookup(const br_vault_t *self, const char *text, size_t len);

//  True when text[0..len) contains a token of this vault anywhere.
bool br_vault_mentions(const br_vault_t *self, const char *text, size_t len);

//  Number of secrets held.
size_t br_vault_size(const br_vault_t *self);

#endif
