/*  Unit tests of br_exec: argv reaches the program untouched (no shell),
    the environment is clean, stdin is /dev/null, descriptors and signal
    dispositions do not leak into the child, output is captured and
    bounded, timeouts kill the whole process group, and a daemon that keeps
    the pipes open does not hang the caller. */
#include "br_exec.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

//  Runs argv with opts; returns br_exec's code, result kept in *r
static int
s_exec(br_exec_result_t *r, const br_exec_opts_t *opts, const char *const *argv)
{
    br_errmsg_t err = {{0}};
    int rc = br_exec(argv, opts, r, &err);
    if (rc != BR_OK) {
        printf("  (br_exec: %s)\n", err.text);
    }
    return rc;
}

static void
test_argv_no_shell(void)
{
    br_exec_result_t r;
    const char *argv[] = {"printf", "[%s]\\n", "a b", "$HOME", "; rm -rf /", "`id`", "*", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, argv), BR_OK);
    CHECK_STR(r.out, "[a b]\n[$HOME]\n[; rm -rf /]\n[`id`]\n[*]\n");
    CHECK_EQ_INT(r.status, 0);
    CHECK(r.pid > 0);
    CHECK(!r.timed_out && !r.truncated);
    br_exec_result_fini(&r);
    br_exec_result_fini(&r); //  idempotent
}

static void
test_env(void)
{
    br_exec_result_t r;
    setenv("BRINE_TEST_LEAK", "must-not-reach-the-child", 1);
    const char *argv[] = {"env", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, argv), BR_OK);
    CHECK_STR(r.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C\n");
    br_exec_result_fini(&r);

    const char *extra[] = {"GREETING=bonjour", "LC_ALL=C.UTF-8", NULL};
    br_exec_opts_t opts = {NULL, extra, 0, 0};
    CHECK_EQ_INT(s_exec(&r, &opts, argv), BR_OK);
    CHECK_STR(r.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLC_ALL=C.UTF-8\nGREETING=bonjour\n");
    br_exec_result_fini(&r);

    //  The program is looked up in the child's PATH, not the caller's
    const char *path[] = {"PATH=/nonexistent", NULL};
    br_exec_opts_t no_path = {NULL, path, 0, 0};
    br_errmsg_t err = {{0}};
    CHECK_EQ_INT(br_exec(argv, &no_path, &r, &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, "env: not found in PATH") != NULL);
    br_exec_result_fini(&r);

    const char *bad[] = {"NOEQUALS", NULL};
    br_exec_opts_t bad_opts = {NULL, bad, 0, 0};
    CHECK_EQ_INT(br_exec(argv, &bad_opts, &r, &err), BR_ERR_INVALID);
    br_exec_result_fini(&r);
    unsetenv("BRINE_TEST_LEAK");
}

static void
test_streams_and_status(void)
{
    br_exec_result_t r;
    const char *both[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, both), BR_OK);
    CHECK_STR(r.out, "out\n");
    CHECK_STR(r.err, "err\n");
    CHECK_EQ_INT(r.status, 3);
    br_exec_result_fini(&r);

    //  stdin is /dev/null: cat ends at once with nothing
    const char *cat[] = {"cat", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, cat), BR_OK);
    CHECK_EQ_INT(r.out_size, 0);
    CHECK_STR(r.out, "");
    br_exec_result_fini(&r);

    const char *killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, killed), BR_OK);
    CHECK_EQ_INT(r.status, 128 + SIGKILL);
    br_exec_result_fini(&r);

    //  br_exec_ok: a failure names the command and its last stderr line
    br_errmsg_t err = {{0}};
    const char *fails[] = {"/bin/sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 5", NULL};
    CHECK_EQ_INT(br_exec_ok(fails, NULL, &r, &err), BR_ERR_IO);
    CHECK(strstr(err.text, "failed (exit 5): the reason") != NULL);
    br_exec_result_fini(&r);
}

static void
test_output_bounded(void)
{
    br_exec_result_t r;
    const char *big[] = {"head", "-c", "5000000", "/dev/zero", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, big), BR_OK);
    CHECK_EQ_INT(r.out_size, BR_EXEC_OUTPUT_MAX);
    CHECK(r.truncated);
    CHECK_EQ_INT(r.status, 0); //  read to the end, so the writer never blocked
    br_exec_result_fini(&r);
    br_exec_opts_t small = {NULL, NULL, 0, 1000};
    CHECK_EQ_INT(s_exec(&r, &small, big), BR_OK);
    CHECK_EQ_INT(r.out_size, 1000);
    CHECK(r.truncated);
    br_exec_result_fini(&r);
}

static void
test_no_leaks_into_child(void)
{
    br_exec_result_t r;
    //  A descriptor without close-on-exec must still not reach the child
    int leak = open("/dev/null", O_RDONLY);
    CHECK(leak > 2);
    //  ls runs as the shell's child and lists the shell's descriptors
    const char *fds[] = {"/bin/sh", "-c", "ls /proc/$$/fd; :", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, fds), BR_OK);
    CHECK_STR(r.out, "0\n1\n2\n");
    br_exec_result_fini(&r);
    const char *in[] = {"readlink", "/proc/self/fd/0", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, in), BR_OK);
    CHECK_STR(r.out, "/dev/null\n");
    br_exec_result_fini(&r);
    close(leak);

    //  Ignored and blocked signals (as CZMQ leaves them) are reset
    struct sigaction ign, old_term;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTERM, &ign, &old_term);
    sigset_t block, old_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    const char *status[] = {"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, status), BR_OK);
    CHECK_STR(r.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
    br_exec_result_fini(&r);
    sigaction(SIGTERM, &old_term, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
}

//  True when pid is gone or a zombie (killed, waiting for its reaper)
static bool
s_dead(int pid)
{
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        return true;
    }
    int got = fscanf(f, "%*d %*s %c", &state);
    fclose(f);
    return got == 1 && (state == 'Z' || state == 'X');
}

static void
test_timeout(void)
{
    br_exec_result_t r;
    //  The shell starts a grandchild and waits: the timeout kills both
    const char *hang[] = {"/bin/sh", "-c", "sleep 30 & echo $!; wait", NULL};
    br_exec_opts_t opts = {NULL, NULL, 300, 0};
    int64_t start = zclock_mono();
    CHECK_EQ_INT(s_exec(&r, &opts, hang), BR_OK);
    int64_t took = zclock_mono() - start;
    CHECK(r.timed_out);
    CHECK_EQ_INT(r.status, 128 + SIGKILL);
    CHECK(took >= 300 && took < 5000);
    int grandchild = atoi(r.out);
    CHECK(grandchild > 0);
    zclock_sleep(100);
    CHECK(grandchild > 0 && s_dead(grandchild));
    br_exec_result_fini(&r);

    br_errmsg_t err = {{0}};
    const char *sleepy[] = {"sleep", "30", NULL};
    CHECK_EQ_INT(br_exec_ok(sleepy, &opts, &r, &err), BR_ERR_TIMEOUT);
    CHECK(strstr(err.text, "`sleep 30` was killed after 300 ms") != NULL);
    br_exec_result_fini(&r);
}

//  An init script that starts a daemon without redirecting its output: the
//  capture ends when the script exits, not when the daemon does
static void
test_daemon_keeps_pipes(void)
{
    br_exec_result_t r;
    const char *argv[] = {"/bin/sh", "-c", "sleep 3 & echo started", NULL};
    int64_t start = zclock_mono();
    CHECK_EQ_INT(s_exec(&r, NULL, argv), BR_OK);
    CHECK(zclock_mono() - start < 2000);
    CHECK_STR(r.out, "started\n");
    CHECK_EQ_INT(r.status, 0);
    br_exec_result_fini(&r);
}

static void
test_errors_and_cwd(void)
{
    br_exec_result_t r;
    br_errmsg_t err = {{0}};
    const char *missing[] = {"brine-no-such-program", NULL};
    CHECK_EQ_INT(br_exec(missing, NULL, &r, &err), BR_ERR_NOTFOUND);
    CHECK_EQ_INT(r.status, 127);
    CHECK(r.out && r.err); //  initialised even on failure
    br_exec_result_fini(&r);

    //  A file that is not executable: execve fails in the child
    char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/not-exec", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("#!/bin/sh\necho hi\n", f);
        fclose(f);
    }
    const char *noexec[] = {path, NULL};
    CHECK_EQ_INT(br_exec(noexec, NULL, &r, &err), BR_ERR_NOTFOUND);
    CHECK(strstr(err.text, "Permission denied") != NULL);
    br_exec_result_fini(&r);

    const char *pwd[] = {"pwd", NULL};
    CHECK_EQ_INT(s_exec(&r, NULL, pwd), BR_OK);
    CHECK_STR(r.out, "/\n"); //  the default: never the caller's directory
    br_exec_result_fini(&r);
    br_exec_opts_t in_dir = {dir, NULL, 0, 0};
    CHECK_EQ_INT(s_exec(&r, &in_dir, pwd), BR_OK);
    CHECK(strncmp(r.out, dir, strlen(dir)) == 0);
    br_exec_result_fini(&r);
    br_exec_opts_t no_dir = {"/nonexistent/dir", NULL, 0, 0};
    CHECK_EQ_INT(br_exec(pwd, &no_dir, &r, &err), BR_ERR_IO);
    CHECK(strstr(err.text, "cannot change to /nonexistent/dir") != NULL);
    br_exec_result_fini(&r);

    const char *empty[] = {NULL};
    CHECK_EQ_INT(br_exec(empty, NULL, &r, &err), BR_ERR_INVALID);
    br_exec_result_fini(&r);
    test_rmtree(dir);
    free(dir);

    char text[32];
    const char *words[] = {"lvcreate", "-n", "data", "-L", "100M", "vg", NULL};
    br_exec_argv_text(words, text, sizeof text);
    CHECK_STR(text, "lvcreate -n data -L 100M vg");
    br_exec_argv_text(words, text, 10);
    CHECK_STR(text, "lvcreate ");
}

int
main(void)
{
    test_argv_no_shell();
    test_env();
    test_streams_and_status();
    test_output_bounded();
    test_no_leaks_into_child();
    test_timeout();
    test_daemon_keeps_pipes();
    test_errors_and_cwd();
    return test_done("unit_exec");
}
