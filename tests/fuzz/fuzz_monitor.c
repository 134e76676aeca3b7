/*  fuzz_monitor: the minion's monitor (privilege separation), reading what
 *  a compromised network child writes to it.
 *
 *  The input is the byte stream on the socketpair. A thread plays the
 *  child: it writes the input frame by frame (as its own headers cut it)
 *  and reads each answer, while br_monitor_serve reads the other end until
 *  it refuses a frame or reaches the end. This process is the child the
 *  monitor checks, so READY passes when it holds no extra group
 *  (no_new_privs is set once); RUN_JOB payloads then go through the job
 *  opener with real keys. Nothing is run: no input can seal a job with
 *  the master's key. */
#include "br_monitor.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  Bounds the time of one input (each frame waits for its answer)
#define S_INPUT_MAX (64 * 1024)

typedef struct {
    br_keypair_t *master, *minion;
    br_client_t *opener;
} s_keys_t;

static s_keys_t *
s_keys(void)
{
    static s_keys_t keys;
    if (!keys.master) {
        br_log_set_level("error");
        keys.master = br_keypair_generate();
        keys.minion = br_keypair_generate();
        br_errmsg_t err = {""};
        keys.opener = keys.minion && keys.master
                          ? br_client_new(keys.minion, br_keypair_public(keys.master), "web1",
                                          NULL, NULL, &err)
                          : NULL;
        if (!keys.opener || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
            abort();
        }
    }
    return &keys;
}

//  The child's side: the input cut into frames by their own headers, each
//  written whole (a request at a time, as the monitor demands) and its
//  answer read before the next; a frame the input ends in is written as far
//  as it goes, and the end closed
typedef struct {
    int fd;
    const uint8_t *data;
    size_t size;
} s_child_t;

static bool
s_read_answer(int fd)
{
    uint32_t header[2];
    uint8_t buf[4096];
    size_t want = sizeof header, got = 0;
    while (got < want) {
        ssize_t n = read(fd, (uint8_t *)header + got, want - got);
        if (n <= 0) {
            return false;
        }
        got += (size_t)n;
    }
    for (size_t left = header[1]; left > 0;) {
        ssize_t n = read(fd, buf, left < sizeof buf ? left : sizeof buf);
        if (n <= 0) {
            return false;
        }
        left -= (size_t)n;
    }
    return true;
}

static void *
s_child(void *arg)
{
    s_child_t *child = arg;
    size_t at = 0;
    while (at < child->size) {
        size_t frame = child->size - at;
        bool whole = false;
        if (frame >= 8) {
            uint32_t declared;
            memcpy(&declared, child->data + at + 4, 4);
            whole = frame - 8 >= declared;
            frame = whole ? 8 + (size_t)declared : frame;
        }
        if (write(child->fd, child->data + at, frame) != (ssize_t)frame) {
            break;
        }
        at += frame;
        if (!whole || !s_read_answer(child->fd)) {
            break;
        }
    }
    shutdown(child->fd, SHUT_WR);
    char byte;
    while (read(child->fd, &byte, 1) > 0) {
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_keys_t *keys = s_keys();
    if (size > S_INPUT_MAX) {
        size = S_INPUT_MAX;
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
        abort();
    }
    s_child_t child = {pair[1], data, size};
    pthread_t thread;
    if (pthread_create(&thread, NULL, s_child, &child) != 0) {
        abort();
    }
    br_monitor_t *monitor = br_monitor_new(keys->opener, 1, getuid(), getgid());
    br_errmsg_t err = {""};
    int rc = br_monitor_serve(monitor, pair[0], getpid(), &err);
    //  Every end is one of the three, and a refusal says why
    if ((rc != BR_OK && rc != BR_ERR_DENIED && rc != BR_ERR_IO) ||
        (rc == BR_ERR_DENIED && !err.text[0])) {
        abort();
    }
    br_monitor_destroy(&monitor);
    close(pair[0]);
    pthread_join(thread, NULL);
    close(pair[1]);
    return 0;
}
