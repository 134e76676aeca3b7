/*  br_server: CURVE server sockets, brine's ZAP handler, and subscription
    tracking for the master. */
#include "brine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <zmq.h>

//  ZMQ_ZAP_ENFORCE_DOMAIN is in the draft part of libzmq 4.3.4's header but
//  compiled into Debian's library. Without it a socket with an empty domain
//  would skip ZAP; with it and a domain set, ZAP is always consulted.
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

#define BR_ZAP_ENDPOINT "inproc://zeromq.zap.01"
//  Unaccepted peers on the request socket get this User-Id prefix followed by
//  their Z85 key; '?' is outside the id character set, so it cannot collide
#define BR_UNACCEPTED_PREFIX '?'
//  A subscription's name, "ID/KEY": a minion id and its public key in Z85
#define S_SUB_NAME_MAX (BR_ID_MAX + 1 + BR_Z85_KEY_LEN)

struct _br_server_t {
    br_keystore_t *store;     //  not owned
    const br_keypair_t *keys; //  not owned
    br_sealer_t *sealer;      //  master -> minion sealing, shared key cache
    zsock_t *zap;             //  REP, ZAP handler
    zsock_t *pub;             //  XPUB
    zsock_t *pub_events;      //  PAIR: the publish socket's closed connections (monitor)
    zsock_t *req;             //  ROUTER
    zhashx_t *subscribed;     //  "ID/KEY" -> live connections of minion ID with public key
                              //  KEY (Z85) that subscribed (count as pointer)
    zhashx_t *unsealed;       //  ids warned about: accepted without a sealing key
    zhashx_t *connections;    //  connection (its descriptor, as text) -> "ID/KEY" of the
                              //  minion that subscribed on it
    int holding;              //  depth of br_server_hold: the key store was read once
                              //  for the whole burst
};

//  The key store as it is on disk now, unless a burst holds it
static int
s_refresh(br_server_t *self, br_errmsg_t *err)
{
    return self->holding ? 0 : br_keystore_refresh(self->store, err);
}

static void s_drain_closed(br_server_t *self);

void
br_server_hold(br_server_t *self, bool hold)
{
    if (hold && self->holding++ == 0) {
        br_errmsg_t why;
        if (br_keystore_refresh(self->store, &why) < 0) {
            br_error("key store: %s", why.text);
        }
        //  Closed connections too are taken as of now: asking the monitor
        //  costs a system call even when it has nothing to say
        s_drain_closed(self);
    } else if (!hold && self->holding > 0) {
        self->holding--;
    }
}

void
br_request_destroy(br_request_t **self_p)
{
    if (self_p && *self_p) {
        br_request_t *self = *self_p;
        zframe_destroy(&self->routing);
        br_msg_destroy(&self->msg);
        free(self);
        *self_p = NULL;
    }
}

static int
s_server_socket(zsock_t *sock, const br_keypair_t *keys, const char *domain, const char *endpoint,
                br_errmsg_t *err)
{
    int enforce = 1;
    zsock_set_curve_server(sock, 1);
    zsock_set_curve_secretkey_bin(sock, br_keypair_secret(keys));
    zsock_set_zap_domain(sock, domain);
    zsock_set_maxmsgsize(sock, BR_MSG_MAX);
    zsock_set_backlog(sock, 4096);
    zsock_set_linger(sock, 0);
    if (zmq_setsockopt(zsock_resolve(sock), ZMQ_ZAP_ENFORCE_DOMAIN, &enforce, sizeof enforce)) {
        return br_errmsg_set(err, BR_ERR_INTERNAL, "cannot enforce ZAP on %s: %s", domain,
                             zmq_strerror(zmq_errno()));
    }
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot bind %s socket to %s: %s", domain, endpoint,
                             zmq_strerror(zmq_errno()));
    }
    return BR_OK;
}

br_server_t *
br_server_new(const br_keypair_t *keys, br_keystore_t *store, const char *pub_endpoint,
              const char *req_endpoint, br_errmsg_t *err)
{
    br_server_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->keys = keys;
    self->store = store;
    self->sealer = br_sealer_new(keys);
    self->subscribed = zhashx_new();
    self->connections = zhashx_new();
    self->unsealed = zhashx_new();
    //  The handler must exist before any server socket can see a handshake
    self->zap = zsock_new(ZMQ_REP);
    if (!self->sealer || !self->subscribed || !self->connections || !self->unsealed ||
        !self->zap) {
        br_errmsg_set(err, BR_ERR_NOMEM, "cannot create the master's sockets");
        goto fail;
    }
    zhashx_set_destructor(self->connections, (zhashx_destructor_fn *)zstr_free);
    zsock_set_linger(self->zap, 0);
    zsock_set_maxmsgsize(self->zap, BR_MSG_MAX);
    //  A server destroyed a moment ago in this process may still hold the
    //  endpoint while libzmq's reaper closes its socket: wait for it briefly
    int bound = -1;
    for (int attempt = 0; attempt < 50 && bound < 0; attempt++) {
        bound = zsock_bind(self->zap, BR_ZAP_ENDPOINT);
        if (bound < 0) {
            zclock_sleep(20);
        }
    }
    if (bound < 0) {
        br_errmsg_set(err, BR_ERR_IO, "cannot bind the ZAP handler (another in this process?)");
        goto fail;
    }
    self->pub = zsock_new(ZMQ_XPUB);
    self->req = zsock_new(ZMQ_ROUTER);
    if (!self->pub || !self->req) {
        br_errmsg_set(err, BR_ERR_NOMEM, "cannot create the master's sockets");
        goto fail;
    }
    zsock_set_xpub_manual(self->pub, 1);
    //  Who left the publish socket is told by the connection that closed:
    //  libzmq reports each closed connection's descriptor here
    char events[64];
    snprintf(events, sizeof events, "inproc://brine-pub-events-%p", (void *)self);
    self->pub_events = zsock_new(ZMQ_PAIR);
    if (!self->pub_events ||
        zmq_socket_monitor(zsock_resolve(self->pub), events, ZMQ_EVENT_DISCONNECTED) != 0 ||
        zsock_connect(self->pub_events, "%s", events) != 0) {
        br_errmsg_set(err, BR_ERR_INTERNAL, "cannot monitor the publish socket");
        goto fail;
    }
    zsock_set_rcvtimeo(self->pub_events, 0);
    //  Deep queues: a job to every minion goes out in one burst
    zsock_set_sndhwm(self->pub, 100000);
    zsock_set_rcvhwm(self->req, 100000);
    if (s_server_socket(self->pub, keys, "pub", pub_endpoint, err) < 0 ||
        s_server_socket(self->req, keys, "req", req_endpoint, err) < 0) {
        goto fail;
    }
    return self;
fail:
    br_server_destroy(&self);
    return NULL;
}

//  While the monitor is being stopped, the events still coming are read
//  here and dropped (the socket is this thread's until it is joined)
typedef struct {
    zsock_t *events;
    atomic_bool stopped;
} s_drain_t;

static void *
s_drain_events(void *arg)
{
    s_drain_t *drain = arg;
    while (!atomic_load(&drain->stopped)) {
        zmsg_t *event = zmsg_recv(drain->events);
        zmsg_destroy(&event);
    }
    return NULL;
}

//  libzmq 4.3.4 sends a monitor event and waits for room in the event pipe
//  while it holds the lock that stopping the monitor takes: a master that
//  stops while thousands of connections close (after the minions went
//  away, or while they go) would wait for that lock for ever. The pipe is
//  emptied from another thread until the monitor is stopped.
static void
s_stop_monitor(br_server_t *self)
{
    s_drain_t drain = {.events = self->pub_events};
    atomic_init(&drain.stopped, false);
    pthread_t thread;
    zsock_set_rcvtimeo(self->pub_events, 10);
    bool draining = pthread_create(&thread, NULL, s_drain_events, &drain) == 0;
    zmq_socket_monitor(zsock_resolve(self->pub), NULL, 0);
    if (draining) {
        atomic_store(&drain.stopped, true);
        pthread_join(thread, NULL);
    }
}

void
br_server_destroy(br_server_t **self_p)
{
    if (self_p && *self_p) {
        br_server_t *self = *self_p;
        if (self->pub && self->pub_events) {
            s_stop_monitor(self);
        }
        zsock_destroy(&self->pub_events);
        zsock_destroy(&self->pub);
        zsock_destroy(&self->req);
        if (self->zap) {
            zsock_unbind(self->zap, BR_ZAP_ENDPOINT);
        }
        zsock_destroy(&self->zap);
        zhashx_destroy(&self->subscribed);
        zhashx_destroy(&self->connections);
        zhashx_destroy(&self->unsealed);
        br_sealer_destroy(&self->sealer);
        free(self);
        *self_p = NULL;
    }
}

zsock_t *
br_server_zap_sock(br_server_t *self)
{
    return self->zap;
}

zsock_t *
br_server_pub_sock(br_server_t *self)
{
    return self->pub;
}

zsock_t *
br_server_req_sock(br_server_t *self)
{
    return self->req;
}

br_sealer_t *
br_server_sealer(br_server_t *self)
{
    return self->sealer;
}

//  The ZAP decision: returns the status code and fills user (the User-Id).
static const char *
s_zap_decide(br_server_t *self, const char *domain, const char *mechanism, zframe_t *credentials,
             char *user, size_t user_size)
{
    if (strcmp(mechanism, "CURVE") != 0 || !credentials ||
        zframe_size(credentials) != BR_KEY_SIZE) {
        return "400";
    }
    const uint8_t *key = zframe_data(credentials);
    br_errmsg_t why;
    //  A handshake is the moment an operator's brine-key change matters
    if (s_refresh(self, &why) < 0) {
        br_error("key store: %s", why.text);
    }
    const char *id = NULL;
    br_key_state_t state = br_keystore_lookup(self->store, key, &id);
    if (state == BR_KEY_ACCEPTED && id) {
        snprintf(user, user_size, "%s", id);
        return "200";
    }
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(key, z85);
    if (strcmp(domain, "req") == 0 && state != BR_KEY_REJECTED && state != BR_KEY_DENIED) {
        snprintf(user, user_size, "%c%s", BR_UNACCEPTED_PREFIX, z85);
        return "200";
    }
    br_info("refused %s key %s on %s%s%s", br_key_state_name(state), z85, domain,
              id ? " for minion " : "", id ? id : "");
    return "400";
}

int
br_server_handle_zap(br_server_t *self)
{
    zmsg_t *request = zmsg_recv(self->zap);
    if (!request) {
        return BR_ERR_IO;
    }
    //  version, request id, domain, address, identity, mechanism, credentials
    char *version = zmsg_popstr(request);
    zframe_t *request_id = zmsg_pop(request);
    char *domain = zmsg_popstr(request);
    char *address = zmsg_popstr(request);
    zframe_t *identity = zmsg_pop(request);
    char *mechanism = zmsg_popstr(request);
    zframe_t *credentials = zmsg_pop(request);
    char user[BR_Z85_KEY_LEN + 2] = "";
    const char *status = "400";
    int rc = BR_ERR_MALFORMED;
    if (version && strcmp(version, "1.0") == 0 && request_id && domain && mechanism) {
        status = s_zap_decide(self, domain, mechanism, credentials, user, sizeof user);
        rc = BR_OK;
    }
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, "1.0");
    if (request_id) {
        zmsg_append(reply, &request_id);
    } else {
        zmsg_addstr(reply, "");
    }
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, strcmp(status, "200") == 0 ? "OK" : "key not allowed");
    zmsg_addstr(reply, user);
    zmsg_addmem(reply, NULL, 0);
    if (zmsg_send(&reply, self->zap) != 0) {
        zmsg_destroy(&reply);
        rc = BR_ERR_IO;
    }
    free(version);
    free(domain);
    free(address);
    free(mechanism);
    zframe_destroy(&identity);
    zframe_destroy(&credentials);
    zframe_destroy(&request_id);
    zmsg_destroy(&request);
    return rc;
}

//  A subscription is counted under the minion's id and the key it had: a
//  connection made before its key was deleted, or replaced by another key
//  for the same id, is not that id's subscription any more
static void
s_sub_name(const char *id, const uint8_t key[BR_KEY_SIZE], char name[S_SUB_NAME_MAX + 1])
{
    char z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(key, z85);
    snprintf(name, S_SUB_NAME_MAX + 1, "%s/%s", id, z85);
}

//  The name under which minion id's connections count now: its accepted key's
static bool
s_sub_current(br_server_t *self, const char *id, char name[S_SUB_NAME_MAX + 1])
{
    uint8_t key[BR_KEY_SIZE];
    if (br_keystore_state(self->store, id, key) != BR_KEY_ACCEPTED) {
        return false;
    }
    s_sub_name(id, key, name);
    return true;
}

static size_t
s_sub_count(br_server_t *self, const char *name)
{
    return (size_t)(uintptr_t)zhashx_lookup(self->subscribed, name);
}

static void
s_sub_set(br_server_t *self, const char *name, size_t count)
{
    if (count) {
        zhashx_update(self->subscribed, name, (void *)(uintptr_t)count);
    } else {
        zhashx_delete(self->subscribed, name);
    }
}

//  Accounts for the next closed connection that libzmq reported, if any:
//  -1 none is pending, 0 one was (not a minion's last), 1 it was the last
//  subscribed connection of minion id with its accepted key.
static int
s_closed_next(br_server_t *self, char id[BR_ID_MAX + 1])
{
    zmsg_t *event = zmsg_recv(self->pub_events);
    if (!event) {
        return -1;
    }
    int rc = 0;
    zframe_t *head = zmsg_first(event);
    if (head && zframe_size(head) == 6) {
        uint16_t what;
        uint32_t fd;
        memcpy(&what, zframe_data(head), 2);
        memcpy(&fd, zframe_data(head) + 2, 4);
        char key[16];
        snprintf(key, sizeof key, "%d", (int)fd);
        const char *name =
            what == ZMQ_EVENT_DISCONNECTED ? zhashx_lookup(self->connections, key) : NULL;
        if (name) {
            char current[S_SUB_NAME_MAX + 1];
            size_t count = s_sub_count(self, name);
            snprintf(id, BR_ID_MAX + 1, "%.*s", (int)strcspn(name, "/"), name);
            rc = count == 1 && s_sub_current(self, id, current) && strcmp(current, name) == 0;
            s_sub_set(self, name, count ? count - 1 : 0);
            zhashx_delete(self->connections, key);
        }
    }
    zmsg_destroy(&event);
    return rc;
}

//  Accounts for every closed connection reported so far; a minion whose
//  last connection closed is logged as br_server_handle_sub reports it
static void
s_drain_closed(br_server_t *self)
{
    char gone[BR_ID_MAX + 1];
    int closed;
    while ((closed = s_closed_next(self, gone)) >= 0) {
        if (closed == 1) {
            br_info("minion %s left the publish socket", gone);
        }
    }
}

br_sub_event_t
br_server_handle_sub(br_server_t *self, char id[BR_ID_MAX + 1])
{
    id[0] = 0;
    int closed;
    while ((closed = s_closed_next(self, id)) == 0) {
    }
    if (closed == 1) {
        return BR_SUB_LEFT; //  the message waiting on pub is read at the next call
    }
    id[0] = 0;
    br_sub_event_t event = BR_SUB_NONE;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, zsock_resolve(self->pub), ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return BR_SUB_NONE;
    }
    const uint8_t *data = zmq_msg_data(&msg);
    size_t size = zmq_msg_size(&msg);
    const char *user = zmq_msg_gets(&msg, "User-Id");
    //  The connection's descriptor (ZMQ_SRCFD, deprecated in libzmq but the
    //  one thing that names a connection both here and when it closes)
    int fd = zmq_msg_get(&msg, ZMQ_SRCFD);
    char name[S_SUB_NAME_MAX + 1];
    if (size >= 1 && data[0] == 1 && user && br_id_valid(user) && fd >= 0 &&
        s_refresh(self, NULL) >= 0 && s_sub_current(self, user, name)) {
        //  Whatever topic was asked for, this connection gets its own only
        char topic[BR_ID_MAX + 2];
        snprintf(topic, sizeof topic, "%s.", user);
        if (zmq_setsockopt(zsock_resolve(self->pub), ZMQ_SUBSCRIBE, topic, strlen(topic)) == 0) {
            char key[16], gone[BR_ID_MAX + 1];
            snprintf(key, sizeof key, "%d", fd);
            //  A descriptor still on file belongs to a closed connection
            //  whose close has been reported by now, or to this connection
            //  asking again
            while (zhashx_lookup(self->connections, key) && s_closed_next(self, gone) >= 0) {
            }
            //  One count per connection, however often it asks
            if (!zhashx_lookup(self->connections, key)) {
                zhashx_insert(self->connections, key, strdup(name));
                s_sub_set(self, name, s_sub_count(self, name) + 1);
            }
            snprintf(id, BR_ID_MAX + 1, "%s", user);
            event = BR_SUB_JOINED;
        }
    }
    //  Unsubscriptions change nothing. A minion's own cannot take it off its
    //  topic; those libzmq sends for a closed connection (without a User-Id)
    //  repeat the topics that connection asked for, which may be another
    //  minion's: counting them would let any minion cut another off.
    zmq_msg_close(&msg);
    return event;
}

bool
br_server_subscribed(br_server_t *self, const char *id)
{
    //  Closes not yet accounted for first (inside a burst, they were at
    //  its start)
    char name[S_SUB_NAME_MAX + 1];
    if (!self->holding) {
        s_drain_closed(self);
    }
    return s_sub_current(self, id, name) && s_sub_count(self, name) > 0;
}

int
br_server_recv(br_server_t *self, br_request_t **req_p)
{
    *req_p = NULL;
    zmsg_t *msg = zmsg_recv(self->req);
    if (!msg) {
        return BR_ERR_IO;
    }
    int rc = BR_ERR_MALFORMED;
    br_errmsg_t why = {""};
    br_request_t *req = calloc(1, sizeof *req);
    if (!req) {
        zmsg_destroy(&msg);
        return BR_ERR_NOMEM;
    }
    req->routing = zmsg_pop(msg);
    zframe_t *body = zmsg_pop(msg);
    const char *user = body ? zframe_meta(body, "User-Id") : NULL;
    if (!req->routing || !body || zmsg_size(msg) != 0 || !user) {
        br_errmsg_set(&why, rc, "expected exactly one frame");
        goto out;
    }
    if (user[0] == BR_UNACCEPTED_PREFIX) {
        rc = br_pubkey_from_z85(req->key, user + 1, strlen(user + 1));
        //  Accepted since its handshake (brine-key -a while it waited): the
        //  key is the identity, so it may act as that minion from now on
        const char *id = NULL;
        s_refresh(self, NULL);
        if (rc == BR_OK && br_keystore_lookup(self->store, req->key, &id) == BR_KEY_ACCEPTED &&
            id) {
            snprintf(req->id, sizeof req->id, "%s", id);
            req->accepted = true;
        }
    } else if (br_id_valid(user)) {
        //  Accepted at handshake; make sure it still is (brine-key -d/-r)
        s_refresh(self, NULL);
        rc = br_keystore_state(self->store, user, req->key) == BR_KEY_ACCEPTED ? BR_OK
                                                                               : BR_ERR_DENIED;
        if (rc == BR_OK) {
            snprintf(req->id, sizeof req->id, "%s", user);
            req->accepted = true;
        } else {
            //  Deleted or rejected since it connected: it gets nothing, not
            //  even enrolment, until it reconnects with a fresh handshake
            br_errmsg_set(&why, rc, "key of minion %s is no longer accepted", user);
            goto out;
        }
    }
    if (rc < 0) {
        br_errmsg_set(&why, rc, "bad User-Id from ZAP");
        goto out;
    }
    rc = br_msg_decode(&req->msg, zframe_data(body), zframe_size(body), &why);
out:
    if (rc < 0) {
        char z85[BR_Z85_KEY_LEN + 1] = "?";
        if (user && user[0] == BR_UNACCEPTED_PREFIX) {
            br_pubkey_z85(req->key, z85);
        }
        br_warning("dropped request from %s: %s (%s)", req->id[0] ? req->id : z85,
                     why.text[0] ? why.text : "invalid", br_strerror(rc));
        br_request_destroy(&req);
    }
    zframe_destroy(&body);
    zmsg_destroy(&msg);
    *req_p = req;
    return rc;
}

int
br_server_reply(br_server_t *self, const br_request_t *req, const br_msg_t *msg)
{
    zframe_t *body = br_msg_encode(msg);
    zframe_t *routing = zframe_dup(req->routing);
    if (!body || !routing) {
        zframe_destroy(&body);
        zframe_destroy(&routing);
        return BR_ERR_INTERNAL;
    }
    if (zframe_send(&routing, self->req, ZFRAME_MORE) != 0 ||
        zframe_send(&body, self->req, 0) != 0) {
        zframe_destroy(&routing);
        zframe_destroy(&body);
        return BR_ERR_IO;
    }
    return BR_OK;
}

int
br_server_publish(br_server_t *self, const char *id, const br_msg_t *header,
                  const br_secret_t *body)
{
    uint8_t key[BR_KEY_SIZE];
    //  The last check before a body leaves: the key must still be accepted
    s_refresh(self, NULL);
    if (!br_id_valid(id) || br_keystore_state(self->store, id, key) != BR_KEY_ACCEPTED) {
        return BR_ERR_DENIED;
    }
    if (!br_server_subscribed(self, id)) {
        return BR_ERR_NOTFOUND;
    }
    int rc = BR_ERR_INTERNAL;
    zframe_t *clear = br_msg_encode(header);
    zframe_t *sealed = NULL;
    zframe_t *topic = NULL;
    if (!clear) {
        goto out;
    }
    //  To the sealing key pinned at enrolment, which the minion's network
    //  child does not hold; a minion enrolled without one gets the old seal
    uint8_t seal[BR_KEY_SIZE];
    if (br_keystore_seal_key(self->store, id, seal)) {
        memcpy(key, seal, BR_KEY_SIZE);
    } else if (!zhashx_lookup(self->unsealed, id)) {
        zhashx_insert(self->unsealed, id, (void *)1);
        br_warning("minion %s has no sealing key: re-enrol it (brine-key -d, restart it with this "
                   "release, brine-key -a) to separate its jobs' key from its transport key; "
                   "until then its jobs are sealed to its transport key",
                   id);
    }
    sealed = br_seal(self->sealer, key, zframe_data(clear), zframe_size(clear),
                     br_secret_cdata(body), br_secret_size(body));
    topic = zframe_new(NULL, strlen(id) + 1);
    if (!sealed || !topic) {
        goto out;
    }
    memcpy(zframe_data(topic), id, strlen(id));
    zframe_data(topic)[strlen(id)] = '.';
    rc = BR_ERR_IO;
    if (zframe_send(&topic, self->pub, ZFRAME_MORE) == 0 &&
        zframe_send(&clear, self->pub, ZFRAME_MORE) == 0 &&
        zframe_send(&sealed, self->pub, 0) == 0) {
        rc = BR_OK;
    }
out:
    zframe_destroy(&topic);
    zframe_destroy(&clear);
    zframe_destroy(&sealed);
    return rc;
}
