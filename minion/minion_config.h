/*  minion_config: the options of /etc/brine/minion. */
#ifndef MINION_CONFIG_H
#define MINION_CONFIG_H

#include "brine.h"

extern const br_option_t br_minion_options[];

//  Loads CONFDIR/minion (CONFDIR defaults to /etc/brine).
br_config_t *br_minion_config_load(const char *confdir, br_errmsg_t *err);

#endif
