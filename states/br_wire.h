/*  br_wire: the state engine's data on the wire.

    A master compiles states for one minion, with that minion's pillar, and
    sends the low state in the sealed job body; the minion runs it as is,
    without rendering or compiling anything. The low state travels as the
    body's "low" array, one document per state in run order:
      {id, name, sls, file, line, mod, fun, args, unless, onlyif, creates,
       failhard, require, watch, onchanges, onfail}
    where the four requisite arrays hold positions of earlier states (a state
    can only depend on one that runs before it, so a decoded low state can
    never hold a cycle). A secret argument is written {"$secret": N}, N
    indexing the body's "sec" array, so secret bytes only ever travel inside
    the seal, in the part the decoder copies into locked memory.

    The minion checks everything it decodes against the module registry and
    the argument schemas, as the compiler did on the master. */
#ifndef BR_WIRE_H
#define BR_WIRE_H

#include "br_state.h"

//  Writes low into body (a BR_MSG_BODY): sets "low" and appends the secrets.
int br_wire_low_encode(const br_low_t *low, br_msg_t *body, br_errmsg_t *err);

//  Reads the low state of body; secrets are copied into the low state's own
//  locked memory.
int br_wire_low_decode(br_msg_t *body, br_low_t **low_p, br_errmsg_t *err);

//  Results (or any secret-free value) to and from BSON documents: maps are
//  documents, lists arrays. A secret cannot be encoded (returns NULL).
bson_t *br_wire_to_bson(const br_value_t *map);
br_value_t *br_wire_from_bson(const bson_t *doc);

#endif
