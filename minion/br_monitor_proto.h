/*  br_monitor_proto: the frames between the minion's network child and its
    privileged monitor, on a socketpair.

    A frame is a header of two 32-bit words in host order (both ends are one
    program on one machine), the operation and the payload's length, then
    the payload. Nothing in a frame is trusted by its reader: the length is
    checked against the reader's bound before a byte of payload is read,
    and a frame that ends early is an error, never a short payload.

    The operations are the whole vocabulary of the two processes (the
    monitor's table in br_monitor.c serves exactly these):

    READY    child -> monitor, empty: the child has dropped its privileges
             and is about to open its sockets. The monitor checks its
             credentials and answers READY, empty. Once, and first.
    RUN_JOB  child -> monitor: u32 header size, the job's clear header, its
             sealed body, as received from the master. The monitor answers
             RUN_JOB with one BSON document: {ok, jid, fun, ret, dur} for a
             job that ran, {refused: reason} for one that did not open. */
#ifndef BR_MONITOR_PROTO_H
#define BR_MONITOR_PROTO_H

#include "brine.h"

#include <sys/uio.h>

typedef enum {
    BR_MON_READY = 1,
    BR_MON_RUN_JOB = 2,
} br_mon_op_t;

//  Bytes of a frame header
#define BR_MON_HEADER 8
//  Largest payload either side sends: a job as the master may send it (a
//  ZeroMQ message is bounded by BR_MSG_MAX), or a result document
#define BR_MON_PAYLOAD_MAX (BR_MSG_MAX + 4)

//  Sends one frame whose payload is the concatenation of parts. 0, or
//  BR_ERR_TOOBIG / BR_ERR_IO.
int br_mon_send(int fd, uint32_t op, const struct iovec *parts, int count);

//  Reads a frame header: *op_p and *size_p, the declared payload length
//  (unchecked: the caller bounds it before reading the payload). Errors as
//  br_mon_recv's.
int br_mon_recv_header(int fd, uint32_t *op_p, size_t *size_p, br_errmsg_t *err);

//  Reads the size bytes of payload that a header declared (NULL for 0).
int br_mon_recv_payload(int fd, uint32_t op, size_t size, uint8_t **payload_p, br_errmsg_t *err);

//  Receives one frame of at most max payload bytes. *payload_p (caller
//  frees, NULL for an empty payload) and *size_p. Errors, with err saying
//  which: BR_ERR_IO when the peer closed before a frame began (err empty)
//  or the read failed, BR_ERR_TRUNCATED for a frame that ends early,
//  BR_ERR_TOOBIG for a declared length over max (nothing more is read).
int br_mon_recv(int fd, uint32_t *op_p, uint8_t **payload_p, size_t *size_p, size_t max,
                br_errmsg_t *err);

#endif
