/*  br_mongo_uri: a MongoDB connection string split into what may be shown
    and what may not.

    A URI such as mongodb://brine:PASSWORD@db1:27017/admin may come from a
    secret pillar value. Its userinfo is taken out here (percent-decoded,
    the password into locked memory), so that the string libmongoc keeps
    and any message built from it hold no credentials; the credentials are
    handed to libmongoc separately. Nothing here ever prints userinfo or
    query values: br_mongo_uri_mask() is the only way a URI is shown. */
#ifndef BR_MONGO_URI_H
#define BR_MONGO_URI_H

#include "brine.h"

typedef struct {
    char *uri;             //  the URI without userinfo (query kept: options)
    char *user;            //  decoded user name, or NULL
    br_secret_t *password; //  decoded password plus a NUL byte, or NULL
} br_mongo_uri_t;

//  Splits text[0..len). 0, or BR_ERR_INVALID with a reason that names no
//  credential (the caller adds the state and field). The caller calls
//  br_mongo_uri_fini() in both cases.
int br_mongo_uri_split(const char *text, size_t len, br_mongo_uri_t *out, br_errmsg_t *err);

//  Frees and wipes what split made.
void br_mongo_uri_fini(br_mongo_uri_t *self);

//  The password as a C string, or NULL.
const char *br_mongo_uri_password(const br_mongo_uri_t *self);

//  Writes text[0..len) for people to read: userinfo replaced by "***",
//  option values by "...", e.g. mongodb://***@db1:27017/admin?tls=...
void br_mongo_uri_mask(const char *text, size_t len, char *out, size_t size);

#endif
