/*  Unit tests for br_monitor and br_monitor_proto: the real monitor serves
    a forked child that plays a compromised network child, writing frames
    of its choosing (after the real drop of privileges where the case needs
    it). Every frame outside the table is refused with BR_ERR_DENIED:
    unknown operations, frames over their bound or cut short, READY twice
    or from a process that kept root, RUN_JOB before READY, a request
    before the answer to the last, a malformed RUN_JOB. A job that does not
    open (another key, edited, expired, replayed) is refused without
    running; a job the master sealed runs and only its result comes back. */
#include "br_monitor.h"
#include "br_monitor_proto.h"
#include "br_privsep.h"
#include "testutil.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_NOBODY 65534

typedef struct {
    br_keypair_t *master, *minion, *rogue;
    br_sealer_t *master_sealer, *rogue_sealer;
    br_jidgen_t *jids;
    br_client_t *opener;
    br_monitor_t *monitor;
    char *dir;        //  scratch: replay cache
    char empty[4200]; //  the child's chroot
} s_fixture_t;

//  What the child does: a list of steps, each a frame to write or a wait
//  for the monitor's answer
typedef struct {
    enum { S_DROP, S_RAW, S_BYTES, S_READ, S_CLOSE } what;
    uint32_t op;
    uint32_t declared; //  length in the header (S_RAW)
    const uint8_t *data;
    size_t size; //  bytes actually written after the header
} s_step_t;

//  A job: clear header and sealed body, by sealer (the master's, or not)
static zframe_t *
s_job(s_fixture_t *fx, br_sealer_t *sealer, const char *jid, int64_t exp_ms, zframe_t **sealed_p)
{
    br_msg_t *header = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(header, jid);
    br_msg_set_exp(header, exp_ms);
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(body, jid);
    br_msg_set_fun(body, "test.ping");
    zframe_t *clear = br_msg_encode(header);
    br_secret_t *plain = br_msg_encode_secret(body);
    *sealed_p = br_seal(sealer, br_keypair_public(fx->minion), zframe_data(clear),
                        zframe_size(clear), br_secret_cdata(plain), br_secret_size(plain));
    br_secret_destroy(&plain);
    br_msg_destroy(&body);
    br_msg_destroy(&header);
    return clear;
}

//  RUN_JOB's payload: u32 header size, header, sealed
static uint8_t *
s_run_payload(zframe_t *clear, zframe_t *sealed, size_t *size_p)
{
    uint32_t clear_size = (uint32_t)zframe_size(clear);
    *size_p = 4 + zframe_size(clear) + zframe_size(sealed);
    uint8_t *payload = malloc(*size_p);
    memcpy(payload, &clear_size, 4);
    memcpy(payload + 4, zframe_data(clear), zframe_size(clear));
    memcpy(payload + 4 + zframe_size(clear), zframe_data(sealed), zframe_size(sealed));
    return payload;
}

static void
s_child(s_fixture_t *fx, int fd, const s_step_t *steps, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const s_step_t *step = &steps[i];
        br_errmsg_t err = {""};
        if (step->what == S_DROP) {
            if (br_privsep_drop(fd, fx->empty, S_NOBODY, S_NOBODY, &err) != BR_OK) {
                _exit(3);
            }
        } else if (step->what == S_RAW) {
            uint32_t header[2] = {step->op, step->declared};
            if (write(fd, header, sizeof header) != (ssize_t)sizeof header ||
                (step->size && write(fd, step->data, step->size) != (ssize_t)step->size)) {
                _exit(4);
            }
        } else if (step->what == S_BYTES) {
            if (write(fd, step->data, step->size) != (ssize_t)step->size) {
                _exit(4);
            }
        } else if (step->what == S_READ) {
            uint32_t op;
            uint8_t *payload = NULL;
            size_t size;
            if (br_mon_recv(fd, &op, &payload, &size, BR_MON_PAYLOAD_MAX, &err) != BR_OK) {
                _exit(5);
            }
            free(payload);
        } else {
            _exit(0);
        }
    }
    //  Hold the socket open until the monitor is done with us
    char byte;
    while (read(fd, &byte, 1) > 0) {
    }
    _exit(0);
}

//  Runs the monitor against a child doing steps; its return, err its reason
static int
s_serve(s_fixture_t *fx, const s_step_t *steps, size_t count, br_errmsg_t *err)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
        return -100;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pair[0]);
        s_child(fx, pair[1], steps, count);
    }
    close(pair[1]);
    //  A monitor that waited for bytes a bound should have refused would hang
    alarm(30);
    int rc = br_monitor_serve(fx->monitor, pair[0], pid, err);
    alarm(0);
    close(pair[0]);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return rc;
}

#define SERVE_DENIED(fx, steps, words)                                                             \
    do {                                                                                           \
        br_errmsg_t err_ = {""};                                                                   \
        CHECK_EQ_INT(s_serve(fx, steps, sizeof steps / sizeof steps[0], &err_), BR_ERR_DENIED);    \
        if (!strstr(err_.text, words)) {                                                           \
            fprintf(stderr, "%s:%d: reason '%s' lacks '%s'\n", __FILE__, __LINE__, err_.text,      \
                    words);                                                                        \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

//  A well-behaved child (dropped, READY) sends each payload as RUN_JOB and
//  relays each answer to us through a pipe. The monitor serves here;
//  answers[i] is the document answered to payloads[i] (NULL if none).
static int
s_run_jobs(s_fixture_t *fx, uint8_t **payloads, size_t *sizes, size_t count, bson_t **answers)
{
    int pair[2], relay[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0 || pipe(relay) != 0) {
        return -100;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(pair[0]);
        close(relay[0]);
        br_errmsg_t err = {""};
        if (br_privsep_drop(pair[1], fx->empty, S_NOBODY, S_NOBODY, &err) != BR_OK) {
            _exit(3);
        }
        for (size_t i = 0; i < count; i++) {
            struct iovec part = {payloads[i], sizes[i]};
            uint32_t op;
            uint8_t *answer = NULL;
            size_t got = 0;
            if (br_mon_send(pair[1], BR_MON_RUN_JOB, &part, 1) != BR_OK ||
                br_mon_recv(pair[1], &op, &answer, &got, BR_MON_PAYLOAD_MAX, &err) != BR_OK ||
                op != BR_MON_RUN_JOB) {
                _exit(4);
            }
            uint32_t len = (uint32_t)got;
            if (write(relay[1], &len, 4) != 4 || write(relay[1], answer, got) != (ssize_t)got) {
                _exit(5);
            }
            free(answer);
        }
        _exit(0);
    }
    close(pair[1]);
    close(relay[1]);
    alarm(60);
    br_errmsg_t err = {""};
    int rc = br_monitor_serve(fx->monitor, pair[0], pid, &err);
    alarm(0);
    if (rc != BR_OK) {
        fprintf(stderr, "monitor: %s\n", err.text);
    }
    for (size_t i = 0; i < count; i++) {
        uint32_t len = 0;
        answers[i] = NULL;
        if (read(relay[0], &len, 4) == 4 && len < 65536) {
            uint8_t *buf = malloc(len);
            if (buf && read(relay[0], buf, len) == (ssize_t)len) {
                answers[i] = bson_new_from_data(buf, len);
            }
            free(buf);
        }
    }
    close(pair[0]);
    close(relay[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return rc;
}

static bool
s_has(const bson_t *doc, const char *key, const char *words)
{
    bson_iter_t it;
    return doc && bson_iter_init_find(&it, doc, key) &&
           (!words || (BSON_ITER_HOLDS_UTF8(&it) && strstr(bson_iter_utf8(&it, NULL), words)));
}

static void
s_test_frames(s_fixture_t *fx)
{
    uint8_t junk[64] = {0};
    //  Unknown operations, before and after READY; one the table has not
    //  got (a GRAINS-like 3) and the reply-looking 0
    s_step_t unknown[] = {{S_RAW, 99, 0, NULL, 0}};
    SERVE_DENIED(fx, unknown, "unknown operation 99");
    s_step_t zero[] = {{S_RAW, 0, 0, NULL, 0}};
    SERVE_DENIED(fx, zero, "unknown operation 0");
    s_step_t unknown_after[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, 3, 8, junk, 8}};
    SERVE_DENIED(fx, unknown_after, "unknown operation 3");
    //  Over the bound: refused on the header, nothing more read (the child
    //  sends no payload; a monitor that waited for it would hang)
    s_step_t oversize[] = {{S_DROP, 0, 0, NULL, 0},
                           {S_RAW, BR_MON_RUN_JOB, BR_MON_PAYLOAD_MAX + 1, NULL, 0}};
    SERVE_DENIED(fx, oversize, "over its bound");
    s_step_t huge[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, BR_MON_RUN_JOB, 0xFFFFFFFFu, NULL, 0}};
    SERVE_DENIED(fx, huge, "over its bound");
    s_step_t ready_payload[] = {{S_RAW, BR_MON_READY, 1, junk, 1}};
    SERVE_DENIED(fx, ready_payload, "READY of 1 bytes");
    //  Cut short: in the header, in the payload
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    uint32_t half = BR_MON_READY;
    CHECK(write(pair[1], &half, 4) == 4);
    close(pair[1]);
    br_errmsg_t err = {""};
    CHECK_EQ_INT(br_monitor_serve(fx->monitor, pair[0], getpid(), &err), BR_ERR_DENIED);
    CHECK(strstr(err.text, "header ends after 4 of 8") != NULL);
    close(pair[0]);
    s_step_t short_payload[] = {{S_DROP, 0, 0, NULL, 0},
                                {S_RAW, BR_MON_RUN_JOB, 100, junk, 10},
                                {S_CLOSE, 0, 0, NULL, 0}};
    SERVE_DENIED(fx, short_payload, "ends after 10 of 100");
    //  Wrong order: RUN_JOB before READY, READY twice
    s_step_t early[] = {{S_RAW, BR_MON_RUN_JOB, 8, junk, 8}};
    SERVE_DENIED(fx, early, "RUN_JOB before READY");
    s_step_t twice[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, BR_MON_READY, 0, NULL, 0}};
    SERVE_DENIED(fx, twice, "READY a second time");
    //  READY from a process that kept root (no drop at all)
    s_step_t root[] = {{S_RAW, BR_MON_READY, 0, NULL, 0}, {S_READ, 0, 0, NULL, 0}};
    SERVE_DENIED(fx, root, "has not dropped its privileges");
    //  Two requests before the first answer
    //  (in one write, so that both are there before the first is answered)
    uint8_t two[48] = {BR_MON_RUN_JOB, 0, 0, 0, 16, 0, 0, 0, 4};
    memcpy(two + 24, two, 24);
    s_step_t pipelined[] = {{S_DROP, 0, 0, NULL, 0}, {S_BYTES, 0, 0, two, sizeof two}};
    SERVE_DENIED(fx, pipelined, "before the answer to RUN_JOB");
    //  RUN_JOB whose header size does not fit its payload, or is 0
    uint8_t overlong[8] = {200, 0, 0, 0};
    s_step_t malformed[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, BR_MON_RUN_JOB, 8, overlong, 8}};
    SERVE_DENIED(fx, malformed, "declares a job header of 200 bytes");
    uint8_t empty_header[8] = {0};
    s_step_t empty[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, BR_MON_RUN_JOB, 8, empty_header, 8}};
    SERVE_DENIED(fx, empty, "job header of 0 bytes");
    s_step_t tiny[] = {{S_DROP, 0, 0, NULL, 0}, {S_RAW, BR_MON_RUN_JOB, 3, junk, 3}};
    SERVE_DENIED(fx, tiny, "RUN_JOB of 3 bytes");
    //  A child that only says READY and leaves: a clean end
    s_step_t polite[] = {{S_DROP, 0, 0, NULL, 0}, {S_CLOSE, 0, 0, NULL, 0}};
    CHECK_EQ_INT(s_serve(fx, polite, 2, &err), BR_OK);
}

static void
s_test_jobs(s_fixture_t *fx)
{
    char jid[BR_JID_LEN + 1], old_jid[BR_JID_LEN + 1], rogue_jid[BR_JID_LEN + 1];
    int64_t later = zclock_time() + 60000;
    br_jidgen_next(fx->jids, old_jid);
    br_jidgen_next(fx->jids, rogue_jid);
    br_jidgen_next(fx->jids, jid);
    zframe_t *sealed = NULL, *rogue_sealed = NULL, *old_sealed = NULL;
    zframe_t *clear = s_job(fx, fx->master_sealer, jid, later, &sealed);
    zframe_t *rogue_clear = s_job(fx, fx->rogue_sealer, rogue_jid, later, &rogue_sealed);
    zframe_t *old_clear = s_job(fx, fx->master_sealer, old_jid, zclock_time() - 1000, &old_sealed);
    CHECK(clear && sealed && rogue_clear && rogue_sealed && old_clear && old_sealed);
    //  An edited body: one bit of the sealed frame flipped
    zframe_t *edited = zframe_dup(sealed);
    zframe_data(edited)[zframe_size(edited) - 1] ^= 1;
    uint8_t *payloads[6];
    size_t sizes[6];
    payloads[0] = s_run_payload(rogue_clear, rogue_sealed, &sizes[0]); //  another key
    payloads[1] = s_run_payload(clear, edited, &sizes[1]);             //  edited
    payloads[2] = s_run_payload(old_clear, old_sealed, &sizes[2]);     //  expired
    payloads[3] = s_run_payload(rogue_clear, sealed, &sizes[3]);       //  swapped header
    payloads[4] = s_run_payload(clear, sealed, &sizes[4]);             //  the master's job
    payloads[5] = s_run_payload(clear, sealed, &sizes[5]);             //  and its replay
    bson_t *answers[6] = {NULL};
    CHECK_EQ_INT(s_run_jobs(fx, payloads, sizes, 6, answers), BR_OK);
    CHECK(s_has(answers[0], "refused", "does not open with our key"));
    CHECK(s_has(answers[1], "refused", "does not open with our key"));
    CHECK(s_has(answers[2], "refused", "expired"));
    CHECK(s_has(answers[3], "refused", NULL));
    CHECK(s_has(answers[4], "jid", jid) && s_has(answers[4], "fun", "test.ping") &&
          s_has(answers[4], "ret", NULL) && s_has(answers[4], "ok", NULL) &&
          !s_has(answers[4], "refused", NULL));
    CHECK(s_has(answers[5], "refused", "replay refused"));
    CHECK_EQ_INT(br_monitor_jobs_run(fx->monitor), 1);
    for (size_t i = 0; i < 6; i++) {
        bson_destroy(answers[i]);
        free(payloads[i]);
    }
    zframe_destroy(&edited);
    zframe_destroy(&clear);
    zframe_destroy(&sealed);
    zframe_destroy(&rogue_clear);
    zframe_destroy(&rogue_sealed);
    zframe_destroy(&old_clear);
    zframe_destroy(&old_sealed);
}

int
main(void)
{
    if (geteuid() != 0) {
        printf("unit_monitor: skipped (needs root to drop privileges for real)\n");
        return 77;
    }
    br_log_set_level("error");
    s_fixture_t fx = {0};
    fx.dir = test_tmpdir();
    CHECK(fx.dir != NULL);
    if (!fx.dir) {
        return test_done("unit_monitor");
    }
    snprintf(fx.empty, sizeof fx.empty, "%s/empty", fx.dir);
    CHECK(mkdir(fx.empty, 0755) == 0);
    //  test_tmpdir's own mode: the child must reach its chroot
    CHECK(chmod(fx.dir, 0711) == 0);
    fx.master = br_keypair_generate();
    fx.minion = br_keypair_generate();
    fx.rogue = br_keypair_generate();
    fx.master_sealer = br_sealer_new(fx.master);
    fx.rogue_sealer = br_sealer_new(fx.rogue);
    fx.jids = br_jidgen_new();
    br_errmsg_t err = {""};
    fx.opener = br_client_new(fx.minion, br_keypair_public(fx.master), "web1", NULL, NULL, &err);
    CHECK(fx.opener != NULL);
    char path[4300];
    snprintf(path, sizeof path, "%s/jids", fx.dir);
    CHECK_EQ_INT(br_client_replay_file(fx.opener, path), BR_OK);
    fx.monitor = br_monitor_new(fx.opener, 10, S_NOBODY, S_NOBODY);
    CHECK(fx.monitor != NULL);
    signal(SIGPIPE, SIG_IGN);
    if (fx.opener && fx.monitor) {
        s_test_frames(&fx);
        s_test_jobs(&fx);
    }
    br_monitor_destroy(&fx.monitor);
    br_client_destroy(&fx.opener);
    br_jidgen_destroy(&fx.jids);
    br_sealer_destroy(&fx.master_sealer);
    br_sealer_destroy(&fx.rogue_sealer);
    br_keypair_destroy(&fx.master);
    br_keypair_destroy(&fx.minion);
    br_keypair_destroy(&fx.rogue);
    test_rmtree(fx.dir);
    free(fx.dir);
    return test_done("unit_monitor");
}
