/*  br_exec: fork, exec and capture for state modules (see br_exec.h).

    Everything the child needs (the resolved program path, the environment
    array) is prepared before fork, because the caller may have threads
    (CZMQ's) and a forked child of a threaded process may only call
    async-signal-safe functions until it execs. A failure between fork and
    exec (chdir, execve) travels back through a close-on-exec pipe: reading
    end of file there means the exec happened. */
#include "br_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BR_EXEC_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define BR_EXEC_LOCALE "LC_ALL=C"
#define BR_EXEC_ENV_MAX 256

//  What the child reports when it could not exec
typedef struct {
    int stage; //  1: chdir, 2: execve
    int error; //  errno
} br_exec_report_t;

//  One captured stream
typedef struct {
    int fd; //  read end, -1 once closed
    char *data;
    size_t size, cap, max;
    bool *truncated;
} br_exec_stream_t;

void
br_exec_argv_text(const char *const *argv, char *out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; argv && argv[i] && used + 1 < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? " " : "", argv[i]);
        if (n < 0) {
            break;
        }
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    }
}

void
br_exec_result_fini(br_exec_result_t *result)
{
    if (result) {
        free(result->out);
        free(result->err);
        result->out = result->err = NULL;
        result->out_size = result->err_size = 0;
    }
}

//  Moves a descriptor to 3 or above: the child's dup2 onto 0-2 must never
//  meet one of its own sources there. Keeps close-on-exec.
static int
s_high_fd(int fd)
{
    if (fd < 0 || fd > 2) {
        return fd;
    }
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return moved;
}

static int
s_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    fds[0] = s_high_fd(fds[0]);
    fds[1] = s_high_fd(fds[1]);
    if (fds[0] < 0 || fds[1] < 0) {
        if (fds[0] >= 0) {
            close(fds[0]);
        }
        if (fds[1] >= 0) {
            close(fds[1]);
        }
        return -1;
    }
    return 0;
}

static void
s_close(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

//  The child's environment: the defaults, then the caller's entries, a
//  caller's entry replacing a default of the same name.
static int
s_build_env(const char *const *extra, const char **envp, br_errmsg_t *err)
{
    size_t n = 0;
    envp[n++] = BR_EXEC_PATH;
    envp[n++] = BR_EXEC_LOCALE;
    for (size_t i = 0; extra && extra[i]; i++) {
        const char *eq = strchr(extra[i], '=');
        if (!eq || eq == extra[i]) {
            return br_errmsg_set(err, BR_ERR_INVALID, "environment entry '%s' is not KEY=VALUE",
                                 extra[i]);
        }
        size_t keylen = (size_t)(eq - extra[i]) + 1;
        size_t j = 0;
        while (j < n && strncmp(envp[j], extra[i], keylen) != 0) {
            j++;
        }
        if (j == n) {
            if (n + 1 >= BR_EXEC_ENV_MAX) {
                return br_errmsg_set(err, BR_ERR_INVALID, "more than %d environment entries",
                                     BR_EXEC_ENV_MAX - 2);
            }
            n++;
        }
        envp[j] = extra[i];
    }
    envp[n] = NULL;
    return BR_OK;
}

//  argv[0] as a path: itself when it holds a slash, else the first
//  executable regular file of that name in the child's PATH.
static int
s_resolve(const char *program, const char **envp, char *path, size_t size, br_errmsg_t *err)
{
    if (strchr(program, '/')) {
        snprintf(path, size, "%s", program);
        return BR_OK;
    }
    const char *dirs = "";
    for (size_t i = 0; envp[i]; i++) {
        if (strncmp(envp[i], "PATH=", 5) == 0) {
            dirs = envp[i] + 5;
        }
    }
    while (*dirs) {
        size_t len = strcspn(dirs, ":");
        struct stat st;
        int n = snprintf(path, size, "%.*s/%s", (int)len, dirs, program);
        if (len && n > 0 && (size_t)n < size && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            access(path, X_OK) == 0) {
            return BR_OK;
        }
        dirs += len + (dirs[len] == ':');
    }
    return br_errmsg_set(err, BR_ERR_NOTFOUND, "cannot run %s: not found in PATH", program);
}

//  In the child, between fork and exec: async-signal-safe calls only.
static void __attribute__((noreturn))
s_child(const char *path, const char *const *argv, const char **envp, const char *cwd, int null_fd,
        int out_fd, int err_fd, int report_fd)
{
    //  Own process group, so that a timeout kills whatever the program
    //  started too
    setpgid(0, 0);
    //  Handlers set to SIG_IGN (CZMQ's, a daemon's SIGPIPE) would survive
    //  exec, and so would a blocked mask
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        (void)sigaction(sig, &dfl, NULL); //  fails for KILL, STOP and glibc's own
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    br_exec_report_t report = {0, 0};
    if (dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 ||
        (report_fd != 3 && dup3(report_fd, 3, O_CLOEXEC) < 0)) {
        report.stage = 2;
        report.error = errno;
        goto fail;
    }
    report_fd = 3;
    //  Only the three standard streams (and the report pipe, closed by
    //  exec) cross into the program
    closefrom(4);
    if (chdir(cwd) != 0) {
        report.stage = 1;
        report.error = errno;
        goto fail;
    }
    execve(path, (char *const *)argv, (char *const *)envp);
    report.stage = 2;
    report.error = errno;
fail:
    if (write(report_fd, &report, sizeof report) < 0) {
        //  nothing left to tell: the parent sees exit 127
    }
    _exit(127);
}

//  Reads what is there; keeps up to max bytes and drops the rest.
static void
s_read(br_exec_stream_t *s, bool drain)
{
    char block[16384];
    do {
        ssize_t got = read(s->fd, block, sizeof block);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0 || errno != EAGAIN) {
                s_close(&s->fd);
            }
            return;
        }
        size_t keep = s->size < s->max ? s->max - s->size : 0;
        if ((size_t)got > keep) {
            *s->truncated = true;
        } else {
            keep = (size_t)got;
        }
        if (keep && s->size + keep + 1 > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            while (cap < s->size + keep + 1) {
                cap *= 2;
            }
            char *grown = realloc(s->data, cap);
            if (!grown) {
                *s->truncated = true;
                keep = 0;
            } else {
                s->data = grown;
                s->cap = cap;
            }
        }
        if (keep) {
            memcpy(s->data + s->size, block, keep);
            s->size += keep;
        }
    } while (drain);
}

//  Takes a stream's buffer as a NUL-terminated string
static char *
s_take(br_exec_stream_t *s, size_t *size)
{
    char *data = s->data ? s->data : malloc(1);
    if (data) {
        data[s->size] = 0;
    }
    *size = data ? s->size : 0;
    s->data = NULL;
    return data;
}

//  Collects output until the program exits (or the timeout), then reaps it.
static int
s_collect(pid_t pid, br_exec_stream_t *streams, int64_t timeout_ms, br_exec_result_t *result)
{
    int pidfd = pidfd_open(pid, 0); //  -1 on old kernels: poll in short ticks
    int64_t deadline = timeout_ms > 0 ? zclock_mono() + timeout_ms : 0;
    int status = 0;
    bool reaped = false, known = false;
    while (!reaped) {
        int wait_ms = -1;
        if (deadline) {
            int64_t left = deadline - zclock_mono();
            if (left <= 0) {
                result->timed_out = true;
                break;
            }
            wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
        }
        if (pidfd < 0 && (wait_ms < 0 || wait_ms > 20)) {
            wait_ms = 20;
        }
        struct pollfd fds[3] = {
            {streams[0].fd, POLLIN, 0}, {streams[1].fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
        if (poll(fds, 3, wait_ms) < 0 && errno != EINTR) {
            //  The program can no longer be watched: stop it rather than
            //  wait for it blindly
            result->timed_out = true;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (streams[i].fd >= 0 && fds[i].revents) {
                s_read(&streams[i], false);
            }
        }
        if (pidfd < 0 || fds[2].revents) {
            pid_t got = waitpid(pid, &status, WNOHANG);
            reaped = got == pid || (got < 0 && errno != EINTR);
            known = got == pid;
        }
    }
    if (result->timed_out) {
        //  The group first: whatever the program started goes with it
        (void)kill(-pid, SIGKILL);
        (void)kill(pid, SIGKILL);
    }
    //  What the program wrote before it exited is in the pipes: take it
    //  without waiting for descendants that may hold them open
    for (int i = 0; i < 2; i++) {
        if (streams[i].fd >= 0 && fcntl(streams[i].fd, F_SETFL, O_NONBLOCK) == 0) {
            s_read(&streams[i], true);
        }
    }
    while (!reaped) {
        pid_t got = waitpid(pid, &status, 0);
        reaped = got == pid || (got < 0 && errno != EINTR);
        known = got == pid;
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    //  Not reaped by us (SIGCHLD ignored by the caller): the status is
    //  unknown, and unknown is never success
    result->status = !known                ? 127
                     : WIFEXITED(status)   ? WEXITSTATUS(status)
                     : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                           : 127;
    return BR_OK;
}

int
br_exec(const char *const *argv, const br_exec_opts_t *opts, br_exec_result_t *result,
        br_errmsg_t *err)
{
    static const br_exec_opts_t defaults = {NULL, NULL, 0, 0};
    memset(result, 0, sizeof *result);
    result->status = 127;
    opts = opts ? opts : &defaults;
    int rc = BR_ERR_INTERNAL;
    int null_fd = -1, out[2] = {-1, -1}, errp[2] = {-1, -1}, report[2] = {-1, -1};
    br_exec_stream_t streams[2] = {{-1, NULL, 0, 0, 0, &result->truncated},
                                   {-1, NULL, 0, 0, 0, &result->truncated}};
    const char *envp[BR_EXEC_ENV_MAX];
    char path[4096];

    if (!argv || !argv[0] || !argv[0][0]) {
        rc = br_errmsg_set(err, BR_ERR_INVALID, "no program to run");
        goto out;
    }
    rc = s_build_env(opts->env, envp, err);
    if (rc == BR_OK) {
        rc = s_resolve(argv[0], envp, path, sizeof path, err);
    }
    if (rc != BR_OK) {
        goto out;
    }
    rc = BR_ERR_INTERNAL;
    null_fd = s_high_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_fd < 0 || s_pipe(out) != 0 || s_pipe(errp) != 0 || s_pipe(report) != 0) {
        br_errmsg_set(err, rc, "cannot set up pipes for %s: %s", argv[0], strerror(errno));
        goto out;
    }
    const char *cwd = opts->cwd ? opts->cwd : "/";
    pid_t pid = fork();
    if (pid < 0) {
        br_errmsg_set(err, rc, "cannot fork for %s: %s", argv[0], strerror(errno));
        goto out;
    }
    if (pid == 0) {
        s_child(path, argv, envp, cwd, null_fd, out[1], errp[1], report[1]);
    }
    result->pid = pid;
    //  The parent sets the group too, so a kill(-pid) right after fork finds it
    (void)setpgid(pid, pid);
    s_close(&out[1]);
    s_close(&errp[1]);
    s_close(&report[1]);
    br_exec_report_t why = {0, 0};
    ssize_t got;
    while ((got = read(report[0], &why, sizeof why)) < 0 && errno == EINTR) {
    }
    size_t max = opts->output_max ? opts->output_max : BR_EXEC_OUTPUT_MAX;
    streams[0].fd = out[0];
    streams[1].fd = errp[0];
    streams[0].max = streams[1].max = max;
    out[0] = errp[0] = -1;
    rc = s_collect(pid, streams, opts->timeout_ms, result);
    if (got == (ssize_t)sizeof why) {
        rc = why.stage == 1 ? br_errmsg_set(err, BR_ERR_IO, "cannot change to %s: %s", cwd,
                                            strerror(why.error))
                            : br_errmsg_set(err, BR_ERR_NOTFOUND, "cannot run %s: %s", path,
                                            strerror(why.error));
        result->status = 127;
    }
out:
    result->out = s_take(&streams[0], &result->out_size);
    result->err = s_take(&streams[1], &result->err_size);
    if (!result->out || !result->err) {
        br_exec_result_fini(result);
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    s_close(&streams[0].fd);
    s_close(&streams[1].fd);
    s_close(&null_fd);
    s_close(&out[0]);
    s_close(&out[1]);
    s_close(&errp[0]);
    s_close(&errp[1]);
    s_close(&report[0]);
    s_close(&report[1]);
    return rc;
}

//  The last non-empty line of stderr (or stdout), for a failure message
static void
s_last_line(const br_exec_result_t *result, char *out, size_t size)
{
    const char *text = result->err_size ? result->err : result->out;
    size_t len = result->err_size ? result->err_size : result->out_size;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) {
        len--;
    }
    size_t start = len;
    while (start && text[start - 1] != '\n') {
        start--;
    }
    while (start < len && text[start] == ' ') {
        start++;
    }
    snprintf(out, size, "%.*s", (int)(len - start), text + start);
}

int
br_exec_ok(const char *const *argv, const br_exec_opts_t *opts, br_exec_result_t *result,
           br_errmsg_t *err)
{
    int rc = br_exec(argv, opts, result, err);
    if (rc != BR_OK) {
        return rc;
    }
    char command[160], line[240];
    if (result->timed_out || result->status != 0) {
        br_exec_argv_text(argv, command, sizeof command);
        s_last_line(result, line, sizeof line);
    }
    if (result->timed_out) {
        return br_errmsg_set(err, BR_ERR_TIMEOUT, "`%s` was killed after %lld ms", command,
                             (long long)(opts ? opts->timeout_ms : 0));
    }
    if (result->status != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "`%s` failed (exit %d)%s%s", command, result->status,
                             line[0] ? ": " : "", line);
    }
    return BR_OK;
}
