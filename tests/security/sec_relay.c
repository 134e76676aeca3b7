/*  sec_attack relay: a position on the wire between one minion and its
    master, from which captured jobs are sent again, edited or delayed.

      sec_attack relay MASTER_PUB_EP MASTER_REQ_EP PUB_PORT REQ_PORT MASTER_DIR MINION_DIR

    CurveZMQ already keeps an outsider from injecting anything into a
    minion's connection, so to test what the minion itself checks (the
    replay cache, the expiry, the header bound into the seal) the relay takes
    the strongest position there is: it ends the minion's CURVE session with
    the master's key pair (MASTER_DIR/master.key) and opens its own to the
    master with the minion's (MINION_DIR/minion.key), and forwards
    everything. It never seals anything itself: every job it sends is built
    from bytes the master published.

    It binds PUB_PORT and REQ_PORT on 127.0.0.1 for the minion, rewrites the
    publish port announced in the master's welcome to its own, prints one
    line per event (a captured job, a return, a subscription), and obeys
    commands on stdin, one per line:
      hold | pass          withhold captured jobs from the minion, or forward them
      send N MUTATION [M]  send captured job N (from 0) to the minion, where
                           MUTATION is exact, jid (a fresh jid in the header),
                           exp (an expiry an hour later), jid+exp, flip (one
                           bit of the sealed body), or swap (job M's header
                           with job N's sealed body)
      quit */
#include "sec_attack.h"

#include <unistd.h>

#define S_JOBS_MAX 64

typedef struct {
    zframe_t *topic;  //  "ID."
    zframe_t *clear;  //  the header as the master encoded it
    zframe_t *sealed; //  the body as the master sealed it
    char jid[BR_JID_LEN + 1];
    int64_t exp;
} s_job_t;

typedef struct {
    zsock_t *front_pub;              //  XPUB the minion subscribes to
    zsock_t *front_req;              //  ROUTER the minion sends requests to
    zsock_t *back_pub;               //  SUB on the master's publish socket, as the
                                     //  minion, from its first subscription on
    zsock_t *back_req;               //  DEALER to the master's request socket, as the minion
    zframe_t *routing;               //  the minion's routing id on front_req
    int pub_port;                    //  announced to the minion in place of the master's
    bool hold;                       //  withhold jobs instead of forwarding them
    s_job_t jobs[S_JOBS_MAX];        //  every job captured, in order
    size_t njobs;                    //  how many
    br_jidgen_t *jids;               //  fresh jids for edited headers
    const br_keypair_t *master;      //  the master's key pair, toward the minion
    const br_keypair_t *minion;      //  the minion's, toward the master
    const char *master_pub_endpoint; //  where back_pub connects
} s_relay_t;

static zsock_t *
s_server(int type, const br_keypair_t *keys, const char *port)
{
    zsock_t *sock = zsock_new(type);
    zsock_set_linger(sock, 0);
    zsock_set_curve_server(sock, 1);
    zsock_set_curve_secretkey_bin(sock, br_keypair_secret(keys));
    if (type == ZMQ_XPUB) {
        //  Every subscription reaches us, also a restarted minion's again
        zsock_set_xpub_verbose(sock, 1);
    }
    if (zsock_bind(sock, "tcp://127.0.0.1:%s", port) < 0) {
        fprintf(stderr, "sec_attack: the relay cannot bind port %s\n", port);
        exit(2);
    }
    return sock;
}

//  Master -> minion on the request path: the welcome names our publish
//  port, so that the minion subscribes through us
static void
s_from_master_req(s_relay_t *self)
{
    zframe_t *frame = zframe_recv(self->back_req);
    br_msg_t *msg = NULL;
    if (frame && br_msg_decode(&msg, zframe_data(frame), zframe_size(frame), NULL) == 0 &&
        br_msg_type(msg) == BR_MSG_WELCOME && br_msg_pub_port(msg) != 0) {
        br_msg_set_pub_port(msg, self->pub_port);
        zframe_destroy(&frame);
        frame = sec_encode(msg);
    }
    br_msg_destroy(&msg);
    zframe_t *routing = self->routing ? zframe_dup(self->routing) : NULL;
    if (frame && routing) {
        zframe_send(&routing, self->front_req, ZFRAME_MORE);
        zframe_send(&frame, self->front_req, 0);
    }
    zframe_destroy(&routing);
    zframe_destroy(&frame);
}

//  Minion -> master on the request path; returns are reported
static void
s_from_minion_req(s_relay_t *self)
{
    zmsg_t *msg = zmsg_recv(self->front_req);
    zframe_t *routing = msg ? zmsg_pop(msg) : NULL;
    zframe_t *frame = msg ? zmsg_pop(msg) : NULL;
    if (routing && frame) {
        zframe_destroy(&self->routing);
        self->routing = routing;
        routing = NULL;
        br_msg_t *req = NULL;
        if (br_msg_decode(&req, zframe_data(frame), zframe_size(frame), NULL) == 0) {
            if (br_msg_type(req) == BR_MSG_RETURN) {
                printf("relay: return for job %s\n", br_msg_jid(req));
            } else {
                printf("relay: minion sent %s\n", br_msg_type_name(br_msg_type(req)));
            }
        }
        br_msg_destroy(&req);
        zframe_send(&frame, self->back_req, 0);
    }
    zframe_destroy(&frame);
    zframe_destroy(&routing);
    zmsg_destroy(&msg);
}

//  The minion subscribes once its key is accepted; only then may we (as the
//  minion) connect to the master's publish socket, which refuses other keys
//  for good
static void
s_from_minion_sub(s_relay_t *self)
{
    zframe_t *frame = zframe_recv(self->front_pub);
    if (frame && zframe_size(frame) >= 1 && zframe_data(frame)[0] == 1) {
        if (!self->back_pub) {
            self->back_pub = sec_client(ZMQ_SUB, self->minion, br_keypair_public(self->master),
                                        self->master_pub_endpoint, NULL);
            zsock_set_subscribe(self->back_pub, "");
        }
        printf("relay: minion subscribed\n");
    }
    zframe_destroy(&frame);
}

//  Master -> minion on the publish path: every job is kept
static void
s_from_master_pub(s_relay_t *self)
{
    zmsg_t *msg = zmsg_recv(self->back_pub);
    if (!msg || zmsg_size(msg) != 3 || self->njobs == S_JOBS_MAX) {
        zmsg_destroy(&msg);
        return;
    }
    s_job_t *job = &self->jobs[self->njobs];
    job->topic = zframe_dup(zmsg_first(msg));
    job->clear = zframe_dup(zmsg_next(msg));
    job->sealed = zframe_dup(zmsg_next(msg));
    br_msg_t *header = NULL;
    if (br_msg_decode(&header, zframe_data(job->clear), zframe_size(job->clear), NULL) == 0 &&
        br_msg_type(header) == BR_MSG_JOB) {
        snprintf(job->jid, sizeof job->jid, "%s", br_msg_jid(header));
        job->exp = br_msg_exp(header);
    }
    br_msg_destroy(&header);
    printf("relay: captured job %zu (jid %s), %s\n", self->njobs, job->jid,
           self->hold ? "held" : "forwarded");
    self->njobs++;
    if (self->hold) {
        zmsg_destroy(&msg);
    } else {
        zmsg_send(&msg, self->front_pub);
    }
}

static zframe_t *
s_header(s_relay_t *self, const s_job_t *job, bool fresh_jid, bool later)
{
    char jid[BR_JID_LEN + 1];
    if (fresh_jid) {
        br_jidgen_next(self->jids, jid);
    } else {
        snprintf(jid, sizeof jid, "%s", job->jid);
    }
    br_msg_t *header = br_msg_new(BR_MSG_JOB);
    br_msg_set_jid(header, jid);
    br_msg_set_exp(header, job->exp + (later ? 3600 * 1000 : 0));
    zframe_t *frame = sec_encode(header);
    br_msg_destroy(&header);
    return frame;
}

//  One command line; false on quit
static bool
s_command(s_relay_t *self, const char *line)
{
    char verb[16] = "", how[16] = "";
    unsigned n = 0, m = 0;
    int fields = sscanf(line, "%15s %u %15s %u", verb, &n, how, &m);
    if (strcmp(verb, "quit") == 0) {
        return false;
    }
    if (strcmp(verb, "hold") == 0 || strcmp(verb, "pass") == 0) {
        self->hold = verb[0] == 'h';
        printf("relay: %s\n", self->hold ? "holding jobs" : "forwarding jobs");
        return true;
    }
    bool swap = strcmp(how, "swap") == 0;
    if (strcmp(verb, "send") != 0 || fields < 3 || n >= self->njobs ||
        (swap && (fields < 4 || m >= self->njobs))) {
        printf("relay: bad command: %s\n", line);
        return true;
    }
    const s_job_t *job = &self->jobs[n];
    zframe_t *topic = zframe_dup(job->topic);
    zframe_t *clear = NULL;
    zframe_t *sealed = zframe_dup(job->sealed);
    if (strcmp(how, "exact") == 0 || strcmp(how, "flip") == 0) {
        clear = zframe_dup(job->clear);
    } else if (swap) {
        clear = zframe_dup(self->jobs[m].clear);
    } else {
        bool fresh = strncmp(how, "jid", 3) == 0;
        bool later = strstr(how, "exp") != NULL;
        clear = s_header(self, job, fresh, later);
    }
    if (strcmp(how, "flip") == 0) {
        zframe_data(sealed)[zframe_size(sealed) / 2] ^= 0x01;
    }
    zframe_send(&topic, self->front_pub, ZFRAME_MORE);
    zframe_send(&clear, self->front_pub, ZFRAME_MORE);
    zframe_send(&sealed, self->front_pub, 0);
    printf("relay: sent job %u (%s)\n", n, how);
    return true;
}

int
sec_relay_main(int argc, char **argv)
{
    if (argc != 6) {
        return 2;
    }
    br_errmsg_t err = {""};
    br_keypair_t *master = br_keypair_load(argv[4], "master", &err);
    br_keypair_t *minion = master ? br_keypair_load(argv[5], "minion", &err) : NULL;
    if (!master || !minion) {
        fprintf(stderr, "sec_attack: %s\n", err.text);
        return 2;
    }
    s_relay_t self = {0};
    self.pub_port = atoi(argv[2]);
    self.jids = br_jidgen_new();
    self.front_pub = s_server(ZMQ_XPUB, master, argv[2]);
    self.front_req = s_server(ZMQ_ROUTER, master, argv[3]);
    self.master = master;
    self.minion = minion;
    self.master_pub_endpoint = argv[0];
    self.back_req = sec_client(ZMQ_DEALER, minion, br_keypair_public(master), argv[1], NULL);
    printf("relay: listening\n");
    zmq_pollitem_t items[] = {
        {zsock_resolve(self.front_pub), 0, ZMQ_POLLIN, 0},
        {zsock_resolve(self.front_req), 0, ZMQ_POLLIN, 0},
        {NULL, -1, 0, 0}, //  back_pub, once it exists
        {zsock_resolve(self.back_req), 0, ZMQ_POLLIN, 0},
        {NULL, STDIN_FILENO, ZMQ_POLLIN, 0},
    };
    void (*handlers[])(s_relay_t *) = {s_from_minion_sub, s_from_minion_req, s_from_master_pub,
                                       s_from_master_req};
    bool running = true;
    //  Commands are read with read(2), not stdio: a line stdio had buffered
    //  would wait for the next one to wake the poll
    char line[256];
    size_t used = 0;
    while (running) {
        if (self.back_pub && !items[2].socket) {
            items[2] = (zmq_pollitem_t){zsock_resolve(self.back_pub), 0, ZMQ_POLLIN, 0};
        }
        if (zmq_poll(items, 5, -1) < 0) {
            break;
        }
        for (int i = 0; i < 4; i++) {
            if (items[i].revents & ZMQ_POLLIN) {
                handlers[i](&self);
            }
        }
        if (items[4].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) {
            ssize_t got = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
            running = got > 0;
            used += got > 0 ? (size_t)got : 0;
            char *end;
            while (running && (end = memchr(line, '\n', used))) {
                *end = 0;
                running = s_command(&self, line);
                used -= (size_t)(end + 1 - line);
                memmove(line, end + 1, used);
            }
            if (used == sizeof line - 1) {
                used = 0; //  a line too long to be a command
            }
        }
    }
    for (size_t i = 0; i < self.njobs; i++) {
        zframe_destroy(&self.jobs[i].topic);
        zframe_destroy(&self.jobs[i].clear);
        zframe_destroy(&self.jobs[i].sealed);
    }
    zframe_destroy(&self.routing);
    zsock_destroy(&self.front_pub);
    zsock_destroy(&self.front_req);
    zsock_destroy(&self.back_pub);
    zsock_destroy(&self.back_req);
    br_jidgen_destroy(&self.jids);
    br_keypair_destroy(&minion);
    br_keypair_destroy(&master);
    return 0;
}
