/*  master_config: the options of /etc/brine/master, shared by brine-master,
    brine-key and brine (so they agree on paths and ports). */
#ifndef MASTER_CONFIG_H
#define MASTER_CONFIG_H

#include "brine.h"

#define BR_MASTER_CONF_DIR "/etc/brine"

extern const br_option_t br_master_options[];

//  Loads CONFDIR/master (CONFDIR defaults to /etc/brine).
br_config_t *br_master_config_load(const char *confdir, br_errmsg_t *err);

#endif
