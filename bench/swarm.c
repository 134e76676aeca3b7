/*  swarm: a real brine-master on 127.0.0.1 and N minions, each with its own
    CURVE key pair (accepted on the master), its own sockets and the real
    minion protocol (swarm_minions.c), spread over worker processes of at
    most --per-proc minions (a process here may hold 20,000 descriptors,
    and a minion's two sockets with their monitors take 8).

    For each N it measures, over several setups (a fresh master and
    fresh minions each):
      connect  from "go" until every minion was welcomed after its hello
               and has subscribed
      job      from sending test.ping to '*' on the master's local socket,
               as `brine` does, until the master says the job is done: every
               return received and the job stored in the job cache (fsync)
      CPU      the master's CPU time (every thread: each task's schedstat under /proc/PID/task)
               for connecting, and for each job
      RSS      the master's peak resident memory (VmHWM) and its RSS after
    and prints medians with the fastest and slowest run. Not a test: it
    never fails on speed, only when the swarm cannot be set up.

    Usage: swarm [-b BIN_DIR] [-n 100,1000,9900] [-s SETUPS] [-r RUNS] [-p PER_PROC]
    For profiling: SWARM_MASTER_PREFIX="valgrind --tool=callgrind" runs the
    master under another program (words split on spaces); SWARM_PID_FILE
    names a file that gets the master's pid once it listens (perf record
    -p); SWARM_KEEP keeps the work directory and the master's log. */
#include "bench_stats.h"
#include "swarm_minions.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MAX_SAMPLES 256
#define S_MAX_WORKERS 64

typedef struct {
    const char *bin;
    size_t per_proc;
    int setups, runs;
} s_opts_t;

typedef struct {
    pid_t pid;
    FILE *cmd;    //  our end of its standard input
    FILE *report; //  our end of its standard output
} s_worker_t;

typedef struct {
    double values[S_MAX_SAMPLES];
    int count;
} s_series_t;

static void
s_add(s_series_t *series, double value)
{
    if (series->count < S_MAX_SAMPLES) {
        series->values[series->count++] = value;
    }
}

//  "median M (min A, max B, K runs)"
static void
s_print(const char *what, s_series_t *series, const char *unit)
{
    int n = series->count;
    if (n == 0) {
        printf("  %-34s no sample\n", what);
        return;
    }
    double median = bench_median(series->values, n);
    printf("  %-34s median %9.1f %s  (min %.1f, max %.1f, %d runs)\n", what, median, unit,
           series->values[0], series->values[n - 1], n);
}

//  CPU time of every thread of pid, in milliseconds
static double
s_cpu_ms(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(path);
    double ns = 0;
    struct dirent *entry;
    while (dir && (entry = readdir(dir))) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        char stat_path[400];
        snprintf(stat_path, sizeof stat_path, "%s/%s/schedstat", path, entry->d_name);
        FILE *file = fopen(stat_path, "r");
        unsigned long long run = 0;
        if (file && fscanf(file, "%llu", &run) == 1) {
            ns += (double)run;
        }
        if (file) {
            fclose(file);
        }
    }
    if (dir) {
        closedir(dir);
    }
    return ns / 1e6;
}

//  A field of /proc/PID/status in KiB (VmHWM, VmRSS)
static double
s_status_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *file = fopen(path, "r");
    double kib = -1;
    size_t len = strlen(field);
    while (file && fgets(line, sizeof line, file)) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            kib = atof(line + len + 1);
        }
    }
    if (file) {
        fclose(file);
    }
    return kib;
}

//  Starts argv with standard input and output on pipes (workers) or
//  standard output and error to log (the master)
static pid_t
s_spawn(char *const argv[], FILE **cmd, FILE **report, const char *log)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (cmd && (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)) {
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (cmd) {
            dup2(in[0], 0);
            dup2(out[1], 1);
        } else {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    if (cmd) {
        close(in[0]);
        close(out[1]);
        *cmd = fdopen(in[1], "w");
        *report = fdopen(out[0], "r");
    }
    return pid;
}

//  Worker mode: swarm --worker PREFIX FIRST COUNT PKI_DIR PUB_EP REQ_EP
//  Says "keys" once its keys are accepted, connects on "go", says
//  "ready WELCOMED" and answers jobs until its standard input closes.
static int
s_worker_main(char **argv)
{
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    zsys_set_max_sockets(0);
    zsys_handler_set(NULL);
    br_log_set_level("warning");
    const char *prefix = argv[0], *pki = argv[3], *pub = argv[4], *req = argv[5];
    size_t first = strtoul(argv[1], NULL, 10), count = strtoul(argv[2], NULL, 10);
    char dir[4096], master_pub[4096], line[64];
    snprintf(dir, sizeof dir, "%s/minions", pki);
    snprintf(master_pub, sizeof master_pub, "%s/master.pub", pki);
    uint8_t master_key[BR_KEY_SIZE];
    br_errmsg_t err = {""};
    swarm_minions_t *swarm = NULL;
    if (br_pubkey_load(master_key, master_pub, &err) != BR_OK ||
        !(swarm = swarm_minions_new(prefix, first, count, dir, &err))) {
        fprintf(stderr, "swarm worker: %s\n", err.text);
        return 1;
    }
    printf("keys\n");
    fflush(stdout);
    size_t welcomed = 0;
    if (!fgets(line, sizeof line, stdin) ||
        swarm_minions_connect(swarm, master_key, pub, req, 120000, &welcomed) != BR_OK) {
        fprintf(stderr, "swarm worker: %zu of %zu minions welcomed\n", welcomed, count);
    }
    printf("ready %zu\n", welcomed);
    fflush(stdout);
    swarm_minions_serve(swarm, 0);
    printf("served %zu %zu\n", swarm_minions_answered(swarm), swarm_minions_refused(swarm));
    fflush(stdout);
    swarm_minions_destroy(&swarm);
    return 0;
}

//  Sends one test.ping to '*' on the local socket and waits for the end.
//  Returns the wall time in ms (negative on failure); *returned counts
//  returns, *missing the minions that did not return.
static double
s_job(zsock_t *cli, size_t *returned, size_t *missing)
{
    *returned = *missing = 0;
    br_msg_t *job = br_msg_new(BR_MSG_CLI_JOB);
    bson_t arg = BSON_INITIALIZER, kwarg = BSON_INITIALIZER;
    if (!job || br_msg_set_tgt(job, "*") != 0 || br_msg_set_tgt_type(job, "glob") != 0 ||
        br_msg_set_fun(job, "test.ping") != 0 || br_msg_set_arg(job, &arg) != 0 ||
        br_msg_set_kwarg(job, &kwarg) != 0 || br_msg_set_timeout(job, 30) != 0) {
        br_msg_destroy(&job);
        return -1;
    }
    zframe_t *frame = br_msg_encode(job);
    br_msg_destroy(&job);
    int64_t start = bench_now_us();
    if (!frame || zframe_send(&frame, cli, 0) != 0) {
        zframe_destroy(&frame);
        return -1;
    }
    double elapsed = -1;
    zsock_set_rcvtimeo(cli, 40000);
    while (elapsed < 0) {
        zframe_t *in = zframe_recv(cli);
        br_msg_t *msg = NULL;
        br_errmsg_t err;
        if (!in) {
            break;
        }
        if (br_msg_decode(&msg, zframe_data(in), zframe_size(in), &err) == 0) {
            if (br_msg_type(msg) == BR_MSG_CLI_RETURN) {
                (*returned)++;
            } else if (br_msg_type(msg) == BR_MSG_CLI_DONE) {
                elapsed = (double)(bench_now_us() - start) / 1000;
                *missing = bson_count_keys(br_msg_missing(msg));
            } else if (br_msg_type(msg) == BR_MSG_ERROR) {
                fprintf(stderr, "swarm: the master answered: %s\n", br_msg_text(msg));
                zframe_destroy(&in);
                br_msg_destroy(&msg);
                break;
            }
        }
        br_msg_destroy(&msg);
        zframe_destroy(&in);
    }
    return elapsed;
}

typedef struct {
    s_series_t connect, connect_cpu, job, job_cpu, hwm, rss, stop;
    size_t failures;
} s_results_t;

static int
s_write_config(const char *work, int pub, int req)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/m/master", work);
    FILE *file = fopen(path, "w");
    if (!file) {
        return -1;
    }
    fprintf(file,
            "interface: 127.0.0.1\npublish_port: %d\nret_port: %d\npki_dir: %s/m/pki\n"
            "file_root: %s/salt\npillar_root: %s/pillar\nsock_dir: %s/m/sock\n"
            "cachedir: %s/m/cache\n",
            pub, req, work, work, work, work, work);
    return fclose(file);
}

//  Reads one line from every worker (NULL prefix: any line); 0 when each
//  said prefix
static int
s_hear_all(s_worker_t *workers, int count, const char *prefix, size_t *sum)
{
    *sum = 0;
    for (int i = 0; i < count; i++) {
        char line[128];
        if (!fgets(line, sizeof line, workers[i].report) ||
            strncmp(line, prefix, strlen(prefix)) != 0) {
            return -1;
        }
        *sum += strtoul(line + strlen(prefix), NULL, 10);
    }
    return 0;
}

//  The master's argv: SWARM_MASTER_PREFIX's words, then brine-master -c DIR
static pid_t
s_start_master(const char *bin, const char *work)
{
    char exe[4200], conf[4200], log[4200];
    snprintf(exe, sizeof exe, "%s/brine-master", bin);
    snprintf(conf, sizeof conf, "%s/m", work);
    snprintf(log, sizeof log, "%s/master.log", work);
    char *prefix = getenv("SWARM_MASTER_PREFIX") ? strdup(getenv("SWARM_MASTER_PREFIX")) : NULL;
    char *argv[40];
    int argc = 0;
    for (char *save = NULL, *word = prefix ? strtok_r(prefix, " ", &save) : NULL; word && argc < 32;
         word = strtok_r(NULL, " ", &save)) {
        argv[argc++] = word;
    }
    argv[argc++] = exe;
    argv[argc++] = "-c";
    argv[argc++] = conf;
    argv[argc] = NULL;
    pid_t pid = s_spawn(argv, NULL, NULL, log);
    free(prefix);
    return pid;
}

//  One setup: a fresh master and n fresh minions; then the runs
static int
s_setup(const s_opts_t *opts, size_t n, s_results_t *res)
{
    char work[] = "/tmp/brine-swarm.XXXXXX";
    if (!mkdtemp(work)) {
        return -1;
    }
    char path[4200], self_exe[4200];
    int rc = -1, nworkers = (int)((n + opts->per_proc - 1) / opts->per_proc);
    s_worker_t workers[S_MAX_WORKERS] = {{0}};
    pid_t master = -1;
    zsock_t *cli = NULL;
    br_keypair_t *master_keys = br_keypair_generate();
    br_errmsg_t err = {""};
    int pub = test_free_port(), req = test_free_port();
    char pub_ep[64], req_ep[64], pki[4200];
    snprintf(pub_ep, sizeof pub_ep, "tcp://127.0.0.1:%d", pub);
    snprintf(req_ep, sizeof req_ep, "tcp://127.0.0.1:%d", req);
    snprintf(pki, sizeof pki, "%s/m/pki", work);
    const char *dirs[] = {"m", "m/pki", "m/pki/minions", "salt", "pillar"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", work, dirs[i]);
        if (mkdir(path, 0700) != 0) {
            goto out;
        }
    }
    ssize_t len = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (len <= 0 || nworkers > S_MAX_WORKERS || !master_keys ||
        br_keypair_save(master_keys, pki, "master", &err) != BR_OK ||
        s_write_config(work, pub, req) != 0) {
        fprintf(stderr, "swarm: cannot set up %s: %s\n", work, err.text);
        goto out;
    }
    self_exe[len] = 0;
    for (int i = 0; i < nworkers; i++) {
        size_t first = (size_t)i * opts->per_proc;
        size_t count = first + opts->per_proc > n ? n - first : opts->per_proc;
        char first_s[32], count_s[32];
        snprintf(first_s, sizeof first_s, "%zu", first);
        snprintf(count_s, sizeof count_s, "%zu", count);
        char *argv[] = {self_exe, "--worker", "m", first_s, count_s, pki, pub_ep, req_ep, NULL};
        workers[i].pid = s_spawn(argv, &workers[i].cmd, &workers[i].report, NULL);
        if (workers[i].pid < 0) {
            goto out;
        }
    }
    size_t sum;
    if (s_hear_all(workers, nworkers, "keys", &sum) != 0) {
        fprintf(stderr, "swarm: a worker could not make its keys\n");
        goto out;
    }
    //  The key store reloads every directory changed within the last second
    //  at each look-up: let the accepted directory settle before the master
    //  starts, as it would after an operator's brine-key -A
    zclock_sleep(2100);
    master = s_start_master(opts->bin, work);
    snprintf(path, sizeof path, "%s/m/sock/master.ipc", work);
    for (int i = 0; i < 200 && access(path, F_OK) != 0; i++) {
        zclock_sleep(50);
    }
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "swarm: the master did not start (see %s/master.log)\n", work);
        goto out;
    }
    if (getenv("SWARM_PID_FILE")) {
        FILE *pid_file = fopen(getenv("SWARM_PID_FILE"), "w");
        if (pid_file) {
            fprintf(pid_file, "%d\n", (int)master);
            fclose(pid_file);
        }
    }
    double cpu0 = s_cpu_ms(master);
    int64_t start = bench_now_us();
    for (int i = 0; i < nworkers; i++) {
        fputs("go\n", workers[i].cmd);
        fflush(workers[i].cmd);
    }
    if (s_hear_all(workers, nworkers, "ready ", &sum) != 0 || sum != n) {
        fprintf(stderr, "swarm: only %zu of %zu minions were welcomed\n", sum, n);
        goto out;
    }
    s_add(&res->connect, (double)(bench_now_us() - start) / 1000);
    s_add(&res->connect_cpu, s_cpu_ms(master) - cpu0);
    cli = zsock_new(ZMQ_DEALER);
    if (!cli) {
        goto out;
    }
    zsock_set_linger(cli, 0);
    zsock_set_maxmsgsize(cli, BR_MSG_MAX);
    zsock_set_rcvhwm(cli, 0);
    if (zsock_connect(cli, "ipc://%s", path) != 0) {
        goto out;
    }
    //  A welcomed minion's subscription may still be on its way: warm up
    //  until every minion answers
    size_t returned = 0, missing = n;
    for (int i = 0; i < 60 && (returned != n || missing); i++) {
        if (s_job(cli, &returned, &missing) < 0) {
            goto out;
        }
        if (returned != n) {
            zclock_sleep(500);
        }
    }
    if (returned != n) {
        fprintf(stderr, "swarm: only %zu of %zu minions answered the warm-up job\n", returned, n);
        goto out;
    }
    for (int r = 0; r < opts->runs; r++) {
        double before = s_cpu_ms(master);
        double ms = s_job(cli, &returned, &missing);
        if (ms < 0 || returned != n) {
            res->failures++;
            continue;
        }
        s_add(&res->job, ms);
        s_add(&res->job_cpu, s_cpu_ms(master) - before);
    }
    s_add(&res->hwm, s_status_kib(master, "VmHWM") / 1024);
    s_add(&res->rss, s_status_kib(master, "VmRSS") / 1024);
    rc = 0;
out:
    zsock_destroy(&cli);
    for (int i = 0; i < nworkers; i++) {
        if (workers[i].cmd) {
            fclose(workers[i].cmd);
        }
        char line[128];
        if (workers[i].report && rc == 0 && fgets(line, sizeof line, workers[i].report)) {
            size_t answered = 0, refused = 0;
            sscanf(line, "served %zu %zu", &answered, &refused);
            if (refused) {
                fprintf(stderr, "swarm: worker %d refused %zu jobs\n", i, refused);
            }
        }
        if (workers[i].report) {
            fclose(workers[i].report);
        }
        if (workers[i].pid > 0) {
            kill(workers[i].pid, SIGTERM);
            waitpid(workers[i].pid, NULL, 0);
        }
    }
    if (master > 0) {
        //  How long a master takes to stop with its minions gone is worth
        //  knowing too (a service manager kills what takes too long)
        int64_t asked = bench_now_us();
        kill(master, SIGTERM);
        int stopped = 0;
        for (int i = 0; i < 1200 && stopped == 0; i++) {
            stopped = waitpid(master, NULL, WNOHANG);
            if (stopped == 0) {
                zclock_sleep(50);
            }
        }
        if (stopped == 0) {
            fprintf(stderr,
                    "swarm: brine-master with %zu minions did not stop within 60 s of "
                    "SIGTERM; killed\n",
                    n);
            kill(master, SIGKILL);
            waitpid(master, NULL, 0);
        } else if (rc == 0) {
            s_add(&res->stop, (double)(bench_now_us() - asked) / 1000);
        }
    }
    br_keypair_destroy(&master_keys);
    if (getenv("SWARM_KEEP")) {
        fprintf(stderr, "swarm: kept %s\n", work);
    } else {
        test_rmtree(work);
    }
    return rc;
}

static void
s_usage(FILE *out)
{
    fprintf(out, "Usage: swarm [-b BIN_DIR] [-n 100,1000,9900] [-s SETUPS] [-r RUNS] "
                 "[-p PER_PROC]\n"
                 "A job to N minions with their own CURVE keys on a real brine-master on "
                 "127.0.0.1:\nconnect time, time until every return is stored, the master's "
                 "CPU and memory.\n");
}

int
main(int argc, char **argv)
{
    if (argc >= 8 && strcmp(argv[1], "--worker") == 0) {
        return s_worker_main(argv + 2);
    }
    signal(SIGPIPE, SIG_IGN);
    zsys_handler_set(NULL);
    br_log_set_level("warning");
    s_opts_t opts = {"build/bin", 2000, 3, 7};
    const char *sizes = "100,1000,9900";
    int c;
    while ((c = getopt(argc, argv, "b:n:s:r:p:h")) != -1) {
        switch (c) {
        case 'b':
            opts.bin = optarg;
            break;
        case 'n':
            sizes = optarg;
            break;
        case 's':
            opts.setups = atoi(optarg);
            break;
        case 'r':
            opts.runs = atoi(optarg);
            break;
        case 'p':
            opts.per_proc = strtoul(optarg, NULL, 10);
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            s_usage(stderr);
            return 2;
        }
    }
    if (opts.setups < 1 || opts.runs < 1 || opts.per_proc < 1 ||
        opts.setups * opts.runs > S_MAX_SAMPLES) {
        s_usage(stderr);
        return 2;
    }
    char load[128] = "?";
    FILE *file = fopen("/proc/loadavg", "r");
    if (file && fgets(load, sizeof load, file)) {
        load[strcspn(load, "\n")] = 0;
    }
    if (file) {
        fclose(file);
    }
    printf("swarm: test.ping from a real brine-master to N CURVE minions on 127.0.0.1 "
           "(%d setups x %d runs; load %s)\n",
           opts.setups, opts.runs, load);
    int status = 0;
    char *list = strdup(sizes);
    for (char *save = NULL, *item = strtok_r(list, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        size_t n = strtoul(item, NULL, 10);
        s_results_t *res = calloc(1, sizeof *res);
        if (!res || n == 0) {
            free(res);
            status = 1;
            break;
        }
        for (int s = 0; s < opts.setups; s++) {
            if (s_setup(&opts, n, res) != 0) {
                status = 1;
            }
        }
        printf("N=%zu minions in %zu process(es)\n", n, (n + opts.per_proc - 1) / opts.per_proc);
        s_print("connect + hello + subscribe", &res->connect, "ms");
        s_print("  master CPU for that", &res->connect_cpu, "ms");
        s_print("job sent -> every return stored", &res->job, "ms");
        s_print("  master CPU per job", &res->job_cpu, "ms");
        s_print("master peak RSS (VmHWM)", &res->hwm, "MiB");
        s_print("master RSS after the jobs", &res->rss, "MiB");
        s_print("master stop (SIGTERM -> exit)", &res->stop, "ms");
        if (res->failures) {
            printf("  %zu runs did not get every return\n", res->failures);
        }
        fflush(stdout);
        free(res);
    }
    free(list);
    return status;
}
