/*  br_error: error code names and the reason buffer. */
#include "brine.h"

#include <stdarg.h>
#include <stdio.h>

const char *
br_strerror(int err)
{
    switch (err) {
    case BR_OK:
        return "success";
    case BR_ERR_INTERNAL:
        return "internal error";
    case BR_ERR_NOMEM:
        return "out of memory";
    case BR_ERR_INVALID:
        return "invalid value";
    case BR_ERR_IO:
        return "input/output error";
    case BR_ERR_PERM:
        return "unsafe permissions";
    case BR_ERR_EXISTS:
        return "already exists";
    case BR_ERR_NOTFOUND:
        return "not found";
    case BR_ERR_TRUNCATED:
        return "truncated input";
    case BR_ERR_TOOBIG:
        return "input too large";
    case BR_ERR_TYPE:
        return "wrong type";
    case BR_ERR_VERSION:
        return "unsupported protocol version";
    case BR_ERR_FIELD:
        return "unknown, missing or duplicate field";
    case BR_ERR_MALFORMED:
        return "malformed input";
    case BR_ERR_CRYPTO:
        return "authentication failed";
    case BR_ERR_EXPIRED:
        return "expired";
    case BR_ERR_REPLAY:
        return "replayed";
    case BR_ERR_BADID:
        return "invalid minion id";
    case BR_ERR_DENIED:
        return "denied";
    case BR_ERR_TIMEOUT:
        return "timed out";
    case BR_ERR_CONFIG:
        return "configuration error";
    }
    return "unknown error";
}

int
br_errmsg_set(br_errmsg_t *msg, int err, const char *format, ...)
{
    if (msg) {
        va_list args;
        va_start(args, format);
        vsnprintf(msg->text, sizeof msg->text, format, args);
        va_end(args);
    }
    return err;
}
