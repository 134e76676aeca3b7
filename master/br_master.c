/*  br_master: the master's event loop. Minion requests are dispatched by
    message type through a table that also says whether an unaccepted key
    may send it (only enrolment); local CLI requests arrive on their own
    socket. */
#include "br_master.h"
#include "br_jobcache.h"
#include "br_jobs.h"
#include "br_match.h"
#include "br_mongo.h"
#include "br_mongo_conf.h"
#include "br_wire.h"

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

//  Default seconds `brine` waits for returns
#define BR_CLI_TIMEOUT 10

struct _br_master_t {
    br_config_t *config;  //  not owned
    br_keypair_t *keys;   //  the master's CURVE key pair
    br_keystore_t *store; //  minion keys
    br_server_t *server;  //  sockets and ZAP
    zsock_t *cli;         //  ROUTER on the local socket for `brine`
    br_jobcache_t *cache; //  the job cache
    br_jobs_t *jobs;      //  jobs in flight
    br_mongo_t *mongo;    //  the mongo returner, or NULL
    zhashx_t *grains;     //  minion id -> bson_t grains from its hello
    zloop_t *loop;        //  the event loop
    int ticks;            //  seconds since start, for slow chores
};

static void
s_bson_free(void **item)
{
    bson_destroy((bson_t *)*item);
    *item = NULL;
}

//  The master's own key pair: created on first start like Salt's master.pem.
static br_keypair_t *
s_load_keys(const char *pki_dir, br_errmsg_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/master.key", pki_dir);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        if (zsys_dir_create("%s", pki_dir) != 0 || chmod(pki_dir, 0700) != 0) {
            br_errmsg_set(err, BR_ERR_IO, "cannot create %s: %s", pki_dir, strerror(errno));
            return NULL;
        }
        br_keypair_t *fresh = br_keypair_generate();
        if (!fresh || br_keypair_save(fresh, pki_dir, "master", err) < 0) {
            br_keypair_destroy(&fresh);
            return NULL;
        }
        br_keypair_destroy(&fresh);
        br_notice("created the master key pair in %s", pki_dir);
    }
    return br_keypair_load(pki_dir, "master", err);
}

//  S6: pillar holds the disks' keys; others must not be able to read it.
//  Symbolic links are followed, as the pillar loader follows them: a link
//  to a file others can read exposes that file. nftw has no context
//  argument: the first offender goes through this thread-local slot.
static __thread char s_offender[4096];

static int
s_check_private(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if ((flag == FTW_F || flag == FTW_D) && (st->st_mode & S_IROTH)) {
        snprintf(s_offender, sizeof s_offender, "%s", path);
        return 1;
    }
    return 0;
}

bool
br_master_pillar_exposed(const char *pillar_root, char *offender, size_t size)
{
    struct stat st;
    if (stat(pillar_root, &st) != 0) {
        return false; //  no pillar at all
    }
    s_offender[0] = 0;
    if (nftw(pillar_root, s_check_private, 16, 0) != 1) {
        return false;
    }
    snprintf(offender, size, "%s", s_offender);
    return true;
}

static int
s_pillar_private(const char *pillar_root, br_errmsg_t *err)
{
    char offender[4096];
    if (br_master_pillar_exposed(pillar_root, offender, sizeof offender)) {
        return br_errmsg_set(err, BR_ERR_PERM,
                             "refusing to start: %s is readable by others, and pillar holds "
                             "secrets (run chmod -R o-rwx %s)",
                             offender, pillar_root);
    }
    return BR_OK;
}

br_master_t *
br_master_new(br_config_t *config, br_errmsg_t *err)
{
    br_master_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->config = config;
    const char *pki_dir = br_config_str(config, "pki_dir");
    if (s_pillar_private(br_config_str(config, "pillar_root"), err) != BR_OK ||
        br_mongo_conf_check(config, err) != BR_OK) {
        goto fail;
    }
    self->keys = s_load_keys(pki_dir, err);
    if (!self->keys) {
        goto fail;
    }
    self->store = br_keystore_new(pki_dir, err);
    if (!self->store) {
        goto fail;
    }
    char pub[300], req[300], path[4096];
    const char *iface = br_config_str(config, "interface");
    snprintf(pub, sizeof pub, "tcp://%s:%d", iface, (int)br_config_int(config, "publish_port"));
    snprintf(req, sizeof req, "tcp://%s:%d", iface, (int)br_config_int(config, "ret_port"));
    self->server = br_server_new(self->keys, self->store, pub, req, err);
    if (!self->server) {
        goto fail;
    }
    //  The CLI socket lives in a directory only root can enter
    const char *sock_dir = br_config_str(config, "sock_dir");
    if (zsys_dir_create("%s", sock_dir) != 0 || chmod(sock_dir, 0700) != 0) {
        br_errmsg_set(err, BR_ERR_IO, "cannot create %s: %s", sock_dir, strerror(errno));
        goto fail;
    }
    self->cli = zsock_new(ZMQ_ROUTER);
    snprintf(path, sizeof path, "%s/master.ipc", sock_dir);
    unlink(path);
    if (!self->cli) {
        br_errmsg_set(err, BR_ERR_NOMEM, "cannot create the local socket");
        goto fail;
    }
    //  Options before the bind: connections made through a listener take
    //  the options it was bound with. A job's returns go to its `brine` one
    //  message each, and a ROUTER drops what passes its high-water mark
    //  (1,000 by default): a job to more minions than that lost returns on
    //  their way to the operator. No bound here but the job's own size,
    //  which the master holds anyway.
    zsock_set_maxmsgsize(self->cli, BR_MSG_MAX);
    zsock_set_linger(self->cli, 0);
    zsock_set_sndhwm(self->cli, 0);
    if (zsock_bind(self->cli, "ipc://%s", path) < 0) {
        br_errmsg_set(err, BR_ERR_IO, "cannot bind the local socket %s", path);
        goto fail;
    }
    snprintf(path, sizeof path, "%s/jobs", br_config_str(config, "cachedir"));
    self->cache = br_jobcache_new(path, br_config_int(config, "keep_jobs"), err);
    self->grains = zhashx_new();
    self->loop = zloop_new();
    if (!self->cache || !self->grains || !self->loop) {
        goto fail;
    }
    zhashx_set_destructor(self->grains, s_bson_free);
    self->jobs = br_jobs_new(config, self->server, self->cache, self->cli, self->grains);
    if (!self->jobs) {
        goto fail;
    }
    if (br_mongo_conf_enabled(config)) {
        //  Masters sharing a database tell their documents apart by this
        char host[256] = "", name[300];
        if (gethostname(host, sizeof host - 1) != 0) {
            snprintf(host, sizeof host, "localhost");
        }
        snprintf(name, sizeof name, "%s:%d", host, (int)br_config_int(config, "ret_port"));
        self->mongo = br_mongo_new(config, name, err);
        if (!self->mongo) {
            goto fail;
        }
        br_jobs_set_mongo(self->jobs, self->mongo);
    }
    br_info("brine-master %s publishing on %s, requests on %s", BRINE_VERSION, pub, req);
    return self;
fail:
    br_master_destroy(&self);
    return NULL;
}

void
br_master_destroy(br_master_t **self_p)
{
    if (self_p && *self_p) {
        br_master_t *self = *self_p;
        zloop_destroy(&self->loop);
        br_jobs_destroy(&self->jobs);
        br_mongo_destroy(&self->mongo);
        zhashx_destroy(&self->grains);
        br_jobcache_destroy(&self->cache);
        zsock_destroy(&self->cli);
        br_server_destroy(&self->server);
        br_keystore_destroy(&self->store);
        br_keypair_destroy(&self->keys);
        free(self);
        *self_p = NULL;
    }
}

static void
s_reply_state(br_master_t *self, const br_request_t *req, const char *state)
{
    br_msg_t *welcome = br_msg_new(BR_MSG_WELCOME);
    //  Minions that know only our request port (a list of masters, each
    //  host:port) learn the publish port from here
    if (welcome && br_msg_set_state(welcome, state) == 0 &&
        br_msg_set_ver(welcome, BRINE_VERSION) == 0 &&
        br_msg_set_pub_port(welcome, (int32_t)br_config_int(self->config, "publish_port")) == 0) {
        br_server_reply(self->server, req, welcome);
    }
    br_msg_destroy(&welcome);
}

static br_msg_t *
s_error(int code, const char *text)
{
    br_msg_t *error = br_msg_new(BR_MSG_ERROR);
    if (error && (br_msg_set_code(error, code) != 0 || br_msg_set_text(error, text) != 0)) {
        br_msg_destroy(&error);
    }
    return error;
}

static void
s_reply_error(br_master_t *self, const br_request_t *req, int code, const char *text)
{
    br_msg_t *error = s_error(code, text);
    if (error) {
        br_server_reply(self->server, req, error);
    }
    br_msg_destroy(&error);
}

static void
s_on_enrol(br_master_t *self, br_request_t *req)
{
    const char *id = br_msg_id(req->msg);
    if (req->accepted) {
        s_reply_state(self, req, "accepted");
        return;
    }
    br_errmsg_t why;
    //  A waiting minion asks again every few seconds: say it once
    bool known = br_keystore_state(self->store, id, NULL) == BR_KEY_PENDING;
    //  The decoder checked that it is a key
    uint8_t seal[BR_KEY_SIZE];
    const char *seal_z85 = br_msg_seal(req->msg);
    bool has_seal = seal_z85 && br_pubkey_from_z85(seal, seal_z85, strlen(seal_z85)) == 0;
    int state = br_keystore_enrol_sealed(self->store, id, req->key, has_seal ? seal : NULL, &why);
    if (state < 0) {
        br_error("enrolment of %s failed: %s", id, why.text);
        s_reply_error(self, req, state, "enrolment failed");
        return;
    }
    if (state == BR_KEY_PENDING && !known) {
        br_notice("minion %s is pending: accept its key with brine-key -a %s", id, id);
    } else if (state == BR_KEY_DENIED) {
        br_warning("minion %s presented a key other than the one on file: denied", id);
    }
    s_reply_state(self, req, br_key_state_name(state));
}

static void
s_on_hello(br_master_t *self, br_request_t *req)
{
    const char *claimed = br_msg_id(req->msg);
    if (strcmp(claimed, req->id) != 0) {
        br_warning("hello from minion %s claims the id %s; attributed to %s (its key)", req->id,
                     claimed, req->id);
    }
    //  The sealing key was pinned when the key was filed: a hello never
    //  changes it, and one that names another is not the minion we know
    uint8_t pinned[BR_KEY_SIZE], sent[BR_KEY_SIZE];
    const char *seal_z85 = br_msg_seal(req->msg);
    if (seal_z85 && br_keystore_seal_key(self->store, req->id, pinned) &&
        (br_pubkey_from_z85(sent, seal_z85, strlen(seal_z85)) != 0 ||
         memcmp(sent, pinned, BR_KEY_SIZE) != 0)) {
        char finger[BR_FINGERPRINT_LEN + 1];
        br_key_fingerprint(sent, finger);
        br_warning("hello from minion %s ignored: its sealing key %s is not the one pinned at "
                   "enrolment (to change it, delete the minion's key with brine-key -d and "
                   "accept it again)",
                   req->id, finger);
        s_reply_error(self, req, BR_ERR_DENIED, "sealing key differs from the pinned one");
        return;
    }
    //  Grains are the minion's word, except its id, which is its key's: a
    //  grain claiming another minion's id would make it that minion for
    //  targeting (-G 'id:...'), in top files and in rendered states
    const bson_t *grains = br_msg_grains(req->msg);
    bson_t *copy = bson_new();
    bson_iter_t it;
    if (grains && bson_iter_init_find(&it, grains, "id") &&
        (!BSON_ITER_HOLDS_UTF8(&it) || strcmp(bson_iter_utf8(&it, NULL), req->id) != 0)) {
        br_warning("hello from minion %s claims another minion's id in its grains; its grain id "
                   "is %s, its key's",
                   req->id, req->id);
    }
    //  Values the state engine cannot hold (binary, dates, regular
    //  expressions...) would fail every job of this minion later, as if
    //  memory had run out: such grains are refused now, and said so
    br_value_t *usable = grains ? br_wire_from_bson(grains) : NULL;
    if (grains && !usable) {
        br_warning("hello from minion %s: its grains hold values of a type brine does not use; "
                   "they are ignored",
                   req->id);
    } else if (grains) {
        bson_copy_to_excluding_noinit(grains, copy, "id", NULL);
    }
    br_value_destroy(&usable);
    BSON_APPEND_UTF8(copy, "id", req->id);
    zhashx_update(self->grains, req->id, copy);
    br_info("hello from minion %s (brine %s, %u grains)", req->id, br_msg_ver(req->msg),
              bson_count_keys(copy));
    s_reply_state(self, req, "accepted");
}

//  The minion names its startup job (startup_states in its config); the
//  master compiles it with that minion's pillar and seals it to it
static void
s_on_startup(br_master_t *self, br_request_t *req)
{
    const char *fun = br_msg_fun(req->msg);
    if (!fun) {
        return;
    }
    br_info("minion %s asks for its startup job (%s)", req->id, fun);
    zlistx_t *one = zlistx_new();
    zlistx_add_end(one, req->id);
    char jid[BR_JID_LEN + 1];
    br_errmsg_t err = {""};
    if (br_jobs_start(self->jobs, fun, br_msg_arg(req->msg), NULL, one, req->id, "list",
                      (int)br_config_int(self->config, "job_ttl"), NULL, jid, &err) != BR_OK) {
        br_error("startup job of %s: %s", req->id, err.text);
        s_reply_error(self, req, BR_ERR_INVALID, "cannot create the startup job");
    }
    zlistx_destroy(&one);
}

static void
s_on_return(br_master_t *self, br_request_t *req)
{
    if (br_jobs_returned(self->jobs, req->id, req->msg) != BR_OK) {
        br_warning("dropped a return from %s for job %s, which was not sent to it", req->id,
                     br_msg_jid(req->msg));
    }
}

typedef struct {
    br_msg_type_t type;
    bool unaccepted_ok; //  may a key that is not accepted send this?
    void (*handle)(br_master_t *self, br_request_t *req);
} br_route_t;

static const br_route_t s_routes[] = {
    {BR_MSG_ENROL, true, s_on_enrol},
    {BR_MSG_HELLO, false, s_on_hello},
    {BR_MSG_STARTUP, false, s_on_startup},
    {BR_MSG_RETURN, false, s_on_return},
};

//  Requests waiting on the request socket are taken in bursts of up to
//  this many per wake of the loop: a job's returns arrive together, and one
//  poll per return would cost more than the return itself
#define BR_REQ_BURST 256

static void
s_handle_one_req(br_master_t *self)
{
    br_request_t *req = NULL;
    if (br_server_recv(self->server, &req) < 0) {
        return; //  logged and dropped; keep serving
    }
    const br_route_t *route = NULL;
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++) {
        if (s_routes[i].type == br_msg_type(req->msg)) {
            route = &s_routes[i];
        }
    }
    if (!route || (!req->accepted && !route->unaccepted_ok)) {
        char z85[BR_Z85_KEY_LEN + 1];
        br_pubkey_z85(req->key, z85);
        br_warning("refused %s from %s: %s", br_msg_type_name(br_msg_type(req->msg)),
                     req->accepted ? req->id : z85, route ? "key not accepted" : "not a request");
        s_reply_error(self, req, BR_ERR_DENIED,
                      route ? "key not accepted: enrol first" : "not a request");
    } else {
        route->handle(self, req);
    }
    br_request_destroy(&req);
}

static int
s_handle_req(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    br_master_t *self = arg;
    br_server_hold(self->server, true);
    s_handle_one_req(self);
    for (int i = 1; i < BR_REQ_BURST && (zsock_events(sock) & ZMQ_POLLIN); i++) {
        s_handle_one_req(self);
    }
    br_server_hold(self->server, false);
    return 0;
}

//  The accepted minions that match a CLI target, sorted
static int
s_targets(br_master_t *self, const char *tgt_type, const char *tgt, zlistx_t **out,
          br_errmsg_t *err)
{
    //  A key deleted or rejected a moment ago must not be targeted (S4)
    br_errmsg_t why;
    if (br_keystore_refresh(self->store, &why) < 0) {
        br_error("key store: %s", why.text);
    }
    zlistx_t *accepted = br_keystore_list(self->store, BR_KEY_ACCEPTED);
    zlistx_t *matched = zlistx_new();
    zlistx_set_destructor(matched, (zlistx_destructor_fn *)zstr_free);
    int rc = BR_OK;
    for (const char *id = zlistx_first(accepted); rc >= 0 && id; id = zlistx_next(accepted)) {
        //  Only a grain target reads grains: the others need no conversion
        //  of every minion's grains at each job
        const bson_t *hello = strcmp(tgt_type, "grain") == 0 ? zhashx_lookup(self->grains, id)
                                                               : NULL;
        br_value_t *grains = hello ? br_wire_from_bson(hello) : NULL;
        rc = br_match_minion(tgt_type, tgt, id, grains, err);
        if (rc == 1) {
            zlistx_add_end(matched, strdup(id));
        }
        br_value_destroy(&grains);
    }
    zlistx_destroy(&accepted);
    if (rc >= 0 && zlistx_size(matched) == 0) {
        //  Never "all": an empty match is the operator's mistake to see
        rc = br_errmsg_set(err, BR_ERR_NOTFOUND, "No minions matched the target (%s '%s')",
                           tgt_type, tgt);
    }
    if (rc < 0) {
        zlistx_destroy(&matched);
        return rc;
    }
    *out = matched;
    return BR_OK;
}

static int
s_handle_cli(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    br_master_t *self = arg;
    zmsg_t *msg = zmsg_recv(sock);
    zframe_t *routing = msg ? zmsg_pop(msg) : NULL;
    zframe_t *frame = msg ? zmsg_pop(msg) : NULL;
    br_msg_t *request = NULL, *reply = NULL;
    br_errmsg_t err = {""};
    zlistx_t *minions = NULL;
    if (!routing || !frame ||
        br_msg_decode(&request, zframe_data(frame), zframe_size(frame), &err) < 0 ||
        br_msg_type(request) != BR_MSG_CLI_JOB) {
        br_warning("dropped a malformed request on the local socket %s", err.text);
        reply = s_error(BR_ERR_MALFORMED, "malformed request");
    } else if (s_targets(self, br_msg_tgt_type(request), br_msg_tgt(request), &minions, &err) < 0) {
        reply = s_error(BR_ERR_NOTFOUND, err.text);
    } else {
        int timeout = br_msg_timeout(request) ? br_msg_timeout(request) : BR_CLI_TIMEOUT;
        char jid[BR_JID_LEN + 1];
        if (br_jobs_start(self->jobs, br_msg_fun(request), br_msg_arg(request),
                          br_msg_kwarg(request), minions, br_msg_tgt(request),
                          br_msg_tgt_type(request), timeout, routing, jid, &err) != BR_OK) {
            reply = s_error(BR_ERR_INVALID, err.text);
        }
    }
    if (reply && routing) {
        zframe_t *body = br_msg_encode(reply);
        zframe_send(&routing, sock, ZFRAME_MORE);
        zframe_send(&body, sock, 0);
    }
    zlistx_destroy(&minions);
    br_msg_destroy(&reply);
    br_msg_destroy(&request);
    zframe_destroy(&frame);
    zframe_destroy(&routing);
    zmsg_destroy(&msg);
    return 0;
}

static int
s_handle_zap(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)sock;
    br_server_handle_zap(((br_master_t *)arg)->server);
    return 0;
}

static int
s_handle_sub(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)sock;
    br_master_t *self = arg;
    char id[BR_ID_MAX + 1];
    br_sub_event_t event = br_server_handle_sub(self->server, id);
    if (event == BR_SUB_JOINED) {
        br_info("minion %s subscribed to its jobs", id);
        br_jobs_subscribed(self->jobs, id);
    } else if (event == BR_SUB_LEFT) {
        br_info("minion %s left the publish socket", id);
    }
    return 0;
}

static int
s_handle_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    br_master_t *self = arg;
    br_errmsg_t why;
    if (br_keystore_refresh(self->store, &why) < 0) {
        br_error("key store: %s", why.text);
    }
    br_jobs_tick(self->jobs);
    if (++self->ticks % 600 == 1) {
        br_jobcache_prune(self->cache);
    }
    return 0;
}

int
br_master_run(br_master_t *self)
{
    if (zloop_reader(self->loop, br_server_zap_sock(self->server), s_handle_zap, self) ||
        zloop_reader(self->loop, br_server_pub_sock(self->server), s_handle_sub, self) ||
        zloop_reader(self->loop, br_server_req_sock(self->server), s_handle_req, self) ||
        zloop_reader(self->loop, self->cli, s_handle_cli, self) ||
        zloop_timer(self->loop, 1000, 0, s_handle_tick, self) < 0) {
        return BR_ERR_INTERNAL;
    }
    zloop_start(self->loop);
    br_info("brine-master stopping");
    return BR_OK;
}
