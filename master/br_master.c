/*  br_master: the master's event loop. Requests are dispatched by message
    type through a table that also says whether an unaccepted key may send it
    (only enrolment). */
#include "br_master.h"

#include <sys/stat.h>
#include <sys/time.h>

//  A job published and not yet returned
typedef struct {
    char id[BR_ID_MAX + 1];
    char jid[BR_JID_LEN + 1];
    char fun[64];
    int64_t sent_us;   //  when it was published (0: waiting for the minion)
    int64_t expire_us; //  after this it is reported as did-not-return
    br_secret_t *body; //  encoded body, kept until published
    br_msg_t *header;  //  clear header
} br_job_t;

struct _br_master_t {
    br_config_t *config;  //  not owned
    br_keypair_t *keys;   //  the master's CURVE key pair
    br_keystore_t *store; //  minion keys
    br_server_t *server;  //  sockets and ZAP
    br_jidgen_t *jids;    //  job ids
    zhashx_t *grains;     //  minion id -> bson_t grains from its hello
    zhashx_t *jobs;       //  jid -> br_job_t outstanding
    zloop_t *loop;        //  the event loop
};

static int64_t
s_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void
s_job_destroy(br_job_t **job_p)
{
    if (job_p && *job_p) {
        br_secret_destroy(&(*job_p)->body);
        br_msg_destroy(&(*job_p)->header);
        free(*job_p);
        *job_p = NULL;
    }
}

static void
s_job_free(void **item)
{
    s_job_destroy((br_job_t **)item);
}

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
        zsys_notice("created the master key pair in %s", pki_dir);
    }
    return br_keypair_load(pki_dir, "master", err);
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
    self->keys = s_load_keys(pki_dir, err);
    if (!self->keys) {
        goto fail;
    }
    self->store = br_keystore_new(pki_dir, err);
    if (!self->store) {
        goto fail;
    }
    char pub[300], req[300];
    const char *iface = br_config_str(config, "interface");
    snprintf(pub, sizeof pub, "tcp://%s:%d", iface, (int)br_config_int(config, "publish_port"));
    snprintf(req, sizeof req, "tcp://%s:%d", iface, (int)br_config_int(config, "ret_port"));
    self->server = br_server_new(self->keys, self->store, pub, req, err);
    self->jids = br_jidgen_new();
    self->grains = zhashx_new();
    self->jobs = zhashx_new();
    self->loop = zloop_new();
    if (!self->server || !self->jids || !self->grains || !self->jobs || !self->loop) {
        goto fail;
    }
    zhashx_set_destructor(self->grains, s_bson_free);
    zhashx_set_destructor(self->jobs, s_job_free);
    zsys_info("brine-master %s publishing on %s, requests on %s", BRINE_VERSION, pub, req);
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
        zhashx_destroy(&self->jobs);
        zhashx_destroy(&self->grains);
        br_jidgen_destroy(&self->jids);
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
    if (welcome && br_msg_set_state(welcome, state) == 0 &&
        br_msg_set_ver(welcome, BRINE_VERSION) == 0) {
        br_server_reply(self->server, req, welcome);
    }
    br_msg_destroy(&welcome);
}

static void
s_reply_error(br_master_t *self, const br_request_t *req, int code, const char *text)
{
    br_msg_t *error = br_msg_new(BR_MSG_ERROR);
    if (error && br_msg_set_code(error, code) == 0 && br_msg_set_text(error, text) == 0) {
        br_server_reply(self->server, req, error);
    }
    br_msg_destroy(&error);
}

static void
s_publish(br_master_t *self, br_job_t *job)
{
    int rc = br_server_publish(self->server, job->id, job->header, job->body);
    if (rc == BR_OK) {
        job->sent_us = s_now_us();
        //  Published: the plaintext body is no longer needed
        br_secret_destroy(&job->body);
        zsys_info("published job %s (%s) to %s, sealed to its key", job->jid, job->fun, job->id);
    } else if (rc != BR_ERR_NOTFOUND) {
        zsys_error("cannot publish job %s to %s: %s", job->jid, job->id, br_strerror(rc));
    }
}

//  Creates a job for one minion; it is published as soon as the minion's
//  subscription is live (at once if it already is).
static int
s_job_start(br_master_t *self, const char *id, const char *fun)
{
    br_job_t *job = calloc(1, sizeof *job);
    br_msg_t *body = br_msg_new(BR_MSG_BODY);
    int rc = BR_ERR_NOMEM;
    if (!job || !body) {
        goto out;
    }
    snprintf(job->id, sizeof job->id, "%s", id);
    snprintf(job->fun, sizeof job->fun, "%s", fun);
    br_jidgen_next(self->jids, job->jid);
    int64_t ttl_us = br_config_int(self->config, "job_ttl") * 1000000;
    job->expire_us = s_now_us() + ttl_us;
    job->header = br_msg_new(BR_MSG_JOB);
    rc = BR_ERR_INTERNAL;
    if (!job->header || br_msg_set_jid(job->header, job->jid) < 0 ||
        br_msg_set_exp(job->header, job->expire_us / 1000) < 0 ||
        br_msg_set_jid(body, job->jid) < 0 || br_msg_set_fun(body, fun) < 0) {
        goto out;
    }
    job->body = br_msg_encode_secret(body);
    if (!job->body) {
        goto out;
    }
    s_publish(self, job);
    zhashx_insert(self->jobs, job->jid, job);
    job = NULL;
    rc = BR_OK;
out:
    s_job_destroy(&job);
    br_msg_destroy(&body);
    return rc;
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
    int state = br_keystore_enrol(self->store, id, req->key, &why);
    if (state < 0) {
        zsys_error("enrolment of %s failed: %s", id, why.text);
        s_reply_error(self, req, state, "enrolment failed");
        return;
    }
    if (state == BR_KEY_PENDING && !known) {
        zsys_notice("minion %s is pending: accept its key with brine-key -a %s", id, id);
    } else if (state == BR_KEY_DENIED) {
        zsys_warning("minion %s presented a key other than the one on file: denied", id);
    }
    s_reply_state(self, req, br_key_state_name(state));
}

static void
s_on_hello(br_master_t *self, br_request_t *req)
{
    const char *claimed = br_msg_id(req->msg);
    if (strcmp(claimed, req->id) != 0) {
        zsys_warning("hello from minion %s claims the id %s; attributed to %s (its key)", req->id,
                     claimed, req->id);
    }
    const bson_t *grains = br_msg_grains(req->msg);
    bson_t *copy = grains ? bson_copy(grains) : bson_new();
    zhashx_update(self->grains, req->id, copy);
    zsys_info("hello from minion %s (brine %s, %u grains)", req->id, br_msg_ver(req->msg),
              bson_count_keys(copy));
    s_reply_state(self, req, "accepted");
}

static void
s_on_startup(br_master_t *self, br_request_t *req)
{
    zsys_info("minion %s asks for its startup job", req->id);
    if (s_job_start(self, req->id, "test.ping") < 0) {
        s_reply_error(self, req, BR_ERR_INTERNAL, "cannot create the startup job");
    }
}

static void
s_on_return(br_master_t *self, br_request_t *req)
{
    const char *jid = br_msg_jid(req->msg);
    br_job_t *job = zhashx_lookup(self->jobs, jid);
    //  A minion may only return results for a job that was sent to it
    if (!job || strcmp(job->id, req->id) != 0 || !job->sent_us) {
        zsys_warning("dropped a return from %s for job %s, which was not sent to it", req->id, jid);
        return;
    }
    double round_trip_ms = (double)(s_now_us() - job->sent_us) / 1000.0;
    zsys_info("return from %s for job %s (%s): %s, ran %.3f ms, round trip %.3f ms", req->id, jid,
              br_msg_fun(req->msg), br_msg_ok(req->msg) ? "success" : "failure",
              (double)br_msg_dur(req->msg) / 1000.0, round_trip_ms);
    zhashx_delete(self->jobs, jid);
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

static int
s_handle_req(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)sock;
    br_master_t *self = arg;
    br_request_t *req = NULL;
    if (br_server_recv(self->server, &req) < 0) {
        return 0; //  logged and dropped; keep serving
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
        zsys_warning("refused %s from %s: %s", br_msg_type_name(br_msg_type(req->msg)),
                     req->accepted ? req->id : z85, route ? "key not accepted" : "not a request");
        s_reply_error(self, req, BR_ERR_DENIED,
                      route ? "key not accepted: enrol first" : "not a request");
    } else {
        route->handle(self, req);
    }
    br_request_destroy(&req);
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
        zsys_info("minion %s subscribed to its jobs", id);
        //  Jobs that waited for this minion's subscription go out now
        for (br_job_t *job = zhashx_first(self->jobs); job; job = zhashx_next(self->jobs)) {
            if (!job->sent_us && strcmp(job->id, id) == 0) {
                s_publish(self, job);
            }
        }
    } else if (event == BR_SUB_LEFT) {
        zsys_info("minion %s left the publish socket", id);
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
        zsys_error("key store: %s", why.text);
    }
    int64_t now = s_now_us();
    zlistx_t *expired = zlistx_new();
    for (br_job_t *job = zhashx_first(self->jobs); job; job = zhashx_next(self->jobs)) {
        if (job->expire_us < now) {
            zlistx_add_end(expired, (void *)zhashx_cursor(self->jobs));
        }
    }
    for (const char *jid = zlistx_first(expired); jid; jid = zlistx_next(expired)) {
        br_job_t *job = zhashx_lookup(self->jobs, jid);
        zsys_warning("minion %s did not return job %s (%s)%s", job->id, job->jid, job->fun,
                     job->sent_us ? "" : ": it never subscribed");
        zhashx_delete(self->jobs, jid);
    }
    zlistx_destroy(&expired);
    return 0;
}

int
br_master_run(br_master_t *self)
{
    if (zloop_reader(self->loop, br_server_zap_sock(self->server), s_handle_zap, self) ||
        zloop_reader(self->loop, br_server_pub_sock(self->server), s_handle_sub, self) ||
        zloop_reader(self->loop, br_server_req_sock(self->server), s_handle_req, self) ||
        zloop_timer(self->loop, 1000, 0, s_handle_tick, self) < 0) {
        return BR_ERR_INTERNAL;
    }
    zloop_start(self->loop);
    zsys_info("brine-master stopping");
    return BR_OK;
}
