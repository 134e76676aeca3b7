/*  br_monitor: the privileged half of the minion, as OpenSSH's monitor.

    It keeps root and the right to open jobs, and talks to nothing but the
    network child, through the socketpair and a fixed table of operations
    (br_monitor_proto.h): READY once, then RUN_JOB, one request at a time.
    For RUN_JOB it checks the job's header, expiry and replay, opens the
    seal with the minion's key, runs the job (br_runner) and answers only
    the result document, which holds no secret: a passphrase never exists
    in the network child.

    Anything else from the child (an unknown operation, a frame over its
    bound or cut short, READY twice or RUN_JOB before it, a second request
    before the answer to the first, a malformed RUN_JOB) is a broken
    protocol: br_monitor_serve returns BR_ERR_DENIED saying what, and the
    caller kills the child. A job that does not open, is expired or is a
    replay is not the child's fault (the master's network sent it): it is
    refused, logged and answered {refused}. */
#ifndef BR_MONITOR_H
#define BR_MONITOR_H

#include "brine.h"

#include <sys/types.h>

typedef struct _br_monitor_t br_monitor_t;

//  opener holds the minion's key, the pinned master key and the replay
//  cache (not owned). The child must run as uid and gid, with
//  no_new_privs set, when it says READY.
br_monitor_t *br_monitor_new(br_client_t *opener, int job_timeout, uid_t uid, gid_t gid);
void br_monitor_destroy(br_monitor_t **self_p);

//  Serves child (the process at the other end of fd) until it closes its
//  end (BR_OK), breaks the protocol (BR_ERR_DENIED, err says how) or the
//  socket fails (BR_ERR_IO).
int br_monitor_serve(br_monitor_t *self, int fd, pid_t child, br_errmsg_t *err);

//  Jobs run since the monitor was created.
size_t br_monitor_jobs_run(const br_monitor_t *self);

#endif
