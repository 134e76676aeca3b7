/*  brine-minion: the minion daemon. */
#include "br_minion.h"
#include "br_privsep.h"
#include "minion_config.h"

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

static void
s_usage(FILE *out)
{
    fprintf(out, "Usage: brine-minion [-c DIR] [-l LEVEL] [--help] [--version]\n"
                 "Runs a brine minion: connects to its master, runs the jobs sealed to its key\n"
                 "and returns the results.\n\n"
                 "  -c, --config-dir DIR  read DIR/minion (default %s)\n"
                 "  -l, --log-level LEVEL error, warning, notice, info (default) or debug\n"
                 "  -h, --help            show this help\n"
                 "  -V, --version         show the version\n",
            "/etc/brine");
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config-dir", required_argument, NULL, 'c'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *confdir = "/etc/brine";
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
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("brine-minion %s\n", BRINE_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "brine-minion: unexpected argument '%s'\n", argv[optind]);
        s_usage(stderr);
        return 2;
    }
    //  Before anything can hold a secret: no core dumps, no ptrace dumps
    if (br_harden_process() != 0) {
        fprintf(stderr, "brine-minion: cannot disable core dumps\n");
        return 1;
    }
    zsys_set_logident("brine-minion");
    //  CZMQ logs to stdout by default; daemons log to stderr (the journal)
    zsys_set_logstream(stderr);
    //  An idle minion should hold little: give freed heap back to the
    //  system from 64 KiB on (glibc's default keeps 128 KiB and more, and
    //  the start leaves about 300 KiB of it free at the top of the heap).
    //  A sanitizer's allocator ignores it.
    if (mallopt(M_TRIM_THRESHOLD, 64 * 1024) != 1) {
        br_debug("the heap's trim threshold is the allocator's own");
    }
    br_errmsg_t err = {""};
    br_config_t *config = br_minion_config_load(confdir, &err);
    if (!config) {
        fprintf(stderr, "brine-minion: %s\n", err.text);
        return 1;
    }
    br_minion_t *minion = br_minion_new(config, &err);
    if (!minion) {
        fprintf(stderr, "brine-minion: %s\n", err.text[0] ? err.text : "cannot start");
        br_config_destroy(&config);
        return 1;
    }
    //  As root: a monitor that keeps root, and a network child that does not
    int status = 0;
    br_privsep_role_t role = br_privsep_start(config, minion, &status, &err);
    if (role == BR_PRIVSEP_ERROR) {
        fprintf(stderr, "brine-minion: %s\n", err.text);
        status = 1;
    } else if (role != BR_PRIVSEP_DONE) {
        status = br_minion_run(minion) == 0 ? 0 : 1;
    }
    br_minion_destroy(&minion);
    br_config_destroy(&config);
    if (role == BR_PRIVSEP_CHILD) {
        //  Without exit's hooks: a sanitizer's leak check needs /proc and
        //  ptrace, which the chrooted, undumpable child has not (the same
        //  objects are checked in a minion run without separation)
        zsys_shutdown();
        fflush(NULL);
        _exit(status);
    }
    return status;
}
