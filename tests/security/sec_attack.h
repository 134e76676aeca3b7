/*  sec_attack: the attacker's side of the security tests. One program with a
    command per attack (a table, as in sec_attack.c); the test scripts run it
    against real brine-master and brine-minion processes on 127.0.0.1.
    Everything it knows it learns as an attacker would: from key files the
    scenario hands it and from what comes over the wire. */
#ifndef SEC_ATTACK_H
#define SEC_ATTACK_H

#include "brine.h"

#include <sodium.h>
#include <zmq.h>

//  What a CURVE handshake came to, as a socket monitor reports it
typedef enum {
    SEC_LINK_NONE = 0, //  nothing yet
    SEC_LINK_OK,       //  handshake succeeded
    SEC_LINK_REFUSED,  //  the server's ZAP handler refused our key
    SEC_LINK_FAILED,   //  handshake failed otherwise (wrong server key...)
} sec_link_t;

//  Loads DIR/NAME.key and DIR/NAME.pub, or creates them when absent (a
//  fresh identity that the scenario may then enrol and accept).
br_keypair_t *sec_keys(const char *dir, const char *name);

//  Reads a public key file (one Z85 line); exits the program on failure,
//  since no attack makes sense without its target's key.
void sec_pubkey(const char *path, uint8_t key[BR_KEY_SIZE]);

//  A CURVE client socket of type, pinned to server, connected to endpoint,
//  with a monitor of its handshakes in *monitor_p.
zsock_t *sec_client(int type, const br_keypair_t *keys, const uint8_t server[BR_KEY_SIZE],
                    const char *endpoint, zsock_t **monitor_p);

//  Reads one monitor event; returns what it says about the handshake.
sec_link_t sec_link_event(zsock_t *monitor);

//  Encodes msg (a well-formed message) into a new frame, or exits.
zframe_t *sec_encode(const br_msg_t *msg);

//  A job of test.ping with jid, valid for a minute, sealed by sealer to
//  peer: the clear header, and the sealed body in *sealed_p.
zframe_t *sec_ping_job(br_sealer_t *sealer, const uint8_t peer[BR_KEY_SIZE], const char *jid,
                       zframe_t **sealed_p);

//  The commands in other files
int sec_relay_main(int argc, char **argv);
int sec_crafted_main(int argc, char **argv);
int sec_privsep_main(int argc, char **argv);

#endif
