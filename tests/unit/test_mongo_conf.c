/*  unit_mongo_conf: the MongoDB options (br_mongo_conf) and the documents
    (br_mongo_docs): a URI's password is masked for logs and scrubbed from
    libmongoc's texts whatever it holds, a configuration others can read
    that holds one is refused, and documents go to MongoDB and back.
    libmongoc is loaded on first use (br_mongoc), a library that cannot be
    loaded is an error naming it, and the master programs do not link it. */

//  The loader compiled here a second time, under other names and with a
//  soname no system has, to see the failure a missing library gives
#define BR_MONGOC_SONAME "libmongoc-absent.so.0"
#define br_mongoc_load s_absent_load
#define br_mongoc_cleanup s_absent_cleanup
#include "br_mongoc.c"
#undef br_mongoc_load
#undef br_mongoc_cleanup

const br_mongoc_t *br_mongoc_load(br_errmsg_t *err);
void br_mongoc_cleanup(void);

#include "br_mongo_conf.h"
#include "br_mongo_docs.h"
#include "master_config.h"
#include "testutil.h"

#include <sys/stat.h>

static char *s_dir;

static br_config_t *
s_config(const char *text, mode_t mode, br_errmsg_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/master", s_dir);
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (!file) {
        return NULL;
    }
    fputs(text, file);
    fclose(file);
    CHECK_EQ_INT(chmod(path, mode), 0);
    return br_master_config_load(s_dir, err);
}

static void
s_test_scrub(void)
{
    br_errmsg_t err = {""};
    br_config_t *config = s_config("master_job_cache: mongo\n"
                                   "mongo.uri: \"mongodb://brine:S3cr%2Ft**@127.0.0.1:1/\"\n",
                                   0600, &err);
    CHECK(config != NULL);
    br_mongo_conf_t *conf = config ? br_mongo_conf_new(config, "test", &err) : NULL;
    CHECK(conf != NULL);
    if (conf) {
        CHECK_STR(br_mongo_conf_masked(conf), "mongodb://***@127.0.0.1:1/");
        //  libmongoc has it decoded (the URI it holds has no userinfo)
        const br_mongoc_t *m = br_mongo_conf_mongoc(conf);
        CHECK_STR(m->uri_get_password(br_mongo_conf_uri(conf)), "S3cr/t**");
        CHECK(m->uri_get_username(br_mongo_conf_uri(conf)) != NULL);
        char text[256];
        snprintf(text, sizeof text, "auth as brine/S3cr/t** failed; again S3cr/t**");
        br_mongo_conf_scrub(conf, text);
        CHECK_STR(text, "auth as brine/*** failed; again ***");
    }
    br_mongo_conf_destroy(&conf);
    br_config_destroy(&config);
    //  A password of stars cannot make the scrubbing loop
    config = s_config("master_job_cache: mongo\nmongo.uri: \"mongodb://u:*@h/\"\n", 0600, &err);
    conf = config ? br_mongo_conf_new(config, NULL, &err) : NULL;
    CHECK(conf != NULL);
    if (conf) {
        char text[64] = "a*b**c";
        br_mongo_conf_scrub(conf, text);
        CHECK_STR(text, "a*b**c");
    }
    br_mongo_conf_destroy(&conf);
    br_config_destroy(&config);
}

static void
s_test_check(void)
{
    br_errmsg_t err = {""};
    br_config_t *config = s_config("master_job_cache: mongo\n"
                                   "mongo.uri: \"mongodb://brine:TopSecret@h/\"\n",
                                   0644, &err);
    CHECK(config != NULL);
    CHECK_EQ_INT(br_mongo_conf_check(config, &err), BR_ERR_PERM);
    CHECK(strstr(err.text, ":2: option 'mongo.uri': holds a password, and ") != NULL);
    CHECK(strstr(err.text, "TopSecret") == NULL);
    br_config_destroy(&config);
    config = s_config("master_job_cache: mongo\nmongo.uri: \"mongodb://u:TopSecret@h:x/\"\n", 0600,
                      &err);
    CHECK_EQ_INT(br_mongo_conf_check(config, &err), BR_ERR_CONFIG);
    CHECK(strstr(err.text, "'mongodb://***@h:x/' is not a MongoDB URI") != NULL);
    CHECK(strstr(err.text, "TopSecret") == NULL);
    br_config_destroy(&config);
    config = s_config("mongo.write_concern: 2\n", 0644, &err);
    CHECK_EQ_INT(br_mongo_conf_check(config, &err), BR_OK);
    CHECK(!br_mongo_conf_enabled(config));
    br_config_destroy(&config);
}

static void
s_test_load(void)
{
    br_errmsg_t err = {""};
    CHECK(s_absent_load(&err) == NULL);
    CHECK(strstr(err.text, "cannot load libmongoc-absent.so.0") != NULL);
    //  Still not loaded: a second try fails the same way, and cleaning up
    //  what never loaded does nothing
    err.text[0] = 0;
    CHECK(s_absent_load(&err) == NULL);
    CHECK(strstr(err.text, "libmongoc-absent.so.0") != NULL);
    s_absent_cleanup();

    const br_mongoc_t *m = br_mongoc_load(&err);
    CHECK(m != NULL);
    CHECK(m == br_mongoc_load(&err));
    //  Calls go to the real library
    mongoc_write_concern_t *wc = m ? m->write_concern_new() : NULL;
    CHECK(wc != NULL);
    if (wc) {
        m->write_concern_destroy(wc);
    }

    //  Every master program starts without libmongoc and what it brings;
    //  only a returner or `brine jobs` that uses MongoDB loads it
    const char *bin = getenv("BRINE_BIN_DIR");
    CHECK(bin != NULL);
    const char *programs[] = {"brine-master", "brine", "brine-key", "brine-minion"};
    for (size_t i = 0; bin && i < sizeof programs / sizeof *programs; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/bin/%s", bin, programs[i]);
        CHECK(test_needs_lib(path, "libczmq"));
        CHECK(!test_needs_lib(path, "libmongoc"));
        CHECK(!test_needs_lib(path, "libssl"));
        CHECK(!test_needs_lib(path, "libicu"));
    }
}

static void
s_test_docs(void)
{
    bson_t *entry = BCON_NEW("ok", BCON_BOOL(true), "ret", "{", "return", "{", "a.b$%", "[", "{",
                             "c.d", BCON_UTF8("x.y"), "}", "]", "}", "}", "dur", BCON_INT64(1500),
                             "time", BCON_INT64(1700000000123));
    bson_t *doc = br_mongo_return_doc("m:1", "20261206103050648550", "test.ping", "web1", entry);
    char *json = bson_as_relaxed_extended_json(doc, NULL);
    CHECK_STR(json, "{ \"_id\" : \"20261206103050648550/web1\", \"jid\" : "
                    "\"20261206103050648550\", \"minion\" : \"web1\", \"fun\" : \"test.ping\", "
                    "\"return\" : { \"a%2Eb%24%25\" : [ { \"c%2Ed\" : \"x.y\" } ] }, \"success\" : "
                    "true, \"duration\" : 1.5, \"time\" : { "
                    "\"$date\" : \"2023-11-14T22:13:20.123Z\" }, \"master\" : \"m:1\" }");
    bson_free(json);
    //  And back, as brine jobs show reads it
    zlistx_t *returns = zlistx_new();
    zlistx_add_end(returns, doc);
    bson_t *job =
        BCON_NEW("_id", BCON_UTF8("20261206103050648550"), "jid", BCON_UTF8("20261206103050648550"),
                 "fun", BCON_UTF8("test.ping"), "started", BCON_DATE_TIME(1700000000000));
    bson_t *cache = br_mongo_cache_doc(job, returns);
    json = bson_as_relaxed_extended_json(cache, NULL);
    CHECK_STR(json, "{ \"jid\" : \"20261206103050648550\", \"fun\" : \"test.ping\", \"started\" : "
                    "1700000000000, \"returns\" : { \"web1\" : { \"ok\" : true, \"ret\" : { "
                    "\"return\" : { \"a.b$%\" : [ { \"c.d\" : \"x.y\" } ] } }, \"dur\" : 1500, "
                    "\"time\" : 1700000000123 } } }");
    bson_free(json);
    bson_destroy(cache);
    bson_destroy(job);
    zlistx_destroy(&returns);
    bson_destroy(doc);
    bson_destroy(entry);
}

int
main(void)
{
    s_dir = test_tmpdir();
    CHECK(s_dir != NULL);
    if (!s_dir) {
        return test_done("unit_mongo_conf");
    }
    s_test_load();
    s_test_scrub();
    s_test_check();
    s_test_docs();
    test_rmtree(s_dir);
    free(s_dir);
    br_mongoc_cleanup();
    return test_done("unit_mongo_conf");
}
