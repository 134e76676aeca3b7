/*  br_jobcache: one atomically written BSON file per job. */
#include "br_jobcache.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  A job file larger than this is refused on reading (a cache file is ours,
//  but a disk error or a hand edit must not make the CLI allocate wildly)
#define BR_JOB_FILE_MAX (64 * 1024 * 1024)

struct _br_jobcache_t {
    char *dir;          //  the cache directory
    int64_t keep_hours; //  retention
};

br_jobcache_t *
br_jobcache_new(const char *dir, int64_t keep_hours, br_errmsg_t *err)
{
    if (zsys_dir_create("%s", dir) != 0 || chmod(dir, 0700) != 0) {
        br_errmsg_set(err, BR_ERR_IO, "cannot create the job cache %s: %s", dir, strerror(errno));
        return NULL;
    }
    br_jobcache_t *self = calloc(1, sizeof *self);
    if (self) {
        self->dir = strdup(dir);
        self->keep_hours = keep_hours;
    }
    if (!self || !self->dir) {
        br_jobcache_destroy(&self);
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    return self;
}

void
br_jobcache_destroy(br_jobcache_t **self_p)
{
    if (self_p && *self_p) {
        free((*self_p)->dir);
        free(*self_p);
        *self_p = NULL;
    }
}

static int
s_write_all(int fd, const uint8_t *data, size_t size)
{
    while (size) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

int
br_jobcache_store(br_jobcache_t *self, const char *jid, const bson_t *job, br_errmsg_t *err)
{
    if (!br_jid_valid(jid)) {
        return br_errmsg_set(err, BR_ERR_INVALID, "job cache: invalid jid");
    }
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/%s.bson", self->dir, jid);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", self->dir, jid);
    int rc = BR_ERR_IO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    }
    if (s_write_all(fd, bson_get_data(job), job->len) == 0 && fsync(fd) == 0) {
        rc = BR_OK;
    }
    if (close(fd) != 0) {
        rc = BR_ERR_IO;
    }
    if (rc == BR_OK && rename(tmp, path) != 0) {
        rc = BR_ERR_IO;
    }
    if (rc != BR_OK) {
        unlink(tmp);
        return br_errmsg_set(err, rc, "cannot write %s: %s", path, strerror(errno));
    }
    //  The rename is durable only once the directory is
    int dfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return BR_OK;
}

int
br_jobcache_load(br_jobcache_t *self, const char *jid, bson_t **job_p, br_errmsg_t *err)
{
    *job_p = NULL;
    if (!br_jid_valid(jid)) {
        return br_errmsg_set(err, BR_ERR_INVALID,
                             "'%.40s' is not a job id (20 digits, as in 20261128061500123456)",
                             jid ? jid : "");
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.bson", self->dir, jid);
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return br_errmsg_set(err, errno == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO,
                             "job %s is not in the job cache (%s)", jid, strerror(errno));
    }
    int rc = BR_ERR_MALFORMED;
    struct stat st;
    uint8_t *data = NULL;
    if (fstat(fd, &st) != 0 || st.st_size < 5 || st.st_size > BR_JOB_FILE_MAX) {
        br_errmsg_set(err, rc, "%s: not a job file", path);
        goto out;
    }
    data = malloc((size_t)st.st_size);
    ssize_t got = data ? read(fd, data, (size_t)st.st_size) : -1;
    bson_t *job = got == st.st_size ? bson_new_from_data(data, (size_t)got) : NULL;
    if (!job || !bson_validate(job, BSON_VALIDATE_UTF8, NULL)) {
        bson_destroy(job);
        br_errmsg_set(err, rc, "%s: not a job file", path);
        goto out;
    }
    *job_p = job;
    rc = BR_OK;
out:
    free(data);
    close(fd);
    return rc;
}

static int
s_by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

zlistx_t *
br_jobcache_list(br_jobcache_t *self)
{
    zlistx_t *jids = zlistx_new();
    DIR *dir = opendir(self->dir);
    if (!jids || !dir) {
        if (dir) {
            closedir(dir);
        }
        return jids;
    }
    zlistx_set_destructor(jids, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(jids, (zlistx_comparator_fn *)s_by_name);
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        size_t len = strlen(entry->d_name);
        if (len == BR_JID_LEN + 5 && strcmp(entry->d_name + BR_JID_LEN, ".bson") == 0 &&
            br_jid_valid_n(entry->d_name, BR_JID_LEN)) {
            zlistx_add_end(jids, strndup(entry->d_name, BR_JID_LEN));
        }
    }
    closedir(dir);
    zlistx_sort(jids);
    return jids;
}

int
br_jobcache_prune(br_jobcache_t *self)
{
    //  A jid is its UTC creation time, so the cut-off is a jid too
    time_t cutoff = time(NULL) - (time_t)(self->keep_hours * 3600);
    struct tm tm;
    gmtime_r(&cutoff, &tm);
    char limit[96];
    snprintf(limit, sizeof limit, "%04d%02d%02d%02d%02d%02d000000", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    int removed = 0;
    zlistx_t *jids = br_jobcache_list(self);
    for (const char *jid = zlistx_first(jids); jid; jid = zlistx_next(jids)) {
        if (strcmp(jid, limit) >= 0) {
            break;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.bson", self->dir, jid);
        removed += unlink(path) == 0;
    }
    zlistx_destroy(&jids);
    return removed;
}
