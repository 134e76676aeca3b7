/*  br_runner: runs one job in a child process, so that a state that crashes
    or hangs cannot take the minion down.

    The child gets the opened body by fork (it never touches ZeroMQ: it
    closes every inherited descriptor but its result pipe), runs the job,
    writes {ok, ret} as one BSON document to the pipe, destroys the body
    (wiping every secret in it) and exits with _exit. The parent waits up to
    the timeout, then kills the child; a crash, a kill or a malformed result
    is reported as a failed return, never lost. */
#ifndef BR_RUNNER_H
#define BR_RUNNER_H

#include "brine.h"

//  Runs body's function. *ret_p is the return document (caller destroys),
//  *ok_p whether it succeeded. Fails only if no child could be started.
int br_runner_run(br_msg_t *body, int timeout_s, bson_t **ret_p, bool *ok_p, br_errmsg_t *err);

#endif
