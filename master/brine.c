/*  brine: the operator's CLI. Sends a job to the local master and prints the
    returns as they arrive, or reads the job cache:
      brine [-E|-L|-G] TARGET FUNCTION [ARGS...] [test=True]
      brine jobs list
      brine jobs show JID */
#include "br_jobcache.h"
#include "br_mongo_conf.h"
#include "br_mongo_docs.h"
#include "br_mongo_read.h"
#include "br_output.h"
#include "br_state.h"
#include "br_wire.h"
#include "master_config.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

typedef struct {
    const char *confdir;
    const char *tgt_type;
    br_out_opts_t out;
    int timeout;
    bool tty;
} br_cli_t;

static void
s_usage(FILE *out)
{
    fprintf(out,
            "Usage: brine [options] TARGET FUNCTION [ARGS...] [test=True]\n"
            "       brine jobs list | brine jobs show JID\n"
            "Runs FUNCTION on the accepted minions that TARGET matches, through the local\n"
            "master, and prints what each returns.\n\n"
            "Functions: test.ping, state.apply [SLS[,SLS...]], state.highstate, state.sls SLS,\n"
            "           cmd.run 'COMMAND'\n\n"
            "Targets: a glob on the minion id (default), or\n"
            "  -E, --pcre          a regular expression on the whole id\n"
            "  -L, --list          a comma-separated list of ids\n"
            "  -G, --grain         grain:value (value is a glob)\n\n"
            "Options:\n"
            "  -t, --timeout S     seconds to wait for returns (default 10)\n"
            "  --out=FORMAT        highstate (default), terse, json or yaml\n"
            "  --state-verbose=BOOL  False: leave out states that succeeded without\n"
            "                      changes (the summary still counts them)\n"
            "  --no-color          never colour the output (colour is for terminals only)\n"
            "  -c, --config-dir DIR  read DIR/master (default %s)\n"
            "  -h, --help, -V, --version\n\n"
            "Exit status: 0 every minion returned and succeeded, 1 a state failed, a minion\n"
            "did not return, or an error, 2 invalid command line.\n",
            BR_MASTER_CONF_DIR);
}

//  One minion's return: printed now in the streaming formats, else kept
//  in by_minion for the document printed at the end
static void
s_print_return(br_cli_t *cli, const char *id, const bson_t *ret, br_value_t *by_minion)
{
    br_value_t *value = br_wire_from_bson(ret);
    if (br_out_streams(cli->out.format)) {
        br_out_minion(&cli->out, id, br_value_map_get(value, "return"), stdout);
    } else {
        br_value_t *inner = br_value_dup(br_value_map_get(value, "return"));
        inner = inner ? inner : br_value_null();
        if (!inner || br_value_map_set(by_minion, id, &inner) != BR_OK) {
            br_value_destroy(&inner);
        }
    }
    br_value_destroy(&value);
}

static void
s_progress(br_cli_t *cli, size_t returned, size_t expected)
{
    if (cli->tty) {
        fprintf(stderr, "\r[%zu/%zu returned]", returned, expected);
        if (returned == expected) {
            fprintf(stderr, "\r\033[K");
        }
        fflush(stderr);
    }
}

//  The minions that did not return, as Salt reports them: in the streaming
//  formats now, in the document as that minion's return
static void
s_print_missing(br_cli_t *cli, const bson_t *missing, br_value_t *by_minion, size_t *count)
{
    static const char *text = "Minion did not return. [No response]";
    bson_iter_t it;
    if (missing && bson_iter_init(&it, missing)) {
        while (bson_iter_next(&it)) {
            if (!BSON_ITER_HOLDS_UTF8(&it)) {
                continue;
            }
            (*count)++;
            if (br_out_streams(cli->out.format)) {
                printf("%s:\n    %s\n", bson_iter_utf8(&it, NULL), text);
                continue;
            }
            br_value_t *note = br_value_str(text);
            if (!note || br_value_map_set(by_minion, bson_iter_utf8(&it, NULL), &note) != BR_OK) {
                br_value_destroy(&note);
            }
        }
    }
}

static int
s_run_job(br_cli_t *cli, br_config_t *config, const char *tgt, const char *fun, int argc,
          char **argv)
{
    int status = 1;
    char endpoint[4200];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/master.ipc", br_config_str(config, "sock_dir"));
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    br_msg_t *job = br_msg_new(BR_MSG_CLI_JOB);
    bson_t arg = BSON_INITIALIZER, kwarg = BSON_INITIALIZER;
    br_value_t *by_minion = br_value_map();
    size_t expected = 0, returned = 0, failed = 0;
    for (int i = 0, n = 0; i < argc; i++) {
        char key[24];
        if (strncmp(argv[i], "test=", 5) == 0) {
            BSON_APPEND_BOOL(&kwarg, "test",
                             strcmp(argv[i] + 5, "True") == 0 || strcmp(argv[i] + 5, "true") == 0);
            continue;
        }
        snprintf(key, sizeof key, "%d", n++);
        BSON_APPEND_UTF8(&arg, key, argv[i]);
    }
    zsock_set_linger(sock, 0);
    zsock_set_maxmsgsize(sock, BR_MSG_MAX);
    //  One message per minion's return: the master sends them all
    zsock_set_rcvhwm(sock, 0);
    if (!sock || !job || zsock_connect(sock, "%s", endpoint) < 0 || br_msg_set_tgt(job, tgt) != 0 ||
        br_msg_set_tgt_type(job, cli->tgt_type) != 0 || br_msg_set_fun(job, fun) != 0 ||
        br_msg_set_arg(job, &arg) != 0 || br_msg_set_kwarg(job, &kwarg) != 0 ||
        br_msg_set_timeout(job, cli->timeout) != 0) {
        fprintf(stderr, "brine: invalid job or no local socket %s\n", endpoint);
        goto out;
    }
    zframe_t *frame = br_msg_encode(job);
    if (!frame || zframe_send(&frame, sock, 0) != 0) {
        zframe_destroy(&frame);
        fprintf(stderr, "brine: cannot talk to the master at %s\n", endpoint);
        goto out;
    }
    //  The master answers at once; then returns for up to the timeout
    int64_t deadline = zclock_mono() + 2000;
    zpoller_t *poller = zpoller_new(sock, NULL);
    bool done = false;
    while (!done) {
        int64_t wait = deadline - zclock_mono();
        zsock_t *ready = wait > 0 ? zpoller_wait(poller, (int)wait) : NULL;
        if (!ready) {
            fprintf(stderr, "brine: %s\n",
                    expected ? "the master stopped answering"
                             : "no answer from the master (is it running?)");
            break;
        }
        zframe_t *in = zframe_recv(sock);
        br_msg_t *msg = NULL;
        br_errmsg_t err;
        if (!in || br_msg_decode(&msg, zframe_data(in), zframe_size(in), &err) < 0) {
            zframe_destroy(&in);
            continue;
        }
        zframe_destroy(&in);
        switch (br_msg_type(msg)) {
        case BR_MSG_ERROR:
            fprintf(stderr, "brine: %s\n", br_msg_text(msg));
            done = true;
            break;
        case BR_MSG_CLI_START:
            expected = bson_count_keys(br_msg_minions(msg));
            deadline = zclock_mono() + (int64_t)cli->timeout * 1000 + 2000;
            s_progress(cli, returned, expected);
            break;
        case BR_MSG_CLI_RETURN:
            returned++;
            failed += !br_msg_ok(msg);
            s_progress(cli, returned, expected);
            s_print_return(cli, br_msg_id(msg), br_msg_ret(msg), by_minion);
            break;
        case BR_MSG_CLI_DONE: {
            size_t missing = 0;
            if (cli->tty) {
                fprintf(stderr, "\r\033[K");
            }
            s_print_missing(cli, br_msg_missing(msg), by_minion, &missing);
            if (!br_out_streams(cli->out.format)) {
                br_out_document(&cli->out, by_minion, stdout);
            }
            status = failed || missing ? 1 : 0;
            done = true;
            break;
        }
        default:
            break;
        }
        br_msg_destroy(&msg);
    }
    zpoller_destroy(&poller);
out:
    br_value_destroy(&by_minion);
    bson_destroy(&arg);
    bson_destroy(&kwarg);
    br_msg_destroy(&job);
    zsock_destroy(&sock);
    return status;
}

static const char *
s_field(const bson_t *job, const char *key)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, job, key) && BSON_ITER_HOLDS_UTF8(&it)
               ? bson_iter_utf8(&it, NULL)
               : "?";
}

//  How many keys the array or document job[key] has
static uint32_t
s_count(const bson_t *job, const char *key)
{
    bson_iter_t it, inner;
    uint32_t n = 0;
    if (bson_iter_init_find(&it, job, key) && bson_iter_recurse(&it, &inner)) {
        while (bson_iter_next(&inner)) {
            n++;
        }
    }
    return n;
}

static void
s_list_line(const bson_t *job)
{
    bson_iter_t it;
    uint32_t r = bson_iter_init_find(&it, job, "returned") && BSON_ITER_HOLDS_INT32(&it)
                     ? (uint32_t)bson_iter_int32(&it)
                     : s_count(job, "returns");
    //  A job document without its end: still running, or its master
    //  stopped before it ended
    printf("%s  %-16s %-24s %u/%u returned%s\n", s_field(job, "jid"), s_field(job, "fun"),
           s_field(job, "tgt"), r, s_count(job, "minions"),
           bson_iter_init_find(&it, job, "finished") ? "" : " (not ended)");
}

static int
s_by_jid(const void *a, const void *b)
{
    return strcmp(s_field(a, "jid"), s_field(b, "jid"));
}

//  Every job: MongoDB's (every master's) when the mongo job cache is on,
//  and this master's own job cache for what MongoDB lacks (jobs spooled
//  while it was down, or all of them when it does not answer)
static void
s_jobs_list(br_jobcache_t *cache, br_mongo_read_t *mongo)
{
    zlistx_t *jobs = NULL;
    br_errmsg_t err = {""};
    if (mongo && br_mongo_read_list(mongo, &jobs, &err) != BR_OK) {
        fprintf(stderr, "brine: %s; this master's own job cache follows\n", err.text);
    }
    if (!jobs) {
        jobs = zlistx_new();
        zlistx_set_destructor(jobs, br_mongo_bson_free);
    }
    zhashx_t *seen = zhashx_new();
    for (bson_t *job = zlistx_first(jobs); job; job = zlistx_next(jobs)) {
        zhashx_insert(seen, s_field(job, "jid"), (void *)"");
    }
    zlistx_t *jids = br_jobcache_list(cache);
    for (const char *jid = zlistx_first(jids); jid; jid = zlistx_next(jids)) {
        bson_t *job = NULL;
        if (!zhashx_lookup(seen, jid) && br_jobcache_load(cache, jid, &job, &err) == BR_OK) {
            zlistx_add_end(jobs, job);
        }
    }
    zlistx_set_comparator(jobs, s_by_jid);
    zlistx_sort(jobs);
    for (bson_t *job = zlistx_first(jobs); job; job = zlistx_next(jobs)) {
        s_list_line(job);
    }
    zlistx_destroy(&jids);
    zhashx_destroy(&seen);
    zlistx_destroy(&jobs);
}

static void
s_jobs_print(br_cli_t *cli, const bson_t *job)
{
    br_value_t *by_minion = br_value_map();
    bson_iter_t it, ret;
    if (bson_iter_init_find(&it, job, "returns") && bson_iter_recurse(&it, &ret)) {
        while (bson_iter_next(&ret)) {
            bson_iter_t entry;
            const uint8_t *data;
            uint32_t len;
            bson_t r;
            if (bson_iter_recurse(&ret, &entry) && bson_iter_find(&entry, "ret") &&
                BSON_ITER_HOLDS_DOCUMENT(&entry)) {
                bson_iter_document(&entry, &len, &data);
                if (bson_init_static(&r, data, len)) {
                    s_print_return(cli, bson_iter_key(&ret), &r, by_minion);
                }
            }
        }
    }
    if (bson_iter_init_find(&it, job, "missing") && BSON_ITER_HOLDS_ARRAY(&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_t m;
        size_t count = 0;
        bson_iter_array(&it, &len, &data);
        if (bson_init_static(&m, data, len)) {
            s_print_missing(cli, &m, by_minion, &count);
        }
    }
    if (!br_out_streams(cli->out.format)) {
        br_out_document(&cli->out, by_minion, stdout);
    }
    br_value_destroy(&by_minion);
}

static int
s_jobs_show(br_cli_t *cli, br_jobcache_t *cache, br_mongo_read_t *mongo, const char *jid)
{
    bson_t *job = NULL;
    br_errmsg_t err = {""};
    if (!br_jid_valid(jid)) {
        fprintf(stderr, "brine: '%.40s' is not a job id (20 digits, as in 20261128061500123456)\n",
                jid);
        return 1;
    }
    int rc = mongo ? br_mongo_read_job(mongo, jid, &job, &err) : BR_ERR_NOTFOUND;
    if (rc == BR_ERR_IO) {
        fprintf(stderr, "brine: %s; looking in this master's own job cache\n", err.text);
    }
    if (!job && br_jobcache_load(cache, jid, &job, &err) != BR_OK) {
        fprintf(stderr, "brine: %s%s\n", err.text, mongo ? ", nor in MongoDB" : "");
        return 1;
    }
    s_jobs_print(cli, job);
    bson_destroy(job);
    return 0;
}

static int
s_jobs(br_cli_t *cli, br_config_t *config, int argc, char **argv)
{
    bool list = argc == 1 && strcmp(argv[0], "list") == 0;
    bool show = argc == 2 && strcmp(argv[0], "show") == 0;
    if (!list && !show) {
        s_usage(stderr);
        return 2;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/jobs", br_config_str(config, "cachedir"));
    br_errmsg_t err = {""};
    br_mongo_read_t *mongo = NULL;
    if (br_mongo_conf_check(config, &err) != BR_OK ||
        (br_mongo_conf_enabled(config) && !(mongo = br_mongo_read_new(config, &err)))) {
        fprintf(stderr, "brine: %s\n", err.text);
        return 1;
    }
    br_jobcache_t *cache = br_jobcache_new(path, br_config_int(config, "keep_jobs"), &err);
    if (!cache) {
        fprintf(stderr, "brine: %s\n", err.text);
        br_mongo_read_destroy(&mongo);
        return 1;
    }
    int status = 0;
    if (list) {
        s_jobs_list(cache, mongo);
    } else {
        status = s_jobs_show(cli, cache, mongo, argv[1]);
    }
    br_jobcache_destroy(&cache);
    br_mongo_read_destroy(&mongo);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        {"pcre", no_argument, NULL, 'E'},
        {"list", no_argument, NULL, 'L'},
        {"grain", no_argument, NULL, 'G'},
        {"timeout", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"state-verbose", required_argument, NULL, 's'},
        {"no-color", no_argument, NULL, 'n'},
        {"config-dir", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    br_cli_t cli = {BR_MASTER_CONF_DIR, "glob",
                    {BR_OUT_HIGHSTATE, br_out_color_default(stdout), true}, 10, isatty(2) != 0};
    int opt;
    while ((opt = getopt_long(argc, argv, "ELGt:c:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'E':
            cli.tgt_type = "pcre";
            break;
        case 'L':
            cli.tgt_type = "list";
            break;
        case 'G':
            cli.tgt_type = "grain";
            break;
        case 't': {
            char *end = NULL;
            long timeout = strtol(optarg, &end, 10);
            if (!*optarg || *end || timeout < 1 || timeout > 86400) {
                fprintf(stderr, "brine: --timeout takes seconds, 1 to 86400, not '%s'\n", optarg);
                return 2;
            }
            cli.timeout = (int)timeout;
            break;
        }
        case 'o':
            if (br_out_format_parse(optarg, &cli.out.format) != 0) {
                fprintf(stderr, "brine: --out takes highstate, terse, json or yaml, not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            if (br_out_bool_parse(optarg, &cli.out.state_verbose) != 0) {
                fprintf(stderr, "brine: --state-verbose takes True or False, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'n':
            cli.out.color = false;
            break;
        case 'c':
            cli.confdir = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("brine %s\n", BRINE_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    zsys_set_logstream(stderr);
    br_errmsg_t err = {""};
    br_config_t *config = br_master_config_load(cli.confdir, &err);
    if (!config) {
        fprintf(stderr, "brine: %s\n", err.text);
        return 1;
    }
    int status;
    if (optind < argc && strcmp(argv[optind], "jobs") == 0) {
        status = s_jobs(&cli, config, argc - optind - 1, argv + optind + 1);
    } else if (argc - optind >= 2) {
        status = s_run_job(&cli, config, argv[optind], argv[optind + 1], argc - optind - 2,
                           argv + optind + 2);
    } else {
        s_usage(stderr);
        status = 2;
    }
    br_config_destroy(&config);
    br_mongoc_cleanup();
    return status;
}
