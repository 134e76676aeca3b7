/*  Unit tests of the state engine: compiling (forms, requisites, order,
    errors) and executing (Salt's requisite semantics, cmd.run, test=True),
    on the state trees in tests/data/states. */
#include "br_sls.h"
#include "br_state.h"
#include "testutil.h"

#include <stdarg.h>
#include <unistd.h>

#define ROOT BRINE_SOURCE_DIR "/tests/data/states"

typedef struct {
    br_value_t *context;
    br_vault_t *vault;
    br_high_t *high;
    br_low_t *low;
    br_run_t *run;
    br_errmsg_t err;
    int rc;
} fixture_t;

static void
s_fini(fixture_t *fx)
{
    br_run_destroy(&fx->run);
    br_low_destroy(&fx->low);
    br_high_destroy(&fx->high);
    br_vault_destroy(&fx->vault);
    br_value_destroy(&fx->context);
}

//  Loads and compiles SLS (comma separated) from ROOT, with the pillar of
//  pillar_dir (or none); runs it unless compiling failed.
static void
s_apply(fixture_t *fx, const char *sls, const char *pillar_dir, bool test)
{
    memset(fx, 0, sizeof *fx);
    fx->context = br_value_map();
    fx->vault = br_vault_new();
    br_value_t *grains = br_value_map();
    br_value_t *id = br_value_str("testminion");
    br_value_map_set(grains, "id", &id);
    br_value_t *pillar = NULL;
    if (pillar_dir) {
        fx->rc = br_pillar_load(pillar_dir, "testminion", grains, br_default_secret_keys, &pillar,
                                &fx->err);
        if (fx->rc < 0) {
            br_value_destroy(&grains);
            return;
        }
    } else {
        pillar = br_value_map();
    }
    br_value_map_set(fx->context, "grains", &grains);
    br_value_map_set(fx->context, "pillar", &pillar);
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *) zstr_free);
    char *copy = strdup(sls);
    for (char *save = NULL, *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
        zlistx_add_end(names, strdup(n));
    }
    free(copy);
    fx->rc = br_high_load(ROOT, names, fx->context, fx->vault, &fx->high, &fx->err);
    zlistx_destroy(&names);
    if (fx->rc == 0) {
        fx->rc = br_compile(fx->high, fx->vault, &fx->low, &fx->err);
    }
    if (fx->rc == 0) {
        br_run_opts_t opts = {test, false};
        fx->run = br_execute(fx->low, &opts);
    }
    if (fx->rc != 0) {
        printf("  (%s: %s)\n", sls, fx->err.text);
    }
}

static const br_state_result_t *
s_result(fixture_t *fx, const char *id)
{
    for (size_t i = 0; fx->run && i < br_run_size(fx->run); i++) {
        if (strcmp(br_run_at(fx->run, i)->id, id) == 0) {
            return br_run_at(fx->run, i);
        }
    }
    fprintf(stderr, "no result for state '%s'\n", id);
    return NULL;
}

//  result, changed?, and the comment's start
static void
s_expect(fixture_t *fx, const char *id, br_result_t result, bool changed, const char *comment)
{
    const br_state_result_t *r = s_result(fx, id);
    if (!r) {
        test_failures++;
        return;
    }
    bool ok = r->result == result && (br_value_map_size(r->changes) > 0) == changed &&
              (!comment || strncmp(r->comment, comment, strlen(comment)) == 0);
    if (!ok) {
        fprintf(stderr, "state %s: result %d changes %zu comment '%s'; expected %d %d '%s'\n", id,
                r->result, br_value_map_size(r->changes), r->comment, result, changed,
                comment ? comment : "");
        test_failures++;
    }
}

static void
test_require(void)
{
    fixture_t fx;
    s_apply(&fx, "req.chain", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "a", BR_RESULT_TRUE, true, "Success!");
    s_expect(&fx, "b", BR_RESULT_FALSE, false, "Failure!");
    s_expect(&fx, "c", BR_RESULT_FALSE, false, "One or more requisite failed: req.chain.b");
    s_expect(&fx, "d", BR_RESULT_FALSE, false, "One or more requisite failed: req.chain.c");
    s_expect(&fx, "f", BR_RESULT_FALSE, false, "One or more requisite failed: req.chain.e");
    CHECK(fx.run && br_run_failed(fx.run));
    CHECK(fx.run && br_run_size(fx.run) == 6);
    s_fini(&fx);
}

static void
test_watch(void)
{
    fixture_t fx;
    s_apply(&fx, "req.watch", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "watcher_fires", BR_RESULT_TRUE, true, "Success!\nWatch statement fired.");
    s_expect(&fx, "watcher_quiet", BR_RESULT_TRUE, false, "Success!");
    s_expect(&fx, "watcher_in", BR_RESULT_TRUE, true, "Success!\nWatch statement fired.");
    s_expect(&fx, "watcher_of_failure", BR_RESULT_FALSE, false,
             "One or more requisite failed: req.watch.failed_source");
    s_fini(&fx);
    //  test=True predicts the watch action without firing it
    s_apply(&fx, "req.watch", NULL, true);
    s_expect(&fx, "changed_source", BR_RESULT_NONE, true, "If we weren't testing");
    s_expect(&fx, "watcher_fires", BR_RESULT_NONE, false, "Success!\nWatch statement would fire.");
    s_fini(&fx);
}

static void
test_onchanges_onfail(void)
{
    fixture_t fx;
    s_apply(&fx, "req.onchanges", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "oc_runs", BR_RESULT_TRUE, true, "Success!");
    s_expect(&fx, "oc_skips", BR_RESULT_TRUE, false,
             "State was not run because none of the onchanges reqs changed");
    s_expect(&fx, "oc_in_target", BR_RESULT_TRUE, true, "Success!");
    s_expect(&fx, "of_runs", BR_RESULT_TRUE, true, "Success!");
    s_expect(&fx, "of_skips", BR_RESULT_TRUE, false,
             "State was not run because onfail req did not change");
    s_fini(&fx);
}

static void
test_order(void)
{
    fixture_t fx;
    s_apply(&fx, "order", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    const char *expected[] = {"o_first", "o_five", "o_plain", "o_late", "o_needs_late", "o_last"};
    for (size_t i = 0; fx.run && i < 6; i++) {
        CHECK_STR(br_run_at(fx.run, i)->id, expected[i]);
        CHECK_EQ_INT(br_run_at(fx.run, i)->run_num, i);
    }
    s_fini(&fx);
}

static void
test_compile_errors(void)
{
    fixture_t fx;
    s_apply(&fx, "cycle", NULL, false);
    CHECK(fx.rc < 0);
    CHECK(strstr(fx.err.text, "requisite cycle between states: x -> y -> z -> x") != NULL);
    s_fini(&fx);
    s_apply(&fx, "missing", NULL, false);
    CHECK(fx.rc < 0);
    CHECK(strstr(fx.err.text, "missing/init.sls:4: state 'x' (test.nop): require: no state "
                              "matches 'mount: /data'") != NULL);
    s_fini(&fx);
}

static void
test_failhard(void)
{
    fixture_t fx;
    s_apply(&fx, "failhard", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    CHECK(fx.run && br_run_size(fx.run) == 2);
    s_expect(&fx, "breaks", BR_RESULT_FALSE, false, "Failure!");
    s_fini(&fx);
}

static void
test_names_and_forms(void)
{
    fixture_t fx;
    s_apply(&fx, "names", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "after_name", BR_RESULT_TRUE, false, "Success!");
    s_expect(&fx, "after_sls", BR_RESULT_TRUE, false, "Success!");
    //  the included SLS's states run first, then the SLS's own in file order
    CHECK(fx.run && strcmp(br_run_at(fx.run, 0)->id, "other_one") == 0);
    s_fini(&fx);

    s_apply(&fx, "forms", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    CHECK(fx.run && br_run_size(fx.run) == 6);
    s_expect(&fx, "long_form", BR_RESULT_TRUE, true, "Command \"echo long\" run");
    s_expect(&fx, "short_form", BR_RESULT_TRUE, true, "Command \"echo short\" run");
    s_expect(&fx, "string_form", BR_RESULT_TRUE, false, "Success!");
    s_expect(&fx, "echo default name", BR_RESULT_TRUE, true, "Command \"echo default name\" run");
    const br_state_result_t *r = s_result(&fx, "echo default name");
    CHECK(r && strcmp(br_value_as_str(br_value_map_get(r->changes, "stdout")), "default name") == 0);
    s_fini(&fx);
}

static void
test_cmd(void)
{
    fixture_t fx;
    s_apply(&fx, "cmd", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "succeeds", BR_RESULT_TRUE, true, "Command \"echo out; echo err >&2\" run");
    const br_state_result_t *r = s_result(&fx, "succeeds");
    if (r) {
        CHECK_STR(br_value_as_str(br_value_map_get(r->changes, "stdout")), "out");
        CHECK_STR(br_value_as_str(br_value_map_get(r->changes, "stderr")), "err");
        CHECK_EQ_INT(br_value_as_int(br_value_map_get(r->changes, "retcode")), 0);
        CHECK(br_value_as_int(br_value_map_get(r->changes, "pid")) > 0);
    }
    s_expect(&fx, "fails", BR_RESULT_FALSE, true, "Command \"exit 3\" run");
    r = s_result(&fx, "fails");
    CHECK(r && br_value_as_int(br_value_map_get(r->changes, "retcode")) == 3);
    r = s_result(&fx, "in_dir");
    CHECK(r && strcmp(br_value_as_str(br_value_map_get(r->changes, "stdout")), "/tmp") == 0);
    r = s_result(&fx, "with_env");
    CHECK(r && strcmp(br_value_as_str(br_value_map_get(r->changes, "stdout")), "bonjour") == 0);
    s_expect(&fx, "skipped_unless", BR_RESULT_TRUE, false, "unless condition is true");
    s_expect(&fx, "skipped_onlyif", BR_RESULT_TRUE, false, "onlyif condition is false");
    s_expect(&fx, "skipped_creates", BR_RESULT_TRUE, false, "All files in creates exist");
    s_expect(&fx, "runs_onlyif", BR_RESULT_TRUE, true, "Command \"echo yes\" run");
    s_expect(&fx, "killed", BR_RESULT_FALSE, true, "Command \"sleep 30\" was killed after 1 s");
    s_fini(&fx);

    //  test=True runs nothing
    s_apply(&fx, "cmd", NULL, true);
    s_expect(&fx, "succeeds", BR_RESULT_NONE, false,
             "Command \"echo out; echo err >&2\" would have been executed");
    s_expect(&fx, "skipped_unless", BR_RESULT_TRUE, false, "unless condition is true");
    s_fini(&fx);
}

//  A secret rendered into a command line is refused at compile time, and the
//  message names state and argument but never holds the value.
static void
test_secret_refused(void)
{
    fixture_t fx;
    s_apply(&fx, "secret", ROOT "/secret_pillar", false);
    CHECK(fx.rc < 0);
    CHECK(strstr(fx.err.text, "state 'leak' (cmd.run): argument 'name' would receive a secret "
                              "value") != NULL);
    CHECK(strstr(fx.err.text, "correct-horse") == NULL);
    CHECK(fx.run == NULL);
    s_fini(&fx);
}

//  A state named several ways by one requisite, or by two, is one
//  requisite of it
static void
test_duplicate_requisites(void)
{
    fixture_t fx;
    s_apply(&fx, "req.dup", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "dup_target", BR_RESULT_FALSE, false,
             "One or more requisite failed: req.dup.dup_source, req.dup.dup_in");
    const br_state_result_t *r = s_result(&fx, "dup_target");
    CHECK(r && strcmp(r->comment,
                      "One or more requisite failed: req.dup.dup_source, req.dup.dup_in") == 0);
    s_fini(&fx);
}

//  Salt's global arguments: each checked for its type, at the line of its
//  value; the unsupported ones named
static void
test_global_arguments(void)
{
    static const struct {
        const char *sls, *message;
    } cases[] = {
        {"args.unsupported", "args/unsupported.sls:5: state 'x' (test.nop): argument 'prereq' is "
                             "not supported by brine"},
        {"args.order", "args/order.sls:3: state 'x' (test.nop): argument 'order': expected "
                       "first, last or N"},
        {"args.failhard", "args/failhard.sls:3: state 'x' (test.nop): argument 'failhard': "
                          "expected True or False"},
        {"args.unknown", "args/unknown.sls:3: state 'x' (test.nop): unknown argument 'bogus'"},
        {"args.name", "args/name.sls:3: state 'x' (test.nop): argument 'name': expected a "
                      "string"},
        {"args.unless", "args/unless.sls:4: state 'x' (test.nop): argument 'unless': expected a "
                        "list of strings"},
    };
    fixture_t fx;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_apply(&fx, cases[i].sls, NULL, false);
        CHECK(fx.rc < 0);
        if (!strstr(fx.err.text, cases[i].message)) {
            fprintf(stderr, "%s: got '%s'\n", cases[i].sls, fx.err.text);
            test_failures++;
        }
        s_fini(&fx);
    }
    s_apply(&fx, "args.ok", NULL, false);
    CHECK_EQ_INT(fx.rc, 0);
    s_expect(&fx, "numbered", BR_RESULT_TRUE, false, "All files in creates exist");
    const br_state_result_t *r = s_result(&fx, "numbered");
    CHECK(r && strcmp(r->name, "5") == 0);
    s_fini(&fx);
}

int
main(void)
{
    test_require();
    test_watch();
    test_onchanges_onfail();
    test_order();
    test_compile_errors();
    test_failhard();
    test_names_and_forms();
    test_cmd();
    test_secret_refused();
    test_duplicate_requisites();
    test_global_arguments();
    return test_done("unit_states");
}
