/*  br_jobs: the master's jobs in flight.

    A job is one function for a set of minions. For each minion the body is
    built on its own: state functions are rendered and compiled with that
    minion's pillar and grains, so each body carries only that minion's
    secrets, sealed to that minion's key. A body waits for its minion's
    subscription before it is published; a minion that is not connected when
    the job starts is reported as not returned at once. Returns are matched
    to the minions the job was sent to, passed on to the waiting `brine`, and
    the whole job is written to the job cache when every minion returned or
    the timeout passed. */
#ifndef BR_JOBS_H
#define BR_JOBS_H

#include "br_jobcache.h"
#include "br_mongo.h"
#include "brine.h"

typedef struct _br_jobs_t br_jobs_t;

//  config, server, cache and cli (the ROUTER of local CLIs, may be NULL)
//  must outlive the job table. grains: minion id -> bson_t from its hello.
br_jobs_t *br_jobs_new(br_config_t *config, br_server_t *server, br_jobcache_t *cache,
                       zsock_t *cli, zhashx_t *grains);
void br_jobs_destroy(br_jobs_t **self_p);

//  Starts fun for minions (ids, sorted). cli_routing (copied; NULL for a
//  startup job) is the CLI that waits for it. jid_out receives the jid.
int br_jobs_start(br_jobs_t *self, const char *fun, const bson_t *arg, const bson_t *kwarg,
                  zlistx_t *minions, const char *tgt, const char *tgt_type, int timeout_s,
                  zframe_t *cli_routing, char jid_out[BR_JID_LEN + 1], br_errmsg_t *err);

//  Every job and return also goes to mongo (not owned; NULL: none).
void br_jobs_set_mongo(br_jobs_t *self, br_mongo_t *mongo);

//  A minion's subscription arrived: publish what waits for it.
void br_jobs_subscribed(br_jobs_t *self, const char *id);

//  A return from minion id. BR_ERR_DENIED if that job was not sent to it.
int br_jobs_returned(br_jobs_t *self, const char *id, const br_msg_t *ret);

//  Ends the jobs whose time is up, reporting who did not return.
void br_jobs_tick(br_jobs_t *self);

#endif
