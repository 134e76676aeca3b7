/*  br_svc: the service backends behind mod_service, one small set of
    functions each behind the same table (systemd in br_svc_systemd.c, sysv
    init scripts in br_svc_sysv.c), so that the states are written once.

    Every function runs the backend's own tool through br_exec (argv, clean
    environment, timeout) and returns 0 or a negative br_err_t with err
    saying why; none of them is called by a test run except the read-only
    ones (exists, running, enabled). */
#ifndef BR_SVC_H
#define BR_SVC_H

#include "brine.h"

typedef struct {
    const char *name; //  "systemd" or "sysv"
    //  Is there such a service? BR_ERR_NOTFOUND when not.
    int (*exists)(const char *service, int64_t timeout_ms, br_errmsg_t *err);
    //  Is it running now?
    int (*running)(const char *service, int64_t timeout_ms, bool *running, br_errmsg_t *err);
    //  Does it start at boot?
    int (*enabled)(const char *service, int64_t timeout_ms, bool *enabled, br_errmsg_t *err);
    //  verb: "start", "stop", "restart" or "reload"; waits until it is done
    int (*action)(const char *service, const char *verb, int64_t timeout_ms, br_errmsg_t *err);
    //  Starts at boot (on) or not
    int (*enable)(const char *service, bool on, int64_t timeout_ms, br_errmsg_t *err);
} br_svc_backend_t;

extern const br_svc_backend_t br_svc_systemd;
extern const br_svc_backend_t br_svc_sysv;

//  The backend for provider "auto" (systemd when /run/systemd/system is a
//  directory, as sd_booted(3) decides, else sysv), "systemd" or "sysv";
//  NULL for anything else.
const br_svc_backend_t *br_svc_backend(const char *provider);

//  True when name is a service name both backends can take safely: no
//  slash, no leading dot or dash, letters, digits and @ . _ : + - only.
bool br_svc_name_ok(const char *name);

#endif
