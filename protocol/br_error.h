/*  br_error: brine's error codes and the message buffer that carries a
    human-readable reason (file, line, field) back to the caller.

    Functions return 0 on success or a negative br_err_t; when they take a
    br_errmsg_t they also fill it with one sentence naming what was wrong. */
#ifndef BR_ERROR_H
#define BR_ERROR_H

#include <stddef.h>

typedef enum {
    BR_OK = 0,
    BR_ERR_INTERNAL = -1,   //  a bug, or a library call that should not fail
    BR_ERR_NOMEM = -2,      //  allocation failed
    BR_ERR_INVALID = -3,    //  invalid argument or value
    BR_ERR_IO = -4,         //  a file or socket operation failed
    BR_ERR_PERM = -5,       //  unsafe file permissions
    BR_ERR_EXISTS = -6,     //  refusing to overwrite
    BR_ERR_NOTFOUND = -7,   //  no such key, id or file
    BR_ERR_TRUNCATED = -8,  //  input ends before its declared length
    BR_ERR_TOOBIG = -9,     //  input exceeds a size limit
    BR_ERR_TYPE = -10,      //  field has the wrong type
    BR_ERR_VERSION = -11,   //  unknown protocol version
    BR_ERR_FIELD = -12,     //  unknown, missing or duplicate field
    BR_ERR_MALFORMED = -13, //  structurally invalid input
    BR_ERR_CRYPTO = -14,    //  authentication or decryption failed
    BR_ERR_EXPIRED = -15,   //  a job past its expiry
    BR_ERR_REPLAY = -16,    //  a job already seen
    BR_ERR_BADID = -17,     //  a minion id outside the allowed character set
    BR_ERR_DENIED = -18,    //  the key is not allowed to do this
    BR_ERR_TIMEOUT = -19,   //  no answer in time
    BR_ERR_CONFIG = -20,    //  bad configuration
} br_err_t;

//  Returns a static, short description of an error code.
const char *br_strerror(int err);

//  A reason for an error, written by the callee. Never holds a secret.
typedef struct {
    char text[512];
} br_errmsg_t;

//  Formats a reason into msg (which may be NULL) and returns err, so that
//  callers can write `return br_errmsg_set(msg, BR_ERR_IO, "...", ...)`.
int br_errmsg_set(br_errmsg_t *msg, int err, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
