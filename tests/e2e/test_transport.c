/*  Loopback integration tests of the transport: a real br_server (CURVE,
    brine's ZAP handler, XPUB manual subscriptions) and real br_client
    minions, all in one process on 127.0.0.1. */
#include "brine.h"
#include "testutil.h"

#include <zmq.h>

typedef struct {
    char *dir;
    br_keypair_t *master_keys;
    br_keystore_t *store;
    br_server_t *server;
    zlistx_t *requests; //  br_request_t received while pumping
    char pub[64], req[64];
} fixture_t;

static void
s_request_free(void **item)
{
    br_request_destroy((br_request_t **)item);
}

static void
s_fixture_init(fixture_t *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->dir = test_tmpdir();
    fx->master_keys = br_keypair_generate();
    br_errmsg_t err;
    fx->store = br_keystore_new(fx->dir, &err);
    snprintf(fx->pub, sizeof fx->pub, "tcp://127.0.0.1:%d", test_free_port());
    snprintf(fx->req, sizeof fx->req, "tcp://127.0.0.1:%d", test_free_port());
    fx->server = br_server_new(fx->master_keys, fx->store, fx->pub, fx->req, &err);
    if (!fx->server) {
        fprintf(stderr, "server: %s\n", err.text);
        exit(1);
    }
    fx->requests = zlistx_new();
    zlistx_set_destructor(fx->requests, s_request_free);
}

static void
s_fixture_fini(fixture_t *fx)
{
    zlistx_destroy(&fx->requests);
    br_server_destroy(&fx->server);
    br_keystore_destroy(&fx->store);
    br_keypair_destroy(&fx->master_keys);
    test_rmtree(fx->dir);
    free(fx->dir);
}

//  Serves ZAP, subscriptions and requests until `wanted` (if given) is
//  readable or timeout_ms passes. Requests are queued in fx->requests.
static bool
s_pump(fixture_t *fx, zsock_t *wanted, int timeout_ms)
{
    zpoller_t *poller = zpoller_new(br_server_zap_sock(fx->server), br_server_pub_sock(fx->server),
                                    br_server_req_sock(fx->server), NULL);
    if (wanted) {
        zpoller_add(poller, wanted);
    }
    int64_t deadline = zclock_mono() + timeout_ms;
    bool ready = false;
    while (!ready && zclock_mono() < deadline) {
        void *which = zpoller_wait(poller, (int)(deadline - zclock_mono()));
        if (which == br_server_zap_sock(fx->server)) {
            br_server_handle_zap(fx->server);
        } else if (which == br_server_pub_sock(fx->server)) {
            char id[BR_ID_MAX + 1];
            br_server_handle_sub(fx->server, id);
        } else if (which == br_server_req_sock(fx->server)) {
            br_request_t *req = NULL;
            if (br_server_recv(fx->server, &req) == 0) {
                zlistx_add_end(fx->requests, req);
                ready = wanted == NULL;
            }
        } else if (which && which == wanted) {
            ready = true;
        }
    }
    zpoller_destroy(&poller);
    return ready;
}

//  Pumps until a request arrives; returns it (owned by the caller).
static br_request_t *
s_next_request(fixture_t *fx, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (zlistx_size(fx->requests) == 0 && zclock_mono() < deadline) {
        s_pump(fx, NULL, 20);
    }
    void *handle = zlistx_first(fx->requests) ? zlistx_cursor(fx->requests) : NULL;
    return handle ? zlistx_detach(fx->requests, handle) : NULL;
}

static br_keypair_t *
s_minion_key(fixture_t *fx, const char *id, br_key_state_t state)
{
    br_keypair_t *keys = br_keypair_generate();
    br_errmsg_t err;
    if (state != BR_KEY_UNKNOWN) {
        CHECK_EQ_INT(br_keystore_enrol(fx->store, id, br_keypair_public(keys), &err),
                     BR_KEY_PENDING);
    }
    if (state == BR_KEY_ACCEPTED) {
        CHECK_EQ_INT(br_keystore_accept(fx->store, id, &err), 0);
    } else if (state == BR_KEY_REJECTED) {
        CHECK_EQ_INT(br_keystore_reject(fx->store, id, &err), 0);
    }
    return keys;
}

static br_client_t *
s_client(fixture_t *fx, br_keypair_t *keys, const char *id)
{
    br_errmsg_t err;
    br_client_t *client =
        br_client_new(keys, br_keypair_public(fx->master_keys), id, fx->pub, fx->req, &err);
    if (!client) {
        fprintf(stderr, "client: %s\n", err.text);
        exit(1);
    }
    return client;
}

static void
s_send_simple(br_client_t *client, br_msg_type_t type, const char *id)
{
    br_msg_t *msg = br_msg_new(type);
    if (id) {
        CHECK_EQ_INT(br_msg_set_id(msg, id), 0);
    }
    if (type == BR_MSG_HELLO) {
        br_msg_set_ver(msg, "test");
    }
    CHECK_EQ_INT(br_client_send(client, msg), 0);
    br_msg_destroy(&msg);
}

//  Waits for a link event other than "connected" on the client's monitor.
static br_link_event_t
s_link_event(fixture_t *fx, br_client_t *client, zsock_t *monitor, int timeout_ms)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (zclock_mono() < deadline) {
        if (s_pump(fx, monitor, (int)(deadline - zclock_mono()))) {
            br_link_event_t link = br_client_handle_monitor(client, monitor);
            if (link != BR_LINK_CONNECTED && link != BR_LINK_NONE) {
                return link;
            }
        }
    }
    return BR_LINK_NONE;
}

//  Subscribes and waits until the master has seen the subscription.
static void
s_subscribe(fixture_t *fx, br_client_t *client, const char *id)
{
    CHECK_EQ_INT(br_client_subscribe(client), 0);
    int64_t deadline = zclock_mono() + 3000;
    while (!br_server_subscribed(fx->server, id) && zclock_mono() < deadline) {
        s_pump(fx, NULL, 10);
    }
    CHECK(br_server_subscribed(fx->server, id));
}

static int
s_publish(fixture_t *fx, const char *id, const char *jid, const char *fun, br_secret_t *secret)
{
    br_msg_t *header = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(header, jid);
    br_msg_set_exp(header, zclock_time() + 60000);
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(body, jid);
    br_msg_set_fun(body, fun);
    if (secret) {
        br_msg_add_secret(body, &secret);
    }
    br_secret_t *encoded = br_msg_encode_secret(body);
    int rc = br_server_publish(fx->server, id, header, encoded);
    br_secret_destroy(&encoded);
    br_msg_destroy(&body);
    br_msg_destroy(&header);
    return rc;
}

static void
test_hello_and_sealed_round_trip(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "web1", BR_KEY_ACCEPTED);
    br_client_t *client = s_client(&fx, keys, "web1");

    s_send_simple(client, BR_MSG_HELLO, "web1");
    br_request_t *req = s_next_request(&fx, 3000);
    CHECK(req && req->accepted);
    if (req) {
        CHECK_STR(req->id, "web1");
        CHECK_EQ_INT(br_msg_type(req->msg), BR_MSG_HELLO);
        CHECK(memcmp(req->key, br_keypair_public(keys), BR_KEY_SIZE) == 0);
        br_msg_t *welcome = br_msg_new(BR_MSG_WELCOME);
        br_msg_set_state(welcome, "accepted");
        br_msg_set_ver(welcome, "test");
        CHECK_EQ_INT(br_server_reply(fx.server, req, welcome), 0);
        br_msg_destroy(&welcome);
    }
    br_request_destroy(&req);
    CHECK(s_pump(&fx, br_client_req_sock(client), 3000));
    br_msg_t *reply = NULL;
    CHECK_EQ_INT(br_client_recv(client, &reply), 0);
    CHECK(reply && br_msg_type(reply) == BR_MSG_WELCOME);
    br_msg_destroy(&reply);

    //  Not subscribed yet: nothing is published into the void
    CHECK_EQ_INT(s_publish(&fx, "web1", "20261128000000000001", "test.ping", NULL),
                 BR_ERR_NOTFOUND);
    s_subscribe(&fx, client, "web1");

    //  Sealed round trip, with a secret inside, timed
    br_secret_t *secret = br_secret_from_bytes("correct horse", 13);
    int64_t start = zclock_usecs();
    CHECK_EQ_INT(s_publish(&fx, "web1", "20261128000000000002", "test.ping", secret), 0);
    CHECK(s_pump(&fx, br_client_pub_sock(client), 3000));
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why;
    CHECK_EQ_INT(br_client_recv_job(client, &header, &body, &why), 0);
    CHECK(body && strcmp(br_msg_fun(body), "test.ping") == 0);
    CHECK(body && br_msg_secret_count(body) == 1 &&
          memcmp(br_secret_data(br_msg_secret(body, 0)), "correct horse", 13) == 0);
    br_msg_t *ret = br_msg_new(BR_MSG_RETURN);
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&doc, "return", true);
    br_msg_set_jid(ret, "20261128000000000002");
    br_msg_set_fun(ret, "test.ping");
    br_msg_set_ok(ret, true);
    br_msg_set_ret(ret, &doc);
    bson_destroy(&doc);
    CHECK_EQ_INT(br_client_send(client, ret), 0);
    br_msg_destroy(&ret);
    req = s_next_request(&fx, 3000);
    int64_t elapsed = zclock_usecs() - start;
    CHECK(req && req->accepted && br_msg_type(req->msg) == BR_MSG_RETURN);
    if (req) {
        CHECK_STR(req->id, "web1");
    }
    printf("sealed round trip on loopback: %.3f ms\n", (double)elapsed / 1000.0);
    br_request_destroy(&req);
    br_msg_destroy(&header);
    br_msg_destroy(&body);

    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

static void
test_unknown_key_is_pending_and_gets_nothing(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "new1", BR_KEY_UNKNOWN);
    br_client_t *client = s_client(&fx, keys, "new1");

    //  Anything but enrolment: refused at the request level (not accepted)
    s_send_simple(client, BR_MSG_HELLO, "new1");
    br_request_t *req = s_next_request(&fx, 3000);
    CHECK(req && !req->accepted && req->id[0] == 0);
    br_request_destroy(&req);

    s_send_simple(client, BR_MSG_ENROL, "new1");
    req = s_next_request(&fx, 3000);
    CHECK(req && !req->accepted && br_msg_type(req->msg) == BR_MSG_ENROL);
    if (req) {
        br_errmsg_t err;
        CHECK_EQ_INT(br_keystore_enrol(fx.store, br_msg_id(req->msg), req->key, &err),
                     BR_KEY_PENDING);
    }
    br_request_destroy(&req);
    CHECK_EQ_INT(br_keystore_state(fx.store, "new1", NULL), BR_KEY_PENDING);

    //  The publish socket refuses a pending key, and it is never subscribed
    CHECK_EQ_INT(br_client_subscribe(client), 0);
    CHECK_EQ_INT(s_link_event(&fx, client, br_client_pub_monitor(client), 3000), BR_LINK_REFUSED);
    CHECK(!br_server_subscribed(fx.server, "new1"));
    CHECK_EQ_INT(s_publish(&fx, "new1", "20261128000000000003", "test.ping", NULL), BR_ERR_DENIED);
    CHECK(!s_pump(&fx, br_client_pub_sock(client), 300));

    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

static void
test_rejected_key_is_refused(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "bad1", BR_KEY_REJECTED);
    br_client_t *client = s_client(&fx, keys, "bad1");
    s_send_simple(client, BR_MSG_ENROL, "bad1");
    CHECK_EQ_INT(s_link_event(&fx, client, br_client_req_monitor(client), 3000), BR_LINK_REFUSED);
    CHECK(s_next_request(&fx, 300) == NULL);
    CHECK_EQ_INT(br_keystore_state(fx.store, "bad1", NULL), BR_KEY_REJECTED);
    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

//  An accepted rogue subscribes to everything, with a raw SUB socket, and
//  even asks for the victim's topic: it receives none of the victim's jobs.
static void
test_rogue_subscriber_gets_nothing(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *victim_keys = s_minion_key(&fx, "db1", BR_KEY_ACCEPTED);
    br_keypair_t *rogue_keys = s_minion_key(&fx, "rogue", BR_KEY_ACCEPTED);
    br_client_t *victim = s_client(&fx, victim_keys, "db1");
    s_subscribe(&fx, victim, "db1");

    zsock_t *rogue = zsock_new(ZMQ_SUB);
    zsock_set_curve_serverkey_bin(rogue, br_keypair_public(fx.master_keys));
    zsock_set_curve_publickey_bin(rogue, br_keypair_public(rogue_keys));
    zsock_set_curve_secretkey_bin(rogue, br_keypair_secret(rogue_keys));
    zsock_set_subscribe(rogue, "");
    zsock_set_subscribe(rogue, "db1.");
    CHECK(zsock_connect(rogue, "%s", fx.pub) == 0);
    int64_t deadline = zclock_mono() + 3000;
    while (!br_server_subscribed(fx.server, "rogue") && zclock_mono() < deadline) {
        s_pump(&fx, NULL, 10);
    }
    CHECK(br_server_subscribed(fx.server, "rogue"));

    br_secret_t *secret = br_secret_from_bytes("victim's passphrase", 19);
    CHECK_EQ_INT(s_publish(&fx, "db1", "20261128000000000004", "test.ping", secret), 0);
    CHECK(s_pump(&fx, br_client_pub_sock(victim), 3000));
    CHECK(!s_pump(&fx, rogue, 500));
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why;
    CHECK_EQ_INT(br_client_recv_job(victim, &header, &body, &why), 0);
    br_msg_destroy(&header);
    br_msg_destroy(&body);

    //  Publishing to the rogue's own topic still reaches only the rogue
    CHECK_EQ_INT(s_publish(&fx, "rogue", "20261128000000000005", "test.ping", NULL), 0);
    CHECK(s_pump(&fx, rogue, 3000));
    CHECK(!s_pump(&fx, br_client_pub_sock(victim), 300));

    zsock_destroy(&rogue);
    br_client_destroy(&victim);
    br_keypair_destroy(&victim_keys);
    br_keypair_destroy(&rogue_keys);
    s_fixture_fini(&fx);
}

static void
test_malformed_frame_is_dropped(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "web2", BR_KEY_ACCEPTED);
    br_client_t *client = s_client(&fx, keys, "web2");
    //  Garbage, a truncated BSON, and a two-frame message
    zsock_send(br_client_req_sock(client), "s", "this is not BSON");
    zsock_send(br_client_req_sock(client), "b", "\x30\x00\x00\x00\x10v", (size_t)6);
    zsock_send(br_client_req_sock(client), "ss", "two", "frames");
    s_send_simple(client, BR_MSG_ENROL, "web2");
    br_request_t *req = s_next_request(&fx, 3000);
    CHECK(req && req->accepted && br_msg_type(req->msg) == BR_MSG_ENROL);
    br_request_destroy(&req);
    CHECK(s_next_request(&fx, 200) == NULL);
    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

static void
test_claimed_id_is_ignored(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *victim_keys = s_minion_key(&fx, "db2", BR_KEY_ACCEPTED);
    br_keypair_t *liar_keys = s_minion_key(&fx, "liar", BR_KEY_ACCEPTED);
    br_client_t *liar = s_client(&fx, liar_keys, "liar");
    s_send_simple(liar, BR_MSG_HELLO, "db2");
    br_request_t *req = s_next_request(&fx, 3000);
    CHECK(req && req->accepted);
    if (req) {
        CHECK_STR(req->id, "liar");
        CHECK_STR(br_msg_id(req->msg), "db2");
        CHECK(memcmp(req->key, br_keypair_public(liar_keys), BR_KEY_SIZE) == 0);
    }
    br_request_destroy(&req);
    br_client_destroy(&liar);
    br_keypair_destroy(&victim_keys);
    br_keypair_destroy(&liar_keys);
    s_fixture_fini(&fx);
}

//  A minion with the wrong pinned master key never completes a handshake.
static void
test_wrong_master_key_fails(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "web3", BR_KEY_ACCEPTED);
    br_keypair_t *impostor = br_keypair_generate();
    br_errmsg_t err;
    br_client_t *client =
        br_client_new(keys, br_keypair_public(impostor), "web3", fx.pub, fx.req, &err);
    s_send_simple(client, BR_MSG_ENROL, "web3");
    CHECK_EQ_INT(s_link_event(&fx, client, br_client_req_monitor(client), 3000), BR_LINK_FAILED);
    CHECK(s_next_request(&fx, 200) == NULL);
    br_client_destroy(&client);
    br_keypair_destroy(&impostor);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

//  Publishes job jid to id; true when client received and opened it
static bool
s_job_runs(fixture_t *fx, br_client_t *client, const char *id, const char *jid)
{
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why;
    bool ran = s_publish(fx, id, jid, "test.ping", NULL) == 0 &&
               s_pump(fx, br_client_pub_sock(client), 3000) &&
               br_client_recv_job(client, &header, &body, &why) == 0;
    br_msg_destroy(&header);
    br_msg_destroy(&body);
    return ran;
}

//  Publishes job jid to id and checks that client refuses it as a replay
static void
s_job_refused(fixture_t *fx, br_client_t *client, const char *id, const char *jid)
{
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why;
    CHECK_EQ_INT(s_publish(fx, id, jid, "test.ping", NULL), 0);
    bool arrived = s_pump(fx, br_client_pub_sock(client), 3000);
    CHECK(arrived);
    if (arrived) {
        CHECK_EQ_INT(br_client_recv_job(client, &header, &body, &why), BR_ERR_REPLAY);
    }
    CHECK(header == NULL && body == NULL);
}

//  The minion restarts: a new client reading the same replay file, once
//  the master has seen the old connection go
static void
s_restart(fixture_t *fx, br_client_t **client_p, br_keypair_t *keys, const char *id,
          const char *path)
{
    br_client_destroy(client_p);
    int64_t deadline = zclock_mono() + 3000;
    while (br_server_subscribed(fx->server, id) && zclock_mono() < deadline) {
        s_pump(fx, NULL, 10);
    }
    *client_p = s_client(fx, keys, id);
    CHECK_EQ_INT(br_client_replay_file(*client_p, path), 0);
    s_subscribe(fx, *client_p, id);
}

//  A job run before a restart is refused after it: the replay cache is on
//  disk. Re-sending the same jid (what a captured frame carries) fails.
static void
test_replay_survives_restart(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "web4", BR_KEY_ACCEPTED);
    char path[600];
    snprintf(path, sizeof path, "%s/jids", fx.dir);
    br_client_t *client = s_client(&fx, keys, "web4");
    CHECK_EQ_INT(br_client_replay_file(client, path), 0);
    s_subscribe(&fx, client, "web4");
    CHECK(s_job_runs(&fx, client, "web4", "20261128000000000009"));
    //  The same job again, to the same process: refused
    s_job_refused(&fx, client, "web4", "20261128000000000009");
    //  A second job: the first wrote the whole file, this one only its slot
    CHECK(s_job_runs(&fx, client, "web4", "20261128000000000010"));
    //  And to a restarted minion that reads the same cache
    s_restart(&fx, &client, keys, "web4", path);
    s_job_refused(&fx, client, "web4", "20261128000000000009");
    s_job_refused(&fx, client, "web4", "20261128000000000010");
    //  A job after the restart is written in place into the file as loaded,
    //  and refused after the next restart with the others
    CHECK(s_job_runs(&fx, client, "web4", "20261128000000000011"));
    s_restart(&fx, &client, keys, "web4", path);
    s_job_refused(&fx, client, "web4", "20261128000000000009");
    s_job_refused(&fx, client, "web4", "20261128000000000010");
    s_job_refused(&fx, client, "web4", "20261128000000000011");
    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

//  More jobs than the replay cache holds: the oldest are evicted under a
//  floor, which refuses them still, in this process and after a restart
//  (the floor and the slots written in place in the replay file).
static void
test_replay_ring_wraps(void)
{
    fixture_t fx;
    s_fixture_init(&fx);
    br_keypair_t *keys = s_minion_key(&fx, "web5", BR_KEY_ACCEPTED);
    char path[600], jid[BR_JID_LEN + 1];
    snprintf(path, sizeof path, "%s/jids", fx.dir);
    br_client_t *client = s_client(&fx, keys, "web5");
    CHECK_EQ_INT(br_client_replay_file(client, path), 0);
    s_subscribe(&fx, client, "web5");
    //  4096 remembered (BR_SEEN_MAX in br_client.c), and two more
    const int jobs = 4098;
    int ran = 0;
    for (int i = 0; i < jobs; i++) {
        snprintf(jid, sizeof jid, "202611280000%08d", i);
        ran += s_job_runs(&fx, client, "web5", jid);
    }
    CHECK_EQ_INT(ran, jobs);
    for (int restart = 0; restart < 2; restart++) {
        //  The two oldest (under the floor) and the newest (in its slot)
        const int replayed[] = {0, 1, jobs - 1};
        for (size_t i = 0; i < sizeof replayed / sizeof replayed[0]; i++) {
            snprintf(jid, sizeof jid, "202611280000%08d", replayed[i]);
            s_job_refused(&fx, client, "web5", jid);
        }
        s_restart(&fx, &client, keys, "web5", path);
    }
    //  A new job still runs
    snprintf(jid, sizeof jid, "202611280000%08d", jobs);
    CHECK(s_job_runs(&fx, client, "web5", jid));
    br_client_destroy(&client);
    br_keypair_destroy(&keys);
    s_fixture_fini(&fx);
}

int
main(void)
{
    zsys_init();
    test_hello_and_sealed_round_trip();
    test_unknown_key_is_pending_and_gets_nothing();
    test_rejected_key_is_refused();
    test_rogue_subscriber_gets_nothing();
    test_malformed_frame_is_dropped();
    test_claimed_id_is_ignored();
    test_wrong_master_key_fails();
    test_replay_survives_restart();
    test_replay_ring_wraps();
    return test_done("e2e_transport");
}
