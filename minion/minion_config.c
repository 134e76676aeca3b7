/*  minion_config: schema of the minion's configuration file. */
#include "minion_config.h"

#include <stdio.h>

const br_option_t br_minion_options[] = {
    {"master", BR_OPT_LIST, "127.0.0.1", 0, 0,
     "the master, HOST or HOST:PORT (PORT: its request port); a list of them is a failover "
     "group, tried in order"},
    {"master_alive_interval", BR_OPT_INT, "10", 1, 3600,
     "seconds a silent or unanswering master is tolerated before the minion tries the next"},
    {"publish_port", BR_OPT_INT, "4605", 1, 65535,
     "the master's publish port, used only if the master does not announce its own"},
    {"ret_port", BR_OPT_INT, "4606", 1, 65535,
     "the master's request port, for entries of master without :PORT"},
    {"id", BR_OPT_STRING, NULL, 0, 0, "this minion's id (default: the host name)"},
    {"pki_dir", BR_OPT_STRING, "/etc/brine/pki/minion", 0, 0,
     "directory of minion.key/minion.pub and the master's key minion_master.pub"},
    {"acceptance_wait_time", BR_OPT_INT, "10", 1, 3600,
     "seconds between attempts while the key is pending"},
    {"file_root", BR_OPT_STRING, "/srv/salt", 0, 0,
     "state tree for brine-call --local (SLS files and top.sls)"},
    {"pillar_root", BR_OPT_STRING, "/srv/pillar", 0, 0, "pillar tree for brine-call --local"},
    {"secret_pillar_keys", BR_OPT_LIST, NULL, 0, 0,
     "more pillar keys whose values are secrets, added to password, passphrase and secret "
     "(a key matches when equal to an entry or ending in _ENTRY)"},
    {"startup_states", BR_OPT_STRING, NULL, 0, 0,
     "what to run at start: highstate (the top file) or sls (the SLS in sls_list); unset: nothing"},
    {"sls_list", BR_OPT_LIST, NULL, 0, 0, "the SLS names for startup_states: sls"},
    {"job_timeout", BR_OPT_INT, "600", 1, 86400,
     "seconds a job may run before the minion kills it and returns a failure"},
    {"cachedir", BR_OPT_STRING, "/var/cache/brine/minion", 0, 0,
     "directory of the minion's replay cache (jids it has run; never a secret)"},
    {"privsep", BR_OPT_BOOL, "true", 0, 0,
     "privilege separation when started as root: the code that talks to the network runs in a "
     "child as privsep_user in an empty chroot, and asks the root process to run each job "
     "(docs/privsep.md)"},
    {"privsep_user", BR_OPT_STRING, "nobody", 0, 0,
     "the unprivileged user of the network child; it must exist and must not be root"},
    {"privsep_dir", BR_OPT_STRING, "/run/brine-minion", 0, 0,
     "the network child's chroot: an empty directory owned by root and writable by nobody "
     "else (created if missing)"},
    {NULL, 0, NULL, 0, 0, NULL},
};

br_config_t *
br_minion_config_load(const char *confdir, br_errmsg_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/minion", confdir ? confdir : "/etc/brine");
    return br_config_load(path, br_minion_options, false, err);
}
