/*  sec_attack: attacks on a running brine master or minion, one command
    each (the table at the end). Every command prints what it did and what
    came back; the test scripts decide what that means.

      sec_attack port N                 N free TCP ports on 127.0.0.1
      sec_attack enrol REQ MPUB DIR NAME ID
      sec_attack sub PUB MPUB DIR NAME SECONDS [TOPIC...]
      sec_attack flood REQ MPUB COUNT
      sec_attack impostor PUB_PORT REQ_PORT SECONDS MINION_PUB ID [null]
      sec_attack relay ...              (sec_relay.c)
      sec_attack crafted ...            (sec_crafted.c)

    REQ and PUB are endpoints (tcp://127.0.0.1:PORT), MPUB the file of the
    master's public key, DIR/NAME a key pair (created when absent). */
#include "sec_attack.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

br_keypair_t *
sec_keys(const char *dir, const char *name)
{
    br_errmsg_t err = {""};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    if (access(path, F_OK) != 0) {
        br_keypair_t *fresh = br_keypair_generate();
        if (!fresh || br_keypair_save(fresh, dir, name, &err) != 0) {
            fprintf(stderr, "sec_attack: cannot create %s/%s: %s\n", dir, name, err.text);
            exit(2);
        }
        br_keypair_destroy(&fresh);
    }
    br_keypair_t *keys = br_keypair_load(dir, name, &err);
    if (!keys) {
        fprintf(stderr, "sec_attack: %s\n", err.text);
        exit(2);
    }
    return keys;
}

void
sec_pubkey(const char *path, uint8_t key[BR_KEY_SIZE])
{
    br_errmsg_t err = {""};
    if (br_pubkey_load(key, path, &err) != 0) {
        fprintf(stderr, "sec_attack: %s\n", err.text);
        exit(2);
    }
}

zsock_t *
sec_client(int type, const br_keypair_t *keys, const uint8_t server[BR_KEY_SIZE],
           const char *endpoint, zsock_t **monitor_p)
{
    static unsigned seq = 0;
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        fprintf(stderr, "sec_attack: cannot create a socket\n");
        exit(2);
    }
    zsock_set_curve_serverkey_bin(sock, server);
    zsock_set_curve_publickey_bin(sock, br_keypair_public(keys));
    zsock_set_curve_secretkey_bin(sock, br_keypair_secret(keys));
    zsock_set_linger(sock, 0);
    zsock_set_reconnect_ivl(sock, 100);
    zsock_set_sndhwm(sock, 0);
    if (monitor_p) {
        char where[64];
        snprintf(where, sizeof where, "inproc://sec-monitor-%u", ++seq);
        int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
        *monitor_p = zsock_new(ZMQ_PAIR);
        if (!*monitor_p || zmq_socket_monitor(zsock_resolve(sock), where, events) != 0 ||
            zsock_connect(*monitor_p, "%s", where) != 0) {
            fprintf(stderr, "sec_attack: cannot monitor a socket\n");
            exit(2);
        }
    }
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        fprintf(stderr, "sec_attack: cannot connect to %s\n", endpoint);
        exit(2);
    }
    return sock;
}

sec_link_t
sec_link_event(zsock_t *monitor)
{
    zmsg_t *msg = zmsg_recv(monitor);
    zframe_t *head = msg ? zmsg_first(msg) : NULL;
    sec_link_t link = SEC_LINK_NONE;
    if (head && zframe_size(head) == 6) {
        uint16_t event;
        memcpy(&event, zframe_data(head), 2);
        link = event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED     ? SEC_LINK_OK
               : event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ? SEC_LINK_REFUSED
                                                          : SEC_LINK_FAILED;
    }
    zmsg_destroy(&msg);
    return link;
}

zframe_t *
sec_encode(const br_msg_t *msg)
{
    zframe_t *frame = br_msg_encode(msg);
    if (!frame) {
        fprintf(stderr, "sec_attack: cannot encode a %s\n", br_msg_type_name(br_msg_type(msg)));
        exit(2);
    }
    return frame;
}

static const char *
s_link_name(sec_link_t link)
{
    static const char *names[] = {"none", "ok", "refused", "failed"};
    return names[link];
}

//  Free ports from the kernel: all of them held open until every one is
//  known, so that the same port is never handed out twice.
static int
s_port(int argc, char **argv)
{
    int count = argc > 0 ? atoi(argv[0]) : 1;
    int fds[64];
    if (count < 1 || count > 64) {
        return 2;
    }
    for (int i = 0; i < count; i++) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&addr, sizeof addr) != 0 ||
            getsockname(fds[i], (struct sockaddr *)&addr, &len) != 0) {
            return 2;
        }
        printf("%d\n", ntohs(addr.sin_port));
    }
    for (int i = 0; i < count; i++) {
        close(fds[i]);
    }
    return 0;
}

//  Sends msg over a DEALER with key pair keys to the master at req and
//  prints its answer (or the handshake's refusal) after label.
static int
s_ask(const char *req, const uint8_t master[BR_KEY_SIZE], const br_keypair_t *keys,
      const br_msg_t *msg, const char *label)
{
    zsock_t *monitor = NULL;
    zsock_t *dealer = sec_client(ZMQ_DEALER, keys, master, req, &monitor);
    zframe_t *frame = sec_encode(msg);
    zframe_send(&frame, dealer, 0);
    zpoller_t *poller = zpoller_new(dealer, monitor, NULL);
    int64_t deadline = zclock_mono() + 5000;
    int rc = 1;
    while (rc == 1 && zclock_mono() < deadline) {
        void *which = zpoller_wait(poller, (int)(deadline - zclock_mono()));
        if (which == monitor) {
            sec_link_t link = sec_link_event(monitor);
            if (link == SEC_LINK_REFUSED || link == SEC_LINK_FAILED) {
                printf("%s: handshake %s\n", label, s_link_name(link));
                rc = 0;
            }
        } else if (which == dealer) {
            br_msg_t *reply = NULL;
            zframe_t *got = zframe_recv(dealer);
            if (got && br_msg_decode(&reply, zframe_data(got), zframe_size(got), NULL) == 0) {
                printf("%s: %s %s\n", label, br_msg_type_name(br_msg_type(reply)),
                       br_msg_type(reply) == BR_MSG_WELCOME ? br_msg_state(reply)
                                                            : br_msg_text(reply));
                rc = 0;
            }
            br_msg_destroy(&reply);
            zframe_destroy(&got);
        }
    }
    if (rc) {
        printf("%s: no answer\n", label);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&dealer);
    zsock_destroy(&monitor);
    return rc;
}

//  Enrols key pair DIR/NAME under ID and prints the master's answer.
static int
s_enrol(int argc, char **argv)
{
    if (argc != 5) {
        return 2;
    }
    uint8_t master[BR_KEY_SIZE];
    sec_pubkey(argv[1], master);
    br_keypair_t *keys = sec_keys(argv[2], argv[3]);
    br_msg_t *enrol = br_msg_new(BR_MSG_ENROL);
    if (br_msg_set_id(enrol, argv[4]) != 0) {
        fprintf(stderr, "sec_attack: invalid id\n");
        return 2;
    }
    char label[300];
    snprintf(label, sizeof label, "enrol %s", argv[4]);
    int rc = s_ask(argv[0], master, keys, enrol, label);
    br_msg_destroy(&enrol);
    br_keypair_destroy(&keys);
    return rc;
}

//  Says hello as ID with the transport key pair DIR/NAME (an accepted
//  minion's, say, as code running in its network child holds it), naming
//  the public half of key pair SEAL_DIR/SEAL_NAME as its sealing key, and
//  prints the master's answer. Were a hello to re-pin the sealing key, the
//  next jobs to ID would be sealed to a key the attacker holds.
static int
s_hello(int argc, char **argv)
{
    if (argc != 7) {
        return 2;
    }
    uint8_t master[BR_KEY_SIZE];
    sec_pubkey(argv[1], master);
    br_keypair_t *keys = sec_keys(argv[2], argv[3]);
    br_keypair_t *seal = sec_keys(argv[5], argv[6]);
    char seal_z85[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(br_keypair_public(seal), seal_z85);
    br_msg_t *hello = br_msg_new(BR_MSG_HELLO);
    bson_t *grains = bson_new();
    BSON_APPEND_UTF8(grains, "id", argv[4]);
    if (br_msg_set_id(hello, argv[4]) != 0 || br_msg_set_ver(hello, BRINE_VERSION) != 0 ||
        br_msg_set_grains(hello, grains) != 0 || br_msg_set_seal(hello, seal_z85) != 0) {
        fprintf(stderr, "sec_attack: cannot make the hello\n");
        return 2;
    }
    char label[300];
    snprintf(label, sizeof label, "hello %s", argv[4]);
    int rc = s_ask(argv[0], master, keys, hello, label);
    bson_destroy(grains);
    br_msg_destroy(&hello);
    br_keypair_destroy(&seal);
    br_keypair_destroy(&keys);
    return rc;
}

//  A raw XSUB with key pair DIR/NAME on the publish socket: asks for every
//  topic (an empty subscription) and for each TOPIC given (or, with "-TOPIC",
//  to drop it), for SECONDS, and tries to open whatever arrives with its own
//  key. A publisher that honoured these subscriptions would hand it other
//  minions' jobs.
static int
s_sub(int argc, char **argv)
{
    if (argc < 5) {
        return 2;
    }
    uint8_t master[BR_KEY_SIZE];
    sec_pubkey(argv[1], master);
    br_keypair_t *keys = sec_keys(argv[2], argv[3]);
    const char *name = argv[3];
    int seconds = atoi(argv[4]);
    zsock_t *monitor = NULL;
    zsock_t *xsub = sec_client(ZMQ_XSUB, keys, master, argv[0], &monitor);
    //  An XSUB sends its subscriptions as messages: byte 1, then the topic
    zsock_send(xsub, "b", "\x01", (size_t)1);
    for (int i = 5; i < argc; i++) {
        //  "-TOPIC" asks to unsubscribe from TOPIC: from another's, say
        bool drop = argv[i][0] == '-';
        const char *topic = argv[i] + drop;
        size_t len = strlen(topic);
        uint8_t *sub = malloc(len + 1);
        sub[0] = drop ? 0 : 1;
        memcpy(sub + 1, topic, len);
        zsock_send(xsub, "b", sub, len + 1);
        free(sub);
    }
    br_sealer_t *sealer = br_sealer_new(keys);
    zpoller_t *poller = zpoller_new(xsub, monitor, NULL);
    int64_t deadline = zclock_mono() + (int64_t)seconds * 1000;
    size_t received = 0, opened = 0;
    sec_link_t last = SEC_LINK_NONE;
    while (zclock_mono() < deadline) {
        void *which = zpoller_wait(poller, (int)(deadline - zclock_mono()));
        if (which == monitor) {
            sec_link_t link = sec_link_event(monitor);
            if (link != last) {
                printf("sub %s: handshake %s\n", name, s_link_name(link));
                fflush(stdout);
                last = link;
            }
        } else if (which == xsub) {
            zmsg_t *msg = zmsg_recv(xsub);
            zframe_t *topic = msg ? zmsg_first(msg) : NULL;
            zframe_t *header = msg ? zmsg_next(msg) : NULL;
            zframe_t *sealed = msg ? zmsg_next(msg) : NULL;
            received++;
            char *shown = topic ? zframe_strdup(topic) : strdup("?");
            br_secret_t *body = NULL;
            if (sealed && br_open(sealer, master, zframe_data(header), zframe_size(header),
                                  zframe_data(sealed), zframe_size(sealed), &body) == 0) {
                opened++;
            }
            printf("sub %s: received a %zu-frame message on topic '%.64s'%s\n", name,
                   msg ? zmsg_size(msg) : 0, shown, body ? ", and opened it" : "");
            fflush(stdout);
            br_secret_destroy(&body);
            free(shown);
            zmsg_destroy(&msg);
        }
    }
    printf("sub %s: received %zu message(s), opened %zu\n", name, received, opened);
    zpoller_destroy(&poller);
    br_sealer_destroy(&sealer);
    zsock_destroy(&xsub);
    zsock_destroy(&monitor);
    br_keypair_destroy(&keys);
    return 0;
}

//  COUNT fresh key pairs enrol as fast as they can, a batch of sockets at a
//  time: the master files each as pending and must go on serving its
//  accepted minions meanwhile.
static int
s_flood(int argc, char **argv)
{
    if (argc != 3) {
        return 2;
    }
    enum { BATCH = 100 };
    uint8_t master[BR_KEY_SIZE];
    sec_pubkey(argv[1], master);
    int count = atoi(argv[2]);
    int64_t start = zclock_mono();
    int answered = 0;
    for (int done = 0; done < count; done += BATCH) {
        int n = count - done < BATCH ? count - done : BATCH;
        zsock_t *socks[BATCH];
        br_keypair_t *keys[BATCH];
        zpoller_t *poller = zpoller_new(NULL);
        for (int i = 0; i < n; i++) {
            keys[i] = br_keypair_generate();
            socks[i] = sec_client(ZMQ_DEALER, keys[i], master, argv[0], NULL);
            zpoller_add(poller, socks[i]);
            char id[32];
            snprintf(id, sizeof id, "flood-%05d-%08x", done + i, randombytes_random());
            br_msg_t *enrol = br_msg_new(BR_MSG_ENROL);
            br_msg_set_id(enrol, id);
            zframe_t *frame = sec_encode(enrol);
            zframe_send(&frame, socks[i], ZFRAME_DONTWAIT);
            zframe_destroy(&frame);
            br_msg_destroy(&enrol);
        }
        //  Waits for this batch's answers, but not for ever: a master that
        //  falls behind must not slow the flood down
        int got = 0;
        int64_t deadline = zclock_mono() + 5000;
        while (got < n && zclock_mono() < deadline) {
            zsock_t *which = zpoller_wait(poller, (int)(deadline - zclock_mono()));
            if (which) {
                zframe_t *reply = zframe_recv(which);
                zframe_destroy(&reply);
                got++;
            }
        }
        answered += got;
        zpoller_destroy(&poller);
        for (int i = 0; i < n; i++) {
            zsock_destroy(&socks[i]);
            br_keypair_destroy(&keys[i]);
        }
    }
    printf("flood: %d enrolment(s) sent, %d answered, in %lld ms\n", count, answered,
           (long long)(zclock_mono() - start));
    return 0;
}

//  A master with a key of its own on the real master's ports: it admits
//  every client (no ZAP handler), welcomes every request as accepted and
//  publishes a job sealed with its key to ID every 200 ms. A minion that
//  pins the real master's key must never get past its handshake. With
//  "null", it speaks no CURVE at all.
static int
s_impostor(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        return 2;
    }
    bool null = argc == 6 && strcmp(argv[5], "null") == 0;
    int seconds = atoi(argv[2]);
    uint8_t minion[BR_KEY_SIZE];
    sec_pubkey(argv[3], minion);
    const char *id = argv[4];
    br_keypair_t *keys = br_keypair_generate();
    zsock_t *pub = zsock_new(ZMQ_XPUB);
    zsock_t *req = zsock_new(ZMQ_ROUTER);
    zsock_t *monitor = zsock_new(ZMQ_PAIR);
    zsock_t *socks[] = {pub, req};
    for (int i = 0; i < 2; i++) {
        zsock_set_linger(socks[i], 0);
        if (!null) {
            zsock_set_curve_server(socks[i], 1);
            zsock_set_curve_secretkey_bin(socks[i], br_keypair_secret(keys));
        }
    }
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_SUCCEEDED;
    if (zmq_socket_monitor(zsock_resolve(req), "inproc://sec-impostor", events) != 0 ||
        zsock_connect(monitor, "inproc://sec-impostor") != 0 ||
        zsock_bind(pub, "tcp://127.0.0.1:%s", argv[0]) < 0 ||
        zsock_bind(req, "tcp://127.0.0.1:%s", argv[1]) < 0) {
        fprintf(stderr, "sec_attack: the impostor cannot bind its ports\n");
        return 2;
    }
    printf("impostor: listening (%s)\n", null ? "no CURVE" : "CURVE, its own key");
    fflush(stdout);
    br_sealer_t *sealer = br_sealer_new(keys);
    br_jidgen_t *jids = br_jidgen_new();
    zpoller_t *poller = zpoller_new(pub, req, monitor, NULL);
    size_t requests = 0, subscriptions = 0, failed = 0, succeeded = 0, published = 0;
    int64_t deadline = zclock_mono() + (int64_t)seconds * 1000, next_job = 0;
    while (zclock_mono() < deadline) {
        if (zclock_mono() >= next_job) {
            char jid[BR_JID_LEN + 1], topic[BR_ID_MAX + 2];
            br_jidgen_next(jids, jid);
            zframe_t *sealed = NULL;
            zframe_t *clear = sec_ping_job(sealer, minion, jid, &sealed);
            snprintf(topic, sizeof topic, "%s.", id);
            zsock_send(pub, "sff", topic, clear, sealed);
            published++;
            zframe_destroy(&clear);
            zframe_destroy(&sealed);
            next_job = zclock_mono() + 200;
        }
        void *which = zpoller_wait(poller, 100);
        if (which == monitor) {
            if (sec_link_event(monitor) == SEC_LINK_OK) {
                succeeded++;
            } else {
                failed++;
            }
        } else if (which == pub) {
            zframe_t *frame = zframe_recv(pub);
            subscriptions++;
            zframe_destroy(&frame);
        } else if (which == req) {
            zmsg_t *msg = zmsg_recv(req);
            zframe_t *routing = msg ? zmsg_pop(msg) : NULL;
            requests++;
            br_msg_t *welcome = br_msg_new(BR_MSG_WELCOME);
            br_msg_set_state(welcome, "accepted");
            br_msg_set_ver(welcome, "impostor");
            zframe_t *frame = sec_encode(welcome);
            if (routing) {
                zframe_send(&routing, req, ZFRAME_MORE);
                zframe_send(&frame, req, 0);
            }
            zframe_destroy(&frame);
            br_msg_destroy(&welcome);
            zmsg_destroy(&msg);
        }
    }
    printf("impostor: %zu handshake(s) completed, %zu failed, %zu request(s), %zu "
           "subscription(s), %zu job(s) published\n",
           succeeded, failed, requests, subscriptions, published);
    zpoller_destroy(&poller);
    br_jidgen_destroy(&jids);
    br_sealer_destroy(&sealer);
    zmq_socket_monitor(zsock_resolve(req), NULL, 0);
    zsock_destroy(&monitor);
    zsock_destroy(&pub);
    zsock_destroy(&req);
    br_keypair_destroy(&keys);
    return 0;
}

zframe_t *
sec_ping_job(br_sealer_t *sealer, const uint8_t peer[BR_KEY_SIZE], const char *jid,
             zframe_t **sealed_p)
{
    br_msg_t *header = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(header, jid);
    br_msg_set_exp(header, zclock_time() + 60000);
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    br_msg_set_jid(body, jid);
    br_msg_set_fun(body, "test.ping");
    zframe_t *clear = sec_encode(header);
    br_secret_t *plain = br_msg_encode_secret(body);
    *sealed_p = br_seal(sealer, peer, zframe_data(clear), zframe_size(clear),
                        br_secret_cdata(plain), br_secret_size(plain));
    br_secret_destroy(&plain);
    br_msg_destroy(&body);
    br_msg_destroy(&header);
    return clear;
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} sec_command_t;

static const sec_command_t s_commands[] = {
    {"port", s_port, "N"},
    {"enrol", s_enrol, "REQ MASTER_PUB DIR NAME ID"},
    {"hello", s_hello, "REQ MASTER_PUB DIR NAME ID SEAL_DIR SEAL_NAME"},
    {"sub", s_sub, "PUB MASTER_PUB DIR NAME SECONDS [TOPIC...]"},
    {"flood", s_flood, "REQ MASTER_PUB COUNT"},
    {"impostor", s_impostor, "PUB_PORT REQ_PORT SECONDS MINION_PUB ID [null]"},
    {"relay", sec_relay_main,
     "MASTER_PUB_EP MASTER_REQ_EP PUB_PORT REQ_PORT MASTER_DIR MINION_DIR"},
    {"crafted", sec_crafted_main, "REQ MASTER_PUB DIR NAME ID WORK_DIR"},
    {"netchild", sec_privsep_main,
     "CHILD_PID exec|oversize|ready|truncated|garbage|rogue DIR NAME PUB|minion-key PKI_DIR"},
};

int
main(int argc, char **argv)
{
    //  Line by line: the scripts wait for our lines while we run
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sodium_init() < 0) {
        return 2;
    }
    zsys_init();
    //  Our own errors go to stderr; refusals we provoke are the point
    br_log_set_level("error");
    for (size_t i = 0; argc >= 2 && i < sizeof s_commands / sizeof s_commands[0]; i++) {
        if (strcmp(argv[1], s_commands[i].name) == 0) {
            int rc = s_commands[i].run(argc - 2, argv + 2);
            if (rc == 2) {
                fprintf(stderr, "usage: sec_attack %s %s\n", s_commands[i].name,
                        s_commands[i].usage);
            }
            return rc;
        }
    }
    fprintf(stderr, "usage: sec_attack COMMAND ARGS...; commands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++) {
        fprintf(stderr, "  %s %s\n", s_commands[i].name, s_commands[i].usage);
    }
    return 2;
}
