/*  br_sls_file: SLS names, their files, reading one file through the
    renderer and the YAML parser, and the walk over includes that state
    trees and pillar trees share. */
#include "br_sls_file.h"
#include "br_render.h"
#include "br_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *s_name_rule =
    "SLS names are dot-separated words of letters, digits, '_' and '-'";

bool
br_sls_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > BR_SLS_MAX_NAME) {
        return false;
    }
    bool component_empty = true;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c == '.') {
            if (component_empty) {
                return false;
            }
            component_empty = true;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-') {
            component_empty = false;
        } else {
            return false;
        }
    }
    return !component_empty;
}

const char *
br_sls_echo(const char *text, char *buf, size_t size)
{
    size_t at = 0, limit = size > 8 ? size - 8 : 0;
    for (const char *p = text; *p && at < size - 1; p++) {
        if (at == limit) {
            memcpy(buf + at, "...", 3);
            at += 3;
            break;
        }
        unsigned char c = (unsigned char)*p;
        buf[at++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[at] = 0;
    return buf;
}

//  True if path exists; false with *rc 0 if it does not, or with *rc set
//  (and err) if it cannot be told.
static bool
s_exists(const char *path, int *rc, br_errmsg_t *err)
{
    struct stat st;
    *rc = BR_OK;
    if (stat(path, &st) == 0) {
        return true;
    }
    //  A valid name can still be too long for the file system: not there.
    if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
        *rc = br_errmsg_set(err, BR_ERR_IO, "%s: %s", path, strerror(errno));
    }
    return false;
}

int
br_sls_find(const char *root, const char *name, const char *file, int line, char **path_p,
            bool *is_init, br_errmsg_t *err)
{
    char echo[BR_SLS_ECHO_SIZE];
    char *rel = strdup(name), *as_file = NULL, *as_init = NULL;
    int rc = BR_ERR_NOMEM;
    *path_p = NULL;
    if (!rel) {
        goto out;
    }
    for (char *p = rel; *p; p++) {
        if (*p == '.') {
            *p = '/';
        }
    }
    if (asprintf(&as_file, "%s/%s.sls", root, rel) < 0) {
        as_file = NULL;
        goto out;
    }
    if (asprintf(&as_init, "%s/%s/init.sls", root, rel) < 0) {
        as_init = NULL;
        goto out;
    }
    if (s_exists(as_file, &rc, err)) {
        *path_p = as_file;
        as_file = NULL;
        *is_init = false;
    } else if (rc == BR_OK && s_exists(as_init, &rc, err)) {
        *path_p = as_init;
        as_init = NULL;
        *is_init = true;
    } else if (rc == BR_OK) {
        char where[BR_SLS_ECHO_SIZE + 32] = "";
        if (file) {
            snprintf(where, sizeof where, "%s:%d: ", file, line);
        }
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "%sSLS '%s' not found (tried %s and %s)", where,
                           br_sls_echo(name, echo, sizeof echo), as_file, as_init);
    }
out:
    if (rc == BR_ERR_NOMEM) {
        br_errmsg_set(err, rc, "%s: out of memory", root);
    }
    free(rel);
    free(as_file);
    free(as_init);
    return rc;
}

//  Reads a whole regular file of at most BR_SLS_MAX_FILE bytes.
static int
s_read(const char *path, char **text_p, size_t *len_p, br_errmsg_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = BR_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT || errno == ENOTDIR
                 ? br_errmsg_set(err, BR_ERR_NOTFOUND, "%s: no such file", path)
                 : br_errmsg_set(err, BR_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = br_errmsg_set(err, BR_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = br_errmsg_set(err, BR_ERR_IO, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_size > (off_t)BR_SLS_MAX_FILE) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s: larger than %u bytes", path, BR_SLS_MAX_FILE);
        goto out;
    }
    //  What stat said; a file that grows meanwhile is read up to that.
    size_t cap = (size_t)st.st_size;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    while (len < cap) {
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            rc = br_errmsg_set(err, BR_ERR_IO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0) {
            break;
        }
        len += (size_t)got;
    }
    buf[len] = 0;
    *text_p = buf;
    *len_p = len;
    buf = NULL;
out:
    if (buf) {
        br_wipe(buf, len);
        free(buf);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

//  True if text has a Jinja tag opener ("{{", "{%" or "{#"). Without one
//  the renderer would return the text unchanged, so it is skipped: one
//  copy fewer of every pillar secret, and no cost for plain data files.
static bool
s_is_template(const char *text, size_t len)
{
    for (const char *p = text; (p = memchr(p, '{', len - (size_t)(p - text))) != NULL; p++) {
        if ((size_t)(p - text) + 1 < len && (p[1] == '{' || p[1] == '%' || p[1] == '#')) {
            return true;
        }
    }
    return false;
}

int
br_sls_file_load(const char *path, const br_value_t *context, br_vault_t *vault, bool forbid_tokens,
                 br_value_t **doc_p, br_errmsg_t *err)
{
    char *text = NULL, *rendered = NULL;
    size_t len = 0, rendered_len = 0;
    br_value_t *empty = NULL;
    const char *yaml = NULL;
    size_t yaml_len = 0;
    *doc_p = NULL;
    int rc = s_read(path, &text, &len, err);
    if (rc != BR_OK) {
        goto out;
    }
    yaml = text;
    yaml_len = len;
    if (s_is_template(text, len)) {
        if (!context && !(context = empty = br_value_map())) {
            rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
            goto out;
        }
        rendered = br_render(path, text, len, context, vault, &rendered_len, err);
        if (!rendered) {
            rc = BR_ERR_INVALID;
            goto out;
        }
        yaml = rendered;
        yaml_len = rendered_len;
    }
    if (forbid_tokens && vault && br_vault_mentions(vault, yaml, yaml_len)) {
        rc =
            br_errmsg_set(err, BR_ERR_INVALID, "%s: rendered text contains a secret's token", path);
        goto out;
    }
    rc = br_yaml_parse(path, yaml, yaml_len, doc_p, err);
out:
    if (text) {
        br_wipe(text, len);
        free(text);
    }
    if (rendered) {
        br_wipe(rendered, rendered_len);
        free(rendered);
    }
    br_value_destroy(&empty);
    return rc;
}

//  Salt's relative include: each leading dot climbs one level from the
//  including SLS's own name (with ".init" appended for an init.sls), so
//  ".b" in a.x (a/x.sls) and in a (a/init.sls) both mean a.b.
static int
s_resolve(const char *name, const char *sls, bool is_init, char **out_p)
{
    size_t levels = strspn(name, ".");
    const char *rest = name + levels;
    char *base = NULL;
    int rc = BR_OK;
    if (asprintf(&base, "%s%s", sls, is_init ? ".init" : "") < 0) {
        return BR_ERR_NOMEM;
    }
    size_t keep = strlen(base);
    for (size_t i = 0; i < levels && rc == BR_OK; i++) {
        if (keep == 0) {
            rc = BR_ERR_INVALID;
            break;
        }
        const char *dot = memrchr(base, '.', keep);
        keep = dot ? (size_t)(dot - base) : 0;
    }
    if (rc == BR_OK) {
        int n =
            keep ? asprintf(out_p, "%.*s.%s", (int)keep, base, rest) : asprintf(out_p, "%s", rest);
        rc = n < 0 ? BR_ERR_NOMEM : BR_OK;
    }
    free(base);
    return rc;
}

//  Line of key in map, for messages.
static int
s_key_line(const br_value_t *map, const char *key)
{
    for (size_t i = 0; i < br_value_map_size(map); i++) {
        if (strcmp(br_value_map_key(map, i), key) == 0) {
            return br_value_map_key_line(map, i);
        }
    }
    return 0;
}

//  Resolves and checks one include item and appends it to names.
static int
s_include_one(const char *path, const br_value_t *item, const char *sls, bool is_init,
              br_value_t *names, br_errmsg_t *err)
{
    char echo[BR_SLS_ECHO_SIZE];
    int line = br_value_line(item);
    const char *name = br_value_as_str(item);
    if (!name) {
        return br_errmsg_set(err, BR_ERR_TYPE, "%s:%d: include items must be SLS names, not a %s",
                             path, line, br_value_kind_name(br_value_kind(item)));
    }
    if (!br_sls_name_valid(name + strspn(name, ".")) || strlen(name) > BR_SLS_MAX_NAME) {
        return br_errmsg_set(err, BR_ERR_INVALID, "%s:%d: invalid SLS name '%s' (%s)", path, line,
                             br_sls_echo(name, echo, sizeof echo), s_name_rule);
    }
    char *resolved = NULL;
    int rc = name[0] == '.' ? s_resolve(name, sls, is_init, &resolved)
                            : ((resolved = strdup(name)) ? BR_OK : BR_ERR_NOMEM);
    if (rc == BR_ERR_INVALID) {
        return br_errmsg_set(err, rc, "%s:%d: relative include '%s' goes above the top of the tree",
                             path, line, br_sls_echo(name, echo, sizeof echo));
    }
    if (rc == BR_OK && !br_sls_name_valid(resolved)) {
        rc = br_errmsg_set(err, BR_ERR_INVALID,
                           "%s:%d: include '%s' resolves to a name longer than %d bytes", path,
                           line, br_sls_echo(name, echo, sizeof echo), BR_SLS_MAX_NAME);
    }
    br_value_t *value = NULL;
    if (rc == BR_OK) {
        value = br_value_str(resolved);
        rc = value ? BR_OK : BR_ERR_NOMEM;
    }
    if (rc == BR_OK) {
        br_value_set_line(value, line);
        rc = br_value_list_append(names, &value);
    }
    if (rc == BR_ERR_NOMEM) {
        br_errmsg_set(err, rc, "%s: out of memory", path);
    }
    br_value_destroy(&value);
    free(resolved);
    return rc;
}

int
br_sls_includes(const char *path, const br_value_t *doc, const char *sls, bool is_init,
                br_value_t **names_p, br_errmsg_t *err)
{
    const br_value_t *include = br_value_map_get(doc, "include");
    br_value_t *names = br_value_list();
    int rc = names ? BR_OK : br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
    //  An empty "include:" is common once a template leaves out every item.
    if (rc == BR_OK && include && br_value_kind(include) != BR_V_NULL &&
        br_value_kind(include) != BR_V_LIST) {
        rc = br_errmsg_set(err, BR_ERR_TYPE, "%s:%d: 'include' must be a list of SLS names", path,
                           s_key_line(doc, "include"));
    }
    for (size_t i = 0; rc == BR_OK && i < br_value_list_size(include); i++) {
        rc = s_include_one(path, br_value_list_at(include, i), sls, is_init, names, err);
    }
    if (rc == BR_OK) {
        *names_p = names;
    } else {
        br_value_destroy(&names);
    }
    return rc;
}

int
br_sls_walk(const br_sls_walk_t *walk, const char *name, const char *file, int line, int depth,
            br_errmsg_t *err)
{
    char *path = NULL;
    bool is_init = false;
    br_value_t *doc = NULL, *includes = NULL;
    if (zhashx_insert(walk->loaded, name, (void *)1) != 0) {
        return BR_OK;
    }
    if (depth > BR_SLS_MAX_INCLUDE_DEPTH) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "%s:%d: includes nested deeper than %d", file,
                             line, BR_SLS_MAX_INCLUDE_DEPTH);
    }
    int rc = br_sls_find(walk->root, name, file, line, &path, &is_init, err);
    if (rc == BR_OK) {
        rc = br_sls_file_load(path, walk->context, walk->vault, walk->is_pillar, &doc, err);
    }
    if (rc == BR_OK && br_value_kind(doc) != BR_V_MAP) {
        rc = br_errmsg_set(err, BR_ERR_TYPE, "%s:%d: %s, not a %s", path, br_value_line(doc),
                           walk->is_pillar ? "a pillar file must be a map"
                                           : "an SLS file must be a map of IDs",
                           br_value_kind_name(br_value_kind(doc)));
    }
    if (rc == BR_OK) {
        rc = br_sls_includes(path, doc, name, is_init, &includes, err);
    }
    for (size_t i = 0; rc == BR_OK && i < br_value_list_size(includes); i++) {
        const br_value_t *item = br_value_list_at(includes, i);
        rc = br_sls_walk(walk, br_value_as_str(item), path, br_value_line(item), depth + 1, err);
    }
    if (rc == BR_OK) {
        rc = walk->visit(walk->arg, path, name, doc, err);
    }
    if (walk->is_pillar) {
        br_value_wipe(doc);
    }
    br_value_destroy(&includes);
    br_value_destroy(&doc);
    free(path);
    return rc;
}
