/*  fuzz_monitor: the minion's monitor (privilege separation), reading what
 *  a compromised network child writes to it.
 *
 *  The input is the byte stream on the socketpair: the harness writes it
 *  to one end, closes that end, and lets br_monitor_serve read the other
 *  until it refuses a frame or reaches the end. This process plays the
 *  child, so READY passes when it holds no extra group (no_new_privs is set
 *  once); RUN_JOB payloads then go through the job opener with real keys.
 *  Nothing is run: no input can seal a job with the master's key. */
#include "br_monitor.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  Below a socketpair's buffer: all of it is written before serving starts
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
    //  The monitor's answers go nowhere: never wait on a full buffer
    fcntl(pair[0], F_SETFL, O_NONBLOCK);
    if (size && write(pair[1], data, size) != (ssize_t)size) {
        abort();
    }
    shutdown(pair[1], SHUT_WR);
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
    close(pair[1]);
    return 0;
}
