/*  br_masters: the masters a minion may talk to (option master) and the
    order in which it tries them.

    Each entry is HOST or HOST:PORT, where PORT is the master's request port
    (its ret_port, as Salt's master_port) and HOST alone means the minion's
    ret_port option. The publish port is not written here: the master names
    it in its welcome.

    One entry is one master; several are a failover group, like Salt's
    master_type: failover. The minion uses the first master that answers, in
    list order; when that master fails (does not answer, or is lost) it
    tries the next, wrapping round, forever. Once every master has failed in
    turn it waits before the next round, doubling the wait up to a cap, and
    an answer starts afresh. This file keeps that order; br_minion decides
    what counts as an answer. */
#ifndef BR_MASTERS_H
#define BR_MASTERS_H

#include "brine.h"

//  Most masters in one list
#define BR_MASTERS_MAX 64

typedef struct _br_masters_t br_masters_t;

//  Reads and checks the options master and ret_port. A bad entry is an
//  error naming the file, the line and the option.
br_masters_t *br_masters_new(const br_config_t *config, br_errmsg_t *err);
void br_masters_destroy(br_masters_t **self_p);

size_t br_masters_size(const br_masters_t *self);
const char *br_masters_host(const br_masters_t *self, size_t index);
//  The master's request port
int br_masters_port(const br_masters_t *self, size_t index);
//  "HOST:PORT", for logs
const char *br_masters_name(const br_masters_t *self, size_t index);

//  Replaces each host name by its IPv4 address, for a process about to
//  lose the files a resolver reads (a chroot). Names that do not resolve
//  stay (and fail as unreachable, so failover skips them). The number of
//  names that did not resolve.
size_t br_masters_resolve(br_masters_t *self);

//  The index of the master to try now (0 at first).
size_t br_masters_current(const br_masters_t *self);

//  The current master failed: moves on to the next and returns how many
//  milliseconds to wait before trying it, 0 while some master of this
//  round is untried, else the round's backoff (BR_CLIENT_RECONNECT_IVL,
//  doubling up to BR_CLIENT_RECONNECT_IVL_MAX).
int br_masters_failed(br_masters_t *self);

//  The current master answered: the next failure starts a new round, with
//  the shortest wait.
void br_masters_answered(br_masters_t *self);

#endif
