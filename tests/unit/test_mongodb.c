/*  unit_mongodb: mongodb.available's arguments and its URIs. Userinfo is
    masked and split off (percent-decoded), option values are not shown, a
    bad argument fails with a comment naming the state and the field, a
    password never reaches a comment and leaves no copy in this process's
    memory once the state is done, and test=True does not wait. No server
    is needed: the one connection made is refused on a closed port. */
#include "br_mongo_uri.h"
#include "br_state.h"
#include "testutil.h"

#include <sodium.h>
#include <time.h>

static void
s_mask(const char *uri, const char *want)
{
    char out[256];
    br_mongo_uri_mask(uri, strlen(uri), out, sizeof out);
    CHECK_STR(out, want);
}

static void
test_mask(void)
{
    s_mask("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017");
    s_mask("mongodb://brine:s3cr%40t@db1:27017/admin", "mongodb://***@db1:27017/admin");
    s_mask("mongodb://brine@db1,db2:27018/?replicaSet=rs0", "mongodb://***@db1,db2:27018/?replicaSet=...");
    s_mask("mongodb+srv://u:p@cluster.example/db?tls=true&tlsCertificateKeyFilePassword=pw",
           "mongodb+srv://***@cluster.example/db?tls=...&tlsCertificateKeyFilePassword=...");
    //  An '@' after the authority is not userinfo, and a value never shows
    s_mask("mongodb://db1/?appname=a@b", "mongodb://db1/?appname=...");
    //  A password with an unescaped '@': the last '@' ends userinfo
    s_mask("mongodb://u:p@ss@db1", "mongodb://***@db1");
    //  Not a URI: possibly a pasted password, never echoed
    s_mask("hunter2", "(not a MongoDB URI)");
    s_mask("http://u:p@db1", "(not a MongoDB URI)");
    char small[8];
    br_mongo_uri_mask("mongodb://u:p@db1", 17, small, sizeof small);
    CHECK_STR(small, "mongodb");
}

static void
test_split(void)
{
    br_mongo_uri_t parts;
    br_errmsg_t err = {""};
    const char *uri = "mongodb://br%3Aine:p%40ss%2Fw0rd@db1:27017/admin?authSource=admin";
    CHECK_EQ_INT(br_mongo_uri_split(uri, strlen(uri), &parts, &err), BR_OK);
    CHECK_STR(parts.uri, "mongodb://db1:27017/admin?authSource=admin");
    CHECK_STR(parts.user, "br:ine");
    CHECK_STR(br_mongo_uri_password(&parts), "p@ss/w0rd");
    br_mongo_uri_fini(&parts);

    uri = "mongodb://db1";
    CHECK_EQ_INT(br_mongo_uri_split(uri, strlen(uri), &parts, &err), BR_OK);
    CHECK_STR(parts.uri, uri);
    CHECK(parts.user == NULL && br_mongo_uri_password(&parts) == NULL);
    br_mongo_uri_fini(&parts);

    //  A user without a password (x.509, or a password given apart)
    uri = "mongodb+srv://admin@cluster.example/";
    CHECK_EQ_INT(br_mongo_uri_split(uri, strlen(uri), &parts, &err), BR_OK);
    CHECK_STR(parts.uri, "mongodb+srv://cluster.example/");
    CHECK_STR(parts.user, "admin");
    CHECK(br_mongo_uri_password(&parts) == NULL);
    br_mongo_uri_fini(&parts);

    static const struct {
        const char *uri;
        const char *why;
    } bad[] = {
        {"db1:27017", "not a MongoDB URI"},
        {"mongodb://:pw@db1", "user name before '@' is empty"},
        {"mongodb://u:p%4@db1", "password has a bad percent escape"},
        {"mongodb://u:p%zz@db1", "password has a bad percent escape"},
        {"mongodb://u%00:p@db1", "user name has a bad percent escape or a NUL"},
        {"mongodb://u:p%00x@db1", "password has a bad percent escape or a NUL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.text[0] = '\0';
        CHECK_EQ_INT(br_mongo_uri_split(bad[i].uri, strlen(bad[i].uri), &parts, &err),
                     BR_ERR_INVALID);
        if (!strstr(err.text, bad[i].why)) {
            fprintf(stderr, "%s: got \"%s\"\n", bad[i].uri, err.text);
            CHECK(false);
        }
        //  The reason never repeats what was given
        CHECK(strstr(err.text, "p%") == NULL && strstr(err.text, "pw") == NULL);
        br_mongo_uri_fini(&parts);
    }
    CHECK_EQ_INT(br_mongo_uri_split("mongodb://d\0b", 13, &parts, &err), BR_ERR_INVALID);
    br_mongo_uri_fini(&parts);
}

//  Runs mongodb.available once with args (taken); result and comment out.
static br_result_t
s_run(const char *id, br_value_t *args, bool test, char *comment, size_t size, double *seconds)
{
    br_low_t *low = NULL;
    br_errmsg_t err = {""};
    br_result_t result = BR_RESULT_NONE;
    comment[0] = '\0';
    int rc = br_low_single("mongodb", "available", id, args, &low, &err);
    br_value_destroy(&args);
    if (rc != BR_OK) {
        snprintf(comment, size, "compile: %s", err.text);
        return BR_RESULT_FALSE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    br_run_opts_t opts = {test, false};
    br_run_t *run = br_execute(low, &opts);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (seconds) {
        *seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    }
    CHECK(run && br_run_size(run) == 1);
    if (run && br_run_size(run) == 1) {
        result = br_run_at(run, 0)->result;
        snprintf(comment, size, "%s", br_run_at(run, 0)->comment);
    }
    br_run_destroy(&run);
    br_low_destroy(&low);
    return result;
}

//  An argument s_args leaves out
#define UNSET INT64_MIN

static br_value_t *
s_args(const char *uri, int64_t timeout, int64_t interval)
{
    br_value_t *args = br_value_map();
    br_value_t *v;
    if (uri) {
        br_secret_t *secret = br_secret_from_bytes(uri, strlen(uri));
        v = br_value_secret(&secret);
        br_value_map_set(args, "uri", &v);
    }
    if (timeout != UNSET) {
        v = br_value_int(timeout);
        br_value_map_set(args, "timeout", &v);
    }
    if (interval != UNSET) {
        v = br_value_int(interval);
        br_value_map_set(args, "interval", &v);
    }
    return args;
}

static void
s_set_str(br_value_t *args, const char *key, const char *text)
{
    br_value_t *v = br_value_str(text);
    br_value_map_set(args, key, &v);
}

static void
s_set_secret(br_value_t *args, const char *key, const char *text)
{
    br_secret_t *secret = br_secret_from_bytes(text, strlen(text));
    br_value_t *v = br_value_secret(&secret);
    br_value_map_set(args, key, &v);
}

static void
s_expect_bad(const char *id, br_value_t *args, const char *field, const char *why)
{
    char comment[1024];
    double took = 0;
    CHECK_EQ_INT(s_run(id, args, false, comment, sizeof comment, &took), BR_RESULT_FALSE);
    char want[128];
    snprintf(want, sizeof want, "State '%s': argument '%s': ", id, field);
    if (!strstr(comment, want) || !strstr(comment, why)) {
        fprintf(stderr, "expected \"%s...%s\", got \"%s\"\n", want, why, comment);
        CHECK(false);
    }
    CHECK(strstr(comment, "hunter2") == NULL);
    //  Refused before any connection: at once
    CHECK(took < 1.0);
}

static void
test_bad_arguments(void)
{
    s_expect_bad("db_wait", s_args(NULL, -1, UNSET), "timeout", "must be 1 to 86400 seconds, not -1");
    s_expect_bad("db_wait", s_args(NULL, 100000, UNSET), "timeout", "not 100000");
    s_expect_bad("db_wait", s_args(NULL, 0, UNSET), "timeout", "not 0");
    s_expect_bad("ready", s_args(NULL, 5, -3), "interval", "must be 1 to 3600 seconds, not -3");
    s_expect_bad("ready", s_args("hunter2", 5, 1), "uri", "not a MongoDB URI");
    s_expect_bad("ready", s_args("mongodb://u:hunter2%zz@db1", 5, 1), "uri",
                 "password has a bad percent escape");
    //  libmongoc's own checks, with the URI shown masked
    s_expect_bad("ready", s_args("mongodb://u:hunter2@db1:99999/admin", 5, 1), "uri",
                 "mongodb://***@db1:99999/admin is not a valid MongoDB URI");
    s_expect_bad("ready", s_args("mongodb://u:hunter2@db1/?w=-9&tlsCertificateKeyFilePassword=hunter2",
                                 5, 1),
                 "uri", "?w=...&tlsCertificateKeyFilePassword=... is not a valid MongoDB URI");
    br_value_t *args = s_args("mongodb://u:hunter2@db1", 5, 1);
    s_set_str(args, "user", "admin");
    s_expect_bad("both", args, "user", "either in uri (user:password@) or in user and password");
    args = s_args(NULL, 5, 1);
    s_set_secret(args, "password", "hunter2");
    s_expect_bad("nouser", args, "password", "needs user");
    args = s_args(NULL, 5, 1);
    s_set_str(args, "user", "");
    s_expect_bad("empty", args, "user", "is empty");

    //  The schema: an unknown argument and a wrong type are compile errors
    char comment[512];
    args = s_args(NULL, UNSET, UNSET);
    s_set_str(args, "port", "27017");
    CHECK_EQ_INT(s_run("extra", args, false, comment, sizeof comment, NULL), BR_RESULT_FALSE);
    CHECK(strstr(comment, "state 'extra'") && strstr(comment, "unknown argument 'port'"));
    args = s_args(NULL, UNSET, UNSET);
    s_set_str(args, "timeout", "soon");
    CHECK_EQ_INT(s_run("typed", args, false, comment, sizeof comment, NULL), BR_RESULT_FALSE);
    CHECK(strstr(comment, "state 'typed'") && strstr(comment, "timeout"));
}

//  test=True says what it would do and does not wait, even for a server
//  that is not there
static void
test_predict(void)
{
    char comment[512];
    char uri[128];
    double took = 0;
    snprintf(uri, sizeof uri, "mongodb://brine:hunter2@127.0.0.1:%d/admin", test_free_port());
    CHECK_EQ_INT(s_run("ready", s_args(uri, 30, 2), true, comment, sizeof comment, &took),
                 BR_RESULT_NONE);
    CHECK(strstr(comment, "would be pinged until it answers, every 2 s for up to 30 s") != NULL);
    CHECK(strstr(comment, "127.0.0.1:") != NULL);
    CHECK(strstr(comment, "hunter2") == NULL && strstr(comment, "brine") == NULL);
    CHECK(took < 1.0);
    CHECK_EQ_INT(s_run("ready", s_args(NULL, UNSET, UNSET), true, comment, sizeof comment, NULL),
                 BR_RESULT_NONE);
    CHECK(strstr(comment, "MongoDB at 127.0.0.1:27017 would be pinged") != NULL);
    CHECK(strstr(comment, "every 1 s for up to 60 s") != NULL);
}

//  A real wait on a closed port: bounded by timeout, a clear comment, and
//  no copy of the password anywhere in this process afterwards (it lived
//  in locked memory and in libmongoc, which wipes it).
static void
test_password_gone(void)
{
    uint8_t raw[12];
    randombytes_buf(raw, sizeof raw);
    char password[2 * sizeof raw + 1];
    sodium_bin2hex(password, sizeof password, raw, sizeof raw);
    uint8_t inverted[2 * sizeof raw];
    for (size_t i = 0; i < sizeof inverted; i++) {
        inverted[i] = (uint8_t)password[i] ^ 0xff;
    }
    char uri[160];
    int port = test_free_port();
    snprintf(uri, sizeof uri, "mongodb://brine:%s@127.0.0.1:%d/admin", password, port);
    br_value_t *args = s_args(uri, 1, 1);
    br_wipe(uri, sizeof uri);
    br_wipe(password, sizeof password);
    br_wipe(raw, sizeof raw);

    char comment[1024];
    double took = 0;
    CHECK_EQ_INT(s_run("db_ready", args, false, comment, sizeof comment, &took), BR_RESULT_FALSE);
    char want[96];
    snprintf(want, sizeof want, "No answer from 127.0.0.1:%d within 1 s (", port);
    if (!strstr(comment, want) || !strstr(comment, "last error: ")) {
        fprintf(stderr, "got \"%s\"\n", comment);
        CHECK(false);
    }
    CHECK(took >= 0.9 && took < 2.5);
    CHECK_EQ_INT(test_memscan(0, inverted, sizeof inverted), 0);
}

int
main(void)
{
    if (sodium_init() < 0) {
        return 1;
    }
    test_mask();
    test_split();
    test_bad_arguments();
    test_predict();
    test_password_gone();
    return test_done("unit_mongodb");
}
