/*  br_pillar: a minion's pillar from the pillar tree.

    The pillar top file picks SLS files for the minion; each is rendered
    with the minion's grains only (pillar cannot refer to pillar), parsed
    as plain data and merged in top-file order, its includes first.

    Pillar files hold the secrets (LUKS passphrases), in clear. So values
    under a secret key are turned into BR_V_SECRET in each file's own tree,
    before merging: a value overridden by a later file is then a secret and
    is wiped when it is dropped. Every buffer that held file text, and every
    string left in a parsed tree, is wiped before it is freed. */
#include "br_sls_file.h"

#include <inttypes.h>
#include <stdio.h>

const char *const br_default_secret_keys[] = {"password", "passphrase", "secret", NULL};

//  One br_pillar_load.
typedef struct {
    const char *const *secret_keys; //  NULL-terminated
    br_value_t *pillar;             //  the merge so far
} s_loader_t;

//  "password" and "db_password" are secret keys for entry "password".
static bool
s_is_secret_key(const char *key, const char *const *secret_keys)
{
    size_t len = strlen(key);
    for (size_t i = 0; secret_keys[i]; i++) {
        size_t n = strlen(secret_keys[i]);
        if (strcmp(key, secret_keys[i]) == 0 || (len > n + 1 && key[len - n - 1] == '_' &&
                                                 strcmp(key + len - n, secret_keys[i]) == 0)) {
            return true;
        }
    }
    return false;
}

//  Python's str() of a number or boolean, what a Salt state would receive:
//  shortest text that reads back as the same double, with ".0" if integral.
static void
s_scalar_text(const br_value_t *value, char *buf, size_t size)
{
    if (br_value_kind(value) == BR_V_BOOL) {
        snprintf(buf, size, "%s", br_value_as_bool(value) ? "True" : "False");
    } else if (br_value_kind(value) == BR_V_INT) {
        snprintf(buf, size, "%" PRId64, br_value_as_int(value));
    } else {
        double d = br_value_as_float(value);
        for (int precision = 15; precision <= 17; precision++) {
            snprintf(buf, size, "%.*g", precision, d);
            if (strtod(buf, NULL) == d) {
                break;
            }
        }
        if (!strpbrk(buf, ".eni")) {
            strncat(buf, ".0", size - strlen(buf) - 1);
        }
    }
}

//  A copy of value with every scalar under it a secret; nulls stay null.
static br_value_t *
s_to_secret(const br_value_t *value)
{
    char text[64];
    br_secret_t *secret = NULL;
    br_value_t *copy = NULL;
    switch (br_value_kind(value)) {
    case BR_V_STR:
        secret = br_secret_from_bytes(br_value_as_str(value), br_value_str_len(value));
        break;
    case BR_V_INT:
    case BR_V_FLOAT:
    case BR_V_BOOL:
        s_scalar_text(value, text, sizeof text);
        secret = br_secret_from_bytes(text, strlen(text));
        br_wipe(text, sizeof text);
        break;
    case BR_V_LIST:
        copy = br_value_list();
        for (size_t i = 0; copy && i < br_value_list_size(value); i++) {
            br_value_t *item = s_to_secret(br_value_list_at(value, i));
            if (!item || br_value_list_append(copy, &item) != BR_OK) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            }
        }
        break;
    case BR_V_MAP:
        copy = br_value_map();
        for (size_t i = 0; copy && i < br_value_map_size(value); i++) {
            br_value_t *item = s_to_secret(br_value_map_at(value, i));
            if (!item || br_value_map_set(copy, br_value_map_key(value, i), &item) != BR_OK) {
                br_value_destroy(&item);
                br_value_destroy(&copy);
            } else {
                br_value_map_set_key_line(copy, i, br_value_map_key_line(value, i));
            }
        }
        break;
    default:
        copy = br_value_dup(value);
        break;
    }
    if (secret) {
        copy = br_value_secret(&secret);
        br_secret_destroy(&secret);
    }
    br_value_set_line(copy, br_value_line(value));
    return copy;
}

static int s_mark_list(br_value_t *list, const char *const *secret_keys);

//  Turns the values under secret keys anywhere in map into secrets.
static int
s_mark_map(br_value_t *map, const char *const *secret_keys)
{
    int rc = BR_OK;
    for (size_t i = 0; rc == BR_OK && i < br_value_map_size(map); i++) {
        const char *key = br_value_map_key(map, i);
        br_value_t *value = br_value_map_at(map, i);
        if (s_is_secret_key(key, secret_keys)) {
            br_value_t *secret = s_to_secret(value);
            br_value_wipe(value);
            //  Replacing keeps the key's place and line.
            rc = secret ? br_value_map_set(map, key, &secret) : BR_ERR_NOMEM;
            br_value_destroy(&secret);
        } else if (br_value_kind(value) == BR_V_MAP) {
            rc = s_mark_map(value, secret_keys);
        } else if (br_value_kind(value) == BR_V_LIST) {
            rc = s_mark_list(value, secret_keys);
        }
    }
    return rc;
}

static int
s_mark_list(br_value_t *list, const char *const *secret_keys)
{
    int rc = BR_OK;
    for (size_t i = 0; rc == BR_OK && i < br_value_list_size(list); i++) {
        br_value_t *item = br_value_list_at(list, i);
        if (br_value_kind(item) == BR_V_MAP) {
            rc = s_mark_map(item, secret_keys);
        } else if (br_value_kind(item) == BR_V_LIST) {
            rc = s_mark_list(item, secret_keys);
        }
    }
    return rc;
}

//  Merges one pillar file, after its includes (the visitor of br_sls_walk).
static int
s_merge(void *arg, const char *path, const char *sls, br_value_t *doc, br_errmsg_t *err)
{
    s_loader_t *ld = arg;
    (void)sls;
    br_value_map_remove(doc, "include");
    int rc = s_mark_map(doc, ld->secret_keys);
    if (rc == BR_OK) {
        rc = br_value_merge(ld->pillar, doc);
    }
    return rc == BR_OK ? rc : br_errmsg_set(err, rc, "%s: out of memory", path);
}

int
br_pillar_load(const char *pillar_root, const char *minion_id, const br_value_t *grains,
               const char *const *secret_keys, br_value_t **pillar_p, br_errmsg_t *err)
{
    zlistx_t *names = NULL;
    br_value_t *grains_copy = grains ? br_value_dup(grains) : br_value_map();
    //  Rendered with {"grains": ...} and an empty vault: nothing in grains
    //  is secret
    br_value_t *context = br_value_map();
    s_loader_t ld = {secret_keys ? secret_keys : br_default_secret_keys, br_value_map()};
    br_sls_walk_t walk = {pillar_root, context, br_vault_new(), true, s_merge, &ld, zhashx_new()};
    int rc = BR_OK;
    *pillar_p = NULL;
    if (!grains_copy || !context || !walk.vault || !walk.loaded || !ld.pillar ||
        br_value_map_set(context, "grains", &grains_copy) != BR_OK) {
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", pillar_root);
        goto out;
    }
    rc = br_top_load(pillar_root, minion_id, context, walk.vault, &names, err);
    for (const char *name = rc == BR_OK ? zlistx_first(names) : NULL; rc == BR_OK && name;
         name = zlistx_next(names)) {
        rc = br_sls_walk(&walk, name, NULL, 0, 0, err);
    }
    if (rc == BR_OK) {
        *pillar_p = ld.pillar;
        ld.pillar = NULL;
    }
out:
    zlistx_destroy(&names);
    br_value_destroy(&grains_copy);
    br_value_wipe(ld.pillar);
    br_value_destroy(&ld.pillar);
    br_value_destroy(&context);
    br_vault_destroy(&walk.vault);
    zhashx_destroy(&walk.loaded);
    return rc;
}
