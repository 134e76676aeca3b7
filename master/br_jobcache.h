/*  br_jobcache: the master's embedded job cache, a directory with one BSON
    file per job (JID.bson), each written atomically (temporary file, fsync,
    rename, fsync of the directory), so a crash leaves the old version or the
    new one, never half of one. Jobs older than the retention are pruned.

    What goes in: the job's function, arguments and target, the expected
    minions, every return, and which minions did not return. Never a secret
    (invariant S6): pillar values are not part of a job's arguments, and
    results carry no secret (the state engine withholds any that would). */
#ifndef BR_JOBCACHE_H
#define BR_JOBCACHE_H

#include "brine.h"

typedef struct _br_jobcache_t br_jobcache_t;

//  Opens (creating, mode 0700) the cache directory. keep_hours: retention.
br_jobcache_t *br_jobcache_new(const char *dir, int64_t keep_hours, br_errmsg_t *err);
void br_jobcache_destroy(br_jobcache_t **self_p);

//  Writes the job document under its jid, replacing any earlier version.
int br_jobcache_store(br_jobcache_t *self, const char *jid, const bson_t *job, br_errmsg_t *err);

//  Reads a job; *job_p is a new document the caller destroys.
int br_jobcache_load(br_jobcache_t *self, const char *jid, bson_t **job_p, br_errmsg_t *err);

//  Jids in the cache, oldest first (list of char *, caller destroys).
zlistx_t *br_jobcache_list(br_jobcache_t *self);

//  Removes jobs older than the retention, judged by their jid's time.
//  Returns how many were removed.
int br_jobcache_prune(br_jobcache_t *self);

#endif
