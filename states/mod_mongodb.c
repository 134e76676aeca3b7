/*  mod_mongodb: mongodb.available, a readiness state: it pings a MongoDB
    server (or replica set primary) through libmongoc until it answers or
    the timeout passes, so that states which need the database `require`
    it and run only once it answers (after luks.opened, mount.mounted and
    service.running mongod at boot).

    The URI is a secret argument: it may carry user:password@, e.g. from a
    pillar. Userinfo is split off before libmongoc sees the string (the
    password goes to libmongoc on its own, which wipes it when done), and a
    URI is only ever shown masked by br_mongo_uri_mask(); comments name the
    hosts. libmongoc is loaded only when such a state runs (br_mongoc.h). */
#include "br_module.h"
#include "br_mongo_uri.h"
#include "br_mongoc.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#define S_DEFAULT_URI "mongodb://127.0.0.1:27017"
//  Bounds of timeout and interval, in seconds
#define S_TIMEOUT_MAX 86400
#define S_INTERVAL_MAX 3600
//  Longest a single TCP connect and handshake may take (libmongoc's default)
#define S_CONNECT_MS_MAX 10000

static const br_arg_t s_available_args[] = {
    {"uri", BR_ARG_SECRET, false, S_DEFAULT_URI,
     "MongoDB connection string (mongodb:// or mongodb+srv://); user:password@ in it is allowed "
     "and never shown"},
    {"user", BR_ARG_STR, false, NULL, "user to authenticate as, instead of userinfo in uri"},
    {"password", BR_ARG_SECRET, false, NULL, "password of user"},
    {"timeout", BR_ARG_INT, false, "60", "seconds to wait for an answer before the state fails"},
    {"interval", BR_ARG_INT, false, "1", "seconds between two pings"},
    {NULL, 0, false, NULL, NULL},
};

//  One call's settings, checked.
typedef struct {
    br_mongo_uri_t parts; //  the URI without userinfo, and userinfo
    const char *user;     //  from user:, else from the URI, or NULL
    const char *password; //  likewise (locked memory), or NULL
    int64_t timeout;      //  seconds
    int64_t interval;     //  seconds
    char shown[256];      //  the URI masked, for comments
    char hosts[256];      //  "h1:p1,h2:p2" or "SRV name"
    mongoc_uri_t *uri;    //  libmongoc's URI, credentials set
} s_req_t;

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  A bad argument: the call fails with a comment that names the state and
//  the field. Returns 1, s_prepare's "already failed".
static int
s_bad_arg(br_call_t *call, const char *field, const char *why)
{
    br_call_fail(call, "State '%s': argument '%s': %s", br_call_id(call), field, why);
    return 1;
}

static void
s_req_fini(const br_mongoc_t *lib, s_req_t *req)
{
    if (req->uri) {
        lib->uri_destroy(req->uri);
    }
    br_mongo_uri_fini(&req->parts);
}

//  Checks the arguments and builds libmongoc's URI. 0 when req is ready;
//  1 when the call already failed with a comment; negative on error.
static int
s_prepare(br_call_t *call, const br_mongoc_t *lib, s_req_t *req)
{
    br_errmsg_t why = {""};
    req->timeout = br_call_int(call, "timeout");
    req->interval = br_call_int(call, "interval");
    if (req->timeout < 1 || req->timeout > S_TIMEOUT_MAX) {
        snprintf(why.text, sizeof why.text, "must be 1 to %d seconds, not %lld", S_TIMEOUT_MAX,
                 (long long)req->timeout);
        return s_bad_arg(call, "timeout", why.text);
    }
    if (req->interval < 1 || req->interval > S_INTERVAL_MAX) {
        snprintf(why.text, sizeof why.text, "must be 1 to %d seconds, not %lld", S_INTERVAL_MAX,
                 (long long)req->interval);
        return s_bad_arg(call, "interval", why.text);
    }
    const br_secret_t *secret = br_call_secret(call, "uri");
    const char *text = secret ? (const char *)br_secret_cdata(secret) : S_DEFAULT_URI;
    size_t len = secret ? br_secret_size(secret) : strlen(S_DEFAULT_URI);
    br_mongo_uri_mask(text, len, req->shown, sizeof req->shown);
    int rc = br_mongo_uri_split(text, len, &req->parts, &why);
    if (rc == BR_ERR_NOMEM) {
        return rc;
    }
    if (rc != BR_OK) {
        return s_bad_arg(call, "uri", why.text);
    }
    const char *user = br_call_str(call, "user");
    const br_secret_t *password = br_call_secret(call, "password");
    if ((user || password) && req->parts.user) {
        return s_bad_arg(call, "user",
                         "give the credentials either in uri (user:password@) or in "
                         "user and password, not both");
    }
    if (password && !user) {
        return s_bad_arg(call, "password", "needs user");
    }
    if (user && !*user) {
        return s_bad_arg(call, "user", "is empty");
    }
    req->user = user ? user : req->parts.user;
    req->password = br_mongo_uri_password(&req->parts);
    br_secret_t *copy = NULL;
    if (password) {
        //  libmongoc wants a C string: a NUL-terminated copy in locked memory
        size_t n = br_secret_size(password);
        if (memchr(br_secret_cdata(password), '\0', n)) {
            return s_bad_arg(call, "password", "contains a NUL byte");
        }
        if (!(copy = br_secret_new(n + 1))) {
            return BR_ERR_NOMEM;
        }
        memcpy(br_secret_data(copy), br_secret_cdata(password), n);
        req->parts.password = copy;
        req->password = (const char *)br_secret_cdata(copy);
    }
    bson_error_t error;
    req->uri = lib->uri_new_with_error(req->parts.uri, &error);
    if (!req->uri) {
        //  The text has no userinfo; option values are not repeated
        snprintf(why.text, sizeof why.text, "%s is not a valid MongoDB URI (libmongoc: %.200s)",
                 req->shown, strchr(req->parts.uri, '?') ? "an option is invalid" : error.message);
        return s_bad_arg(call, "uri", why.text);
    }
    if ((req->user && !lib->uri_set_username(req->uri, req->user)) ||
        (req->password && !lib->uri_set_password(req->uri, req->password))) {
        return s_bad_arg(call, "user", "libmongoc refused the user name or password");
    }
    const char *srv = lib->uri_get_srv_hostname(req->uri);
    size_t pos = 0;
    if (srv) {
        snprintf(req->hosts, sizeof req->hosts, "SRV %s", srv);
    }
    for (const mongoc_host_list_t *h = lib->uri_get_hosts(req->uri); !srv && h; h = h->next) {
        int n = snprintf(req->hosts + pos, sizeof req->hosts - pos, "%s%s", pos ? "," : "",
                         h->host_and_port);
        if (n < 0 || (size_t)n >= sizeof req->hosts - pos) {
            break;
        }
        pos += (size_t)n;
    }
    return 0;
}

//  Copies src to dst with every occurrence of secret replaced by "***", so
//  that no error text of libmongoc's can carry the password.
static void
s_scrub(char *dst, size_t size, const char *src, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    size_t o = 0;
    while (*src && o + 1 < size) {
        if (n && strncmp(src, secret, n) == 0) {
            for (const char *m = "***"; *m && o + 1 < size; m++) {
                dst[o++] = *m;
            }
            src += n;
        } else {
            dst[o++] = *src++;
        }
    }
    dst[o] = '\0';
}

//  Refused credentials (or a SCRAM exchange that went wrong) will not get
//  better by asking again: the state fails at once.
static bool
s_auth_error(const bson_error_t *error)
{
    return (error->domain == MONGOC_ERROR_CLIENT && error->code == MONGOC_ERROR_CLIENT_AUTHENTICATE) ||
           error->domain == MONGOC_ERROR_SCRAM ||
           (error->domain == MONGOC_ERROR_SERVER && error->code == 18);
}

//  One attempt with a fresh client (a single-threaded client that failed
//  would wait out its 5 s cooldown). True when the ping was answered; who
//  receives the host that answered.
static bool
s_ping(const br_mongoc_t *lib, s_req_t *req, int64_t remaining_ms, char *who, size_t who_size,
       bson_error_t *error)
{
    int32_t wait = remaining_ms > INT32_MAX ? INT32_MAX : (int32_t)(remaining_ms < 1 ? 1 : remaining_ms);
    mongoc_client_t *client = NULL;
    if (lib->uri_set_option_as_int32(req->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, wait) &&
        lib->uri_set_option_as_int32(req->uri, MONGOC_URI_CONNECTTIMEOUTMS,
                                     wait < S_CONNECT_MS_MAX ? wait : S_CONNECT_MS_MAX) &&
        lib->uri_set_option_as_int32(req->uri, MONGOC_URI_SOCKETTIMEOUTMS, wait) &&
        lib->uri_set_option_as_bool(req->uri, MONGOC_URI_SERVERSELECTIONTRYONCE, true)) {
        client = lib->client_new_from_uri(req->uri);
    }
    if (!client) {
        bson_set_error(error, MONGOC_ERROR_CLIENT, 0, "libmongoc could not create a client");
        return false;
    }
    lib->client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
    bool ok = false;
    mongoc_server_description_t *server = lib->client_select_server(client, false, NULL, error);
    if (server) {
        snprintf(who, who_size, "%s", lib->server_description_host(server)->host_and_port);
        bson_t ping = BSON_INITIALIZER;
        bson_t reply;
        ok = BSON_APPEND_INT32(&ping, "ping", 1) &&
             lib->client_command_simple_with_server_id(
                 client, "admin", &ping, NULL, lib->server_description_id(server), &reply, error);
        bson_destroy(&reply);
        bson_destroy(&ping);
        lib->server_description_destroy(server);
    }
    lib->client_destroy(client);
    return ok;
}

static void
s_sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int
s_wait(br_call_t *call, const br_mongoc_t *lib, s_req_t *req)
{
    int64_t start = s_now_ms();
    int64_t deadline = start + req->timeout * 1000;
    bson_error_t error = {0};
    char who[BSON_HOST_NAME_MAX + 16] = "";
    char last[sizeof error.message + 16];
    for (int attempt = 1;; attempt++) {
        bool ok = s_ping(lib, req, deadline - s_now_ms(), who, sizeof who, &error);
        double took = (double)(s_now_ms() - start) / 1000.0;
        if (ok) {
            br_call_set_result(call, BR_RESULT_TRUE);
            br_call_comment(call, "MongoDB at %s answered ping after %.2f s (attempt %d)", who, took,
                            attempt);
            return 0;
        }
        s_scrub(last, sizeof last, error.message, req->password);
        if (s_auth_error(&error)) {
            return br_call_fail(call, "MongoDB at %s refused the credentials of user '%s' after "
                                      "%.2f s: %s",
                                who[0] ? who : req->hosts, req->user ? req->user : "", took, last);
        }
        int64_t left = deadline - s_now_ms();
        if (left <= 0) {
            return br_call_fail(call, "No answer from %s within %lld s (%d attempts): last error: %s",
                                req->hosts, (long long)req->timeout, attempt, last);
        }
        s_sleep_ms(left < req->interval * 1000 ? left : req->interval * 1000);
    }
}

static int
s_available(br_call_t *call)
{
    br_errmsg_t why = {""};
    const br_mongoc_t *lib = br_mongoc_load(&why);
    if (!lib) {
        return br_call_fail(call, "State '%s': %s", br_call_id(call), why.text);
    }
    s_req_t req;
    memset(&req, 0, sizeof req);
    int rc = s_prepare(call, lib, &req);
    if (rc == 0 && br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "MongoDB at %s would be pinged until it answers, every %lld s for up "
                              "to %lld s",
                        req.hosts, (long long)req.interval, (long long)req.timeout);
    } else if (rc == 0) {
        rc = s_wait(call, lib, &req);
    }
    s_req_fini(lib, &req);
    return rc < 0 ? rc : 0;
}

static const br_function_t s_functions[] = {
    {"available", s_available_args, s_available, s_available, NULL,
     "Waits until MongoDB answers ping (the primary, for a replica set), then succeeds without "
     "changes; fails at once on refused credentials, else after timeout. test=True does not "
     "wait. States that need the database require it."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_mongodb = {"mongodb", s_functions,
                                    "Readiness of a MongoDB server, through libmongoc."};
