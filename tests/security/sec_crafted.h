/*  sec_crafted: the hostile requests of sec_attack crafted, built by hand
    with libbson (brine's own encoder refuses to write most of them) or byte
    by byte, in two tables: sec_crafted_ids.c (ids, grains, what only an
    accepted key may send) and sec_crafted_frames.c (returns, startup jobs,
    versions, types and framing). sec_crafted.c sends them. */
#ifndef SEC_CRAFTED_H
#define SEC_CRAFTED_H

#include "sec_attack.h"

//  What the master must do with a request
typedef enum {
    SEC_DROP,      //  log it and drop it: no answer at all
    SEC_ERROR,     //  refuse it with an error message
    SEC_NOWELCOME, //  anything but a welcome
    SEC_ANY,       //  answer or not: the script checks what it did
} sec_expect_t;

typedef struct {
    const char *id;     //  the accepted key's id
    const char *work;   //  where escape paths point
    const char *victim; //  another minion's id
} sec_ctx_t;

typedef struct {
    const char *what;
    bool unknown; //  sent with the unknown key (else the accepted one)
    sec_expect_t expect;
    zmsg_t *(*build)(const sec_ctx_t *ctx);
} sec_case_t;

//  The cases, in the order they are sent
extern const sec_case_t sec_cases_ids[];
extern const size_t sec_cases_ids_size;
extern const sec_case_t sec_cases_frames[];
extern const size_t sec_cases_frames_size;

//  A document with the version and the type, to which a case adds fields
bson_t *sec_doc(const char *type);
//  A one-frame message of these bytes
zmsg_t *sec_bytes(const void *data, size_t size);
//  A one-frame message of doc, which is destroyed
zmsg_t *sec_send_doc(bson_t *doc);
//  A string of size bytes of 'a' (freed by the caller)
char *sec_long(size_t size);
//  A return for a jid given as text, otherwise well-formed
zmsg_t *sec_return_jid(const char *jid);

#endif
