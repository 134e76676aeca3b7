/*  br_privsep: privilege separation of brine-minion (docs/privsep.md).

    Started as root, the minion forks. The parent, the monitor, keeps root
    and the right to open and run jobs, and never touches the network. The
    child, the network child, drops to privsep_user in an empty chroot
    (privsep_dir) with no_new_privs, and then does everything the network
    brings: CURVE, enrolment, hello, subscription, decoding. It asks the
    monitor to run each job it receives, sealed as it came (br_monitor).

    A child that dies is started again, after 1 s, doubling up to 60 s while
    it keeps dying young; one that breaks the protocol is killed and logged
    first. A child that exits 0 was told to stop: so does the monitor. A
    SIGTERM or SIGINT to the monitor is passed on to the child. */
#ifndef BR_PRIVSEP_H
#define BR_PRIVSEP_H

#include "br_minion.h"

typedef enum {
    BR_PRIVSEP_OFF,   //  no separation (privsep: False, or not root): run here
    BR_PRIVSEP_CHILD, //  in the network child, privileges dropped: run here
    BR_PRIVSEP_DONE,  //  the monitor has finished; *status_p is its exit status
    BR_PRIVSEP_ERROR, //  cannot separate (err says why); exit 1
} br_privsep_role_t;

//  Decides whether to separate, and does. Returns in the network child
//  (which then runs the minion) and, when everything is over, in the
//  monitor.
br_privsep_role_t br_privsep_start(br_config_t *config, br_minion_t *minion, int *status_p,
                                   br_errmsg_t *err);

//  The network child's side, for tests that play a child: drops to the
//  uid and gid in an empty chroot dir with no_new_privs, and says READY
//  on fd. BR_OK, or an error naming the step that failed.
int br_privsep_drop(int fd, const char *dir, uid_t uid, gid_t gid, br_errmsg_t *err);

#endif
