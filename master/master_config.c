/*  master_config: schema of the master's configuration file. */
#include "master_config.h"

#include <stdio.h>

const br_option_t br_master_options[] = {
    {"interface", BR_OPT_STRING, "127.0.0.1", 0, 0,
     "address the publish and request sockets bind to"},
    {"publish_port", BR_OPT_INT, "4605", 1, 65535, "TCP port of the publish (XPUB) socket"},
    {"ret_port", BR_OPT_INT, "4606", 1, 65535, "TCP port of the request (ROUTER) socket"},
    {"pki_dir", BR_OPT_STRING, "/etc/brine/pki/master", 0, 0,
     "directory of the master's key pair and the minion key store"},
    {"job_ttl", BR_OPT_INT, "60", 1, 86400,
     "seconds a published job stays valid; a minion refuses it after that"},
    {"file_root", BR_OPT_STRING, "/srv/salt", 0, 0, "the state tree: SLS files and top.sls"},
    {"pillar_root", BR_OPT_STRING, "/srv/pillar", 0, 0,
     "the pillar tree (must not be readable by others)"},
    {"secret_pillar_keys", BR_OPT_LIST, NULL, 0, 0,
     "more pillar keys whose values are secrets, added to password, passphrase and secret "
     "(a key matches when equal to an entry or ending in _ENTRY)"},
    {"sock_dir", BR_OPT_STRING, "/run/brine", 0, 0,
     "directory of the local socket brine talks to (created 0700: root only)"},
    {"cachedir", BR_OPT_STRING, "/var/cache/brine/master", 0, 0,
     "directory of the job cache (jobs/, one file per job)"},
    {"keep_jobs", BR_OPT_INT, "24", 1, 87600, "hours a job stays in the job cache"},
    {"master_job_cache", BR_OPT_STRING, "local_cache", 0, 0,
     "where jobs and returns are kept: local_cache (the job cache only) or mongo (MongoDB "
     "too, shared by every master; the job cache is then its spool)"},
    {"mongo.uri", BR_OPT_STRING, "mongodb://127.0.0.1:27017", 0, 0,
     "MongoDB connection string (a replica set: mongodb://h1,h2,h3/?replicaSet=NAME); "
     "a password in it is never logged"},
    {"mongo.db", BR_OPT_STRING, "brine", 0, 0, "MongoDB database of the jobs and returns"},
    {"mongo.write_concern", BR_OPT_STRING, "majority", 0, 0,
     "members that must hold a write (journaled) before it counts: majority, or a number"},
    {NULL, 0, NULL, 0, 0, NULL},
};

br_config_t *
br_master_config_load(const char *confdir, br_errmsg_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/master", confdir ? confdir : BR_MASTER_CONF_DIR);
    return br_config_load(path, br_master_options, false, err);
}
