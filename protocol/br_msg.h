/*  br_msg: every message brine sends, as BSON documents (libbson).

    One model (the field table in br_msg.c) defines each message type: which
    fields it carries, their BSON types, whether they are required, and their
    size limits. br_msg_decode() is the only way untrusted bytes become a
    message: it checks the whole document against the model and returns a
    distinct error for each kind of bad input (truncated, too big, wrong type,
    unknown version, unknown/missing/duplicate field, malformed).

    Every document has "v" (int32, BR_PROTO_VERSION) and "t" (the type name).
      hello    minion -> master  id, ver, grains, [seal]
      welcome  master -> minion  state (the minion key's state), ver, [pub_port]
      enrol    minion -> master  id, [seal] (the sealing public key, Z85)
      startup  minion -> master  [fun, arg]: "send me my startup job"
      job      master -> minion  jid, exp               (clear header)
      body     inside the seal   jid, fun, arg, kwarg, sec, low
      return   minion -> master  jid, fun, ok, ret, dur
      error    either way        code, text, [jid]
      cli_job     brine -> master  tgt, tgt_type, fun, [arg, kwarg, timeout]
      cli_start   master -> brine  jid, minions
      cli_return  master -> brine  jid, id, ok, ret, [dur]
      cli_done    master -> brine  jid, missing
    Secrets travel only in a body's "sec" array (binary values); they are
    decoded into br_secret memory, and a body is encoded into br_secret memory
    (br_msg_encode_secret) so no plaintext copy stays on the heap. */
#ifndef BR_MSG_H
#define BR_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <bson/bson.h>
#include <czmq.h>

#define BR_PROTO_VERSION 1
//  Largest message accepted on any socket (also ZMQ_MAXMSGSIZE)
#define BR_MSG_MAX (8 * 1024 * 1024)

typedef enum {
    BR_MSG_HELLO = 1,
    BR_MSG_WELCOME,
    BR_MSG_ENROL,
    BR_MSG_STARTUP,
    BR_MSG_JOB,
    BR_MSG_BODY,
    BR_MSG_RETURN,
    BR_MSG_ERROR,
    BR_MSG_CLI_JOB,    //  brine -> master (local socket): run fun on tgt
    BR_MSG_CLI_START,  //  master -> brine: the jid and the minions expected
    BR_MSG_CLI_RETURN, //  master -> brine: one minion's return
    BR_MSG_CLI_DONE,   //  master -> brine: the job is over; who did not return
} br_msg_type_t;

typedef struct _br_msg_t br_msg_t;

br_msg_t *br_msg_new(br_msg_type_t type);
void br_msg_destroy(br_msg_t **self_p);

br_msg_type_t br_msg_type(const br_msg_t *self);
//  "hello", "welcome", ... or "?" for an unknown value.
const char *br_msg_type_name(br_msg_type_t type);

//  Decodes untrusted bytes into *self_p. On error *self_p is NULL, the return
//  value is a negative br_err_t and err (if given) names the offending field.
int br_msg_decode(br_msg_t **self_p, const uint8_t *data, size_t size, br_errmsg_t *err);

//  Encodes into a new frame (NULL on failure, e.g. a required field unset).
//  Refuses a message that holds secrets: use br_msg_encode_secret for those.
zframe_t *br_msg_encode(const br_msg_t *self);

//  Encodes into locked memory; for bodies, which may carry secrets.
br_secret_t *br_msg_encode_secret(const br_msg_t *self);

//  Field accessors. Getters return NULL/0 when the field is absent. Setters
//  validate like the decoder does and return 0 or a negative br_err_t; they
//  copy their arguments.
const char *br_msg_id(const br_msg_t *self);
int br_msg_set_id(br_msg_t *self, const char *id);
const char *br_msg_ver(const br_msg_t *self);
int br_msg_set_ver(br_msg_t *self, const char *ver);
//  hello, enrol: the minion's sealing public key as Z85 text, or NULL
const char *br_msg_seal(const br_msg_t *self);
int br_msg_set_seal(br_msg_t *self, const char *z85);
const bson_t *br_msg_grains(const br_msg_t *self);
int br_msg_set_grains(br_msg_t *self, const bson_t *grains);
const char *br_msg_state(const br_msg_t *self);
int br_msg_set_state(br_msg_t *self, const char *state);
//  The master's publish port (welcome); 0 when absent
int32_t br_msg_pub_port(const br_msg_t *self);
int br_msg_set_pub_port(br_msg_t *self, int32_t port);
const char *br_msg_jid(const br_msg_t *self);
int br_msg_set_jid(br_msg_t *self, const char *jid);
//  Expiry, milliseconds since the Unix epoch
int64_t br_msg_exp(const br_msg_t *self);
int br_msg_set_exp(br_msg_t *self, int64_t exp);
const char *br_msg_fun(const br_msg_t *self);
int br_msg_set_fun(br_msg_t *self, const char *fun);
//  arg is a BSON array ("0", "1", ... keys)
const bson_t *br_msg_arg(const br_msg_t *self);
int br_msg_set_arg(br_msg_t *self, const bson_t *arg);
const bson_t *br_msg_kwarg(const br_msg_t *self);
int br_msg_set_kwarg(br_msg_t *self, const bson_t *kwarg);
const bson_t *br_msg_ret(const br_msg_t *self);
int br_msg_set_ret(br_msg_t *self, const bson_t *ret);
bool br_msg_ok(const br_msg_t *self);
int br_msg_set_ok(br_msg_t *self, bool ok);
//  Duration, microseconds
int64_t br_msg_dur(const br_msg_t *self);
int br_msg_set_dur(br_msg_t *self, int64_t dur);
int32_t br_msg_code(const br_msg_t *self);
int br_msg_set_code(br_msg_t *self, int32_t code);
const char *br_msg_text(const br_msg_t *self);
int br_msg_set_text(br_msg_t *self, const char *text);

//  A body's compiled low state: an array of state documents
const bson_t *br_msg_low(const br_msg_t *self);
int br_msg_set_low(br_msg_t *self, const bson_t *low);
const char *br_msg_tgt(const br_msg_t *self);
int br_msg_set_tgt(br_msg_t *self, const char *tgt);
//  "glob", "pcre", "list" or "grain"
const char *br_msg_tgt_type(const br_msg_t *self);
int br_msg_set_tgt_type(br_msg_t *self, const char *tgt_type);
//  Seconds
int32_t br_msg_timeout(const br_msg_t *self);
int br_msg_set_timeout(br_msg_t *self, int32_t timeout);
//  Arrays of minion ids
const bson_t *br_msg_minions(const br_msg_t *self);
int br_msg_set_minions(br_msg_t *self, const bson_t *minions);
const bson_t *br_msg_missing(const br_msg_t *self);
int br_msg_set_missing(br_msg_t *self, const bson_t *missing);

//  Secrets of a body, in order. The message owns them.
size_t br_msg_secret_count(const br_msg_t *self);
br_secret_t *br_msg_secret(br_msg_t *self, size_t index);
//  Takes ownership of *secret_p and sets it to NULL.
int br_msg_add_secret(br_msg_t *self, br_secret_t **secret_p);

#endif
