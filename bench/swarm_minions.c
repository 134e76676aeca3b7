/*  swarm_minions: many minions in one process (see swarm_minions.h). */
#include "swarm_minions.h"
#include "bench_stats.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <zmq.h>

//  An epoll entry names a minion and which of its two sockets woke
#define S_REQ 0
#define S_PUB 1

typedef struct {
    char id[BR_ID_MAX + 1];
    br_keypair_t *keys;
    br_client_t *client;
    bool welcomed;
} s_minion_t;

struct _swarm_minions_t {
    s_minion_t *minions;
    size_t count;
    size_t welcomed;
    size_t answered;
    size_t refused;
    int epoll;
};

//  The accepted key file as brine-key -a leaves it: one Z85 line, 0644. No
//  fsync: these keys live as long as one benchmark run.
static int
s_accept(const char *dir, const char *id, const uint8_t key[BR_KEY_SIZE], br_errmsg_t *err)
{
    char path[4096], z85[BR_Z85_KEY_LEN + 1];
    snprintf(path, sizeof path, "%s/%s", dir, id);
    br_pubkey_z85(key, z85);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char line[BR_Z85_KEY_LEN + 2];
    snprintf(line, sizeof line, "%s\n", z85);
    if (fd < 0 || write(fd, line, BR_Z85_KEY_LEN + 1) != BR_Z85_KEY_LEN + 1) {
        br_errmsg_set(err, BR_ERR_IO, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return BR_ERR_IO;
    }
    return close(fd) == 0 ? BR_OK : br_errmsg_set(err, BR_ERR_IO, "cannot write %s", path);
}

swarm_minions_t *
swarm_minions_new(const char *prefix, size_t first, size_t count, const char *accepted_dir,
                  br_errmsg_t *err)
{
    swarm_minions_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->epoll = epoll_create1(EPOLL_CLOEXEC);
    self->minions = calloc(count ? count : 1, sizeof *self->minions);
    if (self->epoll < 0 || !self->minions) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory for %zu minions", count);
        swarm_minions_destroy(&self);
        return NULL;
    }
    self->count = count;
    for (size_t i = 0; i < count; i++) {
        s_minion_t *m = &self->minions[i];
        snprintf(m->id, sizeof m->id, "%s%05zu", prefix, first + i);
        m->keys = br_keypair_generate();
        if (!m->keys) {
            br_errmsg_set(err, BR_ERR_NOMEM, "cannot make the key pair of %s", m->id);
            swarm_minions_destroy(&self);
            return NULL;
        }
        if (s_accept(accepted_dir, m->id, br_keypair_public(m->keys), err) != BR_OK) {
            swarm_minions_destroy(&self);
            return NULL;
        }
    }
    return self;
}

void
swarm_minions_destroy(swarm_minions_t **self_p)
{
    if (self_p && *self_p) {
        swarm_minions_t *self = *self_p;
        for (size_t i = 0; self->minions && i < self->count; i++) {
            br_client_destroy(&self->minions[i].client);
            br_keypair_destroy(&self->minions[i].keys);
        }
        free(self->minions);
        if (self->epoll >= 0) {
            close(self->epoll);
        }
        free(self);
        *self_p = NULL;
    }
}

static int
s_watch(swarm_minions_t *self, zsock_t *sock, size_t index, int which)
{
    int fd;
    size_t size = sizeof fd;
    if (zmq_getsockopt(zsock_resolve(sock), ZMQ_FD, &fd, &size) != 0) {
        return BR_ERR_IO;
    }
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = index * 2 + (uint64_t)which};
    return epoll_ctl(self->epoll, EPOLL_CTL_ADD, fd, &event) == 0 ? BR_OK : BR_ERR_IO;
}

static bool
s_readable(zsock_t *sock)
{
    int events = 0;
    size_t size = sizeof events;
    return sock && zmq_getsockopt(zsock_resolve(sock), ZMQ_EVENTS, &events, &size) == 0 &&
           (events & ZMQ_POLLIN);
}

static void
s_send_hello(s_minion_t *m)
{
    br_msg_t *hello = br_msg_new(BR_MSG_HELLO);
    bson_t *grains =
        BCON_NEW("os", BCON_UTF8("Debian"), "kernel", BCON_UTF8("Linux"), "id", BCON_UTF8(m->id));
    if (hello && grains && br_msg_set_id(hello, m->id) == 0 &&
        br_msg_set_ver(hello, BRINE_VERSION) == 0 && br_msg_set_grains(hello, grains) == 0) {
        br_client_send(m->client, hello);
    }
    bson_destroy(grains);
    br_msg_destroy(&hello);
}

//  Replies on the request socket: the welcome to our hello
static void
s_on_req(swarm_minions_t *self, size_t index)
{
    s_minion_t *m = &self->minions[index];
    while (s_readable(br_client_req_sock(m->client))) {
        br_msg_t *msg = NULL;
        if (br_client_recv(m->client, &msg) < 0) {
            continue;
        }
        if (br_msg_type(msg) == BR_MSG_WELCOME && strcmp(br_msg_state(msg), "accepted") == 0 &&
            !m->welcomed && br_client_subscribe(m->client) == BR_OK &&
            s_watch(self, br_client_pub_sock(m->client), index, S_PUB) == BR_OK) {
            m->welcomed = true;
            self->welcomed++;
        }
        br_msg_destroy(&msg);
    }
}

//  Jobs on the publish socket: opened with this minion's key, answered
static void
s_on_pub(swarm_minions_t *self, size_t index)
{
    s_minion_t *m = &self->minions[index];
    while (s_readable(br_client_pub_sock(m->client))) {
        int64_t start = bench_now_us();
        br_msg_t *header = NULL, *body = NULL, *reply = NULL;
        br_errmsg_t why = {""};
        if (br_client_recv_job(m->client, &header, &body, &why) != BR_OK) {
            self->refused++;
            continue;
        }
        bson_t *ret = BCON_NEW("return", BCON_BOOL(strcmp(br_msg_fun(body), "test.ping") == 0));
        reply = br_msg_new(BR_MSG_RETURN);
        if (ret && reply && br_msg_set_jid(reply, br_msg_jid(body)) == 0 &&
            br_msg_set_fun(reply, br_msg_fun(body)) == 0 && br_msg_set_ok(reply, true) == 0 &&
            br_msg_set_ret(reply, ret) == 0 && br_msg_set_dur(reply, bench_now_us() - start) == 0 &&
            br_client_send(m->client, reply) == BR_OK) {
            self->answered++;
        }
        bson_destroy(ret);
        br_msg_destroy(&reply);
        br_msg_destroy(&header);
        br_msg_destroy(&body);
    }
}

//  One round of epoll: every socket that woke is drained. A socket's
//  ZMQ_FD only says that its state may have changed, so each is read
//  until ZMQ_EVENTS says no more.
static int
s_dispatch(swarm_minions_t *self, int timeout_ms)
{
    struct epoll_event events[256];
    int n = epoll_wait(self->epoll, events, 256, timeout_ms);
    for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == UINT64_MAX) {
            return 1; //  the stop descriptor
        }
        size_t index = (size_t)(events[i].data.u64 / 2);
        if (events[i].data.u64 % 2 == S_REQ) {
            s_on_req(self, index);
        } else {
            s_on_pub(self, index);
        }
    }
    return 0;
}

int
swarm_minions_connect(swarm_minions_t *self, const uint8_t master_key[BR_KEY_SIZE],
                      const char *pub_endpoint, const char *req_endpoint, int timeout_ms,
                      size_t *welcomed)
{
    for (size_t i = 0; i < self->count; i++) {
        s_minion_t *m = &self->minions[i];
        br_errmsg_t err = {""};
        m->client = br_client_new(m->keys, master_key, m->id, pub_endpoint, req_endpoint, &err);
        if (!m->client || s_watch(self, br_client_req_sock(m->client), i, S_REQ) != BR_OK) {
            br_error("minion %s: cannot connect: %s", m->id, err.text);
            return BR_ERR_IO;
        }
        s_send_hello(m);
        //  Welcomes that came while the others connect are taken now
        if (i % 64 == 63) {
            s_dispatch(self, 0);
        }
    }
    int64_t deadline = bench_now_us() + (int64_t)timeout_ms * 1000;
    while (self->welcomed < self->count && bench_now_us() < deadline) {
        s_dispatch(self, 100);
        //  A welcome may already be queued behind a signal consumed by a send
        for (size_t i = 0; i < self->count; i++) {
            if (!self->minions[i].welcomed &&
                s_readable(br_client_req_sock(self->minions[i].client))) {
                s_on_req(self, i);
            }
        }
    }
    *welcomed = self->welcomed;
    return self->welcomed == self->count ? BR_OK : BR_ERR_TIMEOUT;
}

void
swarm_minions_serve(swarm_minions_t *self, int stop_fd)
{
    struct epoll_event event = {.events = EPOLLIN | EPOLLHUP, .data.u64 = UINT64_MAX};
    if (epoll_ctl(self->epoll, EPOLL_CTL_ADD, stop_fd, &event) != 0) {
        return;
    }
    //  Jobs that arrived before we watched for them
    for (size_t i = 0; i < self->count; i++) {
        s_on_pub(self, i);
    }
    while (s_dispatch(self, -1) == 0) {
    }
}

size_t
swarm_minions_answered(const swarm_minions_t *self)
{
    return self->answered;
}

size_t
swarm_minions_refused(const swarm_minions_t *self)
{
    return self->refused;
}
