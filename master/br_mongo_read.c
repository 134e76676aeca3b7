/*  br_mongo_read: finds over the jobs and returns collections. */
#include "br_mongo_read.h"
#include "br_mongo_conf.h"
#include "br_mongo_docs.h"

struct _br_mongo_read_t {
    br_mongo_conf_t *conf;
    mongoc_client_t *client;
};

br_mongo_read_t *
br_mongo_read_new(const br_config_t *config, br_errmsg_t *err)
{
    br_mongo_read_t *self = calloc(1, sizeof *self);
    if (!self) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    self->conf = br_mongo_conf_new(config, "brine", err);
    if (self->conf) {
        //  One command-line run, one thread: a single client
        const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
        self->client = m->client_new_from_uri(br_mongo_conf_uri(self->conf));
        if (!self->client || !m->client_set_error_api(self->client, MONGOC_ERROR_API_VERSION_2)) {
            br_errmsg_set(err, BR_ERR_NOMEM, "cannot create a MongoDB client");
        }
    }
    if (!self->conf || !self->client) {
        br_mongo_read_destroy(&self);
    }
    return self;
}

void
br_mongo_read_destroy(br_mongo_read_t **self_p)
{
    if (self_p && *self_p) {
        if ((*self_p)->client) {
            br_mongo_conf_mongoc((*self_p)->conf)->client_destroy((*self_p)->client);
        }
        br_mongo_conf_destroy(&(*self_p)->conf);
        free(*self_p);
        *self_p = NULL;
    }
}

static int
s_failed(br_mongo_read_t *self, bson_error_t *error, br_errmsg_t *err)
{
    br_mongo_conf_scrub(self->conf, error->message);
    return br_errmsg_set(err, BR_ERR_IO, "MongoDB at %s: %s", br_mongo_conf_masked(self->conf),
                         error->message);
}

//  The documents a find gives, into a list of bson_t *
static int
s_find(br_mongo_read_t *self, const char *collection, const bson_t *filter, const bson_t *opts,
       zlistx_t **docs_p, br_errmsg_t *err)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    mongoc_collection_t *coll =
        m->client_get_collection(self->client, br_mongo_conf_db(self->conf), collection);
    mongoc_cursor_t *cursor = m->collection_find_with_opts(coll, filter, opts, NULL);
    zlistx_t *docs = zlistx_new();
    zlistx_set_destructor(docs, br_mongo_bson_free);
    const bson_t *doc;
    while (m->cursor_next(cursor, &doc)) {
        zlistx_add_end(docs, bson_copy(doc));
    }
    bson_error_t error;
    int rc = BR_OK;
    if (m->cursor_error(cursor, &error)) {
        rc = s_failed(self, &error, err);
        zlistx_destroy(&docs);
    }
    m->cursor_destroy(cursor);
    m->collection_destroy(coll);
    *docs_p = docs;
    return rc;
}

int
br_mongo_read_list(br_mongo_read_t *self, zlistx_t **jobs_p, br_errmsg_t *err)
{
    const br_mongoc_t *m = br_mongo_conf_mongoc(self->conf);
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts =
        BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}", "projection", "{", "jid", BCON_INT32(1),
                 "fun", BCON_INT32(1), "tgt", BCON_INT32(1), "minions", BCON_INT32(1), "returned",
                 BCON_INT32(1), "finished", BCON_INT32(1), "}");
    int rc = s_find(self, BR_MONGO_JOBS, &filter, opts, jobs_p, err);
    bson_destroy(opts);
    //  A job still running has no count yet: its returns so far
    for (bson_t *job = rc == BR_OK ? zlistx_first(*jobs_p) : NULL; job;
         job = zlistx_next(*jobs_p)) {
        bson_iter_t it;
        if (bson_iter_init_find(&it, job, "returned") || !bson_iter_init_find(&it, job, "jid") ||
            !BSON_ITER_HOLDS_UTF8(&it)) {
            continue;
        }
        bson_t *by_jid = BCON_NEW("jid", BCON_UTF8(bson_iter_utf8(&it, NULL)));
        mongoc_collection_t *coll =
            m->client_get_collection(self->client, br_mongo_conf_db(self->conf), BR_MONGO_RETURNS);
        bson_error_t error;
        int64_t n = m->collection_count_documents(coll, by_jid, NULL, NULL, NULL, &error);
        m->collection_destroy(coll);
        bson_destroy(by_jid);
        if (n < 0) {
            rc = s_failed(self, &error, err);
            zlistx_destroy(jobs_p);
            break;
        }
        BSON_APPEND_INT32(job, "returned", (int32_t)n);
    }
    return rc;
}

int
br_mongo_read_job(br_mongo_read_t *self, const char *jid, bson_t **job_p, br_errmsg_t *err)
{
    *job_p = NULL;
    bson_t *filter = BCON_NEW("_id", BCON_UTF8(jid));
    zlistx_t *jobs = NULL, *returns = NULL;
    int rc = s_find(self, BR_MONGO_JOBS, filter, NULL, &jobs, err);
    bson_destroy(filter);
    if (rc == BR_OK && zlistx_size(jobs) == 0) {
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "job %s is not in MongoDB", jid);
    }
    if (rc == BR_OK) {
        filter = BCON_NEW("jid", BCON_UTF8(jid));
        bson_t *opts = BCON_NEW("sort", "{", "time", BCON_INT32(1), "}");
        rc = s_find(self, BR_MONGO_RETURNS, filter, opts, &returns, err);
        bson_destroy(opts);
        bson_destroy(filter);
    }
    if (rc == BR_OK) {
        *job_p = br_mongo_cache_doc(zlistx_first(jobs), returns);
    }
    zlistx_destroy(&returns);
    zlistx_destroy(&jobs);
    return rc;
}
