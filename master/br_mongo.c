/*  br_mongo: the writer thread, its queue and the spool markers. */
#include "br_mongo.h"
#include "br_jobcache.h"
#include "br_mongo_conf.h"
#include "br_mongo_docs.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  Returns written in one bulk operation at most
#define S_BATCH 1000
//  Seconds the writer is given to empty its queue when the master stops
#define S_DRAIN_S 5
//  Milliseconds between two pings while MongoDB is down
#define S_RETRY_MS 1000

typedef enum { S_START, S_RETURN, S_FINISH } s_kind_t;

typedef struct _s_item_t {
    s_kind_t kind;
    char jid[BR_JID_LEN + 1];
    bson_t *doc; //  S_START: job document; S_RETURN: return document
    bool replay; //  S_FINISH: write every return from the job cache
    struct _s_item_t *next;
} s_item_t;

typedef enum { S_WRITTEN, S_DOWN } s_outcome_t;

struct _br_mongo_t {
    br_mongo_conf_t *conf;
    mongoc_client_pool_t *pool;
    br_jobcache_t *cache; //  the writer's own handle on the job cache
    char *spool;          //  directory of the markers: the job cache's
    char *master;         //  this master's name in documents
    pthread_t thread;
    bool started; //  the thread runs
    //  Shared with the writer, under lock
    pthread_mutex_t lock;
    pthread_cond_t wake; //  an item, or stop
    pthread_cond_t idle; //  queue empty, nothing in flight
    s_item_t *head, *tail;
    size_t inflight;
    bool stop;
    //  The writer's own
    mongoc_client_t *client;
    bool indexed;      //  indexes created on this server
    bool down;         //  in an outage
    zhashx_t *partial; //  jids with a document not written live
};

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_item_destroy(s_item_t **item_p)
{
    if (*item_p) {
        bson_destroy((*item_p)->doc);
        free(*item_p);
        *item_p = NULL;
    }
}

static void
s_push(br_mongo_t *self, s_kind_t kind, const char *jid, bson_t *doc, bool replay)
{
    s_item_t *item = calloc(1, sizeof *item);
    if (!item) {
        //  The spool marker stays: written at the next start
        br_error("mongo returner: out of memory, job %s waits for the next start", jid);
        bson_destroy(doc);
        return;
    }
    item->kind = kind;
    snprintf(item->jid, sizeof item->jid, "%s", jid);
    item->doc = doc;
    item->replay = replay;
    pthread_mutex_lock(&self->lock);
    if (self->tail) {
        self->tail->next = item;
    } else {
        self->head = item;
    }
    self->tail = item;
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
}

//  Spool markers: a file per job not yet wholly in MongoDB
static void
s_marker_path(br_mongo_t *self, const char *jid, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.mongo", self->spool, jid);
}

//  Errors MongoDB answers that writing again will not cure (a duplicate
//  _id of another master's job, a document too large): everything else
//  (no server, a lost connection, a primary stepping down, a write concern
//  not met in time, authentication) is an outage, and waits
static bool
s_permanent(const bson_error_t *error)
{
    //  Network and election errors, timeouts, and authentication or
    //  authorisation (13, 18: the operator fixes the user; the spool waits)
    static const uint32_t retryable[] = {6,     7,     13,    18,    50,    64,   89,    91,
                                         133,   134,   150,   189,   262,   9001, 10058, 10107,
                                         11600, 11601, 11602, 13388, 13435, 13436};
    if (error->domain != MONGOC_ERROR_SERVER && error->domain != MONGOC_ERROR_COMMAND &&
        error->domain != MONGOC_ERROR_BSON) {
        return false;
    }
    for (size_t i = 0; i < sizeof retryable / sizeof retryable[0]; i++) {
        if (error->code == retryable[i]) {
            return false;
        }
    }
    return true;
}

static void
s_went_down(br_mongo_t *self, bson_error_t *error)
{
    if (!self->down) {
        br_mongo_conf_scrub(self->conf, error->message);
        br_error("MongoDB at %s is unreachable (%s): returns are kept in the job cache and "
                 "written when it is back",
                 br_mongo_conf_masked(self->conf), error->message);
    }
    self->down = true;
}

static void
s_append_wc(br_mongo_t *self, bson_t *opts)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    mongoc_write_concern_t *wc = (mongoc_write_concern_t *)br_mongo_conf_write_concern(self->conf);
    m->write_concern_append(wc, opts);
}

//  Checks a document's UTF-8 only: state results are keyed by state ids
//  and names, which may hold dots and dollars (/etc/my.cnf), as MongoDB
//  3.6 and later store; libmongoc refuses such keys unless told
static void
s_validate(bson_t *opts)
{
    BSON_APPEND_INT32(opts, "validate", BSON_VALIDATE_UTF8 | BSON_VALIDATE_UTF8_ALLOW_NULL);
}

static void
s_opts(br_mongo_t *self, bson_t *opts, bool upsert)
{
    bson_init(opts);
    if (upsert) {
        BSON_APPEND_BOOL(opts, "upsert", true);
        s_validate(opts);
    } else {
        BSON_APPEND_BOOL(opts, "ordered", true);
        s_append_wc(self, opts);
    }
}

//  Selects the document by _id and master: writing our own again replaces
//  it; another master's job under the same jid is a duplicate key error,
//  never a silent merge of two jobs
static void
s_selector(bson_t *selector, const bson_t *doc)
{
    bson_iter_t it;
    bson_init(selector);
    if (bson_iter_init_find(&it, doc, "_id")) {
        bson_append_iter(selector, "_id", 3, &it);
    }
    if (bson_iter_init_find(&it, doc, "master")) {
        bson_append_iter(selector, "master", 6, &it);
    }
}

//  One document on its own, after its bulk failed with a permanent error
static s_outcome_t
s_write_one(br_mongo_t *self, mongoc_collection_t *coll, const bson_t *doc)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    bson_t selector, opts;
    bson_error_t error;
    s_selector(&selector, doc);
    s_opts(self, &opts, true);
    s_append_wc(self, &opts);
    bool ok = m->collection_replace_one(coll, &selector, doc, &opts, NULL, &error);
    bson_destroy(&selector);
    bson_destroy(&opts);
    if (ok) {
        return S_WRITTEN;
    }
    if (!s_permanent(&error)) {
        s_went_down(self, &error);
        return S_DOWN;
    }
    bson_iter_t it;
    br_mongo_conf_scrub(self->conf, error.message);
    br_error("MongoDB refused %s (%s): it stays in this master's job cache only",
             bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it)
                 ? bson_iter_utf8(&it, NULL)
                 : "a document",
             error.message);
    return S_WRITTEN;
}

//  Upserts docs into one collection in one ordered bulk operation
static s_outcome_t
s_write(br_mongo_t *self, const char *collection, bson_t **docs, size_t n)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    if (n == 0) {
        return S_WRITTEN;
    }
    mongoc_collection_t *coll =
        m->client_get_collection(self->client, br_mongo_conf_db(self->conf), collection);
    bson_t opts, upsert, selector, reply;
    bson_error_t error;
    s_opts(self, &opts, false);
    s_opts(self, &upsert, true);
    mongoc_bulk_operation_t *bulk = m->collection_create_bulk_operation_with_opts(coll, &opts);
    for (size_t i = 0; i < n; i++) {
        s_selector(&selector, docs[i]);
        m->bulk_operation_replace_one_with_opts(bulk, &selector, docs[i], &upsert, NULL);
        bson_destroy(&selector);
    }
    uint32_t done = m->bulk_operation_execute(bulk, &reply, &error);
    s_outcome_t outcome = S_WRITTEN;
    if (!done && !s_permanent(&error)) {
        s_went_down(self, &error);
        outcome = S_DOWN;
    }
    for (size_t i = 0; !done && outcome == S_WRITTEN && i < n; i++) {
        outcome = s_write_one(self, coll, docs[i]);
    }
    bson_destroy(&reply);
    bson_destroy(&opts);
    bson_destroy(&upsert);
    m->bulk_operation_destroy(bulk);
    m->collection_destroy(coll);
    return outcome;
}

//  Inserts docs (new ones, as a rule) in one unordered bulk operation:
//  cheaper for the server than upserts, which must look each one up. A
//  document that is there already (written before an outage cut the
//  acknowledgement, or by a replay) is a duplicate key error: it is then
//  replaced by its _id and master, which also tells our own document from
//  another master's job under the same jid
static s_outcome_t
s_insert(br_mongo_t *self, const char *collection, bson_t **docs, size_t n)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    if (n == 0) {
        return S_WRITTEN;
    }
    mongoc_collection_t *coll =
        m->client_get_collection(self->client, br_mongo_conf_db(self->conf), collection);
    bson_t opts, reply;
    bson_error_t error;
    bson_init(&opts);
    BSON_APPEND_BOOL(&opts, "ordered", false);
    s_append_wc(self, &opts);
    mongoc_bulk_operation_t *bulk = m->collection_create_bulk_operation_with_opts(coll, &opts);
    bson_t insert = BSON_INITIALIZER;
    s_validate(&insert);
    for (size_t i = 0; i < n; i++) {
        m->bulk_operation_insert_with_opts(bulk, docs[i], &insert, NULL);
    }
    bson_destroy(&insert);
    s_outcome_t outcome = S_WRITTEN;
    bson_iter_t it, errors, one;
    bool write_errors = false, concern_errors = false;
    if (!m->bulk_operation_execute(bulk, &reply, &error)) {
        write_errors = bson_iter_init_find(&it, &reply, "writeErrors") &&
                       bson_iter_recurse(&it, &errors) && bson_iter_next(&errors);
        concern_errors = bson_iter_init_find(&it, &reply, "writeConcernErrors") &&
                         bson_iter_recurse(&it, &one) && bson_iter_next(&one);
        if (concern_errors || (!write_errors && !s_permanent(&error))) {
            //  The members asked for do not hold them yet, or no server
            //  took them: all of it again, later
            s_went_down(self, &error);
            outcome = S_DOWN;
        }
        for (size_t i = 0; outcome == S_WRITTEN && !write_errors && i < n; i++) {
            //  Refused before any was sent: one at a time, so that one bad
            //  document is reported and the others go in
            outcome = s_write_one(self, coll, docs[i]);
        }
    }
    if (outcome == S_WRITTEN && write_errors && bson_iter_init_find(&it, &reply, "writeErrors") &&
        bson_iter_recurse(&it, &errors)) {
        while (outcome == S_WRITTEN && bson_iter_next(&errors)) {
            if (bson_iter_recurse(&errors, &one) && bson_iter_find(&one, "index") &&
                BSON_ITER_HOLDS_NUMBER(&one)) {
                //  A duplicate is replaced if ours; any other refusal is
                //  reported there, once, by name
                int64_t index = bson_iter_as_int64(&one);
                if (index >= 0 && (size_t)index < n) {
                    outcome = s_write_one(self, coll, docs[index]);
                }
            }
        }
    }
    bson_destroy(&reply);
    bson_destroy(&opts);
    m->bulk_operation_destroy(bulk);
    m->collection_destroy(coll);
    return outcome;
}

static s_outcome_t
s_ensure_indexes(br_mongo_t *self)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    if (self->indexed) {
        return S_WRITTEN;
    }
    const char *collections[] = {BR_MONGO_RETURNS, BR_MONGO_JOBS};
    mongoc_database_t *db = m->client_get_database(self->client, br_mongo_conf_db(self->conf));
    s_outcome_t outcome = S_WRITTEN;
    for (size_t i = 0; outcome == S_WRITTEN && i < 2; i++) {
        bson_t *cmd = br_mongo_index_cmd(collections[i]);
        bson_error_t error;
        if (!m->database_write_command_with_opts(db, cmd, NULL, NULL, &error)) {
            if (s_permanent(&error)) {
                br_mongo_conf_scrub(self->conf, error.message);
                br_error("MongoDB refused the indexes of %s: %s", collections[i], error.message);
            } else {
                s_went_down(self, &error);
                outcome = S_DOWN;
            }
        }
        bson_destroy(cmd);
    }
    m->database_destroy(db);
    self->indexed = outcome == S_WRITTEN;
    return outcome;
}

//  A job has ended: its document from the job cache, and every return too
//  when some were not written as they came
static s_outcome_t
s_finish(br_mongo_t *self, s_item_t *item)
{
    bson_t *job = NULL;
    br_errmsg_t err;
    s_outcome_t outcome = S_WRITTEN;
    if (br_jobcache_load(self->cache, item->jid, &job, &err) != BR_OK) {
        br_error("mongo returner: job %s: %s; it is not written to MongoDB", item->jid, err.text);
    } else {
        bool all = item->replay || zhashx_lookup(self->partial, item->jid);
        bson_iter_t it, ret, fun;
        const char *name = bson_iter_init_find(&fun, job, "fun") && BSON_ITER_HOLDS_UTF8(&fun)
                               ? bson_iter_utf8(&fun, NULL)
                               : "";
        zlistx_t *docs = zlistx_new();
        zlistx_set_destructor(docs, br_mongo_bson_free);
        if (all && bson_iter_init_find(&it, job, "returns") && bson_iter_recurse(&it, &ret)) {
            while (bson_iter_next(&ret)) {
                const uint8_t *data;
                uint32_t len;
                bson_t entry;
                if (!BSON_ITER_HOLDS_DOCUMENT(&ret)) {
                    continue;
                }
                bson_iter_document(&ret, &len, &data);
                if (bson_init_static(&entry, data, len)) {
                    zlistx_add_end(docs, br_mongo_return_doc(self->master, item->jid, name,
                                                             bson_iter_key(&ret), &entry));
                }
            }
        }
        size_t n = zlistx_size(docs), i = 0;
        bson_t **array = calloc(n ? n : 1, sizeof *array);
        for (bson_t *d = zlistx_first(docs); array && d; d = zlistx_next(docs)) {
            array[i++] = d;
        }
        //  Returns first: a job document that says it ended is only ever
        //  seen with all its returns
        for (size_t k = 0; array && outcome == S_WRITTEN && k < n; k += S_BATCH) {
            outcome =
                s_insert(self, BR_MONGO_RETURNS, array + k, n - k < S_BATCH ? n - k : S_BATCH);
        }
        bson_t *doc = br_mongo_job_doc(self->master, job);
        if (outcome == S_WRITTEN && doc) {
            outcome = s_write(self, BR_MONGO_JOBS, &doc, 1);
        }
        bson_destroy(doc);
        free(array);
        zlistx_destroy(&docs);
        bson_destroy(job);
    }
    if (outcome == S_WRITTEN) {
        char path[4200];
        s_marker_path(self, item->jid, path, sizeof path);
        unlink(path);
        zhashx_delete(self->partial, item->jid);
    }
    return outcome;
}

static bool
s_ping(br_mongo_t *self)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
    bson_error_t error;
    bool ok = m->client_command_simple(self->client, "admin", ping, NULL, NULL, &error);
    bson_destroy(ping);
    return ok;
}

//  While MongoDB is down, only ended jobs wait in memory (one jid each):
//  starts and returns are dropped, to be written from the job cache
static void
s_shed(br_mongo_t *self)
{
    pthread_mutex_lock(&self->lock);
    s_item_t **link = &self->head, *last = NULL;
    while (*link) {
        s_item_t *item = *link;
        if (item->kind == S_FINISH) {
            last = item;
            link = &item->next;
            continue;
        }
        zhashx_update(self->partial, item->jid, (void *)"");
        *link = item->next;
        s_item_destroy(&item);
    }
    self->tail = last;
    pthread_mutex_unlock(&self->lock);
}

static size_t
s_waiting(br_mongo_t *self)
{
    size_t n = 0;
    pthread_mutex_lock(&self->lock);
    for (s_item_t *item = self->head; item; item = item->next) {
        n++;
    }
    pthread_mutex_unlock(&self->lock);
    return n;
}

//  Waits ms or until stop; true when stopping
static bool
s_pause(br_mongo_t *self, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&self->lock);
    if (!self->stop) {
        pthread_cond_timedwait(&self->wake, &self->lock, &until);
    }
    bool stop = self->stop;
    pthread_mutex_unlock(&self->lock);
    return stop;
}

//  Takes the next batch off the queue: consecutive returns, or one item.
//  NULL when stopping with nothing left (or past the drain time).
static s_item_t *
s_take(br_mongo_t *self, int64_t *drain_until)
{
    pthread_mutex_lock(&self->lock);
    while (!self->head && !self->stop) {
        pthread_cond_broadcast(&self->idle);
        pthread_cond_wait(&self->wake, &self->lock);
    }
    if (self->stop && !*drain_until) {
        *drain_until = s_now_ms() + S_DRAIN_S * 1000;
    }
    s_item_t *batch = NULL;
    if (self->head && (!self->stop || s_now_ms() < *drain_until)) {
        batch = self->head;
        s_item_t *last = batch;
        size_t n = 1;
        while (last->kind == S_RETURN && last->next && last->next->kind == S_RETURN &&
               n < S_BATCH) {
            last = last->next;
            n++;
        }
        self->head = last->next;
        if (!self->head) {
            self->tail = NULL;
        }
        last->next = NULL;
        self->inflight = n;
    }
    pthread_mutex_unlock(&self->lock);
    return batch;
}

//  Puts a batch back at the head of the queue, in its order
static void
s_requeue(br_mongo_t *self, s_item_t *batch)
{
    pthread_mutex_lock(&self->lock);
    s_item_t *last = batch;
    while (last->next) {
        last = last->next;
    }
    last->next = self->head;
    self->head = batch;
    if (!self->tail) {
        self->tail = last;
    }
    pthread_mutex_unlock(&self->lock);
}

static s_outcome_t
s_process(br_mongo_t *self, s_item_t *batch)
{
    s_outcome_t outcome = s_ensure_indexes(self);
    if (outcome != S_WRITTEN) {
        return outcome;
    }
    if (batch->kind == S_FINISH) {
        return s_finish(self, batch);
    }
    size_t n = 0;
    bson_t *docs[S_BATCH];
    for (s_item_t *item = batch; item && n < S_BATCH; item = item->next) {
        docs[n++] = item->doc;
    }
    return s_insert(self, batch->kind == S_START ? BR_MONGO_JOBS : BR_MONGO_RETURNS, docs, n);
}

static void *
s_writer(void *arg)
{
    br_mongo_t *self = arg;
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    self->client = m->client_pool_pop(self->pool);
    int64_t drain_until = 0;
    while (self->client) {
        //  While down, a ping says when to try again; the outage ends with
        //  the first write that succeeds (a server that answers pings but
        //  refuses writes, to a user without the right, is still down)
        if (self->down) {
            s_shed(self);
            if (!s_ping(self)) {
                if (s_pause(self, S_RETRY_MS)) {
                    break; //  what waits stays spooled for the next start
                }
                continue;
            }
        }
        size_t kept = self->down ? s_waiting(self) : 0;
        s_item_t *batch = s_take(self, &drain_until);
        if (!batch) {
            break;
        }
        bool was_down = self->down;
        s_outcome_t outcome = s_process(self, batch);
        if (outcome == S_DOWN && batch->kind == S_FINISH) {
            s_requeue(self, batch);
            batch = NULL;
        }
        while (batch) {
            s_item_t *next = batch->next;
            if (self->down) {
                zhashx_update(self->partial, batch->jid, (void *)"");
            }
            s_item_destroy(&batch);
            batch = next;
        }
        pthread_mutex_lock(&self->lock);
        self->inflight = 0;
        pthread_mutex_unlock(&self->lock);
        if (outcome == S_WRITTEN && was_down) {
            self->down = false;
            br_notice("MongoDB at %s is back: writing the %zu job(s) kept meanwhile",
                      br_mongo_conf_masked(self->conf), kept);
        } else if (outcome == S_DOWN && was_down && s_pause(self, S_RETRY_MS)) {
            break;
        }
    }
    pthread_mutex_lock(&self->lock);
    self->inflight = 0;
    pthread_cond_broadcast(&self->idle);
    pthread_mutex_unlock(&self->lock);
    if (self->client) {
        m->client_pool_push(self->pool, self->client);
        self->client = NULL;
    }
    return NULL;
}

//  Jobs an earlier run left spooled, oldest first: queued for writing
static void
s_load_spool(br_mongo_t *self)
{
    DIR *dir = opendir(self->spool);
    if (!dir) {
        return;
    }
    zlistx_t *jids = zlistx_new();
    zlistx_set_destructor(jids, (zlistx_destructor_fn *)zstr_free);
    zlistx_set_comparator(jids, (zlistx_comparator_fn *)strcmp);
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (strlen(entry->d_name) == BR_JID_LEN + 6 &&
            strcmp(entry->d_name + BR_JID_LEN, ".mongo") == 0 &&
            br_jid_valid_n(entry->d_name, BR_JID_LEN)) {
            zlistx_add_end(jids, strndup(entry->d_name, BR_JID_LEN));
        }
    }
    closedir(dir);
    zlistx_sort(jids);
    size_t n = 0;
    for (const char *jid = zlistx_first(jids); jid; jid = zlistx_next(jids)) {
        bson_t *job = NULL;
        br_errmsg_t err;
        if (br_jobcache_load(self->cache, jid, &job, &err) == BR_OK) {
            s_push(self, S_FINISH, jid, NULL, true);
            n++;
        } else {
            //  It was running when the master stopped: its returns were
            //  never in the job cache either
            char path[4200];
            s_marker_path(self, jid, path, sizeof path);
            unlink(path);
            br_warning("job %s is not in the job cache (it was running when the master "
                       "stopped, or outlived keep_jobs): MongoDB keeps what it had of it",
                       jid);
        }
        bson_destroy(job);
    }
    if (n) {
        br_notice("mongo returner: %zu job(s) of an earlier run to write to MongoDB", n);
    }
    zlistx_destroy(&jids);
}

br_mongo_t *
br_mongo_new(const br_config_t *config, const char *master, br_errmsg_t *err)
{
    br_mongo_t *self = calloc(1, sizeof *self);
    if (!self) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    pthread_cond_init(&self->idle, NULL);
    char path[4200];
    const char *cachedir = br_config_str(config, "cachedir");
    snprintf(path, sizeof path, "%s/jobs", cachedir);
    self->conf = br_mongo_conf_new(config, "brine-master", err);
    if (!self->conf) {
        goto fail;
    }
    self->cache = br_jobcache_new(path, br_config_int(config, "keep_jobs"), err);
    if (!self->cache) {
        goto fail;
    }
    //  The markers live beside the job files: the job cache's fsync of its
    //  directory when it stores the ended job makes the marker durable too
    snprintf(path, sizeof path, "%s/jobs", cachedir);
    self->spool = strdup(path);
    self->master = strdup(master);
    self->partial = zhashx_new();
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    self->pool = m->client_pool_new(br_mongo_conf_uri(self->conf));
    if (!self->spool || !self->master || !self->partial || !self->pool ||
        !m->client_pool_set_error_api(self->pool, MONGOC_ERROR_API_VERSION_2)) {
        br_errmsg_set(err, BR_ERR_NOMEM, "cannot set up the MongoDB client pool");
        goto fail;
    }
    s_load_spool(self);
    //  Signals are the event loop's: SIGTERM must interrupt its poll, not
    //  land in the writer or in libmongoc's threads (which inherit this)
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &saved);
    int started = pthread_create(&self->thread, NULL, s_writer, self);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (started != 0) {
        br_errmsg_set(err, BR_ERR_INTERNAL, "cannot start the MongoDB writer");
        goto fail;
    }
    self->started = true;
    br_info("mongo returner: database %s at %s", br_mongo_conf_db(self->conf),
            br_mongo_conf_masked(self->conf));
    return self;
fail:
    br_mongo_destroy(&self);
    return NULL;
}

void
br_mongo_destroy(br_mongo_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_mongo_t *self = *self_p;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        self->stop = true;
        pthread_cond_broadcast(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
    }
    while (self->head) {
        s_item_t *next = self->head->next;
        s_item_destroy(&self->head);
        self->head = next;
    }
    if (self->pool) {
        br_mongo_conf_mongoc(self->conf)->client_pool_destroy(self->pool);
    }
    zhashx_destroy(&self->partial);
    br_jobcache_destroy(&self->cache);
    br_mongo_conf_destroy(&self->conf);
    free(self->spool);
    free(self->master);
    pthread_cond_destroy(&self->wake);
    pthread_cond_destroy(&self->idle);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void
br_mongo_job_started(br_mongo_t *self, const bson_t *job)
{
    bson_iter_t it;
    if (!bson_iter_init_find(&it, job, "jid") || !BSON_ITER_HOLDS_UTF8(&it)) {
        return;
    }
    const char *jid = bson_iter_utf8(&it, NULL);
    char path[4200];
    s_marker_path(self, jid, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) != 0) {
        br_error("mongo returner: cannot spool job %s (%s): written only if MongoDB is up", jid,
                 strerror(errno));
    }
    bson_t *doc = br_mongo_job_doc(self->master, job);
    if (doc) {
        s_push(self, S_START, jid, doc, false);
    }
}

void
br_mongo_returned(br_mongo_t *self, const char *jid, const char *fun, const char *minion,
                  const bson_t *entry)
{
    s_push(self, S_RETURN, jid, br_mongo_return_doc(self->master, jid, fun, minion, entry), false);
}

void
br_mongo_job_finished(br_mongo_t *self, const char *jid)
{
    s_push(self, S_FINISH, jid, NULL, false);
}

bool
br_mongo_flush(br_mongo_t *self, int timeout_ms)
{
    int64_t until = s_now_ms() + timeout_ms;
    pthread_mutex_lock(&self->lock);
    while ((self->head || self->inflight) && s_now_ms() < until) {
        struct timespec ts = {until / 1000, (long)(until % 1000) * 1000000};
        pthread_cond_timedwait(&self->idle, &self->lock, &ts);
    }
    bool empty = !self->head && !self->inflight;
    pthread_mutex_unlock(&self->lock);
    return empty;
}
