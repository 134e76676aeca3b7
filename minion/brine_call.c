/*  brine-call: runs states on this machine without a master, like
    `salt-call --local`:
      brine-call --local state.apply SLS[,SLS...] [test=True]
      brine-call --local state.highstate
    with the state tree, pillar tree and id from the minion config or the
    command line. */
#include "br_grains.h"
#include "br_output.h"
#include "br_render.h"
#include "br_sls.h"
#include "br_state.h"
#include "minion_config.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

typedef struct {
    const char *confdir;
    const char *file_root;
    const char *pillar_root;
    const char *id;
    br_out_opts_t out;
    bool local;
    bool test;
    bool failhard;
    const char *function;  //  e.g. "state.apply"
    zlistx_t *sls;         //  SLS names given
} br_options_t;

static void
s_usage(FILE *out)
{
    fprintf(out,
            "Usage: brine-call --local FUNCTION [ARGS] [test=True] [failhard=True] [options]\n"
            "Runs states on this machine with the same engine the minion uses.\n\n"
            "Functions:\n"
            "  state.apply SLS[,SLS...]  apply the named SLS files\n"
            "  state.apply               apply what top.sls assigns to this minion\n"
            "  state.highstate           the same\n"
            "  test.ping                 print True\n\n"
            "Options:\n"
            "  --local                run without a master (required for now)\n"
            "  -c, --config-dir DIR   read DIR/minion (default /etc/brine)\n"
            "  --file-root DIR        the state tree (config: file_root)\n"
            "  --pillar-root DIR      the pillar tree (config: pillar_root)\n"
            "  --id ID                the minion id (config: id, else the host name)\n"
            "  --out=FORMAT           highstate (default), terse, json or yaml\n"
            "  --state-verbose=BOOL   False: leave out states that succeeded without changes\n"
            "  --no-color             never colour the output (colour is for terminals only)\n"
            "  -h, --help, -V, --version\n\n"
            "Exit status: 0 all states succeeded, 1 bad input or error, 2 a state failed.\n");
}

static bool
s_truthy(const char *value)
{
    return strcmp(value, "True") == 0 || strcmp(value, "true") == 0 || strcmp(value, "1") == 0;
}

static int
s_parse(br_options_t *opt, int argc, char **argv)
{
    static const struct option options[] = {
        {"local", no_argument, NULL, 'L'},       {"config-dir", required_argument, NULL, 'c'},
        {"file-root", required_argument, NULL, 'f'}, {"pillar-root", required_argument, NULL, 'p'},
        {"id", required_argument, NULL, 'i'},    {"out", required_argument, NULL, 'o'},
        {"state-verbose", required_argument, NULL, 's'},
        {"no-color", no_argument, NULL, 'n'},    {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},     {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:hV", options, NULL)) != -1) {
        switch (c) {
        case 'L': opt->local = true; break;
        case 'c': opt->confdir = optarg; break;
        case 'f': opt->file_root = optarg; break;
        case 'p': opt->pillar_root = optarg; break;
        case 'i': opt->id = optarg; break;
        case 'o':
            if (br_out_format_parse(optarg, &opt->out.format) != 0) {
                fprintf(stderr,
                        "brine-call: --out takes highstate, terse, json or yaml, not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case 's':
            if (br_out_bool_parse(optarg, &opt->out.state_verbose) != 0) {
                fprintf(stderr, "brine-call: --state-verbose takes True or False, not '%s'\n",
                        optarg);
                return -1;
            }
            break;
        case 'n': opt->out.color = false; break;
        case 'h': s_usage(stdout); exit(0);
        case 'V': printf("brine-call %s\n", BRINE_VERSION); exit(0);
        default: return -1;
        }
    }
    for (int i = optind; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq && strncmp(argv[i], "test=", 5) == 0) {
            opt->test = s_truthy(eq + 1);
        } else if (eq && strncmp(argv[i], "failhard=", 9) == 0) {
            opt->failhard = s_truthy(eq + 1);
        } else if (eq) {
            fprintf(stderr, "brine-call: unknown keyword argument '%.*s'\n",
                    (int) (eq - argv[i]), argv[i]);
            return -1;
        } else if (!opt->function) {
            opt->function = argv[i];
        } else if (strcmp(opt->function, "state.apply") == 0 || strcmp(opt->function, "state.sls") == 0) {
            //  SLS names: comma separated, possibly over several words
            char *names = strdup(argv[i]);
            for (char *save = NULL, *name = strtok_r(names, ",", &save); name;
                 name = strtok_r(NULL, ",", &save)) {
                zlistx_add_end(opt->sls, name);
            }
            free(names);
        } else {
            fprintf(stderr, "brine-call: unexpected argument '%s'\n", argv[i]);
            return -1;
        }
    }
    if (!opt->function) {
        fprintf(stderr, "brine-call: no function given\n");
        return -1;
    }
    if (!opt->local) {
        fprintf(stderr, "brine-call: only --local is supported: states come from the local "
                        "file_root and pillar_root\n");
        return -1;
    }
    return 0;
}

//  What this call returns, as the master's `brine` would print a minion's
//  return (salt-call names it "local"); takes *ret_p
static void
s_print(const br_options_t *opt, br_value_t **ret_p)
{
    if (br_out_streams(opt->out.format)) {
        br_out_minion(&opt->out, "local", *ret_p, stdout);
        br_value_destroy(ret_p);
        return;
    }
    br_value_t *by_minion = br_value_map();
    if (by_minion && br_value_map_set(by_minion, "local", ret_p) == BR_OK) {
        br_out_document(&opt->out, by_minion, stdout);
    }
    br_value_destroy(ret_p);
    br_value_destroy(&by_minion);
}

//  Compiles and runs. Returns the exit status.
static int
s_state_run(br_options_t *opt, const char *id, br_config_t *config)
{
    int status = 1;
    br_errmsg_t err = {""};
    br_value_t *grains = br_grains_collect(id);
    br_value_t *pillar = NULL, *context = br_value_map();
    br_vault_t *vault = br_vault_new();
    zlistx_t *sls = NULL;
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    br_run_t *run = NULL;
    br_value_t *results = NULL;
    const char *file_root = opt->file_root ? opt->file_root : br_config_str(config, "file_root");
    const char *pillar_root =
        opt->pillar_root ? opt->pillar_root : br_config_str(config, "pillar_root");
    //  The secret pillar keys: the defaults and the configured ones, as a
    //  NULL-terminated array (configuration can add keys, never drop one)
    zlistx_t *keys = br_config_list(config, "secret_pillar_keys");
    size_t n = 0;
    while (br_default_secret_keys[n]) {
        n++;
    }
    const char **secret_keys = calloc(n + zlistx_size(keys) + 1, sizeof *secret_keys);
    for (size_t i = 0; secret_keys && i < n; i++) {
        secret_keys[i] = br_default_secret_keys[i];
    }
    for (const char *k = zlistx_first(keys); secret_keys && k; k = zlistx_next(keys)) {
        secret_keys[n++] = k;
    }
    if (!grains || !context || !vault || !secret_keys) {
        goto out;
    }
    if (br_pillar_load(pillar_root, id, grains, secret_keys, &pillar, &err) < 0) {
        goto fail;
    }
    br_value_t *g = br_value_dup(grains);
    br_value_map_set(context, "grains", &g);
    br_value_t *p = br_value_dup(pillar);
    br_value_map_set(context, "pillar", &p);
    br_value_destroy(&g);
    br_value_destroy(&p);
    if (zlistx_size(opt->sls)) {
        sls = zlistx_dup(opt->sls);
    } else if (br_top_load(file_root, id, context, vault, &sls, &err) < 0) {
        goto fail;
    }
    if (!sls || zlistx_size(sls) == 0) {
        br_errmsg_set(&err, BR_ERR_NOTFOUND,
                      "no SLS to apply: name one, or assign some to %s in %s/top.sls", id,
                      file_root);
        goto fail;
    }
    if (br_high_load(file_root, sls, context, vault, &high, &err) < 0 ||
        br_compile(high, vault, &low, &err) < 0) {
        goto fail;
    }
    br_run_opts_t run_opts = {opt->test, opt->failhard};
    run = br_execute(low, &run_opts);
    if (!run) {
        goto out;
    }
    results = br_run_results(run);
    if (!results) {
        goto out;
    }
    s_print(opt, &results);
    status = br_run_failed(run) ? 2 : 0;
    goto out;
fail:
    fprintf(stderr, "brine-call: %s\n", err.text);
out:
    br_value_destroy(&results);
    br_run_destroy(&run);
    br_low_destroy(&low);
    br_high_destroy(&high);
    zlistx_destroy(&sls);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    br_value_destroy(&pillar);
    br_value_destroy(&grains);
    free(secret_keys);
    return status;
}

int
main(int argc, char **argv)
{
    br_options_t opt = {.confdir = "/etc/brine",
                        .out = {BR_OUT_HIGHSTATE, br_out_color_default(stdout), true}};
    opt.sls = zlistx_new();
    zlistx_set_destructor(opt.sls, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_duplicator(opt.sls, (zlistx_duplicator_fn *) strdup);
    if (s_parse(&opt, argc, argv) < 0) {
        s_usage(stderr);
        zlistx_destroy(&opt.sls);
        return 1;
    }
    //  Pillar secrets pass through this process: no core dumps
    if (br_harden_process() != 0) {
        fprintf(stderr, "brine-call: cannot disable core dumps\n");
        return 1;
    }
    zsys_set_logstream(stderr);
    br_errmsg_t err = {""};
    br_config_t *config = br_minion_config_load(opt.confdir, &err);
    if (!config) {
        fprintf(stderr, "brine-call: %s\n", err.text);
        zlistx_destroy(&opt.sls);
        return 1;
    }
    char host[BR_ID_MAX + 1] = "";
    const char *id = opt.id ? opt.id : br_config_str(config, "id");
    if (!id) {
        gethostname(host, sizeof host - 1);
        id = host;
    }
    int status = 1;
    if (!br_id_valid(id)) {
        fprintf(stderr, "brine-call: '%s' is not a valid minion id\n", id);
    } else if (strcmp(opt.function, "test.ping") == 0) {
        br_value_t *pong = br_value_bool(true);
        s_print(&opt, &pong);
        status = 0;
    } else if (strcmp(opt.function, "state.apply") == 0 ||
               strcmp(opt.function, "state.sls") == 0 ||
               strcmp(opt.function, "state.highstate") == 0) {
        status = s_state_run(&opt, id, config);
    } else {
        fprintf(stderr, "brine-call: '%s' is not available.\n", opt.function);
    }
    br_config_destroy(&config);
    zlistx_destroy(&opt.sls);
    return status;
}
