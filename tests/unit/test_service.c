/*  Unit tests of service.running/dead/enabled/disabled with the sysv
    backend, over an init script in a temporary directory (BRINE_INITD_DIR,
    the test-only override) that records every action it is asked for:
    start once, never again when running, watch restarts (or reloads),
    test=True runs nothing but status, failures are clear. */
#include "states_util.h"
#include "testutil.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

static char *s_dir;
static char s_tree[512];

//  The script keeps its state and its log beside init.d
static const char s_script[] =
    "#!/bin/sh\n"
    "# A sysv init script for unit_service: records what it is asked\n"
    "dir=$(dirname \"$0\")/..\n"
    "case \"$1\" in\n"
    "start) echo start >>\"$dir/actions\"; [ -f \"$dir/broken\" ] || touch \"$dir/running\" ;;\n"
    "stop) echo stop >>\"$dir/actions\"; rm -f \"$dir/running\" ;;\n"
    "restart) echo restart >>\"$dir/actions\"; touch \"$dir/running\" ;;\n"
    "reload) echo reload >>\"$dir/actions\" ;;\n"
    "status) [ -f \"$dir/unknown\" ] && exit 4; [ -f \"$dir/running\" ] && exit 0; exit 3 ;;\n"
    "*) echo \"usage: $0 start|stop|restart|reload|status\" >&2; exit 2 ;;\n"
    "esac\n";

static void s_sls(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void
s_sls(const char *name, const char *format, ...)
{
    char path[600], text[4096];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    snprintf(path, sizeof path, "%s/%s.sls", s_tree, name);
    CHECK(st_write(path, "%s", text) == 0);
}

//  The actions the script recorded since the last call, space separated
static void
s_actions(char *out, size_t size)
{
    char path[600];
    snprintf(path, sizeof path, "%s/actions", s_dir);
    out[0] = 0;
    FILE *f = fopen(path, "r");
    char line[64];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", used ? " " : "", line);
    }
    if (f) {
        fclose(f);
    }
    unlink(path);
}

static void
s_touch(const char *name, bool on)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    if (on) {
        CHECK(st_write(path, "%s", "") == 0);
    } else {
        unlink(path);
    }
}

#define CHECK_ACTIONS(expected)                                                                    \
    do {                                                                                           \
        char got_[256];                                                                            \
        s_actions(got_, sizeof got_);                                                              \
        CHECK_STR(got_, expected);                                                                 \
    } while (0)

static void
test_running_dead(void)
{
    st_fixture_t fx;
    s_sls("run", "brtest:\n  service.running:\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "run", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service brtest is set to start");
    st_fini(&fx);
    CHECK_ACTIONS("");

    st_apply(&fx, s_tree, "run", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Started service brtest");
    const br_state_result_t *r = st_result(&fx, "brtest");
    CHECK(r && br_value_as_bool(br_value_map_get(r->changes, "brtest")));
    st_fini(&fx);
    CHECK_ACTIONS("start");

    st_apply(&fx, s_tree, "run", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, false, "The service brtest is already running");
    st_fini(&fx);
    CHECK_ACTIONS("");

    s_sls("dead", "brtest:\n  service.dead:\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "dead", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service brtest is set to be killed");
    st_fini(&fx);
    CHECK_ACTIONS("");
    st_apply(&fx, s_tree, "dead", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Service brtest was killed");
    st_fini(&fx);
    CHECK_ACTIONS("stop");
    st_apply(&fx, s_tree, "dead", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, false, "The service brtest is already dead");
    st_fini(&fx);
    CHECK_ACTIONS("");

    //  provider auto is sysv on a host not booted with systemd
    struct stat st;
    if (stat("/run/systemd/system", &st) != 0) {
        s_sls("auto", "brtest:\n  service.running: []\n");
        st_apply(&fx, s_tree, "auto", false);
        st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Started service brtest");
        st_fini(&fx);
        CHECK_ACTIONS("start");
    }
}

static void
test_watch(void)
{
    st_fixture_t fx;
    const char *sls = "trigger:\n  test.succeed_with_changes: []\n"
                      "brtest:\n  service.running:\n    - provider: sysv\n    - reload: %s\n"
                      "    - watch:\n      - test: trigger\n";
    s_touch("running", true);
    s_sls("watch", sls, "False");
    st_apply(&fx, s_tree, "watch", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service is set to be restarted");
    st_fini(&fx);
    CHECK_ACTIONS("");
    st_apply(&fx, s_tree, "watch", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Service restarted");
    st_fini(&fx);
    CHECK_ACTIONS("restart");

    s_sls("watch", sls, "True");
    st_apply(&fx, s_tree, "watch", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Service reloaded");
    st_fini(&fx);
    CHECK_ACTIONS("reload");

    //  Not running: the normal run starts it, and watch adds no restart
    s_touch("running", false);
    st_apply(&fx, s_tree, "watch", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, true, "Started service brtest");
    st_fini(&fx);
    CHECK_ACTIONS("start");
    //  test=True on a stopped service predicts the start only
    s_touch("running", false);
    st_apply(&fx, s_tree, "watch", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service brtest is set to start");
    const br_state_result_t *r = st_result(&fx, "brtest");
    CHECK(r && !strstr(r->comment, "restarted"));
    st_fini(&fx);
    CHECK_ACTIONS("");
}

static void
test_failures_and_enable(void)
{
    st_fixture_t fx;
    s_touch("running", false);
    s_sls("bad", "nothere:\n  service.running:\n    - provider: sysv\n"
                 "bad_provider:\n  service.running:\n    - name: brtest\n    - provider: upstart\n"
                 "bad_name:\n  service.running:\n    - name: ../brtest\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "bad", false);
    st_expect(&fx, "nothere", BR_RESULT_FALSE, false, "The named service nothere is not available");
    st_expect(&fx, "bad_provider", BR_RESULT_FALSE, false, "provider 'upstart' is not auto");
    st_expect(&fx, "bad_name", BR_RESULT_FALSE, false, "'../brtest' is not a valid service name");
    st_fini(&fx);
    CHECK_ACTIONS("");

    //  A start that exits 0 but starts nothing is found out
    s_touch("broken", true);
    s_sls("run", "brtest:\n  service.running:\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "run", false);
    st_expect(&fx, "brtest", BR_RESULT_FALSE, false,
              "failed to start: it is not running afterwards");
    st_fini(&fx);
    CHECK_ACTIONS("start");
    s_touch("broken", false);
    //  A status that cannot tell
    s_touch("unknown", true);
    st_apply(&fx, s_tree, "run", false);
    st_expect(&fx, "brtest", BR_RESULT_FALSE, false, "status exited 4");
    st_fini(&fx);
    s_touch("unknown", false);
    CHECK_ACTIONS("");

    //  Boot links: S??NAME in rc2.d..rc5.d means enabled
    char rc[600], link[700];
    snprintf(rc, sizeof rc, "%s/rc3.d", s_dir);
    snprintf(link, sizeof link, "%s/S01brtest", rc);
    CHECK(mkdir(rc, 0755) == 0);
    CHECK(symlink("../init.d/brtest", link) == 0);
    s_sls("enabled", "brtest:\n  service.enabled:\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "enabled", false);
    st_expect(&fx, "brtest", BR_RESULT_TRUE, false, "Service brtest is already enabled");
    st_fini(&fx);
    s_sls("disabled", "brtest:\n  service.disabled:\n    - provider: sysv\n");
    st_apply(&fx, s_tree, "disabled", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service brtest set to be disabled");
    st_fini(&fx);
    //  update-rc.d knows only /etc/init.d: with the test override it refuses
    st_apply(&fx, s_tree, "disabled", false);
    st_expect(&fx, "brtest", BR_RESULT_FALSE, false, "BRINE_INITD_DIR is set (tests only)");
    st_fini(&fx);
    CHECK(unlink(link) == 0);
    s_sls("run_enable", "brtest:\n  service.running:\n    - provider: sysv\n    - enable: True\n");
    st_apply(&fx, s_tree, "run_enable", true);
    st_expect(&fx, "brtest", BR_RESULT_NONE, false, "Service brtest set to be enabled");
    const br_state_result_t *r = st_result(&fx, "brtest");
    CHECK(r && strstr(r->comment, "Service brtest is set to start"));
    st_fini(&fx);
    CHECK_ACTIONS("");
}

int
main(void)
{
    s_dir = test_tmpdir();
    char initd[600], script[700];
    snprintf(s_tree, sizeof s_tree, "%s/tree", s_dir);
    snprintf(initd, sizeof initd, "%s/init.d", s_dir);
    snprintf(script, sizeof script, "%s/brtest", initd);
    CHECK(mkdir(s_tree, 0700) == 0 && mkdir(initd, 0755) == 0);
    CHECK(st_write(script, "%s", s_script) == 0 && chmod(script, 0755) == 0);
    setenv("BRINE_INITD_DIR", initd, 1);
    test_running_dead();
    test_watch();
    test_failures_and_enable();
    test_rmtree(s_dir);
    free(s_dir);
    return test_done("unit_service");
}
