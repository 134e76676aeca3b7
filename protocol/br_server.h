/*  br_server: the master's side of the transport.

    Owns three sockets on CZMQ's context:
      zap  REP on inproc://zeromq.zap.01: brine's own ZAP 1.0 handler, bound
           before the server sockets so that no handshake ever goes
           unauthenticated. It answers from the key store in memory.
      pub  XPUB, CURVE server, ZAP domain "pub": accepted keys only. Manual
           subscriptions: whatever a minion asks for, its connection is
           subscribed to "ID." (its own id and a terminator) and nothing
           else, so a minion never even receives another minion's sealed jobs.
      req  ROUTER, CURVE server, ZAP domain "req": accepted keys, plus unknown
           and pending keys, which may only enrol.
    The identity of every message is the User-Id that the ZAP handler gave the
    connection (the minion id for an accepted key), never a field inside it.
    The caller polls the three sockets (br_server_*_sock) and calls the
    matching handler; nothing here blocks. */
#ifndef BR_SERVER_H
#define BR_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

typedef struct _br_server_t br_server_t;

//  A decoded request from the ROUTER socket.
typedef struct {
    zframe_t *routing; //  ROUTER routing id, for the reply
    bool accepted;     //  key accepted, and still accepted now
    char id[BR_ID_MAX + 1]; //  the accepted minion's id (ZAP User-Id), else ""
    uint8_t key[BR_KEY_SIZE]; //  the peer's CURVE public key
    br_msg_t *msg;     //  the decoded message
} br_request_t;

void br_request_destroy(br_request_t **self_p);

//  Binds the sockets. endpoints are e.g. "tcp://127.0.0.1:4605". The server
//  keeps pointers to keys and store, which must outlive it.
br_server_t *br_server_new(const br_keypair_t *keys, br_keystore_t *store,
                           const char *pub_endpoint, const char *req_endpoint, br_errmsg_t *err);
void br_server_destroy(br_server_t **self_p);

zsock_t *br_server_zap_sock(br_server_t *self);
zsock_t *br_server_pub_sock(br_server_t *self);
zsock_t *br_server_req_sock(br_server_t *self);

//  Answers one ZAP request. 0, or negative if it was malformed (and refused).
int br_server_handle_zap(br_server_t *self);

typedef enum {
    BR_SUB_NONE = 0,  //  nothing for the caller (ignored or refused)
    BR_SUB_JOINED,    //  a minion's subscription arrived: jobs now reach it
    BR_SUB_LEFT,      //  a minion's connection to the publish socket closed
} br_sub_event_t;

//  Handles one message from the XPUB socket; writes the minion id to id.
br_sub_event_t br_server_handle_sub(br_server_t *self, char id[BR_ID_MAX + 1]);

//  True while the minion has a live connection on the publish socket that
//  subscribed with its accepted key (one made with a key since deleted or
//  replaced does not count).
bool br_server_subscribed(br_server_t *self, const char *id);

//  Receives one request. Malformed frames and messages are logged and
//  dropped (negative return, *req_p NULL); the caller just carries on.
int br_server_recv(br_server_t *self, br_request_t **req_p);

//  Sends msg back to the peer of req.
int br_server_reply(br_server_t *self, const br_request_t *req, const br_msg_t *msg);

//  Seals body to minion id's accepted key, bound to header (a job message),
//  and publishes topic "ID.", header, sealed. BR_ERR_DENIED if id is not
//  accepted; BR_ERR_NOTFOUND if it has no live subscription.
int br_server_publish(br_server_t *self, const char *id, const br_msg_t *header,
                      const br_secret_t *body);

//  A burst of work done at one instant as far as keys and connections go:
//  hold(true) reads the key store and the closed connections once, and the
//  receives and publishes that follow use them as they were then, until
//  hold(false); outside a burst each of them reads them again (4 stat
//  calls and a poll). Bursts nest. A job to N minions, or a burst of their returns,
//  then costs 4 stat calls instead of 4 N. A key deleted during a burst
//  counts from the next one, as if the burst had taken no time at all.
void br_server_hold(br_server_t *self, bool hold);

//  The sealer (for tests and for forgetting deleted keys).
br_sealer_t *br_server_sealer(br_server_t *self);

#endif
