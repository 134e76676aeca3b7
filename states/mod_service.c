/*  mod_service: service.running, service.dead, service.enabled and
    service.disabled, Salt's service states, over the backends of br_svc.h
    (systemd or sysv init scripts, chosen by provider: auto picks systemd
    when the system was booted with it).

    check() only asks (is it there, running, enabled) and predicts; it never
    starts, stops or enables anything. watch (service.running only) is
    Salt's mod_watch: restart, or reload with reload: True, or start when
    the service is not running. */
#include "br_module.h"
#include "br_svc.h"

#include <stdarg.h>
#include <stdio.h>

#define BR_SVC_ARGS_COMMON                                                                         \
    {"provider", BR_ARG_STR, false, "auto", "auto, systemd or sysv"},                              \
    {                                                                                              \
        "timeout", BR_ARG_INT, false, "90", "seconds each service command may take"                \
    }

static const br_arg_t s_running_args[] = {
    {"enable", BR_ARG_BOOL, false, NULL, "also start at boot (True) or not (False); unset: leave"},
    {"reload", BR_ARG_BOOL, false, "False", "watch reloads instead of restarting"},
    BR_SVC_ARGS_COMMON,
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_dead_args[] = {
    {"enable", BR_ARG_BOOL, false, NULL, "also start at boot (True) or not (False); unset: leave"},
    BR_SVC_ARGS_COMMON,
    {NULL, 0, false, NULL, NULL},
};

static const br_arg_t s_enabled_args[] = {
    BR_SVC_ARGS_COMMON,
    {NULL, 0, false, NULL, NULL},
};

//  One call's service: its name, backend and command timeout
typedef struct {
    br_call_t *call;
    const char *name;
    const br_svc_backend_t *backend;
    int64_t timeout_ms;
} br_svc_t;

//  Validates the call and finds its backend and service; false with the
//  outcome set when it cannot go on
static bool
s_begin(br_svc_t *svc, br_call_t *call)
{
    br_errmsg_t err = {{0}};
    svc->call = call;
    svc->name = br_call_name(call);
    int64_t timeout = br_call_int(call, "timeout");
    svc->timeout_ms = (timeout > 0 ? timeout : 90) * 1000;
    if (!br_svc_name_ok(svc->name)) {
        br_call_fail(call, "'%s' is not a valid service name", svc->name);
        return false;
    }
    svc->backend = br_svc_backend(br_call_str(call, "provider"));
    if (!svc->backend) {
        br_call_fail(call, "provider '%s' is not auto, systemd or sysv",
                     br_call_str(call, "provider"));
        return false;
    }
    if (svc->backend->exists(svc->name, svc->timeout_ms, &err) != BR_OK) {
        br_call_fail(call, "The named service %s is not available (%s: %s)", svc->name,
                     svc->backend->name, err.text);
        return false;
    }
    return true;
}

static void
s_changed(br_svc_t *svc)
{
    br_value_t *v = br_value_bool(true);
    br_call_change(svc->call, svc->name, &v);
}

//  enable: True/False when the state asks for it. Predicts in a test run.
//  0 done or nothing to do, -1 with the outcome set.
static int
s_boot(br_svc_t *svc, bool on)
{
    bool enabled = false;
    br_errmsg_t err = {{0}};
    const char *word = on ? "enabled" : "disabled";
    if (svc->backend->enabled(svc->name, svc->timeout_ms, &enabled, &err) != BR_OK) {
        return br_call_fail(svc->call, "%s", err.text) - 1;
    }
    if (enabled == on) {
        br_call_comment(svc->call, "Service %s is already %s, and is in the desired state",
                        svc->name, word);
        return 0;
    }
    if (br_call_test(svc->call)) {
        br_call_set_result(svc->call, BR_RESULT_NONE);
        br_call_comment(svc->call, "Service %s set to be %s", svc->name, word);
        return 0;
    }
    if (svc->backend->enable(svc->name, on, svc->timeout_ms, &err) != BR_OK) {
        return br_call_fail(svc->call, "Failed when setting service %s to be %s: %s", svc->name,
                            word, err.text) -
               1;
    }
    br_call_comment(svc->call, "Service %s has been %s", svc->name, word);
    s_changed(svc);
    return 0;
}

//  Starts (want true) or stops the service unless it is so already, and
//  checks that it is. 0, or -1 with the outcome set.
static int
s_want(br_svc_t *svc, bool want)
{
    bool running = false;
    br_errmsg_t err = {{0}};
    if (svc->backend->running(svc->name, svc->timeout_ms, &running, &err) != BR_OK) {
        return br_call_fail(svc->call, "%s", err.text) - 1;
    }
    if (running == want) {
        br_call_comment(svc->call, "The service %s is already %s", svc->name,
                        want ? "running" : "dead");
        return 0;
    }
    if (br_call_test(svc->call)) {
        br_call_set_result(svc->call, BR_RESULT_NONE);
        br_call_comment(svc->call,
                        want ? "Service %s is set to start" : "Service %s is set to be killed",
                        svc->name);
        return 0;
    }
    if (svc->backend->action(svc->name, want ? "start" : "stop", svc->timeout_ms, &err) != BR_OK) {
        return br_call_fail(svc->call, "Service %s failed to %s: %s", svc->name,
                            want ? "start" : "stop", err.text) -
               1;
    }
    //  An init script can exit 0 and still have failed: ask again
    if (svc->backend->running(svc->name, svc->timeout_ms, &running, &err) != BR_OK) {
        return br_call_fail(svc->call, "%s", err.text) - 1;
    }
    if (running != want) {
        return br_call_fail(svc->call, "Service %s %s", svc->name,
                            want ? "failed to start: it is not running afterwards"
                                 : "failed to stop: it is still running") -
               1;
    }
    br_call_comment(svc->call, want ? "Started service %s" : "Service %s was killed", svc->name);
    s_changed(svc);
    return 0;
}

static int
s_running_or_dead(br_call_t *call, bool want)
{
    br_svc_t svc;
    if (!s_begin(&svc, call) || s_want(&svc, want) < 0) {
        return 0;
    }
    const br_value_t *enable = br_call_arg(call, "enable");
    if (enable) {
        (void)s_boot(&svc, br_value_as_bool(enable));
    }
    return 0;
}

static int
s_running(br_call_t *call)
{
    return s_running_or_dead(call, true);
}

static int
s_dead(br_call_t *call)
{
    return s_running_or_dead(call, false);
}

static int
s_enabled(br_call_t *call)
{
    br_svc_t svc;
    if (s_begin(&svc, call)) {
        (void)s_boot(&svc, true);
    }
    return 0;
}

static int
s_disabled(br_call_t *call)
{
    br_svc_t svc;
    if (s_begin(&svc, call)) {
        (void)s_boot(&svc, false);
    }
    return 0;
}

//  watch: a watched state changed while the service was already running
//  (or its own run changed nothing): restart it, or reload it
static int
s_running_watch(br_call_t *call)
{
    br_svc_t svc;
    bool running = false;
    br_errmsg_t err = {{0}};
    if (!s_begin(&svc, call)) {
        return 0;
    }
    if (svc.backend->running(svc.name, svc.timeout_ms, &running, &err) != BR_OK) {
        return br_call_fail(call, "%s", err.text);
    }
    const char *verb = !running ? "start" : br_call_bool(call, "reload") ? "reload" : "restart";
    const char *done = !running                       ? "started"
                       : br_call_bool(call, "reload") ? "reloaded"
                                                      : "restarted";
    if (br_call_test(call)) {
        //  A service not running yet in a test run: its start is predicted
        //  already
        if (running) {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "Service is set to be %s", done);
        }
        return 0;
    }
    if (svc.backend->action(svc.name, verb, svc.timeout_ms, &err) != BR_OK) {
        return br_call_fail(call, "Service %s failed to %s: %s", svc.name, verb, err.text);
    }
    br_call_comment(call, "Service %s", done);
    s_changed(&svc);
    return 0;
}

static const br_function_t s_functions[] = {
    {"running", s_running_args, s_running, s_running, s_running_watch,
     "Starts the service unless it runs; watch restarts it (or reloads it)."},
    {"dead", s_dead_args, s_dead, s_dead, NULL, "Stops the service if it runs."},
    {"enabled", s_enabled_args, s_enabled, s_enabled, NULL, "Makes the service start at boot."},
    {"disabled", s_enabled_args, s_disabled, s_disabled, NULL,
     "Keeps the service from starting at boot."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_service = {"service", s_functions,
                                    "Services, through systemd or sysv init scripts."};
