/*  br_mtab: mountinfo parsing and atomic fstab edits (see br_mtab.h). */
#include "br_mtab.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct _br_mountinfo_t {
    br_mount_t *mounts; //  in the kernel's order
    size_t size, cap;
};

size_t
br_mtab_decode(char *text)
{
    char *in = text, *out = text;
    while (*in) {
        if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
            in[3] >= '0' && in[3] <= '7') {
            int c = (in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0');
            if (c != 0) { //  an encoded NUL would cut the string: keep it as text
                *out++ = (char)c;
                in += 4;
                continue;
            }
        }
        *out++ = *in++;
    }
    *out = 0;
    return (size_t)(out - text);
}

void
br_mtab_encode(const char *text, char *out, size_t size)
{
    size_t used = 0;
    for (const char *p = text; *p && used + 1 < size; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\\') {
            if (used + 5 > size) {
                break;
            }
            snprintf(out + used, 5, "\\%03o", (unsigned char)*p);
            used += 4;
        } else {
            out[used++] = *p;
        }
    }
    out[used] = 0;
}

bool
br_mtab_has_option(const char *options, const char *option)
{
    size_t len = strlen(option);
    for (const char *p = options; p && *p;) {
        size_t item = strcspn(p, ",");
        if (item == len && strncmp(p, option, len) == 0) {
            return true;
        }
        p += item + (p[item] == ',');
    }
    return false;
}

//  Reads a whole file of at most max bytes (a /proc file has no size, so
//  stat cannot tell: read until the end).
static int
s_read_file(const char *path, size_t max, char **data_p, size_t *size_p, br_errmsg_t *err)
{
    int rc = BR_ERR_IO;
    char *data = NULL;
    size_t size = 0, cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = br_errmsg_set(err, errno == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO, "cannot open %s: %s",
                           path, strerror(errno));
        goto out;
    }
    for (;;) {
        if (size + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *grown = realloc(data, cap);
            if (!grown) {
                rc = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory reading %s", path);
                goto out;
            }
            data = grown;
        }
        ssize_t got = read(fd, data + size, cap - size - 1);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            rc = br_errmsg_set(err, BR_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0) {
            break;
        }
        size += (size_t)got;
        if (size > max) {
            rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s is larger than %zu bytes", path, max);
            goto out;
        }
    }
    data[size] = 0;
    *data_p = data;
    *size_p = size;
    data = NULL;
    rc = BR_OK;
out:
    free(data);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
}

static void
s_mount_free(br_mount_t *m)
{
    free(m->root);
    free(m->target);
    free(m->options);
    free(m->fstype);
    free(m->source);
    free(m->super_options);
}

static bool
s_int(const char *text, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > max) {
        return false;
    }
    *out = v;
    return true;
}

//  One line: "ID PARENT MAJ:MIN ROOT TARGET OPTIONS [OPTIONAL...] - FSTYPE
//  SOURCE SUPER". line is modified.
static int
s_parse_line(char *line, br_mount_t *m)
{
    char *field[64];
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(line, " ", &save); tok;
         tok = strtok_r(NULL, " ", &save)) {
        if (n == sizeof field / sizeof field[0]) {
            return BR_ERR_MALFORMED;
        }
        field[n++] = tok;
    }
    size_t dash = 6;
    while (dash < n && strcmp(field[dash], "-") != 0) {
        dash++;
    }
    //  The super options may be missing (an old kernel with none to show)
    if (n < 7 || dash >= n || dash + 2 >= n) {
        return BR_ERR_MALFORMED;
    }
    long id, parent, major, minor;
    char *colon = strchr(field[2], ':');
    if (!colon) {
        return BR_ERR_MALFORMED;
    }
    *colon = 0;
    if (!s_int(field[0], INT32_MAX, &id) || !s_int(field[1], INT32_MAX, &parent) ||
        !s_int(field[2], 0xfffff, &major) || !s_int(colon + 1, 0xfffff, &minor)) {
        return BR_ERR_MALFORMED;
    }
    m->mount_id = (int)id;
    m->parent_id = (int)parent;
    m->major = (unsigned int)major;
    m->minor = (unsigned int)minor;
    const char *text[6] = {field[3],        field[4],        field[5],
                           field[dash + 1], field[dash + 2], dash + 3 < n ? field[dash + 3] : ""};
    char **slot[6] = {&m->root, &m->target, &m->options, &m->fstype, &m->source, &m->super_options};
    for (int i = 0; i < 6; i++) {
        *slot[i] = strdup(text[i]);
        if (!*slot[i]) {
            return BR_ERR_NOMEM;
        }
        br_mtab_decode(*slot[i]);
    }
    return BR_OK;
}

int
br_mountinfo_parse(const char *text, size_t size, br_mountinfo_t **self_p, br_errmsg_t *err)
{
    int rc = BR_ERR_NOMEM;
    char *line = malloc(BR_MTAB_LINE_MAX + 1);
    br_mountinfo_t *self = calloc(1, sizeof *self);
    *self_p = NULL;
    if (!line || !self) {
        goto out;
    }
    if (size > BR_MTAB_SIZE_MAX) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "mountinfo: %zu bytes is too big", size);
        goto out;
    }
    size_t number = 0;
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(text + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (text + at)) : size - at;
        number++;
        if (len > BR_MTAB_LINE_MAX || memchr(text + at, 0, len)) {
            rc = br_errmsg_set(err, BR_ERR_MALFORMED, "mountinfo line %zu: too long or binary",
                               number);
            goto out;
        }
        memcpy(line, text + at, len);
        line[len] = 0;
        at += len + 1;
        if (len == 0) {
            continue;
        }
        if (self->size == self->cap) {
            size_t cap = self->cap ? self->cap * 2 : 64;
            br_mount_t *grown = realloc(self->mounts, cap * sizeof *grown);
            if (!grown) {
                rc = BR_ERR_NOMEM;
                goto out;
            }
            self->mounts = grown;
            self->cap = cap;
        }
        br_mount_t *m = &self->mounts[self->size];
        memset(m, 0, sizeof *m);
        int line_rc = s_parse_line(line, m);
        if (line_rc != BR_OK) {
            s_mount_free(m);
            rc = line_rc == BR_ERR_NOMEM
                     ? line_rc
                     : br_errmsg_set(err, line_rc, "mountinfo line %zu: not in the kernel's format",
                                     number);
            goto out;
        }
        self->size++;
    }
    *self_p = self;
    self = NULL;
    rc = BR_OK;
out:
    free(line);
    br_mountinfo_destroy(&self);
    return rc;
}

int
br_mountinfo_load(const char *path, br_mountinfo_t **self_p, br_errmsg_t *err)
{
    char *data = NULL;
    size_t size = 0;
    *self_p = NULL;
    int rc = s_read_file(path ? path : "/proc/self/mountinfo", BR_MTAB_SIZE_MAX, &data, &size, err);
    if (rc == BR_OK) {
        rc = br_mountinfo_parse(data, size, self_p, err);
    }
    free(data);
    return rc;
}

void
br_mountinfo_destroy(br_mountinfo_t **self_p)
{
    if (self_p && *self_p) {
        br_mountinfo_t *self = *self_p;
        for (size_t i = 0; i < self->size; i++) {
            s_mount_free(&self->mounts[i]);
        }
        free(self->mounts);
        free(self);
        *self_p = NULL;
    }
}

size_t
br_mountinfo_size(const br_mountinfo_t *self)
{
    return self ? self->size : 0;
}

const br_mount_t *
br_mountinfo_at(const br_mountinfo_t *self, size_t index)
{
    return self && index < self->size ? &self->mounts[index] : NULL;
}

const br_mount_t *
br_mountinfo_find(const br_mountinfo_t *self, const char *target)
{
    for (size_t i = self ? self->size : 0; i > 0; i--) {
        if (strcmp(self->mounts[i - 1].target, target) == 0) {
            return &self->mounts[i - 1];
        }
    }
    return NULL;
}

//  The fields of an fstab line, decoded into buf; 0 for a comment or blank
static size_t
s_fstab_fields(const char *line, char *buf, size_t size, char **field, size_t max)
{
    snprintf(buf, size, "%s", line);
    size_t n = 0;
    const char *first = buf + strspn(buf, " \t");
    if (*first == '#' || *first == 0) {
        return 0;
    }
    for (char *save = NULL, *tok = strtok_r(buf, " \t", &save); tok && n < max;
         tok = strtok_r(NULL, " \t", &save)) {
        br_mtab_decode(tok);
        field[n++] = tok;
    }
    return n;
}

//  Writes data to path atomically: a temporary file beside it (same mode
//  as the old file, else 0644), fsync, rename, fsync of the directory, so
//  that a crash leaves the old table or the new one, never half of one.
static int
s_write_atomic(const char *path, const char *data, size_t size, br_errmsg_t *err)
{
    int rc = BR_ERR_IO;
    char tmp[4096], dir[4096];
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0644;
    int n = snprintf(tmp, sizeof tmp, "%s.brine-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        return br_errmsg_set(err, BR_ERR_INVALID, "path too long: %s", path);
    }
    snprintf(dir, sizeof dir, "%s", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        return br_errmsg_set(err, rc, "cannot create a file beside %s: %s", path, strerror(errno));
    }
    size_t done = 0;
    while (done < size) {
        ssize_t wrote = write(fd, data + done, size - done);
        if (wrote < 0 && errno == EINTR) {
            continue;
        }
        if (wrote <= 0) {
            br_errmsg_set(err, rc, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        done += (size_t)wrote;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        br_errmsg_set(err, rc, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        br_errmsg_set(err, rc, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        br_errmsg_set(err, rc, "cannot replace %s: %s", path, strerror(errno));
        goto out;
    }
    tmp[0] = 0;
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); //  best effort: the rename itself has happened
        close(dfd);
    }
    rc = BR_OK;
out:
    if (fd >= 0) {
        close(fd);
    }
    if (tmp[0]) {
        unlink(tmp);
    }
    return rc;
}

//  The shared walk of set and remove: keeps every line not about target;
//  the first line about target is kept when it already says new_line's
//  fields (when given), else new_line takes its place.
static int
s_fstab_edit(const char *path, const char *target, const char *new_line, const char **want,
             bool dry_run, br_fstab_outcome_t *outcome, br_errmsg_t *err)
{
    char *data = NULL;
    size_t size = 0;
    zchunk_t *out = zchunk_new(NULL, 4096);
    char *buf = malloc(BR_MTAB_LINE_MAX + 1);
    int rc = BR_ERR_NOMEM;
    bool matched = false, changed = false;
    *outcome = BR_FSTAB_PRESENT;
    if (!out || !buf) {
        goto out;
    }
    rc = s_read_file(path, BR_MTAB_SIZE_MAX, &data, &size, err);
    if (rc == BR_ERR_NOTFOUND) {
        rc = BR_OK; //  no table yet: no lines
    } else if (rc != BR_OK) {
        goto out;
    }
    for (size_t at = 0; data && at < size;) {
        const char *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
        char line[BR_MTAB_LINE_MAX + 1];
        if (len > BR_MTAB_LINE_MAX) {
            rc = br_errmsg_set(err, BR_ERR_MALFORMED, "%s: a line is too long", path);
            goto out;
        }
        memcpy(line, data + at, len);
        line[len] = 0;
        at += len + 1;
        char *field[8];
        size_t n = s_fstab_fields(line, buf, BR_MTAB_LINE_MAX + 1, field, 8);
        bool ours = n >= 2 && strcmp(field[1], target) == 0;
        if (ours && want && !matched && n >= 4 && strcmp(field[0], want[0]) == 0 &&
            strcmp(field[2], want[1]) == 0 && strcmp(field[3], want[2]) == 0) {
            ours = false; //  already as wanted: kept as it is (dump and pass too)
            matched = true;
        } else if (ours) {
            changed = true;
            if (new_line && !matched) {
                zchunk_extend(out, new_line, strlen(new_line));
                matched = true;
            }
            continue;
        }
        zchunk_extend(out, line, len);
        zchunk_extend(out, "\n", 1);
    }
    if (new_line && !matched) {
        zchunk_extend(out, new_line, strlen(new_line));
        *outcome = BR_FSTAB_NEW;
        changed = true;
    } else if (changed) {
        *outcome = new_line ? BR_FSTAB_UPDATED : BR_FSTAB_REMOVED;
    }
    if (changed && !dry_run) {
        rc = s_write_atomic(path, (const char *)zchunk_data(out), zchunk_size(out), err);
    }
out:
    free(data);
    free(buf);
    zchunk_destroy(&out);
    return rc;
}

int
br_fstab_set(const char *path, const char *device, const char *target, const char *fstype,
             const char *options, bool dry_run, br_fstab_outcome_t *outcome, br_errmsg_t *err)
{
    char dev_enc[2048], target_enc[2048], line[4200];
    br_mtab_encode(device, dev_enc, sizeof dev_enc);
    br_mtab_encode(target, target_enc, sizeof target_enc);
    int n = snprintf(line, sizeof line, "%s %s %s %s 0 0\n", dev_enc, target_enc, fstype, options);
    if (n < 0 || (size_t)n >= sizeof line) {
        *outcome = BR_FSTAB_PRESENT;
        return br_errmsg_set(err, BR_ERR_INVALID, "fstab line for %s is too long", target);
    }
    const char *want[3] = {device, fstype, options};
    return s_fstab_edit(path, target, line, want, dry_run, outcome, err);
}

int
br_fstab_remove(const char *path, const char *target, bool dry_run, br_fstab_outcome_t *outcome,
                br_errmsg_t *err)
{
    return s_fstab_edit(path, target, NULL, NULL, dry_run, outcome, err);
}
