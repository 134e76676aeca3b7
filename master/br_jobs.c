/*  br_jobs: building, publishing, collecting and caching jobs. */
#include "br_jobs.h"
#include "br_mongo.h"
#include "br_sls.h"
#include "br_state.h"
#include "br_wire.h"

#include <stdio.h>
#include <sys/time.h>

//  One minion's part of a job
typedef struct {
    char id[BR_ID_MAX + 1];
    br_secret_t *body; //  its own encoded body (state jobs), until published (then wiped)
    bool waiting;      //  a body is ready for it, not yet published
    bool published;
    bool returned;
} br_target_t;

typedef struct {
    char jid[BR_JID_LEN + 1];
    char *fun;
    bson_t *arg; //  as the CLI gave it: SLS names or a command, never pillar
    char *tgt, *tgt_type;
    br_msg_t *header; //  the clear header (jid, expiry)
    br_target_t *targets;
    size_t ntargets;
    zhashx_t *index; //  minion id -> its br_target_t, for returns and subscriptions
    br_secret_t *body; //  the body every target shares, when it holds no state (test.ping):
                       //  encoded once, sealed to each minion apart, wiped at the end
    size_t returned; //  targets settled: returned, failed here, or not connected
    bson_t *returns; //  minion id -> {ok, ret, dur}
    zframe_t *cli;   //  routing id of the waiting CLI, or NULL
    int64_t started_ms, deadline_ms;
} br_job_t;

struct _br_jobs_t {
    br_config_t *config;  //  not owned
    br_server_t *server;  //  not owned
    br_jobcache_t *cache; //  not owned
    zsock_t *cli;         //  not owned
    zhashx_t *grains;     //  not owned
    br_mongo_t *mongo;    //  not owned; NULL without the mongo returner
    br_jidgen_t *jids;
    zhashx_t *jobs; //  jid -> br_job_t
};

static int64_t
s_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
s_job_destroy(br_job_t **job_p)
{
    br_job_t *job = *job_p;
    if (!job) {
        return;
    }
    for (size_t i = 0; i < job->ntargets; i++) {
        br_secret_destroy(&job->targets[i].body);
    }
    br_secret_destroy(&job->body);
    zhashx_destroy(&job->index);
    free(job->targets);
    free(job->fun);
    free(job->tgt);
    free(job->tgt_type);
    bson_destroy(job->arg);
    bson_destroy(job->returns);
    br_msg_destroy(&job->header);
    zframe_destroy(&job->cli);
    free(job);
    *job_p = NULL;
}

static void
s_job_free(void **item)
{
    s_job_destroy((br_job_t **)item);
}

br_jobs_t *
br_jobs_new(br_config_t *config, br_server_t *server, br_jobcache_t *cache, zsock_t *cli,
            zhashx_t *grains)
{
    br_jobs_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->config = config;
    self->server = server;
    self->cache = cache;
    self->cli = cli;
    self->grains = grains;
    self->jids = br_jidgen_new();
    self->jobs = zhashx_new();
    if (!self->jids || !self->jobs) {
        br_jobs_destroy(&self);
        return NULL;
    }
    zhashx_set_destructor(self->jobs, s_job_free);
    return self;
}

void
br_jobs_destroy(br_jobs_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy(&(*self_p)->jobs);
        br_jidgen_destroy(&(*self_p)->jids);
        free(*self_p);
        *self_p = NULL;
    }
}

//  The secret pillar keys: the defaults, plus the configured ones
static const char **
s_secret_keys(br_jobs_t *self)
{
    zlistx_t *extra = br_config_list(self->config, "secret_pillar_keys");
    size_t n = 0;
    while (br_default_secret_keys[n]) {
        n++;
    }
    const char **keys = calloc(n + zlistx_size(extra) + 1, sizeof *keys);
    for (size_t i = 0; keys && i < n; i++) {
        keys[i] = br_default_secret_keys[i];
    }
    for (const char *k = zlistx_first(extra); keys && k; k = zlistx_next(extra)) {
        keys[n++] = k;
    }
    return keys;
}

//  The SLS names of a state job: arguments (each may be "a,b"), or top.sls
static int
s_sls_names(br_jobs_t *self, const bson_t *arg, const char *id, const br_value_t *context,
            br_vault_t *vault, zlistx_t **names_p, br_errmsg_t *err)
{
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    bson_iter_t it;
    if (arg && bson_iter_init(&it, arg)) {
        while (bson_iter_next(&it)) {
            if (!BSON_ITER_HOLDS_UTF8(&it)) {
                continue;
            }
            char *copy = strdup(bson_iter_utf8(&it, NULL));
            for (char *save = NULL, *n = strtok_r(copy, ",", &save); n;
                 n = strtok_r(NULL, ",", &save)) {
                zlistx_add_end(names, strdup(n));
            }
            free(copy);
        }
    }
    *names_p = names;
    if (zlistx_size(names)) {
        return BR_OK;
    }
    zlistx_destroy(names_p);
    int rc =
        br_top_load(br_config_str(self->config, "file_root"), id, context, vault, names_p, err);
    if (rc == BR_OK && zlistx_size(*names_p) == 0) {
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "no SLS assigned to %s in top.sls", id);
    }
    return rc;
}

//  Compiles the low state of fun for minion id into body
static int
s_build_states(br_jobs_t *self, const char *fun, const bson_t *arg, const char *id, br_msg_t *body,
               br_errmsg_t *err)
{
    br_value_t *grains = NULL, *pillar = NULL, *context = br_value_map();
    const bson_t *hello = zhashx_lookup(self->grains, id);
    grains = hello ? br_wire_from_bson(hello) : br_value_map();
    br_vault_t *vault = br_vault_new();
    const char **keys = s_secret_keys(self);
    zlistx_t *names = NULL;
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    int rc = BR_ERR_NOMEM;
    if (!grains || !context || !vault || !keys) {
        goto out;
    }
    if (strcmp(fun, "cmd.run") == 0) {
        bson_iter_t it;
        const char *command = arg && bson_iter_init_find(&it, arg, "0") && BSON_ITER_HOLDS_UTF8(&it)
                                  ? bson_iter_utf8(&it, NULL)
                                  : NULL;
        rc = command ? br_low_single("cmd", "run", command, NULL, &low, err)
                     : br_errmsg_set(err, BR_ERR_INVALID, "cmd.run needs a command");
    } else {
        rc = br_pillar_load(br_config_str(self->config, "pillar_root"), id, grains, keys, &pillar,
                            err);
        br_value_t *g = br_value_dup(grains), *p = pillar;
        pillar = NULL;
        br_value_map_set(context, "grains", &g);
        br_value_map_set(context, "pillar", &p);
        br_value_destroy(&g);
        br_value_destroy(&p);
        if (rc == BR_OK) {
            rc = s_sls_names(self, strcmp(fun, "state.highstate") == 0 ? NULL : arg, id, context,
                             vault, &names, err);
        }
        if (rc == BR_OK) {
            rc = br_high_load(br_config_str(self->config, "file_root"), names, context, vault,
                              &high, err);
        }
        if (rc == BR_OK) {
            rc = br_compile(high, vault, &low, err);
        }
    }
    if (rc == BR_OK) {
        rc = br_wire_low_encode(low, body, err);
    }
out:
    br_low_destroy(&low);
    br_high_destroy(&high);
    zlistx_destroy(&names);
    free(keys);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    br_value_destroy(&pillar);
    br_value_destroy(&grains);
    return rc;
}

static bool
s_is_state_fun(const char *fun)
{
    return strcmp(fun, "state.apply") == 0 || strcmp(fun, "state.highstate") == 0 ||
           strcmp(fun, "state.sls") == 0 || strcmp(fun, "cmd.run") == 0;
}

static void
s_cli_send(br_jobs_t *self, br_job_t *job, br_msg_t *msg)
{
    if (!self->cli || !job->cli) {
        return;
    }
    zframe_t *routing = zframe_dup(job->cli);
    zframe_t *frame = br_msg_encode(msg);
    if (routing && frame && zframe_send(&routing, self->cli, ZFRAME_MORE) == 0 &&
        zframe_send(&frame, self->cli, ZFRAME_DONTWAIT) == 0) {
        return;
    }
    zframe_destroy(&routing);
    zframe_destroy(&frame);
}

//  Records minion id's outcome and tells the CLI
static void
s_record(br_jobs_t *self, br_job_t *job, const char *id, bool ok, const bson_t *ret, int64_t dur)
{
    bson_t *entry = bson_new();
    BSON_APPEND_BOOL(entry, "ok", ok);
    BSON_APPEND_DOCUMENT(entry, "ret", ret);
    BSON_APPEND_INT64(entry, "dur", dur);
    BSON_APPEND_INT64(entry, "time", s_now_ms());
    BSON_APPEND_DOCUMENT(job->returns, id, entry);
    if (self->mongo) {
        br_mongo_returned(self->mongo, job->jid, job->fun, id, entry);
    }
    bson_destroy(entry);
    br_msg_t *msg = br_msg_new(BR_MSG_CLI_RETURN);
    if (msg && br_msg_set_jid(msg, job->jid) == 0 && br_msg_set_id(msg, id) == 0 &&
        br_msg_set_ok(msg, ok) == 0 && br_msg_set_ret(msg, ret) == 0 &&
        br_msg_set_dur(msg, dur) == 0) {
        s_cli_send(self, job, msg);
    }
    br_msg_destroy(&msg);
}

static void
s_fail_target(br_jobs_t *self, br_job_t *job, br_target_t *t, const char *why)
{
    bson_t *ret = BCON_NEW("return", BCON_UTF8(why));
    s_record(self, job, t->id, false, ret, 0);
    bson_destroy(ret);
    t->returned = true;
    job->returned++;
}

static void
s_publish(br_jobs_t *self, br_job_t *job, br_target_t *t)
{
    int rc = br_server_publish(self->server, t->id, job->header, t->body ? t->body : job->body);
    if (rc == BR_OK) {
        t->published = true;
        t->waiting = false;
        br_secret_destroy(&t->body);
    } else if (rc != BR_ERR_NOTFOUND) {
        br_error("cannot publish job %s to %s: %s", job->jid, t->id, br_strerror(rc));
    }
}

//  The job cache document: what the job is, and once ended (missing not
//  NULL) when it ended, every return and who did not return
static bson_t *
s_job_doc(br_job_t *job, const bson_t *missing)
{
    bson_t *doc = bson_new(), minions;
    BSON_APPEND_UTF8(doc, "jid", job->jid);
    BSON_APPEND_UTF8(doc, "fun", job->fun);
    BSON_APPEND_ARRAY(doc, "arg", job->arg);
    BSON_APPEND_UTF8(doc, "tgt", job->tgt);
    BSON_APPEND_UTF8(doc, "tgt_type", job->tgt_type);
    BSON_APPEND_INT64(doc, "started", job->started_ms);
    if (missing) {
        BSON_APPEND_INT64(doc, "finished", s_now_ms());
    }
    BSON_APPEND_ARRAY_BEGIN(doc, "minions", &minions);
    for (size_t i = 0; i < job->ntargets; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        BSON_APPEND_UTF8(&minions, key, job->targets[i].id);
    }
    bson_append_array_end(doc, &minions);
    if (missing) {
        BSON_APPEND_DOCUMENT(doc, "returns", job->returns);
        BSON_APPEND_ARRAY(doc, "missing", missing);
    }
    return doc;
}

static void
s_finish(br_jobs_t *self, br_job_t *job)
{
    bson_t *missing = bson_new();
    size_t n = 0;
    for (size_t i = 0; i < job->ntargets; i++) {
        if (!job->targets[i].returned) {
            char key[24];
            snprintf(key, sizeof key, "%zu", n++);
            BSON_APPEND_UTF8(missing, key, job->targets[i].id);
            br_warning("minion %s did not return job %s (%s)", job->targets[i].id, job->jid,
                         job->fun);
        }
    }
    bson_t *doc = s_job_doc(job, missing);
    br_errmsg_t err;
    if (self->cache && br_jobcache_store(self->cache, job->jid, doc, &err) != BR_OK) {
        br_error("%s", err.text);
    }
    //  After the job cache holds it: the returner writes it from there
    if (self->mongo) {
        br_mongo_job_finished(self->mongo, job->jid);
    }
    br_msg_t *done = br_msg_new(BR_MSG_CLI_DONE);
    if (done && br_msg_set_jid(done, job->jid) == 0 && br_msg_set_missing(done, missing) == 0) {
        s_cli_send(self, job, done);
    }
    br_msg_destroy(&done);
    bson_destroy(doc);
    bson_destroy(missing);
    zhashx_delete(self->jobs, job->jid);
}

//  The encoded body of a job: for minion id's states (compiled with its
//  pillar), or, with id NULL, the same for every minion
static int
s_encode_body(br_jobs_t *self, br_job_t *job, const char *fun, const bson_t *arg,
              const bson_t *kwarg, const char *id, br_secret_t **body_p, br_errmsg_t *why)
{
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    int rc = body && br_msg_set_jid(body, job->jid) == 0 && br_msg_set_fun(body, fun) == 0 &&
                     (!arg || br_msg_set_arg(body, arg) == 0) &&
                     (!kwarg || br_msg_set_kwarg(body, kwarg) == 0)
                 ? BR_OK
                 : BR_ERR_NOMEM;
    if (rc == BR_OK && id) {
        rc = s_build_states(self, fun, arg, id, body, why);
    }
    if (rc == BR_OK) {
        *body_p = br_msg_encode_secret(body);
        rc = *body_p ? BR_OK : BR_ERR_TOOBIG;
    }
    br_msg_destroy(&body);
    return rc;
}

int
br_jobs_start(br_jobs_t *self, const char *fun, const bson_t *arg, const bson_t *kwarg,
              zlistx_t *minions, const char *tgt, const char *tgt_type, int timeout_s,
              zframe_t *cli_routing, char jid_out[BR_JID_LEN + 1], br_errmsg_t *err)
{
    if (strcmp(fun, "test.ping") != 0 && !s_is_state_fun(fun)) {
        return br_errmsg_set(err, BR_ERR_INVALID,
                             "'%s' is not available (test.ping, state.apply, state.highstate, "
                             "state.sls, cmd.run)",
                             fun);
    }
    br_job_t *job = calloc(1, sizeof *job);
    if (!job) {
        return BR_ERR_NOMEM;
    }
    br_jidgen_next(self->jids, job->jid);
    memcpy(jid_out, job->jid, sizeof job->jid);
    job->fun = strdup(fun);
    job->arg = arg ? bson_copy(arg) : bson_new();
    job->tgt = strdup(tgt);
    job->tgt_type = strdup(tgt_type);
    job->returns = bson_new();
    job->cli = cli_routing ? zframe_dup(cli_routing) : NULL;
    job->started_ms = s_now_ms();
    job->deadline_ms = job->started_ms + (int64_t)timeout_s * 1000;
    job->ntargets = zlistx_size(minions);
    job->targets = calloc(job->ntargets ? job->ntargets : 1, sizeof *job->targets);
    job->header = br_msg_new(BR_MSG_JOB);
    job->index = zhashx_new();
    int64_t ttl_ms = br_config_int(self->config, "job_ttl") * 1000;
    if (!job->fun || !job->tgt || !job->tgt_type || !job->targets || !job->header || !job->index ||
        br_msg_set_jid(job->header, job->jid) != 0 ||
        br_msg_set_exp(job->header, job->started_ms + ttl_ms) != 0) {
        s_job_destroy(&job);
        return BR_ERR_NOMEM;
    }
    zhashx_insert(self->jobs, job->jid, job);
    //  Tell the CLI whom to wait for before any return can arrive
    br_msg_t *start = br_msg_new(BR_MSG_CLI_START);
    bson_t *ids = bson_new();
    size_t i = 0;
    for (const char *id = zlistx_first(minions); id; id = zlistx_next(minions), i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        BSON_APPEND_UTF8(ids, key, id);
        snprintf(job->targets[i].id, sizeof job->targets[i].id, "%s", id);
        zhashx_insert(job->index, job->targets[i].id, &job->targets[i]);
    }
    if (start && br_msg_set_jid(start, job->jid) == 0 && br_msg_set_minions(start, ids) == 0) {
        s_cli_send(self, job, start);
    }
    br_msg_destroy(&start);
    bson_destroy(ids);
    if (self->mongo) {
        bson_t *doc = s_job_doc(job, NULL);
        br_mongo_job_started(self->mongo, doc);
        bson_destroy(doc);
    }
    br_info("job %s: %s for %zu minion(s)", job->jid, fun, job->ntargets);
    br_server_hold(self->server, true);
    for (i = 0; i < job->ntargets; i++) {
        br_target_t *t = &job->targets[i];
        if (!br_server_subscribed(self->server, t->id) && job->cli) {
            //  Not connected now: settled at once as not returned (the CLI
            //  lists it), never left to wait for the timeout
            job->returned++;
            continue;
        }
        br_errmsg_t why = {""};
        int rc = BR_OK;
        if (s_is_state_fun(fun)) {
            rc = s_encode_body(self, job, fun, arg, kwarg, t->id, &t->body, &why);
        } else if (!job->body) {
            //  Nothing in it depends on the minion: one encoding for all
            rc = s_encode_body(self, job, fun, arg, kwarg, NULL, &job->body, &why);
        }
        t->waiting = rc == BR_OK;
        if (rc != BR_OK) {
            //  Rendering or compiling failed for this minion: nothing is sent
            s_fail_target(self, job, t, why.text[0] ? why.text : br_strerror(rc));
            continue;
        }
        s_publish(self, job, t);
    }
    br_server_hold(self->server, false);
    if (job->returned == job->ntargets) {
        s_finish(self, job);
    }
    return BR_OK;
}

void
br_jobs_set_mongo(br_jobs_t *self, br_mongo_t *mongo)
{
    self->mongo = mongo;
}

void
br_jobs_subscribed(br_jobs_t *self, const char *id)
{
    for (br_job_t *job = zhashx_first(self->jobs); job; job = zhashx_next(self->jobs)) {
        br_target_t *t = zhashx_lookup(job->index, id);
        if (t && t->waiting) {
            s_publish(self, job, t);
        }
    }
}

int
br_jobs_returned(br_jobs_t *self, const char *id, const br_msg_t *ret)
{
    br_job_t *job = zhashx_lookup(self->jobs, br_msg_jid(ret));
    br_target_t *t = job ? zhashx_lookup(job->index, id) : NULL;
    //  A minion may only return a job that was published to it, once
    if (!t || !t->published || t->returned) {
        return BR_ERR_DENIED;
    }
    t->returned = true;
    job->returned++;
    s_record(self, job, id, br_msg_ok(ret), br_msg_ret(ret), br_msg_dur(ret));
    br_info("return from %s for job %s (%s): %s", id, job->jid, job->fun,
              br_msg_ok(ret) ? "success" : "failure");
    if (job->returned == job->ntargets) {
        s_finish(self, job);
    }
    return BR_OK;
}

void
br_jobs_tick(br_jobs_t *self)
{
    int64_t now = s_now_ms();
    zlistx_t *over = zlistx_new();
    for (br_job_t *job = zhashx_first(self->jobs); job; job = zhashx_next(self->jobs)) {
        if (job->deadline_ms <= now) {
            zlistx_add_end(over, job);
        }
    }
    for (br_job_t *job = zlistx_first(over); job; job = zlistx_next(over)) {
        s_finish(self, job);
    }
    zlistx_destroy(&over);
}
