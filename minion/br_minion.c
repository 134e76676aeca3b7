/*  br_minion: the minion's event loop and its job runner. */
#include "br_minion.h"
#include "br_grains.h"
#include "br_masters.h"
#include "br_monitor_proto.h"
#include "br_runner.h"
#include "br_wire.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

typedef enum {
    S_ENROLLING, //  enrol sent, waiting for the key's state
    S_GREETING,  //  hello sent, waiting for welcome
    S_READY,     //  subscribed, startup job requested, running jobs
} br_minion_state_t;

//  What the one pending timer does when it fires
typedef enum {
    S_TIMER_NONE,
    S_TIMER_NO_ANSWER, //  the master did not answer in time: it has failed
    S_TIMER_RETRY,     //  try the same master again (key pending or refused)
    S_TIMER_NEXT,      //  the master failed: try the next one
} br_minion_timer_t;

struct _br_minion_t {
    br_config_t *config;             //  not owned
    char id[BR_ID_MAX + 1];          //  our minion id
    br_keypair_t *keys;              //  our CURVE key pair
    uint8_t seal_key[BR_KEY_SIZE];   //  public key of the pair our jobs are sealed to
    uint8_t master_key[BR_KEY_SIZE]; //  pinned master public key, the same for every master
    br_masters_t *masters;           //  the masters, and which one we use
    br_client_t *client;             //  sockets
    zloop_t *loop;                   //  the event loop
    br_minion_state_t state;         //  where we are in the conversation
    int timer;                       //  zloop timer id, or -1
    br_minion_timer_t timer_does;    //  what it will do
    int alive_ms;                    //  master_alive_interval
    bool linked;                     //  the request socket's handshake succeeded
    bool quiet;                      //  this outage has been logged
    bool startup_done;               //  the startup job has been requested
    size_t jobs_run;                 //  jobs run since start
    br_value_t *grains;              //  read before a chroot, or NULL: read at each hello
    int monitor_fd;                  //  the monitor that runs our jobs, or -1: we do
    bool monitor_lost;               //  it stopped answering: we stop
};

static int64_t
s_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

//  The key pair NAME in pki_dir, created when missing
static br_keypair_t *
s_load_keys(const char *pki_dir, const char *name, br_errmsg_t *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.key", pki_dir, name);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        if (zsys_dir_create("%s", pki_dir) != 0 || chmod(pki_dir, 0700) != 0) {
            br_errmsg_set(err, BR_ERR_IO, "cannot create %s: %s", pki_dir, strerror(errno));
            return NULL;
        }
        br_keypair_t *fresh = br_keypair_generate();
        if (!fresh || br_keypair_save(fresh, pki_dir, name, err) < 0) {
            br_keypair_destroy(&fresh);
            return NULL;
        }
        br_keypair_destroy(&fresh);
        br_notice("created the key pair %s in %s", name, pki_dir);
    }
    return br_keypair_load(pki_dir, name, err);
}

br_minion_t *
br_minion_new(br_config_t *config, br_errmsg_t *err)
{
    br_minion_t *self = calloc(1, sizeof *self);
    if (!self) {
        return NULL;
    }
    self->config = config;
    self->timer = -1;
    self->monitor_fd = -1;
    self->alive_ms = (int)br_config_int(config, "master_alive_interval") * 1000;
    const char *id = br_config_str(config, "id");
    if (id) {
        snprintf(self->id, sizeof self->id, "%s", id);
    } else if (gethostname(self->id, sizeof self->id) != 0) {
        self->id[0] = 0;
    }
    self->id[BR_ID_MAX] = 0;
    if (!br_id_valid(self->id)) {
        br_errmsg_set(err, BR_ERR_BADID,
                      "%s: option 'id': '%s' is not a valid minion id (1-%d characters from "
                      "A-Z a-z 0-9 . _ -, not starting with . or -)",
                      br_config_path(config), self->id, BR_ID_MAX);
        goto fail;
    }
    const char *startup = br_config_str(config, "startup_states");
    if (startup && strcmp(startup, "highstate") != 0 && strcmp(startup, "sls") != 0) {
        br_errmsg_set(err, BR_ERR_CONFIG,
                      "%s: option 'startup_states': expected highstate or sls, got '%.40s'",
                      br_config_path(config), startup);
        goto fail;
    }
    if (startup && strcmp(startup, "sls") == 0 &&
        zlistx_size(br_config_list(config, "sls_list")) == 0) {
        br_errmsg_set(err, BR_ERR_CONFIG,
                      "%s: option 'startup_states' is sls but sls_list is empty",
                      br_config_path(config));
        goto fail;
    }
    self->masters = br_masters_new(config, err);
    if (!self->masters) {
        goto fail;
    }
    const char *pki_dir = br_config_str(config, "pki_dir");
    self->keys = s_load_keys(pki_dir, "minion", err);
    if (!self->keys) {
        goto fail;
    }
    //  Jobs are sealed to this pair, not to the transport's: only the
    //  process that runs jobs keeps its secret (br_minion_forget_seal_key)
    br_keypair_t *seal = s_load_keys(pki_dir, "minion_seal", err);
    if (!seal) {
        goto fail;
    }
    memcpy(self->seal_key, br_keypair_public(seal), BR_KEY_SIZE);
    char path[4096];
    snprintf(path, sizeof path, "%s/minion_master.pub", pki_dir);
    br_errmsg_t why = {""};
    if (br_pubkey_load(self->master_key, path, &why) < 0) {
        br_errmsg_set(err, BR_ERR_NOTFOUND,
                      "cannot read the master's public key %s: copy the master's master.pub "
                      "there (%s)",
                      path, why.text);
        goto fail;
    }
    //  The sockets open when br_minion_run tries the first master
    self->client = br_client_new(self->keys, self->master_key, self->id, NULL, NULL, err);
    self->loop = zloop_new();
    int seal_rc = self->client ? br_client_set_seal_keys(self->client, seal) : BR_ERR_NOMEM;
    br_keypair_destroy(&seal);
    if (!self->client || !self->loop || seal_rc != BR_OK) {
        goto fail;
    }
    br_client_set_alive(self->client, self->alive_ms);
    const char *cachedir = br_config_str(config, "cachedir");
    snprintf(path, sizeof path, "%s/jids", cachedir);
    if (zsys_dir_create("%s", cachedir) != 0 || chmod(cachedir, 0700) != 0 ||
        br_client_replay_file(self->client, path) != BR_OK) {
        br_errmsg_set(err, BR_ERR_IO, "cannot use the replay cache %s: %s", path, strerror(errno));
        goto fail;
    }
    char finger[BR_FINGERPRINT_LEN + 1], masters[1024] = "";
    br_key_fingerprint(br_keypair_public(self->keys), finger);
    for (size_t i = 0, used = 0; i < br_masters_size(self->masters) && used < sizeof masters; i++) {
        int n = snprintf(masters + used, sizeof masters - used, "%s%s", i ? ", " : "",
                         br_masters_name(self->masters, i));
        used += n > 0 ? (size_t)n : 0;
    }
    //  The operator compares this with brine-key -f on the master
    br_info("brine-minion %s, id %s, master%s %s, key fingerprint %s", BRINE_VERSION, self->id,
            br_masters_size(self->masters) > 1 ? "s (failover)" : "", masters, finger);
    return self;
fail:
    br_minion_destroy(&self);
    return NULL;
}

void
br_minion_destroy(br_minion_t **self_p)
{
    if (self_p && *self_p) {
        br_minion_t *self = *self_p;
        zloop_destroy(&self->loop);
        br_client_destroy(&self->client);
        br_masters_destroy(&self->masters);
        br_keypair_destroy(&self->keys);
        br_value_destroy(&self->grains);
        free(self);
        *self_p = NULL;
    }
}

static int s_handle_pub(zloop_t *loop, zsock_t *sock, void *arg);
static int s_handle_req(zloop_t *loop, zsock_t *sock, void *arg);
static int s_handle_monitor(zloop_t *loop, zsock_t *sock, void *arg);
static int s_handle_timer(zloop_t *loop, int timer_id, void *arg);

//  At most one timer is pending: waiting for an answer, to retry, or to
//  move on. Setting one replaces the other.
static void
s_timer_set(br_minion_t *self, br_minion_timer_t does, int delay_ms)
{
    if (self->timer >= 0) {
        zloop_timer_end(self->loop, self->timer);
        self->timer = -1;
    }
    self->timer_does = S_TIMER_NONE;
    if (does != S_TIMER_NONE) {
        self->timer = zloop_timer(self->loop, (size_t)delay_ms, 1, s_handle_timer, self);
        self->timer_does = self->timer >= 0 ? does : S_TIMER_NONE;
    }
}

//  A request went out: with other masters to turn to, this one answers
//  within master_alive_interval or counts as failed (it may accept TCP and
//  never complete the handshake: a stopped process). A lone master is
//  waited for, as libzmq does: giving up would only lose our place in its
//  queue of handshakes.
static void
s_expect_answer(br_minion_t *self)
{
    if (br_masters_size(self->masters) > 1) {
        s_timer_set(self, S_TIMER_NO_ANSWER, self->alive_ms);
    }
}

static void
s_send_enrol(br_minion_t *self)
{
    br_msg_t *enrol = br_msg_new(BR_MSG_ENROL);
    char seal[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(self->seal_key, seal);
    if (enrol && br_msg_set_id(enrol, self->id) == 0 && br_msg_set_seal(enrol, seal) == 0) {
        br_client_send(self->client, enrol);
    }
    br_msg_destroy(&enrol);
    self->state = S_ENROLLING;
    s_expect_answer(self);
}

static void
s_send_hello(br_minion_t *self)
{
    br_msg_t *hello = br_msg_new(BR_MSG_HELLO);
    br_value_t *grains = self->grains ? NULL : br_grains_collect(self->id);
    bson_t *doc = self->grains ? br_wire_to_bson(self->grains)
                               : grains ? br_wire_to_bson(grains) : NULL;
    char seal[BR_Z85_KEY_LEN + 1];
    br_pubkey_z85(self->seal_key, seal);
    if (hello && doc && br_msg_set_id(hello, self->id) == 0 &&
        br_msg_set_ver(hello, BRINE_VERSION) == 0 && br_msg_set_grains(hello, doc) == 0 &&
        br_msg_set_seal(hello, seal) == 0) {
        br_client_send(self->client, hello);
    }
    bson_destroy(doc);
    br_value_destroy(&grains);
    br_msg_destroy(&hello);
    self->state = S_GREETING;
    s_expect_answer(self);
}

//  (Un)registers every socket of the client with the loop; the set changes
//  when the minion subscribes and when it connects to a master.
static void
s_watch(br_minion_t *self, bool on)
{
    zsock_t *socks[] = {br_client_req_sock(self->client), br_client_req_monitor(self->client),
                        br_client_pub_sock(self->client), br_client_pub_monitor(self->client)};
    zloop_reader_fn *handlers[] = {s_handle_req, s_handle_monitor, s_handle_pub, s_handle_monitor};
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++) {
        if (socks[i] && on) {
            zloop_reader(self->loop, socks[i], handlers[i], self);
        } else if (socks[i]) {
            zloop_reader_end(self->loop, socks[i]);
        }
    }
}

static void s_fail(br_minion_t *self, const char *why);

//  Fresh sockets to the current master, then enrol: after a refusal libzmq
//  never retries by itself, and a master we come back to has forgotten us.
static void
s_try_master(br_minion_t *self)
{
    size_t current = br_masters_current(self->masters);
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%d", br_masters_host(self->masters, current),
             br_masters_port(self->masters, current));
    br_debug("trying master %s", br_masters_name(self->masters, current));
    s_watch(self, false);
    self->linked = false;
    int rc = br_client_connect(self->client, endpoint);
    s_watch(self, true);
    if (rc < 0) {
        //  libzmq resolves a host name as it connects
        s_fail(self, rc == BR_ERR_IO ? "cannot be connected to (is the host name known?)"
                                     : br_strerror(rc));
        return;
    }
    s_send_enrol(self);
}

//  The current master has failed (why says how): try the next one, at once
//  while this round has untried masters, else after the backoff. An outage
//  is logged once; later rounds repeat every few seconds, so only at debug
//  level.
static void
s_fail(br_minion_t *self, const char *why)
{
    if (self->timer_does == S_TIMER_NEXT) {
        return; //  already moving on: one failure often brings several events
    }
    const char *failed = br_masters_name(self->masters, br_masters_current(self->masters));
    size_t count = br_masters_size(self->masters);
    int wait_ms = br_masters_failed(self->masters);
    const char *next = br_masters_name(self->masters, br_masters_current(self->masters));
    if (self->quiet) {
        br_debug("master %s %s; trying %s in %d ms", failed, why, next, wait_ms);
    } else if (wait_ms == 0) {
        br_notice("master %s %s; failing over to %s", failed, why, next);
    } else {
        br_notice("master %s %s; %s with a backoff of up to %d s", failed, why,
                  count > 1 ? "no master of the list answers, trying them again"
                            : "trying it again",
                  BR_CLIENT_RECONNECT_IVL_MAX / 1000);
        self->quiet = true;
    }
    s_timer_set(self, S_TIMER_NEXT, wait_ms);
}

static int
s_handle_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    br_minion_t *self = arg;
    br_minion_timer_t does = self->timer_does;
    self->timer = -1;
    self->timer_does = S_TIMER_NONE;
    if (does == S_TIMER_NO_ANSWER) {
        char why[80];
        snprintf(why, sizeof why, "did not answer within %d s (master_alive_interval)",
                 self->alive_ms / 1000);
        s_fail(self, why);
    } else if (does == S_TIMER_RETRY || does == S_TIMER_NEXT) {
        s_try_master(self);
    }
    return 0;
}

//  The key is pending or refused: ask the same master again later, unless
//  that master has failed meanwhile.
static void
s_retry_later(br_minion_t *self)
{
    if (self->timer_does != S_TIMER_NEXT && self->timer_does != S_TIMER_RETRY) {
        int wait_ms = (int)br_config_int(self->config, "acceptance_wait_time") * 1000;
        s_timer_set(self, S_TIMER_RETRY, wait_ms);
    }
}

//  Connects the SUB to the publish port the master announced in its
//  welcome, or the configured publish_port for a master that did not.
static void
s_subscribe(br_minion_t *self, const br_msg_t *welcome)
{
    if (br_client_pub_sock(self->client)) {
        return;
    }
    size_t current = br_masters_current(self->masters);
    int port = br_msg_pub_port(welcome);
    char endpoint[300];
    snprintf(endpoint, sizeof endpoint, "tcp://%s:%d", br_masters_host(self->masters, current),
             port ? port : (int)br_config_int(self->config, "publish_port"));
    if (br_client_set_pub_endpoint(self->client, endpoint) < 0 ||
        br_client_subscribe(self->client) < 0) {
        br_error("cannot connect to the master's publish socket %s", endpoint);
        return;
    }
    zloop_reader(self->loop, br_client_pub_sock(self->client), s_handle_pub, self);
    zloop_reader(self->loop, br_client_pub_monitor(self->client), s_handle_monitor, self);
}

//  startup_states: highstate, or sls with sls_list, as in Salt's minion
static void
s_ask_startup(br_minion_t *self)
{
    const char *what = br_config_str(self->config, "startup_states");
    if (!what) {
        return;
    }
    br_msg_t *startup = br_msg_new(BR_MSG_STARTUP);
    bson_t arg = BSON_INITIALIZER;
    int rc = startup ? BR_OK : BR_ERR_NOMEM;
    if (rc == BR_OK && strcmp(what, "highstate") == 0) {
        rc = br_msg_set_fun(startup, "state.highstate");
    } else if (rc == BR_OK) {
        zlistx_t *names = br_config_list(self->config, "sls_list");
        size_t i = 0;
        for (const char *n = zlistx_first(names); n; n = zlistx_next(names), i++) {
            char key[24];
            snprintf(key, sizeof key, "%zu", i);
            BSON_APPEND_UTF8(&arg, key, n);
        }
        rc = br_msg_set_fun(startup, "state.apply");
        if (rc == BR_OK) {
            rc = br_msg_set_arg(startup, &arg);
        }
    }
    if (rc == BR_OK && br_client_send(self->client, startup) == 0) {
        self->startup_done = true;
        br_info("asked for the startup job (%s)", what);
    }
    bson_destroy(&arg);
    br_msg_destroy(&startup);
}

static void
s_on_welcome(br_minion_t *self, br_msg_t *msg)
{
    if (self->timer_does == S_TIMER_NEXT) {
        return; //  sent before the master failed; we are leaving it
    }
    //  An answer, whatever it says: the master is there
    s_timer_set(self, S_TIMER_NONE, 0);
    br_masters_answered(self->masters);
    self->quiet = false;
    const char *state = br_msg_state(msg);
    const char *master = br_masters_name(self->masters, br_masters_current(self->masters));
    if (strcmp(state, "accepted") != 0) {
        if (strcmp(state, "pending") == 0) {
            br_notice("this minion's key is pending on the master %s: accept it there with "
                      "brine-key -a %s; retrying in %d s",
                      master, self->id, (int)br_config_int(self->config, "acceptance_wait_time"));
        } else {
            br_error("the master %s says this minion's key is %s; retrying in %d s", master, state,
                     (int)br_config_int(self->config, "acceptance_wait_time"));
        }
        s_retry_later(self);
        return;
    }
    if (self->state == S_ENROLLING) {
        //  Accepted: the publish socket's handshake runs during the hello's
        //  round trip rather than after it, so the startup job can be
        //  published as soon as it is asked for
        s_subscribe(self, msg);
        s_send_hello(self);
    } else if (self->state == S_GREETING) {
        br_info("the master %s (brine %s) welcomed this minion", master, br_msg_ver(msg));
        s_subscribe(self, msg);
        self->state = S_READY;
        //  The startup job is asked for once per start of the minion, from
        //  whichever master is there; a master that failed over to is not
        //  asked again. But if none came (the master went away before
        //  sending it), this master is asked.
        if (!self->startup_done || self->jobs_run == 0) {
            s_ask_startup(self);
        }
    }
}

static int
s_handle_req(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)sock;
    br_minion_t *self = arg;
    br_msg_t *msg = NULL;
    if (br_client_recv(self->client, &msg) < 0) {
        return 0;
    }
    if (br_msg_type(msg) == BR_MSG_WELCOME) {
        s_on_welcome(self, msg);
    } else if (br_msg_type(msg) == BR_MSG_ERROR) {
        br_error("the master answered: %s (%s)", br_msg_text(msg), br_strerror(br_msg_code(msg)));
    } else {
        br_warning("unexpected %s from the master", br_msg_type_name(br_msg_type(msg)));
    }
    br_msg_destroy(&msg);
    return 0;
}

//  Sends a job's return to the master
static void
s_send_return(br_minion_t *self, const char *jid, const char *fun, bool ok, const bson_t *ret,
              int64_t dur)
{
    br_msg_t *reply = br_msg_new(BR_MSG_RETURN);
    if (reply && br_msg_set_jid(reply, jid) == 0 && br_msg_set_fun(reply, fun) == 0 &&
        br_msg_set_ok(reply, ok) == 0 && br_msg_set_ret(reply, ret) == 0 &&
        br_msg_set_dur(reply, dur) == 0) {
        if (br_client_send(self->client, reply) < 0) {
            br_error("cannot send the return of job %s", jid);
        }
    } else {
        br_error("the return of job %s is too large to send", jid);
    }
    br_info("ran job %s (%s): %s", jid, fun, ok ? "success" : "failure");
    br_msg_destroy(&reply);
    self->jobs_run++;
}

//  Runs one opened job in a child process and sends its return. The body
//  (and any secret in it) is destroyed, and so wiped, by the caller.
static void
s_run_job(br_minion_t *self, br_msg_t *body)
{
    int64_t start = s_now_us();
    bson_t *ret = NULL;
    bool ok = false;
    br_errmsg_t err = {""};
    int timeout = (int) br_config_int(self->config, "job_timeout");
    if (br_runner_run(body, timeout, &ret, &ok, &err) != BR_OK) {
        ret = BCON_NEW("return", BCON_UTF8(err.text));
    }
    s_send_return(self, br_msg_jid(body), br_msg_fun(body), ok, ret, s_now_us() - start);
    bson_destroy(ret);
}

//  The string field name of the monitor's answer, or NULL
static const char *
s_answer_str(const bson_t *doc, const char *name)
{
    bson_iter_t it;
    return bson_iter_init_find(&it, doc, name) && BSON_ITER_HOLDS_UTF8(&it)
               ? bson_iter_utf8(&it, NULL)
               : NULL;
}

//  Privilege separation: hands the job, sealed, to the monitor, which opens
//  and runs it, and sends the return it answers. 0, or -1 when the monitor
//  is gone (we stop: it starts a new child if it is there at all).
static int
s_ask_monitor(br_minion_t *self, zmsg_t *job)
{
    zmsg_first(job);
    zframe_t *clear = zmsg_next(job), *sealed = zmsg_next(job);
    uint32_t clear_size = (uint32_t)zframe_size(clear);
    struct iovec parts[] = {{&clear_size, sizeof clear_size},
                            {zframe_data(clear), zframe_size(clear)},
                            {zframe_data(sealed), zframe_size(sealed)}};
    if (clear_size == 0 || zframe_size(sealed) == 0) {
        br_warning("refused a job: an empty header or body");
        return 0;
    }
    br_errmsg_t err = {""};
    uint32_t op = 0;
    uint8_t *answer = NULL;
    size_t size = 0;
    if (br_mon_send(self->monitor_fd, BR_MON_RUN_JOB, parts, 3) != BR_OK ||
        br_mon_recv(self->monitor_fd, &op, &answer, &size, BR_MON_PAYLOAD_MAX, &err) != BR_OK ||
        op != BR_MON_RUN_JOB) {
        br_error("lost the monitor%s%s: stopping", err.text[0] ? ": " : "", err.text);
        free(answer);
        self->monitor_lost = true;
        return -1;
    }
    bson_t *doc = bson_new_from_data(answer, size);
    free(answer);
    bson_iter_t it;
    const uint8_t *data = NULL;
    uint32_t len = 0;
    const char *jid = doc ? s_answer_str(doc, "jid") : NULL;
    const char *fun = doc ? s_answer_str(doc, "fun") : NULL;
    if (doc && !s_answer_str(doc, "refused") && jid && fun &&
        bson_iter_init_find(&it, doc, "ret") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_document(&it, &len, &data);
        bson_t ret;
        bool ok = bson_iter_init_find(&it, doc, "ok") && bson_iter_as_bool(&it);
        int64_t dur = bson_iter_init_find(&it, doc, "dur") ? bson_iter_as_int64(&it) : 0;
        if (bson_init_static(&ret, data, len)) {
            s_send_return(self, jid, fun, ok, &ret, dur);
        }
    } else if (!doc || !s_answer_str(doc, "refused")) {
        br_error("the monitor's answer to a job is malformed");
    }
    bson_destroy(doc);
    return 0;
}

static int
s_handle_pub(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)sock;
    br_minion_t *self = arg;
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why = {""};
    if (self->monitor_fd >= 0) {
        zmsg_t *job = NULL;
        if (br_client_recv_sealed(self->client, &job, &why) != BR_OK) {
            br_warning("refused a job: %s", why.text);
            return 0;
        }
        int rc = s_ask_monitor(self, job);
        zmsg_destroy(&job);
        return rc;
    }
    int rc = br_client_recv_job(self->client, &header, &body, &why);
    if (rc < 0) {
        br_warning("refused a job: %s", why.text);
        return 0;
    }
    s_run_job(self, body);
    br_msg_destroy(&body);
    br_msg_destroy(&header);
    return 0;
}

//  The request socket's link decides whether the current master is
//  usable; the SUB goes wherever the DEALER went.
static int
s_handle_monitor(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    br_minion_t *self = arg;
    bool req = sock == br_client_req_monitor(self->client);
    br_link_event_t link = br_client_handle_monitor(self->client, sock);
    if (link == BR_LINK_REFUSED) {
        //  Our key is not accepted there (and masters share their keys)
        s_retry_later(self);
    } else if (!req) {
        return 0;
    } else if (link == BR_LINK_CONNECTED) {
        self->linked = true;
    } else if (link == BR_LINK_FAILED) {
        //  S5: never another key; the next master must hold the pinned one
        s_fail(self, "failed the handshake (it holds another key than minion_master.pub, or "
                     "did not complete it)");
    } else if (link == BR_LINK_UNREACHABLE) {
        s_fail(self, "does not answer");
    } else if (link == BR_LINK_DOWN && self->linked) {
        //  Killed, restarted, or silent for master_alive_interval (the
        //  heartbeats). A drop before the handshake came with its own event.
        s_fail(self, "was lost");
    }
    return 0;
}

void
br_minion_forget_seal_key(br_minion_t *self)
{
    br_client_set_seal_keys(self->client, NULL);
}

int
br_minion_before_chroot(br_minion_t *self, br_errmsg_t *err)
{
    self->grains = br_grains_collect(self->id);
    if (!self->grains) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "no memory for the grains");
    }
    if (br_masters_resolve(self->masters) == br_masters_size(self->masters)) {
        return br_errmsg_set(err, BR_ERR_NOTFOUND, "no master's name resolves");
    }
    return BR_OK;
}

void
br_minion_set_monitor(br_minion_t *self, int fd)
{
    self->monitor_fd = fd;
}

void
br_minion_set_jobs_run(br_minion_t *self, size_t jobs_run)
{
    self->jobs_run = jobs_run;
    self->startup_done = jobs_run > 0;
}

br_client_t *
br_minion_client(br_minion_t *self)
{
    return self->client;
}

int
br_minion_run(br_minion_t *self)
{
    s_try_master(self);
    zloop_start(self->loop);
    if (self->monitor_fd < 0) {
        br_info("brine-minion stopping");
    }
    return self->monitor_lost ? BR_ERR_IO : BR_OK;
}
