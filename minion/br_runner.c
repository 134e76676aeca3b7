/*  br_runner: one job, one child process, one result pipe. */
#include "br_runner.h"
#include "br_proc.h"
#include "br_state.h"
#include "br_wire.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

//  Largest result a job may return (a return message carries at most 4 MiB)
#define BR_RESULT_MAX (4 * 1024 * 1024)

//  In the child: what a job computes. test.ping, and the state functions,
//  whose low state the master compiled for this minion.
static bool
s_compute(br_msg_t *body, bson_t *ret)
{
    const char *fun = br_msg_fun(body);
    if (strcmp(fun, "test.ping") == 0) {
        BSON_APPEND_BOOL(ret, "return", true);
        return true;
    }
    if (strcmp(fun, "state.apply") == 0 || strcmp(fun, "state.highstate") == 0 ||
        strcmp(fun, "state.sls") == 0 || strcmp(fun, "cmd.run") == 0) {
        br_low_t *low = NULL;
        br_errmsg_t err = {""};
        if (br_wire_low_decode(body, &low, &err) != BR_OK) {
            BSON_APPEND_UTF8(ret, "return", err.text);
            return false;
        }
        const bson_t *kwarg = br_msg_kwarg(body);
        bson_iter_t it;
        br_run_opts_t opts = {false, false};
        if (kwarg && bson_iter_init_find(&it, kwarg, "test") && BSON_ITER_HOLDS_BOOL(&it)) {
            opts.test = bson_iter_bool(&it);
        }
        br_run_t *run = br_execute(low, &opts);
        br_value_t *results = run ? br_run_results(run) : NULL;
        bson_t *doc = results ? br_wire_to_bson(results) : NULL;
        bool ok = doc && !br_results_failed(results);
        if (doc) {
            BSON_APPEND_DOCUMENT(ret, "return", doc);
        } else {
            BSON_APPEND_UTF8(ret, "return", "the states ran but their results could not be sent");
        }
        bson_destroy(doc);
        br_value_destroy(&results);
        br_run_destroy(&run);
        br_low_destroy(&low);
        return ok;
    }
    char text[256];
    snprintf(text, sizeof text, "'%s' is not available.", fun);
    BSON_APPEND_UTF8(ret, "return", text);
    return false;
}

static void
s_child(br_msg_t *body, int out)
{
    //  A session of its own: whatever the job starts (in process groups of
    //  their own) stays in it, so a timeout can find and kill all of it
    setsid();
    //  CZMQ's handler would make a SIGTERM to a hung job a no-op
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (out != 3) {
        dup2(out, 3);
    }
    //  Nothing inherited but the pipe: no ZeroMQ sockets, no bound ports
    closefrom(4);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
    }
    bson_t reply = BSON_INITIALIZER, ret = BSON_INITIALIZER;
    bool ok = s_compute(body, &ret);
    br_msg_destroy(&body);
    BSON_APPEND_BOOL(&reply, "ok", ok);
    BSON_APPEND_DOCUMENT(&reply, "ret", &ret);
    const uint8_t *data = bson_get_data(&reply);
    size_t size = reply.len;
    while (size) {
        ssize_t n = write(3, data, size);
        if (n <= 0 && errno != EINTR) {
            break;
        }
        if (n > 0) {
            data += n;
            size -= (size_t) n;
        }
    }
    _exit(0);
}

//  Kills every process of session sid: a job's commands, which br_exec puts
//  in process groups of their own, must not outlive a job that timed out
//  or crashed (a hung mkfs must not run on beside the next job)
static void
s_kill_session(pid_t sid)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        pid_t pid = (pid_t) atoi(entry->d_name);
        if (pid <= 1) {
            continue;
        }
        char stat[512];
        br_proc_read(pid, "stat", stat, sizeof stat);
        //  pid (comm) state ppid pgrp session: comm may hold spaces, so
        //  parse from its closing parenthesis
        const char *rest = strrchr(stat, ')');
        int ppid, pgrp, session;
        char state;
        if (rest && sscanf(rest + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) == 4 &&
            session == sid) {
            kill(pid, SIGKILL);
        }
    }
    if (proc) {
        closedir(proc);
    }
}

static void
s_failure(bson_t **ret_p, const char *format, int value)
{
    char text[256];
    snprintf(text, sizeof text, format, value);
    *ret_p = bson_new();
    BSON_APPEND_UTF8(*ret_p, "return", text);
}

int
br_runner_run(br_msg_t *body, int timeout_s, bson_t **ret_p, bool *ok_p, br_errmsg_t *err)
{
    *ret_p = NULL;
    *ok_p = false;
    //  test.ping answers from the minion's memory: it cannot crash, hang or
    //  see a secret, so it is spared the child process, which is most of
    //  what a ping costs the minion (the fork of its address space)
    if (strcmp(br_msg_fun(body), "test.ping") == 0) {
        *ret_p = bson_new();
        *ok_p = s_compute(body, *ret_p);
        return BR_OK;
    }
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot create a pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return br_errmsg_set(err, BR_ERR_IO, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(pipefd[0]);
        s_child(body, pipefd[1]);
    }
    close(pipefd[1]);
    uint8_t *buf = malloc(BR_RESULT_MAX);
    size_t got = 0;
    bool timed_out = false;
    int64_t deadline = zclock_mono() + (int64_t) timeout_s * 1000;
    while (buf) {
        int wait_ms = (int) (deadline - zclock_mono());
        if (wait_ms <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        if (poll(&pfd, 1, wait_ms) < 0 && errno != EINTR) {
            break;
        }
        if (!pfd.revents) {
            continue;
        }
        ssize_t n = read(pipefd[0], buf + got, BR_RESULT_MAX - got);
        if (n <= 0 || (got += (size_t) n) == BR_RESULT_MAX) {
            break;
        }
    }
    close(pipefd[0]);
    if (timed_out) {
        s_kill_session(pid);
        kill(pid, SIGKILL);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        s_kill_session(pid);
    }
    bson_t *reply = !timed_out && buf && got ? bson_new_from_data(buf, got) : NULL;
    free(buf);
    bson_iter_t it;
    if (timed_out) {
        s_failure(ret_p, "the job was killed after %d s (timeout)", timeout_s);
    } else if (WIFSIGNALED(status)) {
        s_failure(ret_p, "the job crashed (signal %d)", WTERMSIG(status));
    } else if (!reply || !bson_validate(reply, BSON_VALIDATE_UTF8, NULL) ||
               !bson_iter_init_find(&it, reply, "ok") || !BSON_ITER_HOLDS_BOOL(&it)) {
        s_failure(ret_p, "the job ended without a result (exit status %d)",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else {
        *ok_p = bson_iter_bool(&it);
        const uint8_t *data = NULL;
        uint32_t len = 0;
        if (bson_iter_init_find(&it, reply, "ret") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
            bson_iter_document(&it, &len, &data);
            *ret_p = bson_new_from_data(data, len);
        }
        if (!*ret_p) {
            *ok_p = false;
            s_failure(ret_p, "the job returned a malformed result%.0d", 0);
        }
    }
    bson_destroy(reply);
    return BR_OK;
}
