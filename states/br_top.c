/*  br_top: a top file (top.sls) to the SLS names that apply to one minion.

    The whole of environment "base" is checked whichever minion asks, so a
    mistake in a target that does not match this minion is still reported
    (and reported the same way to every minion). Other environments are
    read as YAML but otherwise ignored: brine has only "base".

    Matchers follow Salt: glob (the default) and list on the minion id,
    grain on "key:value" with a case-insensitive glob on the grain's text
    (nested keys joined with ':'; a list grain matches if any item does),
    and pcre, which here is a POSIX extended regex on the whole id. */
#include "br_match.h"
#include "br_sls_file.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>

//  One target's entry, checked.
typedef struct {
    const char *path;      //  the top file
    const char *target;    //  the key
    int line;              //  its line
    const char *matcher;   //  glob, list, grain or pcre
    const br_value_t *sls; //  its items
} s_target_t;

static void
s_name_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static int
s_matches(const s_target_t *t, const char *minion_id, const br_value_t *grains, bool *match,
          br_errmsg_t *err)
{
    char echo[BR_SLS_ECHO_SIZE];
    br_errmsg_t why = {""};
    int rc = br_match_minion(t->matcher, t->target, minion_id, grains, &why);
    *match = rc == 1;
    if (rc < 0) {
        return br_errmsg_set(err, rc, "%s:%d: target '%s': %s", t->path, t->line,
                             br_sls_echo(t->target, echo, sizeof echo), why.text);
    }
    return BR_OK;
}

//  Checks the items of one target and finds its matcher.
static int
s_target_check(s_target_t *t, br_errmsg_t *err)
{
    static const char *const matchers[] = {"glob", "list", "grain", "pcre", NULL};
    char echo[BR_SLS_ECHO_SIZE], echo2[BR_SLS_ECHO_SIZE];
    br_vkind_t kind = br_value_kind(t->sls);
    const char *target = br_sls_echo(t->target, echo, sizeof echo);
    if (kind != BR_V_LIST && kind != BR_V_NULL) {
        return br_errmsg_set(err, BR_ERR_TYPE, "%s:%d: target '%s' must have a list of SLS names",
                             t->path, t->line, target);
    }
    int match_line = 0;
    for (size_t i = 0; i < br_value_list_size(t->sls); i++) {
        const br_value_t *item = br_value_list_at(t->sls, i);
        int line = br_value_line(item);
        const char *name = br_value_as_str(item);
        const br_value_t *how = br_value_map_get(item, "match");
        if (name && !br_sls_name_valid(name)) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s:%d: invalid SLS name '%s' (SLS names are dot-separated "
                                 "words of letters, digits, '_' and '-')",
                                 t->path, line, br_sls_echo(name, echo2, sizeof echo2));
        }
        if (name) {
            continue;
        }
        if (!how || br_value_map_size(item) != 1) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s:%d: target '%s': items must be SLS names or '- match: TYPE'",
                                 t->path, line, target);
        }
        if (match_line) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s:%d: target '%s': a second 'match' (first on line %d)", t->path,
                                 line, target, match_line);
        }
        match_line = line;
        t->matcher = NULL;
        for (size_t m = 0; matchers[m] && br_value_as_str(how); m++) {
            if (strcmp(br_value_as_str(how), matchers[m]) == 0) {
                t->matcher = matchers[m];
            }
        }
        if (!t->matcher) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "%s:%d: target '%s': unsupported matcher '%s' (supported: glob, "
                                 "list, grain, pcre)",
                                 t->path, line, target,
                                 br_value_as_str(how)
                                     ? br_sls_echo(br_value_as_str(how), echo2, sizeof echo2)
                                     : br_value_kind_name(br_value_kind(how)));
        }
    }
    return BR_OK;
}

//  Appends the SLS names of a matching target to names, skipping repeats.
static int
s_collect(const s_target_t *t, zlistx_t *names, br_errmsg_t *err)
{
    for (size_t i = 0; i < br_value_list_size(t->sls); i++) {
        const char *name = br_value_as_str(br_value_list_at(t->sls, i));
        if (!name || zlistx_find(names, (void *)name)) {
            continue;
        }
        char *copy = strdup(name);
        if (!copy || !zlistx_add_end(names, copy)) {
            free(copy);
            return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", t->path);
        }
    }
    return BR_OK;
}

static int
s_compare(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

//  Environment "base" of a parsed top file.
static int
s_base(const char *path, const br_value_t *doc, const char *minion_id, const br_value_t *grains,
       zlistx_t *names, br_errmsg_t *err)
{
    const br_value_t *base = NULL;
    int base_line = 0;
    for (size_t i = 0; i < br_value_map_size(doc); i++) {
        if (strcmp(br_value_map_key(doc, i), "base") == 0) {
            base = br_value_map_at(doc, i);
            base_line = br_value_map_key_line(doc, i);
        }
    }
    if (br_value_kind(base) != BR_V_MAP && br_value_kind(base) != BR_V_NULL) {
        return br_errmsg_set(err, BR_ERR_TYPE,
                             "%s:%d: environment 'base' must be a map of targets to SLS names",
                             path, base_line);
    }
    int rc = BR_OK;
    for (size_t i = 0; rc == BR_OK && i < br_value_map_size(base); i++) {
        s_target_t t = {path, br_value_map_key(base, i), br_value_map_key_line(base, i), "glob",
                        br_value_map_at(base, i)};
        bool match = false;
        rc = s_target_check(&t, err);
        if (rc == BR_OK) {
            rc = s_matches(&t, minion_id, grains, &match, err);
        }
        if (rc == BR_OK && match) {
            rc = s_collect(&t, names, err);
        }
    }
    return rc;
}

int
br_top_load(const char *file_root, const char *minion_id, const br_value_t *context,
            br_vault_t *vault, zlistx_t **sls_p, br_errmsg_t *err)
{
    char *path = NULL;
    br_value_t *doc = NULL;
    zlistx_t *names = zlistx_new();
    int rc = BR_OK;
    *sls_p = NULL;
    if (!names || asprintf(&path, "%s/top.sls", file_root) < 0) {
        path = NULL;
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", file_root);
        goto out;
    }
    zlistx_set_destructor(names, s_name_destroy);
    zlistx_set_comparator(names, s_compare);
    rc = br_sls_file_load(path, context, vault, false, &doc, err);
    if (rc == BR_ERR_NOTFOUND) {
        //  No top file: nothing applies, as in Salt.
        rc = BR_OK;
    } else if (rc == BR_OK && br_value_kind(doc) != BR_V_MAP) {
        rc = br_errmsg_set(err, BR_ERR_TYPE,
                           "%s:%d: a top file must be a map of environments (base: ...), not a %s",
                           path, br_value_line(doc), br_value_kind_name(br_value_kind(doc)));
    } else if (rc == BR_OK) {
        rc = s_base(path, doc, minion_id, br_value_map_get(context, "grains"), names, err);
    }
    if (rc == BR_OK) {
        *sls_p = names;
        names = NULL;
    }
out:
    zlistx_destroy(&names);
    br_value_destroy(&doc);
    free(path);
    return rc;
}
