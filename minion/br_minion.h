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

//  Runs until interrupted. 0 on a clean stop.
int br_minion_run(br_minion_t *self);

#endif
