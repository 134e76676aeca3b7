/*  br_mongo_conf: the master's MongoDB options (master_job_cache, mongo.uri,
    mongo.db, mongo.write_concern), checked and turned into what libmongoc
    takes, for the returner, for `brine jobs` and for --check-config.

    A URI may carry a password (mongodb://user:PASSWORD@host/...). It is a
    secret: the credentials are split off the URI (br_mongo_uri, the
    password into locked memory) and handed to libmongoc apart from it;
    nothing here prints them, br_mongo_conf_masked gives the text to log,
    and br_mongo_conf_scrub removes the password from libmongoc's messages
    before they are shown. */
#ifndef BR_MONGO_CONF_H
#define BR_MONGO_CONF_H

#include "brine.h"

#include "br_mongoc.h"

typedef struct _br_mongo_conf_t br_mongo_conf_t;

//  True when master_job_cache says mongo (after checking it).
bool br_mongo_conf_enabled(const br_config_t *config);

//  Checks the options: master_job_cache is local_cache or mongo, the URI
//  parses, the database name is valid, the write concern is majority or a
//  number of members from 1 up. Errors name the file, line and option.
//  When mongo is not enabled only master_job_cache is checked; when it is,
//  libmongoc is loaded here, and a failure to load it is an error naming it.
int br_mongo_conf_check(const br_config_t *config, br_errmsg_t *err);

//  The options, ready for libmongoc: the URI with brine's timeouts where
//  it sets none (a server that is down must not hold a write for 30 s).
//  appname goes to the server's logs. NULL with err set when invalid.
br_mongo_conf_t *br_mongo_conf_new(const br_config_t *config, const char *appname,
                                   br_errmsg_t *err);
void br_mongo_conf_destroy(br_mongo_conf_t **self_p);

//  libmongoc's functions (br_mongoc.h), loaded when the options were checked
const br_mongoc_t *br_mongo_conf_mongoc(const br_mongo_conf_t *self);
const mongoc_uri_t *br_mongo_conf_uri(const br_mongo_conf_t *self);
const char *br_mongo_conf_db(const br_mongo_conf_t *self);
const mongoc_write_concern_t *br_mongo_conf_write_concern(const br_mongo_conf_t *self);
//  The URI as it may be logged: userinfo and option values masked
const char *br_mongo_conf_masked(const br_mongo_conf_t *self);

//  Replaces every copy of the URI's password in text (in place) by ***.
void br_mongo_conf_scrub(const br_mongo_conf_t *self, char *text);

#endif
