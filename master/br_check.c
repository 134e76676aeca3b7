/*  br_check: brine-master --check-config (see br_check.h). One pass in
    four parts: the minions to compile for, each minion, the state files no
    minion reached, the pillar files no top entry named. */
#include "br_check.h"
#include "br_master.h"
#include "br_match.h"
#include "br_mongo_conf.h"
#include "br_mongo_uri.h"
#include "br_render.h"
#include "br_sls.h"
#include "br_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

//  A pillar or top file larger than this is refused, as the loaders do
#define S_MAX_FILE (16u * 1024 * 1024)

//  Minions whose context an SLS file no top file assigns is tried with
#define S_MAX_TRIES 8

typedef struct {
    const br_config_t *config; //  not owned
    const char *file_root;
    const char *pillar_root;
    const char **secret_keys; //  NULL-terminated; the strings are not owned
    FILE *out, *err;
    zlistx_t *minions;  //  ids to compile for, in order (char *)
    zhashx_t *origin;   //  id -> why it is checked (char *)
    zhashx_t *contexts; //  id -> br_value_t {grains, pillar}, for minions whose pillar compiled
    zlistx_t *context_order; //  ids of contexts, in order (not owning)
    zhashx_t *reached;       //  SLS names that gave states to some minion
    zhashx_t *named;         //  pillar SLS names some pillar top entry gave
    zhashx_t *problems;      //  distinct problem texts
    zlistx_t *files;         //  walk result: relative paths of .sls files (char *)
} s_check_t;

//  nftw has no context argument: the walk collects into this slot.
static __thread zlistx_t *s_walk_files;
static __thread size_t s_walk_root_len;

static void
s_free(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static void
s_value_free(void **item_p)
{
    br_value_destroy((br_value_t **)item_p);
}

static int
s_strcmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

//  A problem: printed under its subject, counted once however many
//  minions it hits
static void
s_problem(s_check_t *self, const char *subject, const char *text)
{
    //  In order with the progress lines when both go to one file
    fflush(self->out);
    fprintf(self->err, "%s: %s\n", subject, text);
    if (!zhashx_lookup(self->problems, text)) {
        zhashx_insert(self->problems, text, (void *)"");
    }
}

static int
s_collect_sls(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    size_t len = strlen(path);
    if (flag == FTW_F && len > 4 && strcmp(path + len - 4, ".sls") == 0 &&
        len > s_walk_root_len + 1) {
        char *rel = strdup(path + s_walk_root_len + 1);
        if (!rel || !zlistx_add_end(s_walk_files, rel)) {
            free(rel);
            return 1;
        }
    }
    return 0;
}

//  The .sls files under root, relative to it, sorted; an empty list when
//  root does not exist
static zlistx_t *
s_sls_files(const char *root)
{
    zlistx_t *files = zlistx_new();
    if (!files) {
        return NULL;
    }
    zlistx_set_destructor(files, s_free);
    zlistx_set_comparator(files, s_strcmp);
    struct stat st;
    if (stat(root, &st) != 0) {
        return files;
    }
    s_walk_files = files;
    s_walk_root_len = strlen(root);
    while (s_walk_root_len > 1 && root[s_walk_root_len - 1] == '/') {
        s_walk_root_len--;
    }
    if (nftw(root, s_collect_sls, 16, FTW_PHYS) != 0) {
        zlistx_destroy(&files);
    } else {
        zlistx_sort(files);
    }
    s_walk_files = NULL;
    return files;
}

//  a/b.sls -> a.b, a/init.sls -> a; top.sls at the root is no SLS
static char *
s_sls_name(const char *rel)
{
    if (strcmp(rel, "top.sls") == 0) {
        return NULL;
    }
    char *name = strndup(rel, strlen(rel) - 4);
    size_t len = name ? strlen(name) : 0;
    if (len > 5 && strcmp(name + len - 5, "/init") == 0) {
        name[len - 5] = '\0';
    }
    for (char *c = name; c && *c; c++) {
        *c = *c == '/' ? '.' : *c;
    }
    return name;
}

//  Reads, renders (with context) and parses one file, wiping every
//  buffer that held its text: pillar files hold secrets in clear
static int
s_load_file(const char *path, const br_value_t *context, br_vault_t *vault, br_value_t **doc_p,
            br_errmsg_t *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > S_MAX_FILE) {
        int rc =
            br_errmsg_set(err, BR_ERR_IO, "%s: cannot read%s%s", path, fd < 0 ? ": " : "",
                          fd < 0 ? strerror(errno) : " (not a regular file of 16 MiB or less)");
        if (fd >= 0) {
            close(fd);
        }
        return rc;
    }
    size_t size = (size_t)st.st_size, got = 0, out_len = 0;
    char *text = malloc(size + 1);
    while (text && got < size) {
        ssize_t n = read(fd, text + got, size - got);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    if (!text || got != size) {
        if (text) {
            br_wipe(text, got);
        }
        free(text);
        return br_errmsg_set(err, BR_ERR_IO, "%s: cannot read", path);
    }
    text[size] = '\0';
    char *rendered = br_render(path, text, size, context, vault, &out_len, err);
    br_wipe(text, size);
    free(text);
    if (!rendered) {
        return BR_ERR_INVALID;
    }
    int rc = br_yaml_parse(path, rendered, out_len, doc_p, err);
    br_wipe(rendered, out_len);
    free(rendered);
    return rc;
}

//  The targets of a top file's environment base, (target, matcher) pairs
//  of strings in targets. A top file that does not render on its own or
//  is no map gives none: the minions' own loads report it.
static void
s_top_targets(const char *root, zlistx_t *targets)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/top.sls", root);
    br_value_t *context = br_value_map(), *grains = br_value_map(), *pillar = br_value_map();
    br_vault_t *vault = br_vault_new();
    br_value_t *doc = NULL;
    br_errmsg_t err = {""};
    if (context && grains && pillar && vault && br_value_map_set(context, "grains", &grains) == 0 &&
        br_value_map_set(context, "pillar", &pillar) == 0 &&
        s_load_file(path, context, vault, &doc, &err) == 0) {
        const br_value_t *base = br_value_map_get(doc, "base");
        for (size_t i = 0; i < br_value_map_size(base); i++) {
            const char *matcher = "glob";
            const br_value_t *items = br_value_map_at(base, i);
            for (size_t j = 0; j < br_value_list_size(items); j++) {
                const char *how =
                    br_value_as_str(br_value_map_get(br_value_list_at(items, j), "match"));
                matcher = how ? how : matcher;
            }
            zlistx_add_end(targets, strdup(br_value_map_key(base, i)));
            zlistx_add_end(targets, strdup(matcher));
        }
    }
    br_value_destroy(&doc);
    br_value_destroy(&grains);
    br_value_destroy(&pillar);
    br_value_destroy(&context);
    br_vault_destroy(&vault);
}

static br_value_t *
s_grains(const char *id)
{
    br_value_t *grains = br_value_map(), *value = br_value_str(id);
    if (!grains || !value || br_value_map_set(grains, "id", &value) != BR_OK) {
        br_value_destroy(&value);
        br_value_destroy(&grains);
    }
    return grains;
}

static bool
s_matched(s_check_t *self, const char *target, const char *matcher)
{
    br_errmsg_t err;
    for (const char *id = zlistx_first(self->minions); id; id = zlistx_next(self->minions)) {
        br_value_t *grains = s_grains(id);
        int rc = br_match_minion(matcher, target, id, grains, &err);
        br_value_destroy(&grains);
        if (rc == 1) {
            return true;
        }
    }
    return false;
}

static void
s_add_minion(s_check_t *self, const char *id, const char *origin)
{
    if (!br_id_valid(id) || zhashx_lookup(self->origin, id)) {
        return;
    }
    char *copy = strdup(id), *why = strdup(origin);
    if (copy && why && zlistx_add_end(self->minions, copy)) {
        zhashx_insert(self->origin, id, why);
        return;
    }
    free(copy);
    free(why);
}

//  An id that glob target matches: each '*' and '?' an 'x', each [set]
//  its first member; NULL when that does not work out
static char *
s_stand_in(const char *target)
{
    char id[BR_ID_MAX + 1];
    size_t n = 0;
    for (const char *c = target; *c && n < BR_ID_MAX; c++) {
        if (*c == '*' || *c == '?') {
            id[n++] = 'x';
        } else if (*c == '[') {
            if (c[1] == '!' || c[1] == '^' || !c[1] || !strchr(c + 2, ']')) {
                return NULL;
            }
            id[n++] = c[1];
            c = strchr(c + 2, ']');
        } else {
            id[n++] = *c == '\\' && c[1] ? *++c : *c;
        }
    }
    id[n] = '\0';
    return br_id_valid(id) && fnmatch(target, id, 0) == 0 ? strdup(id) : NULL;
}

//  Stand-ins for the targets of root's top file that no minion matches
static void
s_stand_ins(s_check_t *self, const char *root, const char *which)
{
    zlistx_t *targets = zlistx_new();
    if (!targets) {
        return;
    }
    zlistx_set_destructor(targets, s_free);
    s_top_targets(root, targets);
    for (const char *target = zlistx_first(targets); target; target = zlistx_next(targets)) {
        const char *matcher = zlistx_next(targets);
        char origin[400];
        if (!matcher || s_matched(self, target, matcher)) {
            continue;
        }
        snprintf(origin, sizeof origin, "from target '%.64s' of the %s top file", target, which);
        if (strcmp(matcher, "glob") == 0) {
            char *id = s_stand_in(target);
            if (id) {
                s_add_minion(self, id, origin);
            } else {
                fprintf(self->out,
                        "target '%.64s' of the %s top file: no accepted minion matches "
                        "and no id could stand in for it; not compiled\n",
                        target, which);
            }
            free(id);
        } else if (strcmp(matcher, "list") == 0) {
            char *ids = strdup(target);
            for (char *save = NULL, *id = ids ? strtok_r(ids, ", ", &save) : NULL; id;
                 id = strtok_r(NULL, ", ", &save)) {
                s_add_minion(self, id, origin);
            }
            free(ids);
        } else {
            fprintf(self->out,
                    "target '%.64s' (%s) of the %s top file: no accepted minion "
                    "matches; not compiled (grains are known only from minions)\n",
                    target, matcher, which);
        }
    }
    zlistx_destroy(&targets);
}

//  The accepted ids, as the key store files them: pki_dir/minions/ID
static void
s_accepted(s_check_t *self)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/minions", br_config_str(self->config, "pki_dir"));
    DIR *dir = opendir(path);
    zlistx_t *ids = zlistx_new();
    struct dirent *entry;
    if (!ids) {
        if (dir) {
            closedir(dir);
        }
        return;
    }
    zlistx_set_destructor(ids, s_free);
    zlistx_set_comparator(ids, s_strcmp);
    while (dir && (entry = readdir(dir))) {
        if (br_id_valid(entry->d_name)) {
            zlistx_add_end(ids, strdup(entry->d_name));
        }
    }
    if (dir) {
        closedir(dir);
    }
    zlistx_sort(ids);
    for (const char *id = zlistx_first(ids); id; id = zlistx_next(ids)) {
        s_add_minion(self, id, "accepted");
    }
    zlistx_destroy(&ids);
}

//  Renders, parses and compiles the SLS names with context: a low state
//  whose size goes to *states, or an error
static int
s_compile(s_check_t *self, zlistx_t *names, const br_value_t *context, size_t *states,
          bool mark_reached, br_errmsg_t *err)
{
    br_vault_t *vault = br_vault_new();
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    br_value_t *ctx = br_value_dup(context);
    //  A vault of its own, as each job has: the renderer puts the pillar's
    //  secrets in it and writes their tokens
    int rc = vault && ctx ? BR_OK : br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    if (rc == BR_OK) {
        rc = br_high_load(self->file_root, names, ctx, vault, &high, err);
    }
    if (rc == BR_OK) {
        rc = br_compile(high, vault, &low, err);
    }
    if (rc == BR_OK) {
        *states = br_low_size(low);
        for (size_t i = 0; mark_reached && i < br_high_size(high); i++) {
            const char *sls = br_high_at(high, i)->sls;
            if (!zhashx_lookup(self->reached, sls)) {
                zhashx_insert(self->reached, sls, (void *)"");
            }
        }
    }
    br_low_destroy(&low);
    br_high_destroy(&high);
    br_value_destroy(&ctx);
    br_vault_destroy(&vault);
    return rc;
}

static void
s_names_text(zlistx_t *names, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (const char *n = zlistx_first(names); n && used < size; n = zlistx_next(names)) {
        used += (size_t)snprintf(text + used, size - used, "%s%s", used ? ", " : "", n);
    }
}

//  One minion: its pillar, its top file, its states compiled
static void
s_minion(s_check_t *self, const char *id)
{
    char subject[400], list[300];
    snprintf(subject, sizeof subject, "minion %s (%s)", id,
             (const char *)zhashx_lookup(self->origin, id));
    br_errmsg_t err = {""};
    br_value_t *grains = s_grains(id), *pillar = NULL, *context = br_value_map();
    br_vault_t *vault = br_vault_new();
    zlistx_t *names = NULL, *pillar_names = NULL;
    size_t states = 0;
    br_value_t *g = grains ? br_value_dup(grains) : NULL;
    if (!g || !context || !vault || br_value_map_set(context, "grains", &g) != BR_OK) {
        br_value_destroy(&g);
        s_problem(self, subject, "out of memory");
        goto out;
    }
    //  The pillar files its top entries name, rendered as the pillar's
    //  top file is, with grains only (the files they include are not
    //  known here, and are checked on their own as well)
    if (br_top_load(self->pillar_root, id, context, vault, &pillar_names, &err) == BR_OK) {
        for (const char *n = zlistx_first(pillar_names); n; n = zlistx_next(pillar_names)) {
            zhashx_update(self->named, n, (void *)"");
        }
    }
    bool pillar_ok =
        br_pillar_load(self->pillar_root, id, grains, self->secret_keys, &pillar, &err) == BR_OK;
    if (!pillar_ok) {
        s_problem(self, subject, err.text);
    }
    //  Without its pillar the states are not compiled, but what the top
    //  file gives the minion is not checked again on its own either
    pillar = pillar ? pillar : br_value_map();
    if (br_value_map_set(context, "pillar", &pillar) != BR_OK) {
        s_problem(self, subject, "out of memory");
        goto out;
    }
    if (br_top_load(self->file_root, id, context, vault, &names, &err) != BR_OK) {
        s_problem(self, subject, err.text);
        goto out;
    }
    for (const char *n = zlistx_first(names); n; n = zlistx_next(names)) {
        zhashx_update(self->reached, n, (void *)"");
    }
    if (!pillar_ok) {
        goto out;
    }
    br_value_t *kept = br_value_dup(context);
    if (kept && zhashx_insert(self->contexts, id, kept) == 0) {
        zlistx_add_end(self->context_order, (void *)id);
    } else {
        br_value_destroy(&kept);
    }
    if (zlistx_size(names) == 0) {
        fprintf(self->out, "%s: pillar compiled; no SLS assigned by the top file\n", subject);
        goto out;
    }
    s_names_text(names, list, sizeof list);
    if (s_compile(self, names, context, &states, true, &err) != BR_OK) {
        s_problem(self, subject, err.text);
        goto out;
    }
    fprintf(self->out, "%s: %zu state%s compiled (%s)\n", subject, states, states == 1 ? "" : "s",
            list);
out:
    zlistx_destroy(&names);
    zlistx_destroy(&pillar_names);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    br_value_destroy(&pillar);
    br_value_destroy(&grains);
}

//  An SLS file no minion's top file reached, compiled on its own as
//  `state.apply NAME` would: with the context of the first minion it
//  compiles for, or the first error
static void
s_lone_state(s_check_t *self, const char *rel)
{
    char *name = s_sls_name(rel), subject[4400];
    if (!name || zhashx_lookup(self->reached, name)) {
        free(name);
        return;
    }
    snprintf(subject, sizeof subject, "%s/%s (SLS %s, in no top file of a checked minion)",
             self->file_root, rel, name);
    zlistx_t *names = zlistx_new();
    br_value_t *empty = br_value_map(), *grains = s_grains("check"), *pillar = br_value_map();
    br_errmsg_t first = {""}, err = {""};
    size_t states = 0, tries = 0;
    int rc = BR_ERR_NOMEM;
    if (names && empty && grains && pillar && zlistx_add_end(names, name) &&
        br_value_map_set(empty, "grains", &grains) == BR_OK &&
        br_value_map_set(empty, "pillar", &pillar) == BR_OK) {
        //  The list owns the name from here
        zlistx_set_destructor(names, s_free);
        name = NULL;
        rc = BR_ERR_NOTFOUND;
        for (const char *id = zlistx_first(self->context_order);
             rc != BR_OK && id && tries < S_MAX_TRIES; id = zlistx_next(self->context_order)) {
            rc = s_compile(self, names, zhashx_lookup(self->contexts, id), &states, false,
                           tries++ ? &err : &first);
        }
        if (rc != BR_OK && tries == 0) {
            rc = s_compile(self, names, empty, &states, false, &first);
        }
    }
    if (rc == BR_OK) {
        fprintf(self->out, "%s: %zu state%s compiled\n", subject, states, states == 1 ? "" : "s");
    } else {
        s_problem(self, subject, first.text[0] ? first.text : "out of memory");
    }
    free(name);
    zlistx_destroy(&names);
    br_value_destroy(&grains);
    br_value_destroy(&pillar);
    br_value_destroy(&empty);
}

//  A pillar file no top entry named: rendered with grains, parsed
static void
s_lone_pillar(s_check_t *self, const char *rel)
{
    char *name = s_sls_name(rel), path[4200];
    if (!name || zhashx_lookup(self->named, name)) {
        free(name);
        return;
    }
    snprintf(path, sizeof path, "%s/%s", self->pillar_root, rel);
    const char *id = zlistx_first(self->minions);
    br_value_t *context = br_value_map(), *grains = s_grains(id ? id : "check"), *doc = NULL;
    br_vault_t *vault = br_vault_new();
    br_errmsg_t err = {""};
    int rc = BR_ERR_NOMEM;
    if (context && grains && vault && br_value_map_set(context, "grains", &grains) == BR_OK) {
        rc = s_load_file(path, context, vault, &doc, &err);
    }
    if (rc == BR_OK && br_value_kind(doc) != BR_V_MAP && br_value_kind(doc) != BR_V_NULL) {
        rc = br_errmsg_set(&err, BR_ERR_TYPE, "%s:%d: a pillar file must be a map, not a %s", path,
                           br_value_line(doc), br_value_kind_name(br_value_kind(doc)));
    }
    if (rc == BR_OK) {
        fprintf(self->out, "%s (pillar %s, in no top entry of a checked minion): ok\n", path, name);
    } else {
        char subject[4400];
        snprintf(subject, sizeof subject, "%s (pillar %s)", path, name);
        s_problem(self, subject, err.text[0] ? err.text : "out of memory");
    }
    br_value_wipe(doc);
    br_value_destroy(&doc);
    br_value_destroy(&grains);
    br_value_destroy(&context);
    br_vault_destroy(&vault);
    free(name);
}

//  What the master checks before it starts: a private pillar (links
//  followed, as the master and the pillar loader follow them), a key pair
//  that loads
static void
s_master(s_check_t *self)
{
    struct stat st;
    char offender[4096];
    if (br_master_pillar_exposed(self->pillar_root, offender, sizeof offender)) {
        char text[8400];
        snprintf(text, sizeof text,
                 "%s is readable by others, and pillar holds secrets: the master refuses to "
                 "start (run chmod -R o-rwx %s)",
                 offender, self->pillar_root);
        s_problem(self, "pillar", text);
    }
    const char *pki_dir = br_config_str(self->config, "pki_dir");
    char path[4200];
    snprintf(path, sizeof path, "%s/master.key", pki_dir);
    if (stat(path, &st) != 0) {
        fprintf(self->out, "key pair: none in %s yet (the master creates it on its first start)\n",
                pki_dir);
        return;
    }
    br_errmsg_t err = {""};
    br_keypair_t *keys = br_keypair_load(pki_dir, "master", &err);
    if (!keys) {
        s_problem(self, "key pair", err.text);
    }
    br_keypair_destroy(&keys);
}

//  The job cache options; the URI only ever masked
static void
s_job_cache(s_check_t *self)
{
    br_errmsg_t err = {""};
    if (br_mongo_conf_check(self->config, &err) != BR_OK) {
        s_problem(self, "job cache", err.text);
    } else if (br_mongo_conf_enabled(self->config)) {
        char masked[1024];
        const char *uri = br_config_str(self->config, "mongo.uri");
        br_mongo_uri_mask(uri, strlen(uri), masked, sizeof masked);
        fprintf(self->out, "job cache: mongo, database %s at %s, write concern %s\n",
                br_config_str(self->config, "mongo.db"), masked,
                br_config_str(self->config, "mongo.write_concern"));
    }
}

static void
s_destroy(s_check_t *self)
{
    zlistx_destroy(&self->minions);
    zhashx_destroy(&self->origin);
    zlistx_destroy(&self->context_order);
    zhashx_destroy(&self->contexts);
    zhashx_destroy(&self->reached);
    zhashx_destroy(&self->named);
    zhashx_destroy(&self->problems);
    zlistx_destroy(&self->files);
    free(self->secret_keys);
}

int
br_check_run(const br_config_t *config, FILE *out, FILE *err)
{
    s_check_t self = {config,
                      br_config_str(config, "file_root"),
                      br_config_str(config, "pillar_root"),
                      NULL,
                      out,
                      err,
                      zlistx_new(),
                      zhashx_new(),
                      zhashx_new(),
                      zlistx_new(),
                      zhashx_new(),
                      zhashx_new(),
                      zhashx_new(),
                      NULL};
    zlistx_t *extra = br_config_list(config, "secret_pillar_keys");
    size_t n = 0;
    while (br_default_secret_keys[n]) {
        n++;
    }
    self.secret_keys = calloc(n + zlistx_size(extra) + 1, sizeof *self.secret_keys);
    if (!self.minions || !self.origin || !self.contexts || !self.context_order || !self.reached ||
        !self.named || !self.problems || !self.secret_keys) {
        s_destroy(&self);
        return BR_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        self.secret_keys[i] = br_default_secret_keys[i];
    }
    for (const char *k = zlistx_first(extra); k; k = zlistx_next(extra)) {
        self.secret_keys[n++] = k;
    }
    zlistx_set_destructor(self.minions, s_free);
    zhashx_set_destructor(self.origin, s_free);
    zhashx_set_destructor(self.contexts, s_value_free);
    fprintf(out, "%s: loaded\n", br_config_path(config));

    s_job_cache(&self);
    s_master(&self);
    s_accepted(&self);
    s_stand_ins(&self, self.pillar_root, "pillar");
    s_stand_ins(&self, self.file_root, "state");
    for (const char *id = zlistx_first(self.minions); id; id = zlistx_next(self.minions)) {
        s_minion(&self, id);
    }

    size_t state_files = 0, pillar_files = 0;
    self.files = s_sls_files(self.file_root);
    for (const char *rel = zlistx_first(self.files); rel; rel = zlistx_next(self.files)) {
        state_files++;
        s_lone_state(&self, rel);
    }
    zlistx_destroy(&self.files);
    self.files = s_sls_files(self.pillar_root);
    for (const char *rel = zlistx_first(self.files); rel; rel = zlistx_next(self.files)) {
        pillar_files++;
        s_lone_pillar(&self, rel);
    }
    int problems = (int)zhashx_size(self.problems);
    fprintf(out, "checked %s, %zu state files under %s, %zu pillar files under %s, %zu minions: ",
            br_config_path(config), state_files, self.file_root, pillar_files, self.pillar_root,
            zlistx_size(self.minions));
    if (problems) {
        fprintf(out, "%d problem%s\n", problems, problems == 1 ? "" : "s");
    } else {
        fprintf(out, "no problems\n");
    }
    s_destroy(&self);
    return problems;
}
