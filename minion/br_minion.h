/*  br_minion: the brine-minion daemon's state and event loop.

    Enrol, say hello, subscribe, ask for the startup job, run every job that
    opens with our key, return the result, wipe. While the key is pending or
    refused it retries every acceptance_wait_time seconds, forever. */
#ifndef BR_MINION_H
#define BR_MINION_H

#include "brine.h"

typedef struct _br_minion_t br_minion_t;

//  Loads (or creates) the minion key pair and the pinned master key from
//  pki_dir. The config must outlive the minion.
br_minion_t *br_minion_new(br_config_t *config, br_errmsg_t *err);
void br_minion_destroy(br_minion_t **self_p);

//  Privilege separation (br_privsep), in the network child before it
//  drops root: reads the grains once (the chroot hides /etc and /sys) and
//  resolves the masters' names (it hides resolv.conf too).
//  In the network child, before anything else: wipes the secret of the
//  sealing key pair, which only the monitor may hold (the child still sends
//  its public key)
void br_minion_forget_seal_key(br_minion_t *self);

int br_minion_before_chroot(br_minion_t *self, br_errmsg_t *err);

//  From now on jobs are not opened here but handed, sealed, to the monitor
//  at the other end of fd, which runs them (br_monitor).
void br_minion_set_monitor(br_minion_t *self, int fd);

//  A network child started again after jobs_run jobs: the startup job is
//  not asked for again once a job has run (as after a failover).
void br_minion_set_jobs_run(br_minion_t *self, size_t jobs_run);

//  The client that holds the key, the pinned master key and the replay
//  cache: the monitor opens jobs with it.
br_client_t *br_minion_client(br_minion_t *self);

//  Runs until interrupted. 0 on a clean stop.
int br_minion_run(br_minion_t *self);

#endif
