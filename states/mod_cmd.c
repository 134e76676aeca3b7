/*  mod_cmd: cmd.run, a command run with /bin/sh -c as Salt runs it. Its
    changes record pid, retcode, stdout and stderr. */
#include "br_module.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

//  Output kept per stream; the rest is counted and dropped
#define BR_CMD_OUTPUT_MAX (1024 * 1024)

static const br_arg_t s_run_args[] = {
    {"cwd", BR_ARG_STR, false, "/", "directory to run the command in"},
    {"env", BR_ARG_MAP, false, NULL, "environment variables to add (never secrets)"},
    {"shell", BR_ARG_STR, false, "/bin/sh", "shell that runs the command with -c"},
    {"timeout", BR_ARG_INT, false, NULL, "seconds before the command is killed"},
    {NULL, 0, false, NULL, NULL},
};

static void
s_append(zchunk_t *buf, int fd, bool *open_p)
{
    char block[4096];
    ssize_t got = read(fd, block, sizeof block);
    if (got <= 0) {
        *open_p = false;
        return;
    }
    size_t room = BR_CMD_OUTPUT_MAX - zchunk_size(buf);
    zchunk_extend(buf, block, (size_t) got < room ? (size_t) got : room);
}

//  Salt strips one trailing newline from captured output
static br_value_t *
s_text(zchunk_t *buf)
{
    size_t len = zchunk_size(buf);
    const char *data = (const char *) zchunk_data(buf);
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) {
        len--;
    }
    return br_value_str_n(data, len);
}

static void
s_child(br_call_t *call, int out, int err)
{
    const char *cwd = br_call_str(call, "cwd");
    const br_value_t *env = br_call_arg(call, "env");
    dup2(out, 1);
    dup2(err, 2);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, 0);
    }
    //  Only the three standard streams cross into the command
    closefrom(3);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (cwd && chdir(cwd) != 0) {
        fprintf(stderr, "cannot change to %s: %s\n", cwd, strerror(errno));
        _exit(127);
    }
    for (size_t i = 0; i < br_value_map_size(env); i++) {
        setenv(br_value_map_key(env, i), br_value_as_str(br_value_map_at(env, i)), 1);
    }
    const char *shell = br_call_str(call, "shell");
    execl(shell, shell, "-c", br_call_name(call), (char *) NULL);
    fprintf(stderr, "cannot run %s: %s\n", shell, strerror(errno));
    _exit(127);
}

static int
s_run(br_call_t *call)
{
    const char *command = br_call_name(call);
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Command \"%s\" would have been executed", command);
        return 0;
    }
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
        return -1;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        s_child(call, out[1], err[1]);
    }
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        return -1;
    }
    zchunk_t *stdout_buf = zchunk_new(NULL, 256), *stderr_buf = zchunk_new(NULL, 256);
    bool out_open = true, err_open = true, timed_out = false;
    int64_t timeout = br_call_int(call, "timeout");
    int64_t deadline = timeout > 0 ? zclock_mono() + timeout * 1000 : 0;
    while (out_open || err_open) {
        struct pollfd fds[2] = {{out_open ? out[0] : -1, POLLIN, 0},
                                {err_open ? err[0] : -1, POLLIN, 0}};
        int wait_ms = deadline ? (int) (deadline - zclock_mono()) : -1;
        if (deadline && wait_ms <= 0) {
            kill(pid, SIGKILL);
            timed_out = true;
            break;
        }
        if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) {
            break;
        }
        if (fds[0].revents) {
            s_append(stdout_buf, out[0], &out_open);
        }
        if (fds[1].revents) {
            s_append(stderr_buf, err[0], &err_open);
        }
    }
    close(out[0]);
    close(err[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int retcode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    br_value_t *v = br_value_int(pid);
    br_call_change(call, "pid", &v);
    v = br_value_int(retcode);
    br_call_change(call, "retcode", &v);
    v = s_text(stdout_buf);
    br_call_change(call, "stdout", &v);
    v = s_text(stderr_buf);
    br_call_change(call, "stderr", &v);
    zchunk_destroy(&stdout_buf);
    zchunk_destroy(&stderr_buf);
    if (timed_out) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "Command \"%s\" was killed after %lld s", command,
                        (long long) timeout);
    } else {
        br_call_set_result(call, retcode == 0 ? BR_RESULT_TRUE : BR_RESULT_FALSE);
        br_call_comment(call, "Command \"%s\" run", command);
    }
    return 0;
}

static const br_function_t s_functions[] = {
    {"run", s_run_args, s_run, s_run, NULL,
     "Runs a command with the shell; unless, onlyif and creates make it idempotent."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_cmd = {"cmd", s_functions, "Shell commands."};
