/*  br_mongo_docs: the documents brine keeps in MongoDB, modelled on Salt's
    mongo_future_return (one document per minion per job, one per job), and
    their indexes. docs/mongodb.md describes the schema.

    returns: {_id: "JID/MINION", jid, minion, fun, return, success,
              duration (ms, a double), time (date the master received it), master}
    jobs:    {_id: JID, jid, fun, arg, tgt, tgt_type, minions (expected),
              started, finished (dates; finished once the job ended),
              returned, missing, master}

    The _id of each is fixed by the job and the minion, so writing one
    again (after an outage, a restart) replaces it: never a duplicate. Both
    are made from what the job cache holds, never from pillar: no secret
    goes in (S6). */
#ifndef BR_MONGO_DOCS_H
#define BR_MONGO_DOCS_H

#include "brine.h"

#define BR_MONGO_JOBS "jobs"
#define BR_MONGO_RETURNS "returns"

//  A return document from a job cache entry {ok, ret, dur, time}.
//  master names the master that ran the job. NULL when entry is not one.
bson_t *br_mongo_return_doc(const char *master, const char *jid, const char *fun,
                            const char *minion, const bson_t *entry);

//  A job document from a job cache document (br_jobs: jid, fun, arg, tgt,
//  tgt_type, minions, started, and once it ended finished, returns and
//  missing). NULL when job lacks its jid.
bson_t *br_mongo_job_doc(const char *master, const bson_t *job);

//  The createIndexes command for a collection (BR_MONGO_JOBS or
//  BR_MONGO_RETURNS): jid, minion and time on returns; started and master
//  on jobs (their _id is the jid).
bson_t *br_mongo_index_cmd(const char *collection);

//  The reverse for `brine jobs show`: a job cache document from a job
//  document and its return documents (a list of bson_t *).
bson_t *br_mongo_cache_doc(const bson_t *job, zlistx_t *returns);

//  A destructor for lists and hashes of bson_t *.
void br_mongo_bson_free(void **item);

#endif
