/*  mongo_standin: the MongoDB stand-in server (mongo_standin.py) through the
    real libmongoc, so that tests of brine's MongoDB code can trust it: the
    handshake, ping, inserts, finds with filter and sort, getMore over a
    large result, a unique index and its E11000 error, updates and upserts,
    createIndexes and listIndexes, exact BSON round trips, an unacknowledged
    write, findAndModify, delete, aggregate, a cursor killed early, SCRAM
    logins (right, wrong, none), and the data (documents and indexes) kept across a SIGTERM
    restart on the same port, each document exactly once. */
#include "standin.h"
#include "testutil.h"

#include <mongoc/mongoc.h>
#include <string.h>
#include <time.h>

#define BIG 1500

static mongoc_client_t *
s_client(standin_t *db)
{
    char uri[128];
    snprintf(uri, sizeof uri, "%s/?serverSelectionTimeoutMS=3000", standin_uri(db));
    mongoc_client_t *client = mongoc_client_new(uri);
    if (client) {
        mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
    }
    return client;
}

static int64_t
s_count(mongoc_collection_t *coll, const bson_t *filter)
{
    bson_t empty = BSON_INITIALIZER;
    bson_error_t error;
    int64_t n = mongoc_collection_count_documents(coll, filter ? filter : &empty, NULL, NULL,
                                                  NULL, &error);
    if (n < 0) {
        fprintf(stderr, "count: %s\n", error.message);
    }
    bson_destroy(&empty);
    return n;
}

//  A command's outcome, with libmongoc's reason when it failed.
static void
s_check_ok(bool ok, const char *what, const bson_error_t *error)
{
    if (!ok) {
        fprintf(stderr, "%s: %s\n", what, error->message);
    }
    CHECK(ok);
}

static void
s_test_ping(mongoc_client_t *client)
{
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_client_command_simple(client, "admin", cmd, NULL, &reply, &error);
    s_check_ok(ok, "ping", &error);
    bson_destroy(&reply);
    bson_destroy(cmd);
}

static void
s_test_find_sorted(mongoc_collection_t *coll)
{
    bson_error_t error;
    for (int i = 0; i < 5; i++) {
        bson_t *doc = BCON_NEW("k", BCON_INT32(i), "tag", BCON_UTF8(i % 2 ? "odd" : "even"));
        CHECK(mongoc_collection_insert_one(coll, doc, NULL, NULL, &error));
        bson_destroy(doc);
    }
    bson_t *filter = BCON_NEW("k", "{", "$gte", BCON_INT32(1), "}", "tag", BCON_UTF8("odd"));
    bson_t *opts = BCON_NEW("sort", "{", "k", BCON_INT32(-1), "}");
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
    const bson_t *doc;
    int want[] = {3, 1}, n = 0;
    while (mongoc_cursor_next(cursor, &doc)) {
        bson_iter_t it;
        CHECK(bson_iter_init_find(&it, doc, "k") && BSON_ITER_HOLDS_INT32(&it));
        if (n < 2) {
            CHECK_EQ_INT(bson_iter_int32(&it), want[n]);
        }
        n++;
    }
    CHECK(!mongoc_cursor_error(cursor, &error));
    CHECK_EQ_INT(n, 2);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    bson_destroy(filter);
}

static void
s_test_get_more(mongoc_collection_t *coll)
{
    bson_error_t error;
    bson_t **docs = calloc(BIG, sizeof *docs);
    for (int i = 0; i < BIG; i++) {
        docs[i] = BCON_NEW("seq", BCON_INT32(i), "pad", BCON_UTF8("0123456789abcdef"));
    }
    CHECK(mongoc_collection_insert_many(coll, (const bson_t **) docs, BIG, NULL, NULL, &error));
    for (int i = 0; i < BIG; i++) {
        bson_destroy(docs[i]);
    }
    free(docs);
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts = BCON_NEW("sort", "{", "seq", BCON_INT32(1), "}", "batchSize", BCON_INT32(100));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, &filter, opts, NULL);
    const bson_t *doc;
    int n = 0, in_order = 1;
    while (mongoc_cursor_next(cursor, &doc)) {
        bson_iter_t it;
        if (!bson_iter_init_find(&it, doc, "seq") || bson_iter_int32(&it) != n) {
            in_order = 0;
        }
        n++;
    }
    CHECK(!mongoc_cursor_error(cursor, &error));
    CHECK_EQ_INT(n, BIG);
    CHECK(in_order);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    bson_destroy(&filter);
    CHECK_EQ_INT(s_count(coll, NULL), BIG);
}

static void
s_create_unique_index(mongoc_collection_t *coll)
{
    bson_t *cmd = BCON_NEW("createIndexes", BCON_UTF8(mongoc_collection_get_name(coll)),
                           "indexes", "[", "{", "key", "{", "jid", BCON_INT32(1), "minion",
                           BCON_INT32(1), "}", "name", BCON_UTF8("jid_minion"), "unique",
                           BCON_BOOL(true), "}", "]");
    bson_t reply;
    bson_error_t error;
    bool ok = mongoc_collection_write_command_with_opts(coll, cmd, NULL, &reply, &error);
    s_check_ok(ok, "createIndexes", &error);
    bson_destroy(&reply);
    bson_destroy(cmd);
}

static int
s_has_unique_index(mongoc_collection_t *coll, const char *name)
{
    mongoc_cursor_t *cursor = mongoc_collection_find_indexes_with_opts(coll, NULL);
    const bson_t *doc;
    int found = 0;
    while (mongoc_cursor_next(cursor, &doc)) {
        bson_iter_t it;
        if (bson_iter_init_find(&it, doc, "name") && BSON_ITER_HOLDS_UTF8(&it) &&
            strcmp(bson_iter_utf8(&it, NULL), name) == 0) {
            found = bson_iter_init_find(&it, doc, "unique") && bson_iter_as_bool(&it);
        }
    }
    bson_error_t error;
    CHECK(!mongoc_cursor_error(cursor, &error));
    mongoc_cursor_destroy(cursor);
    return found;
}

//  Inserts {jid, minion}; returns the server error code (0 on success).
static uint32_t
s_insert_return(mongoc_collection_t *coll, const char *jid, const char *minion)
{
    bson_t *doc = BCON_NEW("jid", BCON_UTF8(jid), "minion", BCON_UTF8(minion));
    bson_error_t error;
    uint32_t code = 0;
    if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &error)) {
        code = error.code;
        CHECK_EQ_INT(error.domain, MONGOC_ERROR_SERVER);
        CHECK(strstr(error.message, "E11000") != NULL);
    }
    bson_destroy(doc);
    return code;
}

static void
s_test_unique(mongoc_collection_t *coll)
{
    s_create_unique_index(coll);
    CHECK(s_has_unique_index(coll, "jid_minion"));
    CHECK_EQ_INT(s_insert_return(coll, "20261206101500000000", "db1"), 0);
    CHECK_EQ_INT(s_insert_return(coll, "20261206101500000000", "db2"), 0);
    CHECK_EQ_INT(s_insert_return(coll, "20261206101500000000", "db1"), 11000);
}

static void
s_test_upsert(mongoc_collection_t *coll)
{
    bson_t *sel = BCON_NEW("jid", BCON_UTF8("J1"));
    bson_t *upd = BCON_NEW("$set", "{", "state", BCON_UTF8("new"), "}");
    bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
    bson_t reply;
    bson_error_t error;
    bson_iter_t it;
    CHECK(mongoc_collection_update_one(coll, sel, upd, opts, &reply, &error));
    CHECK(bson_iter_init_find(&it, &reply, "upsertedCount") && bson_iter_as_int64(&it) == 1);
    CHECK(bson_iter_init_find(&it, &reply, "upsertedId"));
    bson_destroy(&reply);
    bson_destroy(upd);
    upd = BCON_NEW("$set", "{", "state", BCON_UTF8("done"), "}");
    CHECK(mongoc_collection_update_one(coll, sel, upd, opts, &reply, &error));
    CHECK(bson_iter_init_find(&it, &reply, "matchedCount") && bson_iter_as_int64(&it) == 1);
    CHECK(bson_iter_init_find(&it, &reply, "modifiedCount") && bson_iter_as_int64(&it) == 1);
    CHECK(bson_iter_init_find(&it, &reply, "upsertedCount") && bson_iter_as_int64(&it) == 0);
    bson_destroy(&reply);
    bson_t *done = BCON_NEW("jid", BCON_UTF8("J1"), "state", BCON_UTF8("done"));
    CHECK_EQ_INT(s_count(coll, done), 1);
    bson_destroy(done);
    bson_destroy(opts);
    bson_destroy(upd);
    bson_destroy(sel);
}

//  Every BSON type a returner stores comes back byte for byte.
static void
s_test_round_trip(mongoc_collection_t *coll)
{
    bson_oid_t oid;
    bson_oid_init(&oid, NULL);
    uint8_t bin[] = {0, 1, 2, 0xff};
    bson_t *doc = BCON_NEW("_id", BCON_OID(&oid), "i32", BCON_INT32(-7), "i64",
                           BCON_INT64(INT64_C(1) << 40), "dbl", BCON_DOUBLE(2.5), "s",
                           BCON_UTF8("caf\xc3\xa9"), "t", BCON_BOOL(true), "nul", BCON_NULL,
                           "when", BCON_DATE_TIME(INT64_C(1765016100123)), "bin",
                           BCON_BIN(BSON_SUBTYPE_BINARY, bin, sizeof bin), "sub", "{", "a", "[",
                           BCON_INT32(1), BCON_UTF8("x"), "]", "}");
    bson_error_t error;
    CHECK(mongoc_collection_insert_one(coll, doc, NULL, NULL, &error));
    bson_t *filter = BCON_NEW("_id", BCON_OID(&oid));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
    const bson_t *back;
    CHECK(mongoc_cursor_next(cursor, &back));
    if (back && !bson_equal(back, doc)) {
        char *a = bson_as_canonical_extended_json(doc, NULL);
        char *b = bson_as_canonical_extended_json(back, NULL);
        fprintf(stderr, "round trip:\n  sent %s\n  got  %s\n", a, b);
        bson_free(a);
        bson_free(b);
        CHECK(false);
    }
    mongoc_cursor_destroy(cursor);
    bson_destroy(filter);
    bson_destroy(doc);
}

static void
s_test_unacknowledged(mongoc_collection_t *coll)
{
    bson_t *doc = BCON_NEW("w0", BCON_INT32(1));
    bson_t *opts = BCON_NEW("writeConcern", "{", "w", BCON_INT32(0), "}");
    bson_error_t error;
    CHECK(mongoc_collection_insert_one(coll, doc, opts, NULL, &error));
    //  The next acknowledged command on the same connection sees it.
    CHECK_EQ_INT(s_count(coll, doc), 1);
    bson_destroy(opts);
    bson_destroy(doc);
}

//  findAndModify, delete, aggregate
static void
s_test_modify_delete_aggregate(mongoc_collection_t *coll)
{
    bson_error_t error;
    for (int i = 0; i < 3; i++) {
        bson_t *doc = BCON_NEW("fam", BCON_UTF8("fm"), "v", BCON_INT32(i));
        CHECK(mongoc_collection_insert_one(coll, doc, NULL, NULL, &error));
        bson_destroy(doc);
    }
    bson_t *query = BCON_NEW("fam", BCON_UTF8("fm"));
    bson_t *sort = BCON_NEW("v", BCON_INT32(-1));
    bson_t *update = BCON_NEW("$inc", "{", "v", BCON_INT32(10), "}");
    bson_t reply;
    bson_iter_t it;
    bool ok = mongoc_collection_find_and_modify(coll, query, sort, update, NULL, false, false, true,
                                                &reply, &error);
    s_check_ok(ok, "findAndModify", &error);
    CHECK(bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it));
    bson_iter_t v;
    CHECK(bson_iter_init_find(&it, &reply, "value") && bson_iter_recurse(&it, &v) &&
          bson_iter_find(&v, "v") && bson_iter_as_int64(&v) == 12);
    bson_destroy(&reply);

    bson_t *pipeline = BCON_NEW("pipeline", "[", "{", "$match", "{", "fam", BCON_UTF8("fm"), "}",
                                "}", "{", "$group", "{", "_id", BCON_NULL, "total", "{", "$sum",
                                BCON_UTF8("$v"), "}", "}", "}", "]");
    mongoc_cursor_t *cursor = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, pipeline, NULL,
                                                          NULL);
    const bson_t *doc;
    CHECK(mongoc_cursor_next(cursor, &doc) && bson_iter_init_find(&it, doc, "total") &&
          bson_iter_as_int64(&it) == 0 + 1 + 12);
    CHECK(!mongoc_cursor_error(cursor, &error));
    mongoc_cursor_destroy(cursor);
    bson_destroy(pipeline);

    CHECK(mongoc_collection_delete_many(coll, query, NULL, &reply, &error));
    CHECK(bson_iter_init_find(&it, &reply, "deletedCount") && bson_iter_as_int64(&it) == 3);
    bson_destroy(&reply);
    CHECK_EQ_INT(s_count(coll, query), 0);
    bson_destroy(update);
    bson_destroy(sort);
    bson_destroy(query);
}

//  A cursor dropped early (killCursors), then the connection still works
static void
s_test_kill_cursor(mongoc_client_t *client, mongoc_collection_t *big)
{
    bson_t filter = BSON_INITIALIZER;
    bson_t *opts = BCON_NEW("batchSize", BCON_INT32(10));
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(big, &filter, opts, NULL);
    const bson_t *doc;
    CHECK(mongoc_cursor_next(cursor, &doc));
    CHECK(mongoc_cursor_get_id(cursor) != 0);
    mongoc_cursor_destroy(cursor);
    bson_destroy(opts);
    bson_destroy(&filter);
    s_test_ping(client);
}

//  With --users: SCRAM-SHA-256 through libmongoc, a wrong password refused
//  (code 18), a connection without login refused a write (code 13)
static void
s_test_users(const char *dir)
{
    char users[512];
    snprintf(users, sizeof users, "%s/users", dir);
    FILE *file = fopen(users, "w");
    CHECK(file && fputs("brine:p@ss w0rd\n", file) >= 0 && fclose(file) == 0);
    standin_t *db = standin_new(NULL, 0);
    CHECK(db && standin_set_users(db, users) == 0 && standin_start(db, 0) == 0);
    if (!db || standin_pid(db) == 0) {
        standin_destroy(&db);
        return;
    }
    static const struct {
        const char *userinfo;
        uint32_t domain, code; //  of the insert; 0 when it works
    } cases[] = {
        {"brine:p%40ss%20w0rd@", 0, 0},
        {"brine:wrong@", MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE},
        {"", MONGOC_ERROR_SERVER, 13},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char uri[256];
        snprintf(uri, sizeof uri, "mongodb://%s127.0.0.1:%d/admin?serverSelectionTimeoutMS=3000",
                 cases[i].userinfo, standin_port(db));
        mongoc_client_t *client = mongoc_client_new(uri);
        mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
        mongoc_collection_t *coll = mongoc_client_get_collection(client, "brine", "auth");
        bson_t *doc = BCON_NEW("case", BCON_INT32((int32_t)i));
        bson_error_t error = {0};
        bool ok = mongoc_collection_insert_one(coll, doc, NULL, NULL, &error);
        if (ok != (cases[i].code == 0) ||
            (!ok && (error.domain != cases[i].domain || error.code != cases[i].code))) {
            fprintf(stderr, "users case %zu: ok %d, domain %u, code %u: %s\n", i, ok,
                    error.domain, error.code, error.message);
            CHECK(false);
        }
        bson_destroy(doc);
        mongoc_collection_destroy(coll);
        mongoc_client_destroy(client);
    }
    standin_destroy(&db);
}

static double
s_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int
main(void)
{
    mongoc_init();
    char *dir = test_tmpdir();
    CHECK(dir != NULL);
    standin_t *db = standin_new(dir, 0);
    CHECK(db != NULL);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!db || standin_start(db, 0) != 0) {
        fprintf(stderr, "the stand-in server did not start\n");
        return 1;
    }
    printf("stand-in started on port %d in %.0f ms\n", standin_port(db), s_ms_since(&t0));

    mongoc_client_t *client = s_client(db);
    CHECK(client != NULL);
    s_test_ping(client);
    mongoc_collection_t *coll = mongoc_client_get_collection(client, "brine", "standin");
    mongoc_collection_t *big = mongoc_client_get_collection(client, "brine", "big");
    mongoc_collection_t *returns = mongoc_client_get_collection(client, "brine", "returns");
    s_test_find_sorted(coll);
    s_test_get_more(big);
    s_test_unique(returns);
    s_test_upsert(coll);
    s_test_round_trip(coll);
    s_test_unacknowledged(coll);
    s_test_modify_delete_aggregate(coll);
    s_test_kill_cursor(client, big);
    int64_t before = s_count(coll, NULL);
    mongoc_collection_destroy(returns);
    mongoc_collection_destroy(big);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);

    //  SIGTERM mid-run, then the same port and directory: every document
    //  exactly once, the unique index still enforced.
    int port = standin_port(db);
    CHECK_EQ_INT(standin_stop(db), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(standin_start(db, 0), 0);
    printf("restarted on port %d in %.0f ms\n", standin_port(db), s_ms_since(&t0));
    CHECK_EQ_INT(standin_port(db), port);
    client = s_client(db);
    coll = mongoc_client_get_collection(client, "brine", "standin");
    big = mongoc_client_get_collection(client, "brine", "big");
    returns = mongoc_client_get_collection(client, "brine", "returns");
    s_test_ping(client);
    CHECK_EQ_INT(s_count(coll, NULL), before);
    CHECK_EQ_INT(s_count(big, NULL), BIG);
    CHECK_EQ_INT(s_count(returns, NULL), 2);
    CHECK(s_has_unique_index(returns, "jid_minion"));
    CHECK_EQ_INT(s_insert_return(returns, "20261206101500000000", "db2"), 11000);
    s_test_round_trip(coll);
    mongoc_collection_destroy(returns);
    mongoc_collection_destroy(big);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);

    standin_destroy(&db);
    s_test_users(dir);
    test_rmtree(dir);
    free(dir);
    mongoc_cleanup();
    return test_done("mongo_standin");
}
