/*  br_privsep: the fork into monitor and network child, the child's drop of
    privileges, and the monitor's restarts of it. */
#include "br_privsep.h"
#include "br_monitor.h"
#include "br_monitor_proto.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

//  Descriptors the network child may hold: its ZeroMQ sockets, their
//  monitors and libzmq's own take a few dozen at most
#define BR_CHILD_NOFILE 256
//  Waits before starting a dead child again
#define BR_RESTART_MIN_S 1
#define BR_RESTART_MAX_S 60

//  A signal handler cannot be given state: what it needs is here, set by
//  the monitor only
static volatile sig_atomic_t s_stop;
static volatile pid_t s_child;

static void
s_on_signal(int sig)
{
    s_stop = 1;
    if (s_child > 0) {
        kill(s_child, sig);
    }
}

int
br_privsep_drop(int fd, const char *dir, uid_t uid, gid_t gid, br_errmsg_t *err)
{
    //  Read what the C library would read later, while the files are there
    tzset();
    if (chroot(dir) != 0 || chdir("/") != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot chroot to %s: %s", dir, strerror(errno));
    }
    if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
        setresuid(uid, uid, uid) != 0) {
        return br_errmsg_set(err, BR_ERR_PERM, "cannot change to uid %d, gid %d: %s", (int)uid,
                             (int)gid, strerror(errno));
    }
    //  For good: root must not come back
    uid_t r, e, s;
    if (setuid(0) == 0 || seteuid(0) == 0 || getresuid(&r, &e, &s) != 0 || r != uid ||
        e != uid || s != uid) {
        return br_errmsg_set(err, BR_ERR_PERM, "uid %d could become root again", (int)uid);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return br_errmsg_set(err, BR_ERR_PERM, "cannot set no_new_privs: %s", strerror(errno));
    }
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        if (files.rlim_max > BR_CHILD_NOFILE) {
            files.rlim_max = BR_CHILD_NOFILE;
        }
        if (files.rlim_cur > files.rlim_max) {
            files.rlim_cur = files.rlim_max;
        }
        if (setrlimit(RLIMIT_NOFILE, &files) != 0) {
            return br_errmsg_set(err, BR_ERR_PERM, "cannot limit descriptors: %s",
                                 strerror(errno));
        }
    }
    //  The monitor checks all of this before it answers
    if (br_mon_send(fd, BR_MON_READY, NULL, 0) != BR_OK) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot reach the monitor: %s", strerror(errno));
    }
    uint32_t op = 0;
    uint8_t *payload = NULL;
    size_t size = 0;
    int rc = br_mon_recv(fd, &op, &payload, &size, 0, err);
    free(payload);
    if (rc != BR_OK || op != BR_MON_READY) {
        return br_errmsg_set(err, BR_ERR_DENIED, "the monitor did not accept READY%s%s",
                             err->text[0] ? ": " : "", err->text);
    }
    return BR_OK;
}

//  privsep_dir: an empty directory nobody but root may change (created if
//  missing, as sshd's /run/sshd)
static int
s_check_dir(const br_config_t *config, const char *dir, br_errmsg_t *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return br_config_error(config, err, BR_ERR_IO, "privsep_dir", BR_CONFIG_WHOLE, "cannot create %s: %s",
                               dir, strerror(errno));
    }
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return br_config_error(config, err, BR_ERR_CONFIG, "privsep_dir", BR_CONFIG_WHOLE,
                               "%s is not a directory", dir);
    }
    if (st.st_uid != 0 || (st.st_mode & 022)) {
        return br_config_error(config, err, BR_ERR_PERM, "privsep_dir", BR_CONFIG_WHOLE,
                               "%s must be owned by root and writable by nobody else (it is "
                               "uid %d, mode %03o)",
                               dir, (int)st.st_uid, (unsigned)(st.st_mode & 0777));
    }
    return BR_OK;
}

//  In the network child: everything that needs files or root, then the drop
static void
s_child_start(br_minion_t *minion, int fd, const char *dir, uid_t uid, gid_t gid)
{
    prctl(PR_SET_NAME, "brine-netchild", 0, 0, 0);
    //  CZMQ starts afresh in a forked process: its log settings too
    zsys_set_logident("brine-minion");
    zsys_set_logstream(stderr);
    //  The fork copied the monitor's memory: the sealing secret goes before
    //  the child reads a byte from the network
    br_minion_forget_seal_key(minion);
    br_errmsg_t err = {""};
    if (br_minion_before_chroot(minion, &err) != BR_OK ||
        br_privsep_drop(fd, dir, uid, gid, &err) != BR_OK) {
        br_error("the network child cannot start: %s", err.text);
        _exit(1);
    }
    //  Cleared by the change of uid: set now, so that the child never
    //  outlives its monitor (KillMode=process stops the monitor only)
    pid_t monitor = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0 || getppid() != monitor) {
        _exit(1);
    }
    br_minion_set_monitor(minion, fd);
}

//  Sleeps seconds unless a stop signal comes first
static void
s_sleep(int seconds)
{
    struct timespec left = {seconds, 0};
    while (!s_stop && nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

br_privsep_role_t
br_privsep_start(br_config_t *config, br_minion_t *minion, int *status_p, br_errmsg_t *err)
{
    *status_p = 0;
    if (!br_config_bool(config, "privsep")) {
        if (geteuid() == 0) {
            br_warning("privsep is off: the code that talks to the network runs as root");
        }
        return BR_PRIVSEP_OFF;
    }
    if (geteuid() != 0) {
        //  As sshd started by a user: no root to keep apart, and no right
        //  to change uid. The jobs can do only what this user can.
        br_notice("not started as root: running as uid %d in one process, without privilege "
                  "separation",
                  (int)geteuid());
        return BR_PRIVSEP_OFF;
    }
    const char *user = br_config_str(config, "privsep_user");
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        br_config_error(config, err, BR_ERR_CONFIG, "privsep_user", BR_CONFIG_WHOLE,
                        "no user '%s' on this system (create it, e.g. useradd --system "
                        "--no-create-home --shell /usr/sbin/nologin %s, or name another "
                        "unprivileged user)",
                        user, user);
        return BR_PRIVSEP_ERROR;
    }
    if (pw->pw_uid == 0 || pw->pw_gid == 0) {
        br_config_error(config, err, BR_ERR_CONFIG, "privsep_user", BR_CONFIG_WHOLE,
                        "'%s' has uid or gid 0: the network child must not be root", user);
        return BR_PRIVSEP_ERROR;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    const char *dir = br_config_str(config, "privsep_dir");
    if (s_check_dir(config, dir, err) != BR_OK) {
        return BR_PRIVSEP_ERROR;
    }
    br_monitor_t *monitor = br_monitor_new(br_minion_client(minion),
                                           (int)br_config_int(config, "job_timeout"), uid, gid);
    if (!monitor) {
        br_errmsg_set(err, BR_ERR_NOMEM, "no memory for the monitor");
        return BR_PRIVSEP_ERROR;
    }
    struct sigaction stop = {.sa_handler = s_on_signal}, old_term, old_int;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGTERM, &stop, &old_term);
    sigaction(SIGINT, &stop, &old_int);
    br_info("privilege separation: the network child runs as %s (uid %d, gid %d) in %s", user,
            (int)uid, (int)gid, dir);
    int wait_s = BR_RESTART_MIN_S;
    while (!s_stop) {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            br_errmsg_set(err, BR_ERR_IO, "cannot create the monitor's socket: %s",
                          strerror(errno));
            *status_p = 1;
            break;
        }
        br_minion_set_jobs_run(minion, br_monitor_jobs_run(monitor));
        fflush(NULL);
        time_t started = time(NULL);
        //  A stop signal between the fork and s_child would reach nobody
        sigset_t stops, before;
        sigemptyset(&stops);
        sigaddset(&stops, SIGTERM);
        sigaddset(&stops, SIGINT);
        sigprocmask(SIG_BLOCK, &stops, &before);
        pid_t pid = fork();
        if (pid == 0) {
            close(pair[0]);
            sigaction(SIGTERM, &old_term, NULL);
            sigaction(SIGINT, &old_int, NULL);
            sigprocmask(SIG_SETMASK, &before, NULL);
            br_monitor_destroy(&monitor);
            s_child_start(minion, pair[1], dir, uid, gid);
            return BR_PRIVSEP_CHILD;
        }
        close(pair[1]);
        s_child = pid > 0 ? pid : 0;
        sigprocmask(SIG_SETMASK, &before, NULL);
        if (pid < 0) {
            close(pair[0]);
            br_errmsg_set(err, BR_ERR_IO, "cannot fork the network child: %s", strerror(errno));
            *status_p = 1;
            break;
        }
        br_debug("network child %d started as %s (uid %d) in %s", (int)pid, user, (int)uid, dir);
        br_errmsg_t why = {""};
        int rc = br_monitor_serve(monitor, pair[0], pid, &why);
        if (rc == BR_ERR_DENIED) {
            br_error("the network child %d broke the monitor protocol (%s): killed", (int)pid,
                     why.text);
            kill(pid, SIGKILL);
        } else if (rc != BR_OK) {
            br_error("lost the network child %d: %s", (int)pid, why.text);
            kill(pid, SIGKILL);
        }
        close(pair[0]);
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        s_child = 0;
        if (s_stop || (rc == BR_OK && WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            break; //  told to stop
        }
        wait_s = time(NULL) - started >= BR_RESTART_MAX_S ? BR_RESTART_MIN_S : wait_s;
        if (WIFSIGNALED(status)) {
            br_error("the network child %d was killed by signal %d; starting another in %d s",
                     (int)pid, WTERMSIG(status), wait_s);
        } else {
            br_error("the network child %d exited with status %d; starting another in %d s",
                     (int)pid, WEXITSTATUS(status), wait_s);
        }
        s_sleep(wait_s);
        wait_s = wait_s * 2 > BR_RESTART_MAX_S ? BR_RESTART_MAX_S : wait_s * 2;
    }
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGINT, &old_int, NULL);
    br_info("ran %zu job%s; brine-minion stopping", br_monitor_jobs_run(monitor),
            br_monitor_jobs_run(monitor) == 1 ? "" : "s");
    br_monitor_destroy(&monitor);
    return BR_PRIVSEP_DONE;
}
