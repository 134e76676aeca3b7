/*  br_mongo_read: `brine jobs` reading MongoDB, where every master writes
    (br_mongo). Jobs come back in the job cache's shape, so one printer
    serves both. */
#ifndef BR_MONGO_READ_H
#define BR_MONGO_READ_H

#include "brine.h"

typedef struct _br_mongo_read_t br_mongo_read_t;

//  NULL with err set when the options are invalid; no network use here.
br_mongo_read_t *br_mongo_read_new(const br_config_t *config, br_errmsg_t *err);
void br_mongo_read_destroy(br_mongo_read_t **self_p);

//  Every job, oldest first: a list of bson_t * {jid, fun, tgt, minions,
//  returned, finished (when it ended)}. BR_ERR_IO when MongoDB does not
//  answer (err says why, without the URI's password).
int br_mongo_read_list(br_mongo_read_t *self, zlistx_t **jobs_p, br_errmsg_t *err);

//  One job, as the job cache would hold it. BR_ERR_NOTFOUND when MongoDB
//  has no such job, BR_ERR_IO when it does not answer.
int br_mongo_read_job(br_mongo_read_t *self, const char *jid, bson_t **job_p, br_errmsg_t *err);

#endif
