/*  br_svc_systemd: the systemd backend of mod_service, through systemctl.
    Every systemctl call waits for its job (no --no-block): a state that
    says running must be running when it reports success. */
#include "br_exec.h"
#include "br_svc.h"

#include <sys/stat.h>

//  Runs systemctl VERB [--quiet] SERVICE; *status gets its exit status
static int
s_systemctl(const char *verb, bool quiet, const char *service, int64_t timeout_ms, int *status,
            br_errmsg_t *err)
{
    const char *argv[] = {"systemctl", verb, quiet ? "--quiet" : service, quiet ? service : NULL,
                          NULL};
    br_exec_opts_t opts = {NULL, NULL, timeout_ms, 0};
    br_exec_result_t result;
    int rc = status ? br_exec(argv, &opts, &result, err) : br_exec_ok(argv, &opts, &result, err);
    if (rc == BR_OK && status && result.timed_out) {
        rc = br_errmsg_set(err, BR_ERR_TIMEOUT, "systemctl %s %s was killed after %lld ms", verb,
                           service, (long long)timeout_ms);
    }
    if (rc == BR_OK && status) {
        *status = result.status;
    }
    br_exec_result_fini(&result);
    return rc;
}

static int
s_exists(const char *service, int64_t timeout_ms, br_errmsg_t *err)
{
    const char *argv[] = {"systemctl", "show", "--property=LoadState", "--value", service, NULL};
    br_exec_opts_t opts = {NULL, NULL, timeout_ms, 0};
    br_exec_result_t result;
    int rc = br_exec_ok(argv, &opts, &result, err);
    if (rc == BR_OK && strncmp(result.out, "loaded", 6) != 0) {
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "systemd has no unit %s", service);
    }
    br_exec_result_fini(&result);
    return rc;
}

static int
s_running(const char *service, int64_t timeout_ms, bool *running, br_errmsg_t *err)
{
    int status = 0;
    int rc = s_systemctl("is-active", true, service, timeout_ms, &status, err);
    *running = rc == BR_OK && status == 0;
    return rc;
}

static int
s_enabled(const char *service, int64_t timeout_ms, bool *enabled, br_errmsg_t *err)
{
    int status = 0;
    int rc = s_systemctl("is-enabled", true, service, timeout_ms, &status, err);
    *enabled = rc == BR_OK && status == 0;
    return rc;
}

static int
s_action(const char *service, const char *verb, int64_t timeout_ms, br_errmsg_t *err)
{
    return s_systemctl(verb, false, service, timeout_ms, NULL, err);
}

static int
s_enable(const char *service, bool on, int64_t timeout_ms, br_errmsg_t *err)
{
    return s_systemctl(on ? "enable" : "disable", false, service, timeout_ms, NULL, err);
}

const br_svc_backend_t br_svc_systemd = {"systemd", s_exists, s_running,
                                         s_enabled, s_action, s_enable};

const br_svc_backend_t *
br_svc_backend(const char *provider)
{
    struct stat st;
    if (!provider || strcmp(provider, "auto") == 0) {
        bool systemd = stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
        return systemd ? &br_svc_systemd : &br_svc_sysv;
    }
    if (strcmp(provider, "systemd") == 0) {
        return &br_svc_systemd;
    }
    if (strcmp(provider, "sysv") == 0) {
        return &br_svc_sysv;
    }
    return NULL;
}

bool
br_svc_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > 255 || name[0] == '.' || name[0] == '-') {
        return false;
    }
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._:+-") ==
           len;
}
