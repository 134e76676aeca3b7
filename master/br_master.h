/*  br_master: the brine-master daemon's state and event loop.

    One zloop drives everything: the ZAP handler, subscriptions arriving on
    the publish socket, requests on the request socket, and a one-second
    tick that picks up key changes and reports jobs that did not return. */
#ifndef BR_MASTER_H
#define BR_MASTER_H

#include "brine.h"

typedef struct _br_master_t br_master_t;

//  S6: true when pillar_root holds a file or folder others can read (links
//  followed, as the pillar loader follows them); the first one found is
//  copied to offender. The master refuses to start then.
bool br_master_pillar_exposed(const char *pillar_root, char *offender, size_t size);

//  Loads (or on first start creates) the master's key pair in pki_dir, opens
//  the key store and binds the sockets. The config must outlive the master.
br_master_t *br_master_new(br_config_t *config, br_errmsg_t *err);
void br_master_destroy(br_master_t **self_p);

//  Runs until interrupted (SIGINT/SIGTERM). 0 on a clean stop.
int br_master_run(br_master_t *self);

#endif
