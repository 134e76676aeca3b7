/*  bench_ping: the time of one job through a running master, as `brine`
    sends it, without the start of the brine process itself.

    It connects to the master's local socket (SOCK_DIR/master.ipc) as the
    brine CLI does and sends RUNS jobs one after the other. For each it
    reports, in microseconds: from sending the job to the master's first
    answer (the jid and the minions expected), to the last return, and to
    the master's "done" (every return stored in the job cache). It prints
    one line per run:  RUN  START_US  LAST_RETURN_US  DONE_US  RETURNS  MISSING
    and exits non-zero only when a job cannot be sent or gets no answer.

    usage: bench_ping SOCK_DIR TARGET [RUNS] [FUN] */
#include "brine.h"

#include <stdio.h>
#include <stdlib.h>

//  A return that takes longer counts as lost, as brine's default -t 10
#define S_JOB_TIMEOUT_S 10

//  One job: 0 with the times filled in, -1 when the master did not answer
static int
s_one_job(zsock_t *sock, const char *tgt, const char *fun, int64_t times_us[3], size_t *returns,
          size_t *missing)
{
    br_msg_t *job = br_msg_new(BR_MSG_CLI_JOB);
    bson_t arg = BSON_INITIALIZER, kwarg = BSON_INITIALIZER;
    if (!job || br_msg_set_tgt(job, tgt) != 0 || br_msg_set_tgt_type(job, "glob") != 0 ||
        br_msg_set_fun(job, fun) != 0 || br_msg_set_arg(job, &arg) != 0 ||
        br_msg_set_kwarg(job, &kwarg) != 0 || br_msg_set_timeout(job, S_JOB_TIMEOUT_S) != 0) {
        br_msg_destroy(&job);
        return -1;
    }
    zframe_t *frame = br_msg_encode(job);
    br_msg_destroy(&job);
    int64_t t0 = zclock_usecs();
    if (!frame || zframe_send(&frame, sock, 0) != 0) {
        zframe_destroy(&frame);
        return -1;
    }
    *returns = *missing = 0;
    times_us[0] = times_us[1] = times_us[2] = -1;
    zpoller_t *poller = zpoller_new(sock, NULL);
    int rc = -1;
    while (poller && zpoller_wait(poller, (S_JOB_TIMEOUT_S + 5) * 1000)) {
        zframe_t *in = zframe_recv(sock);
        int64_t now = zclock_usecs() - t0;
        br_msg_t *msg = NULL;
        br_errmsg_t err;
        if (!in || br_msg_decode(&msg, zframe_data(in), zframe_size(in), &err) < 0) {
            zframe_destroy(&in);
            continue;
        }
        zframe_destroy(&in);
        br_msg_type_t type = br_msg_type(msg);
        if (type == BR_MSG_CLI_START) {
            times_us[0] = now;
        } else if (type == BR_MSG_CLI_RETURN) {
            times_us[1] = now;
            (*returns)++;
        } else if (type == BR_MSG_CLI_DONE) {
            times_us[2] = now;
            *missing = bson_count_keys(br_msg_missing(msg));
            rc = 0;
        } else if (type == BR_MSG_ERROR) {
            fprintf(stderr, "bench_ping: the master answered: %s\n", br_msg_text(msg));
        }
        br_msg_destroy(&msg);
        if (type == BR_MSG_CLI_DONE || type == BR_MSG_ERROR) {
            break;
        }
    }
    zpoller_destroy(&poller);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: bench_ping SOCK_DIR TARGET [RUNS] [FUN]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    const char *fun = argc > 4 ? argv[4] : "test.ping";
    if (runs < 1) {
        fprintf(stderr, "bench_ping: RUNS must be a positive number\n");
        return 2;
    }
    zsys_handler_set(NULL);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock) {
        fprintf(stderr, "bench_ping: no ZeroMQ socket\n");
        return 1;
    }
    zsock_set_linger(sock, 0);
    zsock_set_maxmsgsize(sock, BR_MSG_MAX);
    if (zsock_connect(sock, "ipc://%s/master.ipc", argv[1]) < 0) {
        fprintf(stderr, "bench_ping: cannot connect to %s/master.ipc\n", argv[1]);
        zsock_destroy(&sock);
        return 1;
    }
    int status = 0;
    for (int run = 1; run <= runs && status == 0; run++) {
        int64_t times[3];
        size_t returns, missing;
        if (s_one_job(sock, argv[2], fun, times, &returns, &missing) != 0) {
            fprintf(stderr, "bench_ping: run %d: no answer from the master\n", run);
            status = 1;
            break;
        }
        printf("%d %lld %lld %lld %zu %zu\n", run, (long long)times[0], (long long)times[1],
               (long long)times[2], returns, missing);
        fflush(stdout);
    }
    zsock_destroy(&sock);
    return status;
}
