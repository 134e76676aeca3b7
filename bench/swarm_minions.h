/*  swarm_minions: many minions in one process, for bench/swarm.

    Each minion has its own CURVE key pair, its own br_client (a DEALER and a
    SUB, CURVE clients pinned to the master's key) and speaks the real
    protocol through the protocol library: hello, the master's welcome, the
    subscription, then every job received is checked (topic, expiry,
    replay), opened with the minion's own key and answered with a return.
    One epoll set watches every socket, so a process holds a couple of
    thousand minions without a poll over all of them at each wake.

    What differs from brine-minion, on purpose: keys are made in memory and
    their public halves written straight into the master's accepted
    directory (as brine-key -a leaves them), so there is no enrolment
    round; test.ping is answered in the loop instead of a forked child; the
    jids run are kept in memory only (brine-minion also writes them to its
    cache directory with an fsync per job). */
#ifndef SWARM_MINIONS_H
#define SWARM_MINIONS_H

#include "brine.h"

typedef struct _swarm_minions_t swarm_minions_t;

//  count minions named PREFIX%05zu from first on, with fresh key pairs whose
//  public keys are written to accepted_dir/ID.
swarm_minions_t *swarm_minions_new(const char *prefix, size_t first, size_t count,
                                   const char *accepted_dir, br_errmsg_t *err);
void swarm_minions_destroy(swarm_minions_t **self_p);

//  Connects every minion, says hello and subscribes once welcomed. Returns
//  when all were welcomed (0) or after timeout_ms (negative; *welcomed says
//  how many were).
int swarm_minions_connect(swarm_minions_t *self, const uint8_t master_key[BR_KEY_SIZE],
                          const char *pub_endpoint, const char *req_endpoint, int timeout_ms,
                          size_t *welcomed);

//  Answers jobs until stop_fd becomes readable (or is closed).
void swarm_minions_serve(swarm_minions_t *self, int stop_fd);

//  Jobs answered, and jobs refused (did not open, expired, replayed).
size_t swarm_minions_answered(const swarm_minions_t *self);
size_t swarm_minions_refused(const swarm_minions_t *self);

#endif
