/*  bench_mongo: returns stored per second by the mongo returner (br_mongo)
    into a MongoDB server, or the stand-in (bench/mongo_returns.sh starts
    one): JOBS jobs to MINIONS minions each go through the returner as the
    master hands them over (start, one return per minion, end with the job
    cache holding the job), timed until all of it is in the database.
      bench_mongo URI JOBS MINIONS */
#include "br_jobcache.h"
#include "br_mongo.h"
#include "master_config.h"

#include "br_mongoc.h"
#include <stdio.h>
#include <time.h>

static double
s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
s_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[2]) < 1 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: bench_mongo URI JOBS MINIONS\n");
        return 2;
    }
    int jobs = atoi(argv[2]), minions = atoi(argv[3]);
    char dir[] = "/tmp/brine-bench-mongo.XXXXXX", path[4200];
    if (!mkdtemp(dir)) {
        return 1;
    }
    snprintf(path, sizeof path, "%s/master", dir);
    FILE *file = fopen(path, "w");
    if (!file) {
        return 1;
    }
    fprintf(file, "cachedir: %s\nmaster_job_cache: mongo\nmongo.uri: \"%s\"\n", dir, argv[1]);
    fclose(file);
    br_errmsg_t err = {""};
    br_config_t *config = br_config_load(path, br_master_options, true, &err);
    br_mongo_t *mongo = config ? br_mongo_new(config, "bench:0", &err) : NULL;
    snprintf(path, sizeof path, "%s/jobs", dir);
    br_jobcache_t *cache = mongo ? br_jobcache_new(path, 24, &err) : NULL;
    br_jidgen_t *jids = br_jidgen_new();
    if (!cache || !jids) {
        fprintf(stderr, "bench_mongo: %s\n", err.text);
        return 1;
    }
    bson_t ret = BSON_INITIALIZER, none = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&ret, "return", true);
    double t0 = s_now();
    for (int j = 0; j < jobs; j++) {
        char jid[BR_JID_LEN + 1], key[24];
        br_jidgen_next(jids, jid);
        bson_t *job = bson_new(), list, returns;
        BSON_APPEND_UTF8(job, "jid", jid);
        BSON_APPEND_UTF8(job, "fun", "test.ping");
        BSON_APPEND_ARRAY(job, "arg", &none);
        BSON_APPEND_UTF8(job, "tgt", "*");
        BSON_APPEND_UTF8(job, "tgt_type", "glob");
        BSON_APPEND_INT64(job, "started", s_ms());
        BSON_APPEND_ARRAY_BEGIN(job, "minions", &list);
        for (int m = 0; m < minions; m++) {
            char id[32];
            snprintf(key, sizeof key, "%d", m);
            snprintf(id, sizeof id, "minion%05d", m);
            BSON_APPEND_UTF8(&list, key, id);
        }
        bson_append_array_end(job, &list);
        br_mongo_job_started(mongo, job);
        bson_t *done = bson_copy(job);
        BSON_APPEND_INT64(done, "finished", s_ms());
        BSON_APPEND_DOCUMENT_BEGIN(done, "returns", &returns);
        for (int m = 0; m < minions; m++) {
            char id[32];
            snprintf(id, sizeof id, "minion%05d", m);
            bson_t *entry = BCON_NEW("ok", BCON_BOOL(true), "ret", BCON_DOCUMENT(&ret), "dur",
                                     BCON_INT64(1000), "time", BCON_INT64(s_ms()));
            br_mongo_returned(mongo, jid, "test.ping", id, entry);
            BSON_APPEND_DOCUMENT(&returns, id, entry);
            bson_destroy(entry);
        }
        bson_append_document_end(done, &returns);
        BSON_APPEND_ARRAY(done, "missing", &none);
        if (br_jobcache_store(cache, jid, done, &err) != BR_OK) {
            fprintf(stderr, "bench_mongo: %s\n", err.text);
        }
        br_mongo_job_finished(mongo, jid);
        bson_destroy(done);
        bson_destroy(job);
    }
    double handed = s_now() - t0;
    bool flushed = br_mongo_flush(mongo, 600000);
    double total = s_now() - t0;
    printf("bench_mongo: %d jobs x %d minions = %d returns: handed over in %.3f s, all in "
           "MongoDB after %.3f s: %.0f returns/s%s\n",
           jobs, minions, jobs * minions, handed, total, jobs * minions / total,
           flushed ? "" : " (NOT all written)");
    bson_destroy(&ret);
    bson_destroy(&none);
    br_jidgen_destroy(&jids);
    br_jobcache_destroy(&cache);
    br_mongo_destroy(&mongo);
    br_config_destroy(&config);
    br_mongoc_cleanup();
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    return system(path) == 0 && flushed ? 0 : 1;
}
