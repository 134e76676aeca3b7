/*  br_client: the minion's side of the transport.

    A DEALER for requests and a SUB for jobs, both CURVE clients pinned to the
    master's public key: a server holding any other key fails the handshake,
    so an impostor master is never talked to (S5). A socket monitor on each
    reports why a handshake failed (key refused by the master, wrong master
    key), because libzmq itself only retries silently, or, after a ZAP
    refusal, never.

    Jobs arrive as [topic "ID."][clear header][sealed body]. Before anything
    is decrypted the header is checked: expiry, and that its jid has not been
    run before (a bounded in-memory set, S3). Only then is the body opened
    and decoded, in locked memory. */
#ifndef BR_CLIENT_H
#define BR_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

typedef struct _br_client_t br_client_t;

//  libzmq's reconnect backoff on our sockets, in milliseconds: the first
//  wait and the cap it doubles up to. The minion uses the same between
//  rounds of its list of masters.
#define BR_CLIENT_RECONNECT_IVL 100
#define BR_CLIENT_RECONNECT_IVL_MAX 5000

//  Creates the client and connects its DEALER. Keeps a pointer to keys.
//  Either endpoint may be NULL: the DEALER is then opened by
//  br_client_connect, the SUB needs br_client_set_pub_endpoint first.
br_client_t *br_client_new(const br_keypair_t *keys, const uint8_t master_key[BR_KEY_SIZE],
                           const char *id, const char *pub_endpoint, const char *req_endpoint,
                           br_errmsg_t *err);
void br_client_destroy(br_client_t **self_p);

//  Bounds how long a silent master is tolerated on sockets opened from now
//  on: ZMTP heartbeats drop a connection that answers nothing for alive_ms
//  (BR_LINK_DOWN follows). 0: no bound.
void br_client_set_alive(br_client_t *self, int alive_ms);

//  Creates and connects the SUB socket (once the key is accepted: the
//  publish socket refuses other keys, and libzmq never retries a refusal).
//  BR_ERR_INVALID when no publish endpoint is known.
int br_client_subscribe(br_client_t *self);

//  Where the next br_client_subscribe connects (a master announces its
//  publish port in its welcome).
int br_client_set_pub_endpoint(br_client_t *self, const char *pub_endpoint);

//  Closes and reopens both sockets (after a refusal).
int br_client_reconnect(br_client_t *self);

//  Closes both sockets and opens the DEALER to req_endpoint: to try
//  another master (or the same one afresh). The SUB is opened again by
//  br_client_subscribe. The pinned master key does not change: every
//  master a minion talks to must hold it.
int br_client_connect(br_client_t *self, const char *req_endpoint);

zsock_t *br_client_req_sock(br_client_t *self);
//  NULL until br_client_subscribe
zsock_t *br_client_pub_sock(br_client_t *self);
//  Monitors of the two sockets (the second NULL until br_client_subscribe);
//  they change on br_client_reconnect.
zsock_t *br_client_req_monitor(br_client_t *self);
zsock_t *br_client_pub_monitor(br_client_t *self);

int br_client_send(br_client_t *self, const br_msg_t *msg);
//  Receives and decodes one reply from the master.
int br_client_recv(br_client_t *self, br_msg_t **msg_p);

//  Keeps the jids of jobs run in path (a text file of jids and expiry
//  times, no secret), loading what it holds now, so that a job captured
//  before a restart cannot be replayed after it. 0 or negative.
int br_client_replay_file(br_client_t *self, const char *path);

//  Receives one job without opening it: *job_p is [topic][clear header]
//  [sealed body], the topic checked. For a process that holds no right to
//  open jobs and hands them on (the minion's network child).
int br_client_recv_sealed(br_client_t *self, zmsg_t **job_p, br_errmsg_t *err);

//  Opens a job received elsewhere: checks the header, expiry and replay,
//  opens the seal and decodes the body, as br_client_recv_job does after
//  the topic. Needs no socket.
//  Jobs open with the sealing key pair seal from now on (its secret key is
//  copied into the client's locked memory), and no longer with the
//  transport key; NULL forgets and wipes it.
int br_client_set_seal_keys(br_client_t *self, const br_keypair_t *seal);

int br_client_open_job(br_client_t *self, const uint8_t *clear, size_t clear_size,
                       const uint8_t *sealed, size_t sealed_size, br_msg_t **header_p,
                       br_msg_t **body_p, br_errmsg_t *err);

//  Receives one job: checks the topic, header, expiry and replay, opens the
//  seal and decodes the body. On success the jid is remembered so that the
//  same job is refused next time. On failure both outputs are NULL and the
//  reason is in err (never any body content).
int br_client_recv_job(br_client_t *self, br_msg_t **header_p, br_msg_t **body_p,
                       br_errmsg_t *err);

typedef enum {
    BR_LINK_NONE = 0,
    BR_LINK_CONNECTED,   //  a handshake succeeded
    BR_LINK_REFUSED,     //  the master refused our key (ZAP 400)
    BR_LINK_FAILED,      //  handshake failed otherwise (e.g. wrong master key)
    BR_LINK_DOWN,        //  the connection dropped
    BR_LINK_UNREACHABLE, //  a connection attempt failed (nobody listening)
} br_link_event_t;

//  Reads one event from a monitor, logs it once in plain words, returns it.
br_link_event_t br_client_handle_monitor(br_client_t *self, zsock_t *monitor);

#endif
