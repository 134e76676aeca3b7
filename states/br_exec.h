/*  br_exec: runs a program for a state module, the one way brine starts a
    child process for states.

    The program gets an argv array (never a shell line), a clean environment
    (PATH=/usr/sbin:/usr/bin:/sbin:/bin and LC_ALL=C, plus what the caller
    adds), stdin from /dev/null, default signal handlers and an empty signal
    mask, no inherited descriptor beyond 0-2, and its own process group.
    stdout and stderr are captured up to a bound each. With a timeout, the
    whole process group is killed with SIGKILL when it expires.

    Why each of those: the minion runs with CZMQ's signal handlers and its
    ZeroMQ sockets open, and a child that inherited them would ignore SIGTERM
    and keep the minion's ports bound (DESIGN.md section 3); the minion's own
    environment is nobody's business but its own; lvm2 and mkfs ask on stdin
    before they destroy anything, and /dev/null makes every such question a
    "no"; LC_ALL=C keeps the tools' output parseable.

    Capture ends when the program itself exits, even if a daemon it started
    still holds the pipes open (an init script that forgets to redirect its
    daemon's output must not hang the run); what such descendants write
    later is not captured. */
#ifndef BR_EXEC_H
#define BR_EXEC_H

#include "brine.h"

//  Output kept per stream by default; the rest is read and dropped
#define BR_EXEC_OUTPUT_MAX (4 * 1024 * 1024)

typedef struct {
    const char *cwd;        //  directory to run in; NULL means "/" so that
                            //  no child keeps the caller's directory busy
    const char *const *env; //  "KEY=VALUE" entries to add (or to override
                            //  PATH and LC_ALL), NULL-terminated; or NULL
    int64_t timeout_ms;     //  0: no limit
    size_t output_max;      //  bytes kept per stream; 0: BR_EXEC_OUTPUT_MAX
} br_exec_opts_t;

typedef struct {
    int status;      //  exit code, or 128 + signal number; 127 when it never ran
    int pid;         //  0 when no process was started
    bool timed_out;  //  killed because the timeout expired
    bool truncated;  //  output beyond output_max was dropped
    char *out;       //  stdout, NUL-terminated (never NULL after br_exec)
    size_t out_size; //  bytes in out (it may hold NULs of its own)
    char *err;       //  stderr, NUL-terminated (never NULL after br_exec)
    size_t err_size; //  bytes in err
} br_exec_result_t;

//  Runs argv[0] (a path, or a name looked up in the child's PATH) with argv
//  and waits for it. opts may be NULL for the defaults. Returns 0 when the
//  program ran (whatever its exit status: see result->status), or:
//    BR_ERR_NOTFOUND  argv[0] was not found or could not be executed
//    BR_ERR_IO        the working directory could not be entered
//    BR_ERR_INVALID   bad arguments (empty argv, an env entry without '=')
//    BR_ERR_INTERNAL  pipe, fork or poll failed
//  with err saying why. result is always initialised; free it with
//  br_exec_result_fini whatever the return.
int br_exec(const char *const *argv, const br_exec_opts_t *opts, br_exec_result_t *result,
            br_errmsg_t *err) __attribute__((warn_unused_result));

//  Like br_exec, but also fails unless the program exited with status 0:
//  BR_ERR_IO "`ARGV...` failed (exit N): LAST LINE OF STDERR", or
//  BR_ERR_TIMEOUT when it was killed by the timeout.
int br_exec_ok(const char *const *argv, const br_exec_opts_t *opts, br_exec_result_t *result,
               br_errmsg_t *err) __attribute__((warn_unused_result));

//  Frees the captured output. Idempotent.
void br_exec_result_fini(br_exec_result_t *result);

//  argv joined with spaces into out (truncated to fit), for messages.
void br_exec_argv_text(const char *const *argv, char *out, size_t size);

#endif
