/*  br_vault: placeholder tokens for secrets in rendered text. */
#include "br_vault.h"

#include <sodium.h>
#include <stdio.h>

//  "__brine_secret_" + 32 hex + "_" + index + "__": letters, digits and '_'
//  only, so a token is a plain YAML scalar and survives any quoting
#define BR_TOKEN_PREFIX "__brine_secret_"
#define BR_TOKEN_MAX 80

struct _br_vault_t {
    char prefix[64];          //  BR_TOKEN_PREFIX + this vault's random nonce
    br_secret_t **secrets;    //  by index
    char **tokens;            //  parallel to secrets
    size_t size, cap;
};

br_vault_t *
br_vault_new(void)
{
    if (sodium_init() < 0) {
        return NULL;
    }
    br_vault_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    uint8_t nonce[16];
    char hex[33];
    randombytes_buf(nonce, sizeof nonce);
    sodium_bin2hex(hex, sizeof hex, nonce, sizeof nonce);
    snprintf(self->prefix, sizeof self->prefix, "%s%s_", BR_TOKEN_PREFIX, hex);
    return self;
}

void
br_vault_destroy(br_vault_t **self_p)
{
    if (self_p && *self_p) {
        br_vault_t *self = *self_p;
        for (size_t i = 0; i < self->size; i++) {
            br_secret_destroy(&self->secrets[i]);
            free(self->tokens[i]);
        }
        free(self->secrets);
        free(self->tokens);
        free(self);
        *self_p = NULL;
    }
}

const char *
br_vault_token(br_vault_t *self, const br_secret_t *secret)
{
    for (size_t i = 0; i < self->size; i++) {
        if (br_secret_equal(self->secrets[i], secret)) {
            return self->tokens[i];
        }
    }
    if (self->size == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 4;
        br_secret_t **secrets = realloc(self->secrets, cap * sizeof *secrets);
        if (!secrets) {
            return NULL;
        }
        self->secrets = secrets;
        char **tokens = realloc(self->tokens, cap * sizeof *tokens);
        if (!tokens) {
            return NULL;
        }
        self->tokens = tokens;
        self->cap = cap;
    }
    br_secret_t *copy = br_secret_from_bytes(br_secret_cdata(secret), br_secret_size(secret));
    char *token = malloc(BR_TOKEN_MAX);
    if (!copy || !token) {
        br_secret_destroy(&copy);
        free(token);
        return NULL;
    }
    snprintf(token, BR_TOKEN_MAX, "%s%zu__", self->prefix, self->size);
    self->secrets[self->size] = copy;
    self->tokens[self->size] = token;
    self->size++;
    return token;
}

const br_secret_t *
br_vault_lookup(const br_vault_t *self, const char *text, size_t len)
{
    size_t prefix = strlen(self->prefix);
    if (len <= prefix + 2 || memcmp(text, self->prefix, prefix) != 0) {
        return NULL;
    }
    for (size_t i = 0; i < self->size; i++) {
        if (strlen(self->tokens[i]) == len && memcmp(self->tokens[i], text, len) == 0) {
            return self->secrets[i];
        }
    }
    return NULL;
}

bool
br_vault_mentions(const br_vault_t *self, const char *text, size_t len)
{
    return self->size > 0 && memmem(text, len, self->prefix, strlen(self->prefix)) != NULL;
}

size_t
br_vault_size(const br_vault_t *self)
{
    return self->size;
}
