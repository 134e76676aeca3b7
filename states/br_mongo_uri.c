/*  br_mongo_uri: userinfo out of MongoDB URIs (see br_mongo_uri.h). The
    authority ends at the first '/' (else at the first '?'), and userinfo is
    what comes before its last '@', as libmongoc reads it; user and password
    are percent-decoded, as libmongoc would. */
#include "br_mongo_uri.h"

#include <sodium.h>
#include <stdio.h>

static const char *const s_schemes[] = {"mongodb://", "mongodb+srv://", NULL};

//  Length of the scheme text starts with, or 0.
static size_t
s_scheme(const char *text, size_t len)
{
    for (size_t i = 0; s_schemes[i]; i++) {
        size_t n = strlen(s_schemes[i]);
        if (len >= n && memcmp(text, s_schemes[i], n) == 0) {
            return n;
        }
    }
    return 0;
}

//  End of the authority (host list, with userinfo) that starts at from.
static size_t
s_authority_end(const char *text, size_t from, size_t len)
{
    const char *slash = memchr(text + from, '/', len - from);
    if (slash) {
        return (size_t)(slash - text);
    }
    const char *query = memchr(text + from, '?', len - from);
    return query ? (size_t)(query - text) : len;
}

//  Position of the '@' that ends userinfo in [from, to), or 0 for none.
static size_t
s_userinfo_at(const char *text, size_t from, size_t to)
{
    for (size_t i = to; i > from; i--) {
        if (text[i - 1] == '@') {
            return i - 1;
        }
    }
    return 0;
}

//  Percent-decodes src[0..len) into dst (room for len + 1), NUL-terminated.
//  -1 for a bad escape or a NUL byte.
static int
s_decode(const char *src, size_t len, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            unsigned char byte;
            size_t n = 0;
            if (len - i < 3 || sodium_hex2bin(&byte, 1, src + i + 1, 2, NULL, &n, NULL) != 0 ||
                n != 1) {
                return -1;
            }
            c = (char)byte;
            i += 2;
        }
        if (c == '\0') {
            return -1;
        }
        dst[o++] = c;
    }
    dst[o] = '\0';
    return 0;
}

int
br_mongo_uri_split(const char *text, size_t len, br_mongo_uri_t *out, br_errmsg_t *err)
{
    memset(out, 0, sizeof *out);
    if (memchr(text, '\0', len)) {
        return br_errmsg_set(err, BR_ERR_INVALID, "contains a NUL byte");
    }
    size_t scheme = s_scheme(text, len);
    if (!scheme) {
        return br_errmsg_set(err, BR_ERR_INVALID,
                             "not a MongoDB URI (mongodb://[user:password@]host[:port][/db]"
                             "[?options], or mongodb+srv://)");
    }
    size_t end = s_authority_end(text, scheme, len);
    size_t at = s_userinfo_at(text, scheme, end);
    if (at == 0) {
        out->uri = strndup(text, len);
        return out->uri ? BR_OK : br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    const char *colon = memchr(text + scheme, ':', at - scheme);
    size_t user_len = colon ? (size_t)(colon - text) - scheme : at - scheme;
    if (user_len == 0) {
        return br_errmsg_set(err, BR_ERR_INVALID, "the user name before '@' is empty");
    }
    out->user = malloc(user_len + 1);
    out->uri = malloc(scheme + (len - at - 1) + 1);
    if (!out->user || !out->uri) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
    }
    if (s_decode(text + scheme, user_len, out->user) < 0) {
        return br_errmsg_set(err, BR_ERR_INVALID,
                             "the user name has a bad percent escape or a NUL byte");
    }
    if (colon) {
        size_t pass_len = at - (size_t)(colon - text) - 1;
        out->password = br_secret_new(pass_len + 1);
        if (!out->password) {
            return br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
        }
        if (s_decode(colon + 1, pass_len, (char *)br_secret_data(out->password)) < 0) {
            return br_errmsg_set(err, BR_ERR_INVALID,
                                 "the password has a bad percent escape or a NUL byte");
        }
    }
    memcpy(out->uri, text, scheme);
    memcpy(out->uri + scheme, text + at + 1, len - at - 1);
    out->uri[scheme + len - at - 1] = '\0';
    return BR_OK;
}

void
br_mongo_uri_fini(br_mongo_uri_t *self)
{
    free(self->uri);
    free(self->user);
    br_secret_destroy(&self->password);
    memset(self, 0, sizeof *self);
}

const char *
br_mongo_uri_password(const br_mongo_uri_t *self)
{
    return self->password ? (const char *)br_secret_cdata(self->password) : NULL;
}

//  Appends src[0..len) to out (size bytes, at *pos), truncating.
static void
s_put(char *out, size_t size, size_t *pos, const char *src, size_t len)
{
    while (len-- && *pos + 1 < size) {
        out[(*pos)++] = *src++;
    }
    out[*pos] = '\0';
}

void
br_mongo_uri_mask(const char *text, size_t len, char *out, size_t size)
{
    size_t pos = 0;
    if (!size) {
        return;
    }
    out[0] = '\0';
    const char *nul = memchr(text, '\0', len);
    size_t scheme = nul ? 0 : s_scheme(text, len);
    if (!scheme) {
        //  Not a URI: possibly a pasted password, never shown
        s_put(out, size, &pos, "(not a MongoDB URI)", 19);
        return;
    }
    size_t end = s_authority_end(text, scheme, len);
    size_t at = s_userinfo_at(text, scheme, end);
    s_put(out, size, &pos, text, scheme);
    size_t from = scheme;
    if (at) {
        s_put(out, size, &pos, "***@", 4);
        from = at + 1;
    }
    const char *q = memchr(text + from, '?', len - from);
    size_t stop = q ? (size_t)(q - text) : len;
    s_put(out, size, &pos, text + from, stop - from);
    if (!q) {
        return;
    }
    //  Option names stay, values (a TLS key password, tokens) do not
    s_put(out, size, &pos, "?", 1);
    size_t i = stop + 1;
    while (i < len) {
        const char *amp = memchr(text + i, '&', len - i);
        size_t item_end = amp ? (size_t)(amp - text) : len;
        const char *eq = memchr(text + i, '=', item_end - i);
        size_t key_end = eq ? (size_t)(eq - text) : item_end;
        s_put(out, size, &pos, text + i, key_end - i);
        if (eq) {
            s_put(out, size, &pos, "=...", 4);
        }
        if (amp) {
            s_put(out, size, &pos, "&", 1);
        }
        i = item_end + 1;
    }
}
