/*  br_client: CURVE client sockets, job reception and replay defence for the
    minion. */
#include "brine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zmq.h>

//  Jids remembered for replay defence. Jobs live for minutes, so this many
//  covers any realistic rate; evicting an unexpired jid raises a floor below
//  which every jid is refused, so a bounded set never reopens a replay.
#define BR_SEEN_MAX 4096
//  A job may not claim to stay valid for longer than this
#define BR_EXPIRY_MAX_MS (24LL * 3600 * 1000)

typedef struct {
    char jid[BR_JID_LEN + 1];
    int64_t exp;
} br_seen_t;

struct _br_client_t {
    const br_keypair_t *keys;        //  not owned
    br_sealer_t *seal_opener;        //  the sealing key's, or NULL: jobs open with keys
    uint8_t master_key[BR_KEY_SIZE]; //  pinned server key
    char id[BR_ID_MAX + 1];          //  our minion id
    char *pub_endpoint;              //  master's publish endpoint, or NULL
    char *req_endpoint;              //  master's request endpoint, or NULL
    int alive_ms;                    //  heartbeat bound on a silent master; 0: none
    zsock_t *req;                    //  DEALER
    zsock_t *pub;                    //  SUB, NULL until subscribed
    zsock_t *req_monitor;            //  PAIR receiving the DEALER's events
    zsock_t *pub_monitor;            //  PAIR receiving the SUB's events
    unsigned monitor_seq;            //  makes each monitor endpoint unique
    br_sealer_t *sealer;             //  opens jobs sealed by the master
    br_seen_t seen[BR_SEEN_MAX];     //  ring of jids already run
    size_t seen_next;                //  next slot to overwrite
    zhashx_t *seen_index;            //  jid -> present
    char floor_jid[BR_JID_LEN + 1];  //  jids <= this are refused
    br_link_event_t last_link;       //  last reported, to log changes once
    char *seen_path;                 //  where the jids run are kept, or NULL
    int seen_fd;                     //  seen_path open for writing in place, or -1
    char seen_floor[BR_JID_LEN + 1]; //  the floor as written in seen_path
};

static int64_t
s_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
s_client_socket(br_client_t *self, zsock_t *sock)
{
    zsock_set_curve_serverkey_bin(sock, self->master_key);
    zsock_set_curve_publickey_bin(sock, br_keypair_public(self->keys));
    zsock_set_curve_secretkey_bin(sock, br_keypair_secret(self->keys));
    zsock_set_maxmsgsize(sock, BR_MSG_MAX);
    zsock_set_linger(sock, 0);
    zsock_set_reconnect_ivl(sock, BR_CLIENT_RECONNECT_IVL);
    zsock_set_reconnect_ivl_max(sock, BR_CLIENT_RECONNECT_IVL_MAX);
    if (self->alive_ms > 0) {
        //  libzmq's I/O thread pings every half interval and drops the
        //  connection when nothing came back for the other half, even while
        //  our own thread is busy running a job; the TTL asks the master to
        //  drop us likewise. The handshake keeps libzmq's own limit (30 s):
        //  after a master restart thousands of minions queue for theirs.
        zsock_set_heartbeat_ivl(sock, self->alive_ms / 2);
        zsock_set_heartbeat_timeout(sock, self->alive_ms - self->alive_ms / 2);
        zsock_set_heartbeat_ttl(sock, self->alive_ms);
    }
}

//  Opens a client socket with a monitor: libzmq binds the monitor's end, so
//  each socket gets a fresh inproc endpoint and our PAIR connects to it.
static int
s_open(br_client_t *self, int type, const char *endpoint, zsock_t **sock_p, zsock_t **monitor_p)
{
    int events = ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                 ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED;
    char monitor_endpoint[80];
    snprintf(monitor_endpoint, sizeof monitor_endpoint, "inproc://brine-monitor-%p-%u",
             (void *)self, ++self->monitor_seq);
    zsock_t *sock = zsock_new(type);
    zsock_t *monitor = zsock_new(ZMQ_PAIR);
    if (!sock || !monitor) {
        zsock_destroy(&sock);
        zsock_destroy(&monitor);
        return BR_ERR_NOMEM;
    }
    *sock_p = sock;
    *monitor_p = monitor;
    s_client_socket(self, sock);
    if (type == ZMQ_SUB) {
        //  The master subscribes us to "ID." whatever we ask; ask for the same
        char topic[BR_ID_MAX + 2];
        snprintf(topic, sizeof topic, "%s.", self->id);
        zsock_set_subscribe(sock, topic);
    }
    if (zmq_socket_monitor(zsock_resolve(sock), monitor_endpoint, events) != 0 ||
        zsock_connect(monitor, "%s", monitor_endpoint) < 0 ||
        zsock_connect(sock, "%s", endpoint) < 0) {
        return BR_ERR_IO;
    }
    return BR_OK;
}

static void
s_close(zsock_t **sock_p, zsock_t **monitor_p)
{
    if (*sock_p) {
        zmq_socket_monitor(zsock_resolve(*sock_p), NULL, 0);
    }
    zsock_destroy(sock_p);
    zsock_destroy(monitor_p);
}

br_client_t *
br_client_new(const br_keypair_t *keys, const uint8_t master_key[BR_KEY_SIZE], const char *id,
              const char *pub_endpoint, const char *req_endpoint, br_errmsg_t *err)
{
    if (!br_id_valid(id)) {
        br_errmsg_set(err, BR_ERR_BADID, "invalid minion id");
        return NULL;
    }
    br_client_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->keys = keys;
    memcpy(self->master_key, master_key, BR_KEY_SIZE);
    snprintf(self->id, sizeof self->id, "%s", id);
    self->pub_endpoint = pub_endpoint ? strdup(pub_endpoint) : NULL;
    self->req_endpoint = req_endpoint ? strdup(req_endpoint) : NULL;
    self->sealer = br_sealer_new(keys);
    self->seen_index = zhashx_new();
    self->seen_fd = -1;
    if ((pub_endpoint && !self->pub_endpoint) || (req_endpoint && !self->req_endpoint) ||
        !self->sealer || !self->seen_index) {
        br_errmsg_set(err, BR_ERR_NOMEM, "cannot create the minion's sockets");
        goto fail;
    }
    if (self->req_endpoint &&
        s_open(self, ZMQ_DEALER, self->req_endpoint, &self->req, &self->req_monitor) < 0) {
        br_errmsg_set(err, BR_ERR_IO, "cannot connect to %s", req_endpoint);
        goto fail;
    }
    return self;
fail:
    br_client_destroy(&self);
    return NULL;
}

int
br_client_set_seal_keys(br_client_t *self, const br_keypair_t *seal)
{
    br_sealer_destroy(&self->seal_opener);
    if (seal) {
        self->seal_opener = br_sealer_new(seal);
        if (!self->seal_opener) {
            return BR_ERR_NOMEM;
        }
    }
    return BR_OK;
}

void
br_client_destroy(br_client_t **self_p)
{
    if (self_p && *self_p) {
        br_client_t *self = *self_p;
        s_close(&self->req, &self->req_monitor);
        s_close(&self->pub, &self->pub_monitor);
        zhashx_destroy(&self->seen_index);
        br_sealer_destroy(&self->sealer);
        br_sealer_destroy(&self->seal_opener);
        free(self->pub_endpoint);
        free(self->req_endpoint);
        free(self->seen_path);
        if (self->seen_fd >= 0) {
            close(self->seen_fd);
        }
        free(self);
        *self_p = NULL;
    }
}

int
br_client_subscribe(br_client_t *self)
{
    if (self->pub) {
        return BR_OK;
    }
    if (!self->pub_endpoint) {
        return BR_ERR_INVALID;
    }
    return s_open(self, ZMQ_SUB, self->pub_endpoint, &self->pub, &self->pub_monitor);
}

int
br_client_reconnect(br_client_t *self)
{
    if (!self->req_endpoint) {
        return BR_ERR_INVALID;
    }
    bool was_subscribed = self->pub != NULL;
    s_close(&self->req, &self->req_monitor);
    s_close(&self->pub, &self->pub_monitor);
    int rc = s_open(self, ZMQ_DEALER, self->req_endpoint, &self->req, &self->req_monitor);
    if (rc == BR_OK && was_subscribed) {
        rc = br_client_subscribe(self);
    }
    return rc;
}

//  Replaces *field with a copy of value (NULL allowed).
static int
s_set_endpoint(char **field, const char *value)
{
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) {
        return BR_ERR_NOMEM;
    }
    free(*field);
    *field = copy;
    return BR_OK;
}

int
br_client_connect(br_client_t *self, const char *req_endpoint)
{
    s_close(&self->req, &self->req_monitor);
    s_close(&self->pub, &self->pub_monitor);
    int rc = s_set_endpoint(&self->req_endpoint, req_endpoint);
    if (rc == BR_OK) {
        rc = s_open(self, ZMQ_DEALER, self->req_endpoint, &self->req, &self->req_monitor);
    }
    return rc;
}

int
br_client_set_pub_endpoint(br_client_t *self, const char *pub_endpoint)
{
    return s_set_endpoint(&self->pub_endpoint, pub_endpoint);
}

void
br_client_set_alive(br_client_t *self, int alive_ms)
{
    self->alive_ms = alive_ms > 0 ? alive_ms : 0;
}

zsock_t *
br_client_req_sock(br_client_t *self)
{
    return self->req;
}

zsock_t *
br_client_pub_sock(br_client_t *self)
{
    return self->pub;
}

zsock_t *
br_client_req_monitor(br_client_t *self)
{
    return self->req_monitor;
}

zsock_t *
br_client_pub_monitor(br_client_t *self)
{
    return self->pub_monitor;
}

int
br_client_send(br_client_t *self, const br_msg_t *msg)
{
    zframe_t *frame = br_msg_encode(msg);
    if (!frame) {
        return BR_ERR_INTERNAL;
    }
    if (zframe_send(&frame, self->req, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&frame);
        return BR_ERR_IO;
    }
    return BR_OK;
}

int
br_client_recv(br_client_t *self, br_msg_t **msg_p)
{
    *msg_p = NULL;
    zmsg_t *msg = zmsg_recv(self->req);
    if (!msg) {
        return BR_ERR_IO;
    }
    int rc = BR_ERR_MALFORMED;
    br_errmsg_t why;
    zframe_t *frame = zmsg_first(msg);
    if (zmsg_size(msg) == 1) {
        rc = br_msg_decode(msg_p, zframe_data(frame), zframe_size(frame), &why);
        if (rc < 0) {
            br_warning("dropped reply from master: %s", why.text);
        }
    } else {
        br_warning("dropped reply from master: %zu frames", zmsg_size(msg));
    }
    zmsg_destroy(&msg);
    return rc;
}

static bool
s_seen(br_client_t *self, const char *jid)
{
    return strcmp(jid, self->floor_jid) <= 0 || zhashx_lookup(self->seen_index, jid) != NULL;
}

static void
s_remember(br_client_t *self, const char *jid, int64_t exp)
{
    br_seen_t *slot = &self->seen[self->seen_next];
    if (slot->jid[0]) {
        if (slot->exp >= s_now_ms() && strcmp(slot->jid, self->floor_jid) > 0) {
            memcpy(self->floor_jid, slot->jid, sizeof self->floor_jid);
        }
        zhashx_delete(self->seen_index, slot->jid);
    }
    snprintf(slot->jid, sizeof slot->jid, "%s", jid);
    slot->exp = exp;
    zhashx_insert(self->seen_index, slot->jid, slot);
    self->seen_next = (self->seen_next + 1) % BR_SEEN_MAX;
}

//  The replay file: a floor line, then one line per slot of the ring, each
//  BR_SEEN_LINE bytes padded with spaces ("floor JID", "JID EXP", or blank
//  for a free slot). Jids and times only: no secret. A fixed layout lets a
//  job overwrite its own slot in place, so making it durable is one data
//  block and no metadata (no new file, no rename, no size change): the cost
//  of the replay defence per job stays small.
#define BR_SEEN_LINE 48

static void
s_seen_line(char line[BR_SEEN_LINE], const char *first, const char *second)
{
    memset(line, ' ', BR_SEEN_LINE);
    int n = first[0] ? snprintf(line, BR_SEEN_LINE, "%s %s", first, second) : 0;
    if (n > 0 && n < BR_SEEN_LINE) {
        line[n] = ' ';
    }
    line[BR_SEEN_LINE - 1] = '\n';
}

static void
s_seen_slot(const br_seen_t *slot, int64_t now, char line[BR_SEEN_LINE])
{
    char exp[24];
    snprintf(exp, sizeof exp, "%lld", (long long)slot->exp);
    s_seen_line(line, slot->jid[0] && slot->exp >= now ? slot->jid : "", exp);
}

//  Writes the whole ring in slot order, atomically (temp file, fsync,
//  rename), and keeps the new file open for the slots that follow.
static int
s_seen_rewrite(br_client_t *self)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", self->seen_path);
    //  Allocated for the rewrite only: held, it would stay in the minion's
    //  resident memory for good
    size_t size = (BR_SEEN_MAX + 1) * BR_SEEN_LINE;
    char *lines = malloc(size);
    int fd = lines ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd < 0) {
        free(lines);
        return -1;
    }
    int64_t now = s_now_ms();
    s_seen_line(lines, self->floor_jid[0] ? "floor" : "", self->floor_jid);
    for (size_t i = 0; i < BR_SEEN_MAX; i++) {
        s_seen_slot(&self->seen[i], now, lines + (i + 1) * BR_SEEN_LINE);
    }
    bool ok = write(fd, lines, size) == (ssize_t)size && fsync(fd) == 0 &&
              rename(tmp, self->seen_path) == 0;
    free(lines);
    if (!ok) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (self->seen_fd >= 0) {
        close(self->seen_fd);
    }
    self->seen_fd = fd;
    memcpy(self->seen_floor, self->floor_jid, sizeof self->seen_floor);
    return 0;
}

//  Makes the jid just remembered durable before its job runs: its slot
//  (and the floor, when an eviction raised it) written in place, then
//  fdatasync. The first time, the whole file is written in ring order.
static void
s_seen_save(br_client_t *self)
{
    if (!self->seen_path) {
        return;
    }
    int rc = 0;
    if (self->seen_fd < 0) {
        rc = s_seen_rewrite(self);
    } else {
        size_t slot = (self->seen_next + BR_SEEN_MAX - 1) % BR_SEEN_MAX;
        char line[BR_SEEN_LINE];
        s_seen_slot(&self->seen[slot], s_now_ms(), line);
        rc = pwrite(self->seen_fd, line, sizeof line, (off_t)((slot + 1) * BR_SEEN_LINE)) ==
                     (ssize_t)sizeof line
                 ? 0
                 : -1;
        if (rc == 0 && strcmp(self->seen_floor, self->floor_jid) != 0) {
            s_seen_line(line, "floor", self->floor_jid);
            rc = pwrite(self->seen_fd, line, sizeof line, 0) == (ssize_t)sizeof line ? 0 : -1;
            memcpy(self->seen_floor, self->floor_jid, sizeof self->seen_floor);
        }
        rc = rc == 0 ? fdatasync(self->seen_fd) : rc;
    }
    if (rc != 0) {
        br_warning("cannot write %s: %s", self->seen_path, strerror(errno));
        //  Written again whole at the next job
        if (self->seen_fd >= 0) {
            close(self->seen_fd);
            self->seen_fd = -1;
        }
    }
}

//  A file in the slot layout (the size of the whole ring) is loaded slot
//  for slot, and kept open: the next job writes its own slot at once,
//  without the whole file first. BR_ERR_NOTFOUND when the file is missing
//  or has another layout (then read line by line, rewritten at the first
//  job). A slot that does not parse is left free, as any line that does not.
static int
s_seen_load_slots(br_client_t *self)
{
    const size_t size = (BR_SEEN_MAX + 1) * BR_SEEN_LINE;
    int fd = open(self->seen_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0) {
        return errno == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO;
    }
    char *lines = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != size ||
        !(lines = malloc(size)) || pread(fd, lines, size, 0) != (ssize_t)size) {
        free(lines);
        close(fd);
        return BR_ERR_NOTFOUND;
    }
    int64_t now = s_now_ms();
    size_t newest = BR_SEEN_MAX;
    for (size_t i = 0; i <= BR_SEEN_MAX; i++) {
        char line[BR_SEEN_LINE + 1], jid[BR_JID_LEN + 2] = "";
        memcpy(line, lines + i * BR_SEEN_LINE, BR_SEEN_LINE);
        line[BR_SEEN_LINE] = 0;
        long long exp = 0;
        if (i == 0) {
            if (sscanf(line, "floor %21s", jid) == 1 && br_jid_valid(jid)) {
                memcpy(self->floor_jid, jid, BR_JID_LEN + 1);
            }
            continue;
        }
        br_seen_t *slot = &self->seen[i - 1];
        if (sscanf(line, "%21s %lld", jid, &exp) == 2 && br_jid_valid(jid) && exp >= now &&
            !zhashx_lookup(self->seen_index, jid)) {
            memcpy(slot->jid, jid, BR_JID_LEN + 1);
            slot->exp = exp;
            zhashx_insert(self->seen_index, slot->jid, slot);
            if (newest == BR_SEEN_MAX || strcmp(jid, self->seen[newest].jid) > 0) {
                newest = i - 1;
            }
        }
    }
    free(lines);
    //  The ring goes on after the newest jid: the oldest is overwritten next
    self->seen_next = newest == BR_SEEN_MAX ? 0 : (newest + 1) % BR_SEEN_MAX;
    self->seen_fd = fd;
    memcpy(self->seen_floor, self->floor_jid, sizeof self->seen_floor);
    return BR_OK;
}

int
br_client_replay_file(br_client_t *self, const char *path)
{
    free(self->seen_path);
    if (self->seen_fd >= 0) {
        close(self->seen_fd);
        self->seen_fd = -1;
    }
    self->seen_path = strdup(path);
    if (!self->seen_path) {
        return BR_ERR_NOMEM;
    }
    int rc = s_seen_load_slots(self);
    if (rc != BR_ERR_NOTFOUND) {
        return rc;
    }
    FILE *file = fopen(path, "r");
    if (!file) {
        return errno == ENOENT ? BR_OK : BR_ERR_IO;
    }
    char line[128];
    int64_t now = s_now_ms();
    while (fgets(line, sizeof line, file)) {
        char jid[BR_JID_LEN + 2] = "";
        long long exp = 0;
        //  Anything that is not a well-formed line is ignored, not trusted
        if (sscanf(line, "floor %21s", jid) == 1 && br_jid_valid(jid)) {
            memcpy(self->floor_jid, jid, BR_JID_LEN + 1);
        } else if (sscanf(line, "%21s %lld", jid, &exp) == 2 && br_jid_valid(jid) && exp >= now &&
                   !zhashx_lookup(self->seen_index, jid)) {
            s_remember(self, jid, exp);
        }
    }
    fclose(file);
    return BR_OK;
}

int
br_client_recv_sealed(br_client_t *self, zmsg_t **job_p, br_errmsg_t *err)
{
    *job_p = NULL;
    zmsg_t *msg = zmsg_recv(self->pub);
    if (!msg) {
        return BR_ERR_IO;
    }
    char topic[BR_ID_MAX + 2];
    snprintf(topic, sizeof topic, "%s.", self->id);
    if (zmsg_size(msg) != 3 || !zframe_streq(zmsg_first(msg), topic)) {
        int rc = br_errmsg_set(err, BR_ERR_MALFORMED, "job with %zu frames or for another topic",
                               zmsg_size(msg));
        zmsg_destroy(&msg);
        return rc;
    }
    *job_p = msg;
    return BR_OK;
}

int
br_client_open_job(br_client_t *self, const uint8_t *clear, size_t clear_size,
                   const uint8_t *sealed, size_t sealed_size, br_msg_t **header_p,
                   br_msg_t **body_p, br_errmsg_t *err)
{
    *header_p = NULL;
    *body_p = NULL;
    br_msg_t *header = NULL, *body = NULL;
    br_secret_t *plain = NULL;
    int rc = br_msg_decode(&header, clear, clear_size, err);
    if (rc < 0) {
        goto out;
    }
    if (br_msg_type(header) != BR_MSG_JOB) {
        rc = br_errmsg_set(err, BR_ERR_MALFORMED, "expected a job header, got %s",
                           br_msg_type_name(br_msg_type(header)));
        goto out;
    }
    const char *jid = br_msg_jid(header);
    int64_t now = s_now_ms();
    if (br_msg_exp(header) < now || br_msg_exp(header) > now + BR_EXPIRY_MAX_MS) {
        rc = br_errmsg_set(err, BR_ERR_EXPIRED, "job %s is expired or claims too long a life", jid);
        goto out;
    }
    if (s_seen(self, jid)) {
        rc = br_errmsg_set(err, BR_ERR_REPLAY, "job %s was already run: replay refused", jid);
        goto out;
    }
    //  With a sealing key, a job sealed to the transport key is refused:
    //  whoever holds that key (the network child) could have sealed it
    rc = br_open(self->seal_opener ? self->seal_opener : self->sealer, self->master_key, clear,
                 clear_size, sealed, sealed_size, &plain);
    if (rc < 0) {
        br_errmsg_set(err, rc, "job %s does not open with our %skey: %s%s", jid,
                      self->seal_opener ? "sealing " : "", br_strerror(rc),
                      self->seal_opener ? " (jobs sealed to any other key, the transport key "
                                          "included, are refused)"
                                        : "");
        goto out;
    }
    rc = br_msg_decode(&body, br_secret_cdata(plain), br_secret_size(plain), err);
    if (rc < 0) {
        goto out;
    }
    if (br_msg_type(body) != BR_MSG_BODY || strcmp(br_msg_jid(body), jid) != 0) {
        rc = br_errmsg_set(err, BR_ERR_MALFORMED, "job %s: body does not match its header", jid);
        goto out;
    }
    s_remember(self, jid, br_msg_exp(header));
    //  Before the job runs: a crash while running must not let it run again
    s_seen_save(self);
    *header_p = header;
    *body_p = body;
    header = body = NULL;
    rc = BR_OK;
out:
    br_secret_destroy(&plain);
    br_msg_destroy(&header);
    br_msg_destroy(&body);
    return rc;
}

int
br_client_recv_job(br_client_t *self, br_msg_t **header_p, br_msg_t **body_p, br_errmsg_t *err)
{
    *header_p = NULL;
    *body_p = NULL;
    zmsg_t *msg = NULL;
    int rc = br_client_recv_sealed(self, &msg, err);
    if (rc == BR_OK) {
        zmsg_first(msg);
        zframe_t *clear = zmsg_next(msg);
        zframe_t *sealed = zmsg_next(msg);
        rc = br_client_open_job(self, zframe_data(clear), zframe_size(clear), zframe_data(sealed),
                                zframe_size(sealed), header_p, body_p, err);
    }
    zmsg_destroy(&msg);
    return rc;
}

br_link_event_t
br_client_handle_monitor(br_client_t *self, zsock_t *monitor)
{
    zmsg_t *msg = zmsg_recv(monitor);
    if (!msg) {
        return BR_LINK_NONE;
    }
    br_link_event_t link = BR_LINK_NONE;
    zframe_t *head = zmsg_first(msg);
    zframe_t *address = zmsg_next(msg);
    if (head && zframe_size(head) == 6) {
        uint16_t event;
        uint32_t value;
        memcpy(&event, zframe_data(head), 2);
        memcpy(&value, zframe_data(head) + 2, 4);
        char *where = address ? zframe_strdup(address) : strdup("?");
        //  libzmq retries a failing handshake with backoff: say it once
        switch (event) {
        case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
            link = BR_LINK_CONNECTED;
            if (self->last_link != link) {
                br_info("connected to master at %s", where);
            }
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            link = BR_LINK_REFUSED;
            if (self->last_link != link) {
                br_error("master at %s refused the key of minion %s (status %u): it is not "
                           "accepted there (see brine-key -L on the master)",
                           where, self->id, value);
            }
            break;
        case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
        case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            link = BR_LINK_FAILED;
            if (self->last_link != link) {
                br_error("handshake with %s failed: it does not hold the pinned master key "
                           "(minion_master.pub), or speaks another protocol",
                           where);
            }
            break;
        case ZMQ_EVENT_DISCONNECTED:
            link = BR_LINK_DOWN;
            br_info("lost the connection to master at %s", where);
            break;
        case ZMQ_EVENT_CONNECT_RETRIED:
            //  Every failed attempt says so: the caller decides what to tell
            link = BR_LINK_UNREACHABLE;
            br_debug("no answer from %s (connection refused or unreachable)", where);
            break;
        }
        free(where);
        if (link != BR_LINK_NONE && link != BR_LINK_DOWN && link != BR_LINK_UNREACHABLE) {
            self->last_link = link;
        }
    }
    zmsg_destroy(&msg);
    return link;
}
