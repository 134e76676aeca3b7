/*  br_mongo: the mongo returner. Every job and every return of this master
    also goes to MongoDB (br_mongo_docs), so that every master sharing the
    database sees every job.

    The event loop never waits for MongoDB: it hands documents to a queue
    and a writer thread empties it through a libmongoc client pool, in
    order, in bulk. The job cache is the spool: when a job starts, a marker
    (cachedir/jobs/JID.mongo) says it is not yet in MongoDB; when it ends,
    the job cache holds the whole job, and the marker goes once MongoDB has
    all of it. While MongoDB is down, nothing is kept in memory but the
    list of ended jobs: each is written from the job cache when MongoDB is
    back (after a restart of the master too, from the markers), with the
    same _id as before, so nothing is lost and nothing is doubled. An
    outage is logged once when it starts and once when it ends. */
#ifndef BR_MONGO_H
#define BR_MONGO_H

#include "brine.h"

typedef struct _br_mongo_t br_mongo_t;

//  Reads the mongo options (br_mongo_conf), opens the pool and starts the
//  writer, which first writes the jobs spooled in cachedir by an earlier
//  run. master names this master in every document (e.g. host:ret_port).
//  No network operation here: a down server is not an error.
br_mongo_t *br_mongo_new(const br_config_t *config, const char *master, br_errmsg_t *err);

//  Stops the writer, giving it a few seconds to write what is queued (what
//  is not written stays spooled for the next start).
void br_mongo_destroy(br_mongo_t **self_p);

//  A job starts: job is the job cache document without its end (jid,
//  fun, arg, tgt, tgt_type, minions, started). Marks it spooled.
void br_mongo_job_started(br_mongo_t *self, const bson_t *job);

//  A minion's outcome: entry is the job cache's {ok, ret, dur, time}.
void br_mongo_returned(br_mongo_t *self, const char *jid, const char *fun, const char *minion,
                       const bson_t *entry);

//  The job ended and the job cache holds it whole.
void br_mongo_job_finished(br_mongo_t *self, const char *jid);

//  Waits until everything queued is written, at most timeout_ms. True when
//  it was (for tests and benchmarks).
bool br_mongo_flush(br_mongo_t *self, int timeout_ms);

#endif
