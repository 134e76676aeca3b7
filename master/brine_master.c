/*  brine-master: the master daemon. */
#include "br_check.h"
#include "br_master.h"
#include "master_config.h"

#include <getopt.h>
#include "br_mongoc.h"
#include <stdio.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "Usage: brine-master [-c DIR] [-l LEVEL] [--check-config] [--help] [--version]\n"
                 "Runs the brine master: publishes sealed jobs to accepted minions and collects\n"
                 "their returns.\n\n"
                 "  -c, --config-dir DIR  read DIR/master (default %s)\n"
                 "  -l, --log-level LEVEL error, warning, notice, info (default) or debug\n"
                 "      --check-config    check the configuration, the state tree and the\n"
                 "                        pillar (every state compiled for every minion the\n"
                 "                        top files name) and exit, running nothing\n"
                 "  -h, --help            show this help\n"
                 "  -V, --version         show the version\n",
            BR_MASTER_CONF_DIR);
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config-dir", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"check-config", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *confdir = BR_MASTER_CONF_DIR;
    bool check = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:l:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            confdir = optarg;
            break;
        case 'l':
            if (br_log_set_level(optarg) != 0) {
                fprintf(stderr, "%s: -l takes error, warning, notice, info or debug\n", argv[0]);
                return 2;
            }
            break;
        case 'C':
            check = true;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("brine-master %s\n", BRINE_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "brine-master: unexpected argument '%s'\n", argv[optind]);
        s_usage(stderr);
        return 2;
    }
    //  Before anything can hold a secret: no core dumps, no ptrace dumps
    if (br_harden_process() != 0) {
        fprintf(stderr, "brine-master: cannot disable core dumps\n");
        return 1;
    }
    zsys_set_logident("brine-master");
    //  CZMQ logs to stdout by default; daemons log to stderr (the journal)
    zsys_set_logstream(stderr);
    //  Each log line is stamped with localtime(), which, while TZ is unset,
    //  checks /etc/localtime again for every line (a job to ten thousand
    //  minions logs ten thousand returns). The same zone, read once: a
    //  change of the system's zone shows after a restart, as in most daemons.
    if (!getenv("TZ")) {
        setenv("TZ", ":/etc/localtime", 0);
    }
    tzset();
    br_errmsg_t err = {""};
    br_config_t *config = br_master_config_load(confdir, &err);
    if (!config) {
        fprintf(stderr, "brine-master: %s\n", err.text);
        return 1;
    }
    if (check) {
        int problems = br_check_run(config, stdout, stderr);
        br_config_destroy(&config);
        if (problems < 0) {
            fprintf(stderr, "brine-master: --check-config: %s\n", br_strerror(problems));
        }
        return problems == 0 ? 0 : 1;
    }
    br_master_t *master = br_master_new(config, &err);
    if (!master) {
        fprintf(stderr, "brine-master: %s\n", err.text[0] ? err.text : "cannot start");
        br_config_destroy(&config);
        return 1;
    }
    int rc = br_master_run(master);
    br_master_destroy(&master);
    br_config_destroy(&config);
    //  libmongoc's global state, set up by the returner if it ran
    br_mongoc_cleanup();
    return rc == 0 ? 0 : 1;
}
