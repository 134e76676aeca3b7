/*  brine protocol library: everything the master, the minion and the CLIs
    share. Include this one header. */
#ifndef BRINE_H
#define BRINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <bson/bson.h>

#ifndef BRINE_VERSION
#define BRINE_VERSION "0.0.0"
#endif

#include "br_error.h"
#include "br_log.h"
#include "br_secret.h"
#include "br_id.h"
#include "br_keys.h"
#include "br_keystore.h"
#include "br_msg.h"
#include "br_seal.h"
#include "br_jid.h"
#include "br_value.h"
#include "br_yaml.h"
#include "br_config.h"
#include "br_server.h"
#include "br_client.h"

#endif
