/*  standin: the stand-in MongoDB server as a child process of a test (see
    standin.h). Readiness is the port file the server writes once its socket
    accepts, so no test sleeps for a guessed time. */
#include "standin.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STANDIN_PYTHON "/usr/bin/python3"

struct _standin_t {
    char *dbpath;    //  data directory, or NULL
    char *users;     //  file of user:password lines, or NULL
    char *portfile;  //  where the server writes its port when it accepts
    char *tmpdir;    //  holds the port file
    int port;        //  0 until known
    pid_t pid;       //  running server (or the delayed child), 0 if none
    char uri[64];    //  mongodb://127.0.0.1:PORT
};

static const char *
s_script(void)
{
    const char *env = getenv("BRINE_MONGO_STANDIN");
    if (env && *env) {
        return env;
    }
#ifdef BRINE_MONGO_STANDIN_SCRIPT
    return BRINE_MONGO_STANDIN_SCRIPT;
#else
    return "tests/mongo/mongo_standin.py";
#endif
}

static long long
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

standin_t *
standin_new(const char *dbpath, int port)
{
    standin_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    if (asprintf(&self->tmpdir, "%s/brine-standin-XXXXXX", base) < 0) {
        self->tmpdir = NULL;
        goto fail;
    }
    if (!mkdtemp(self->tmpdir) || asprintf(&self->portfile, "%s/port", self->tmpdir) < 0) {
        self->portfile = NULL;
        goto fail;
    }
    if (dbpath && !(self->dbpath = strdup(dbpath))) {
        goto fail;
    }
    self->port = port;
    snprintf(self->uri, sizeof self->uri, "mongodb://127.0.0.1:%d", port);
    return self;
fail:
    standin_destroy(&self);
    return NULL;
}

void
standin_destroy(standin_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    standin_t *self = *self_p;
    if (self->pid > 0) {
        standin_stop(self);
    }
    if (self->portfile) {
        unlink(self->portfile);
        free(self->portfile);
    }
    if (self->tmpdir) {
        rmdir(self->tmpdir);
        free(self->tmpdir);
    }
    free(self->dbpath);
    free(self->users);
    free(self);
    *self_p = NULL;
}

static void
s_exec_child(standin_t *self, int delay_ms)
{
    if (delay_ms > 0) {
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
        }
    }
    //  Its stdout repeats the port: not wanted in test logs.
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    char port[16];
    snprintf(port, sizeof port, "%d", self->port);
    const char *argv[12];
    int argc = 0;
    argv[argc++] = STANDIN_PYTHON;
    argv[argc++] = s_script();
    argv[argc++] = "--port";
    argv[argc++] = port;
    argv[argc++] = "--port-file";
    argv[argc++] = self->portfile;
    if (self->dbpath) {
        argv[argc++] = "--dbpath";
        argv[argc++] = self->dbpath;
    }
    if (self->users) {
        argv[argc++] = "--users";
        argv[argc++] = self->users;
    }
    argv[argc] = NULL;
    execv(STANDIN_PYTHON, (char *const *) argv);
    fprintf(stderr, "standin: cannot run %s: %s\n", STANDIN_PYTHON, strerror(errno));
    _exit(127);
}

int
standin_set_users(standin_t *self, const char *file)
{
    char *copy = strdup(file);
    if (!copy) {
        return -1;
    }
    free(self->users);
    self->users = copy;
    return 0;
}

int
standin_start(standin_t *self, int delay_ms)
{
    if (self->pid > 0 || (delay_ms > 0 && self->port == 0)) {
        return -1;
    }
    if (unlink(self->portfile) < 0 && errno != ENOENT) {
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        s_exec_child(self, delay_ms);
    }
    self->pid = pid;
    if (delay_ms > 0) {
        return 0;
    }
    if (standin_wait(self, 10000) < 0) {
        standin_kill(self);
        return -1;
    }
    return 0;
}

int
standin_wait(standin_t *self, int timeout_ms)
{
    long long deadline = s_now_ms() + timeout_ms;
    while (self->pid > 0) {
        FILE *file = fopen(self->portfile, "r");
        if (file) {
            int port = 0;
            int n = fscanf(file, "%d", &port);
            fclose(file);
            if (n == 1 && port > 0 && port < 65536) {
                self->port = port;
                snprintf(self->uri, sizeof self->uri, "mongodb://127.0.0.1:%d", port);
                return 0;
            }
        }
        int status;
        if (waitpid(self->pid, &status, WNOHANG) == self->pid) {
            fprintf(stderr, "standin: server exited before accepting (status %d)\n", status);
            self->pid = 0;
            return -1;
        }
        if (s_now_ms() > deadline) {
            fprintf(stderr, "standin: server not ready within %d ms\n", timeout_ms);
            return -1;
        }
        usleep(5000);
    }
    return -1;
}

static int
s_reap(standin_t *self, int timeout_ms)
{
    long long deadline = s_now_ms() + timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(self->pid, &status, WNOHANG);
        if (r == self->pid || (r < 0 && errno != EINTR)) {
            break;
        }
        if (s_now_ms() > deadline) {
            return -2;
        }
        usleep(2000);
    }
    self->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
standin_stop(standin_t *self)
{
    if (self->pid <= 0) {
        return -1;
    }
    kill(self->pid, SIGTERM);
    int rc = s_reap(self, 10000);
    if (rc == -2) {
        fprintf(stderr, "standin: server ignored SIGTERM for 10 s, killing it\n");
        standin_kill(self);
        return -1;
    }
    return rc;
}

void
standin_kill(standin_t *self)
{
    if (self->pid > 0) {
        kill(self->pid, SIGKILL);
        s_reap(self, 10000);
    }
}

int
standin_port(standin_t *self)
{
    return self->port;
}

pid_t
standin_pid(standin_t *self)
{
    return self->pid;
}

const char *
standin_uri(standin_t *self)
{
    return self->uri;
}
