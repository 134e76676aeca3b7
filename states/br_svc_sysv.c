/*  br_svc_sysv: the sysv backend of mod_service: /etc/init.d/NAME with
    start, stop, restart, reload and status (LSB exit codes: status 0 means
    running, 1 to 3 not running), and update-rc.d for boot links.

    BRINE_INITD_DIR, for tests only, names another directory than
    /etc/init.d (its sibling rcN.d directories then hold the boot links);
    update-rc.d knows only /etc, so enabling and disabling refuse to run
    while it is set. */
#include "br_exec.h"
#include "br_svc.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
s_initd(void)
{
    const char *dir = getenv("BRINE_INITD_DIR");
    return dir && dir[0] ? dir : "/etc/init.d";
}

static int
s_script(const char *service, char *path, size_t size, br_errmsg_t *err)
{
    int n = snprintf(path, size, "%s/%s", s_initd(), service);
    if (n < 0 || (size_t)n >= size) {
        return br_errmsg_set(err, BR_ERR_INVALID, "init script path too long");
    }
    return BR_OK;
}

static int
s_exists(const char *service, int64_t timeout_ms, br_errmsg_t *err)
{
    char path[4096];
    struct stat st;
    (void)timeout_ms;
    int rc = s_script(service, path, sizeof path, err);
    if (rc == BR_OK && (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0)) {
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "no executable init script %s", path);
    }
    return rc;
}

//  Runs the init script with verb; *status gets its exit status
static int
s_run(const char *service, const char *verb, int64_t timeout_ms, int *status, br_errmsg_t *err)
{
    char path[4096];
    int rc = s_script(service, path, sizeof path, err);
    if (rc != BR_OK) {
        return rc;
    }
    const char *argv[] = {path, verb, NULL};
    br_exec_opts_t opts = {NULL, NULL, timeout_ms, 0};
    br_exec_result_t result;
    rc = status ? br_exec(argv, &opts, &result, err) : br_exec_ok(argv, &opts, &result, err);
    if (rc == BR_OK && status && result.timed_out) {
        rc = br_errmsg_set(err, BR_ERR_TIMEOUT, "%s %s was killed after %lld ms", path, verb,
                           (long long)timeout_ms);
    }
    if (rc == BR_OK && status) {
        *status = result.status;
    }
    br_exec_result_fini(&result);
    return rc;
}

static int
s_running(const char *service, int64_t timeout_ms, bool *running, br_errmsg_t *err)
{
    int status = 0;
    *running = false;
    int rc = s_run(service, "status", timeout_ms, &status, err);
    if (rc == BR_OK && status > 3) {
        rc = br_errmsg_set(err, BR_ERR_IO,
                           "%s/%s status exited %d: the script cannot tell whether it runs",
                           s_initd(), service, status);
    }
    *running = rc == BR_OK && status == 0;
    return rc;
}

//  Enabled: a start link S<NN><name> in any of the multi-user runlevels
static int
s_enabled(const char *service, int64_t timeout_ms, bool *enabled, br_errmsg_t *err)
{
    char base[4096], dir[4200];
    (void)timeout_ms;
    (void)err;
    *enabled = false;
    snprintf(base, sizeof base, "%s", s_initd());
    const char *parent = dirname(base);
    for (int level = 2; level <= 5 && !*enabled; level++) {
        snprintf(dir, sizeof dir, "%s/rc%d.d", parent, level);
        DIR *d = opendir(dir);
        if (!d) {
            continue; //  no such runlevel directory: nothing starts there
        }
        for (struct dirent *e = readdir(d); e && !*enabled; e = readdir(d)) {
            const char *n = e->d_name;
            *enabled = n[0] == 'S' && n[1] >= '0' && n[1] <= '9' && n[2] >= '0' && n[2] <= '9' &&
                       strcmp(n + 3, service) == 0;
        }
        closedir(d);
    }
    return BR_OK;
}

static int
s_action(const char *service, const char *verb, int64_t timeout_ms, br_errmsg_t *err)
{
    return s_run(service, verb, timeout_ms, NULL, err);
}

static int
s_enable(const char *service, bool on, int64_t timeout_ms, br_errmsg_t *err)
{
    if (getenv("BRINE_INITD_DIR") && getenv("BRINE_INITD_DIR")[0]) {
        return br_errmsg_set(err, BR_ERR_INVALID,
                             "cannot %s %s: BRINE_INITD_DIR is set (tests only) and update-rc.d "
                             "acts on /etc/init.d",
                             on ? "enable" : "disable", service);
    }
    //  defaults makes the links from the script's LSB header when there are
    //  none; enable turns existing stop links back into start links
    const char *defaults[] = {"update-rc.d", service, "defaults", NULL};
    const char *toggle[] = {"update-rc.d", service, on ? "enable" : "disable", NULL};
    br_exec_opts_t opts = {NULL, NULL, timeout_ms, 0};
    br_exec_result_t result;
    int rc = on ? br_exec_ok(defaults, &opts, &result, err) : BR_OK;
    if (on) {
        br_exec_result_fini(&result);
    }
    if (rc == BR_OK) {
        rc = br_exec_ok(toggle, &opts, &result, err);
        br_exec_result_fini(&result);
    }
    if (rc == BR_ERR_NOTFOUND) {
        rc = br_errmsg_set(err, rc,
                           "cannot %s %s: sysv boot links need update-rc.d, which is not "
                           "installed",
                           on ? "enable" : "disable", service);
    }
    return rc;
}

const br_svc_backend_t br_svc_sysv = {"sysv", s_exists, s_running, s_enabled, s_action, s_enable};
