/*  br_grains: facts about this machine, as Salt's core grains name them
    (id, host, kernel, kernelrelease, cpuarch, os, os_family, osrelease,
    oscodename). They reach the master in the minion's hello, and state files
    through {{ grains.x }}. */
#ifndef BR_GRAINS_H
#define BR_GRAINS_H

#include "br_value.h"

//  A map of grains for minion id. NULL on allocation failure.
br_value_t *br_grains_collect(const char *id);

#endif
