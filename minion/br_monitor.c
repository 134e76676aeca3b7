/*  br_monitor: the monitor's table of operations and its serving loop. */
#include "br_monitor.h"
#include "br_monitor_proto.h"
#include "br_proc.h"
#include "br_runner.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/time.h>

struct _br_monitor_t {
    br_client_t *opener; //  not owned: key, master key, replay cache
    int job_timeout;     //  seconds
    uid_t uid;           //  what the child must run as
    gid_t gid;
    bool ready;          //  the child has said READY and was checked
    pid_t child;         //  the child being served
    size_t jobs_run;
};

//  A handler answers a well-formed request: *reply_p (malloc'd, may be
//  NULL for an empty answer). BR_ERR_DENIED, with err, breaks the protocol.
typedef int(s_handler_fn)(br_monitor_t *self, const uint8_t *payload, size_t size,
                          uint8_t **reply_p, size_t *reply_size_p, br_errmsg_t *err);

static s_handler_fn s_ready;
static s_handler_fn s_run_job;

//  The whole vocabulary. Nothing that is not in this table is done.
static const struct {
    uint32_t op;
    const char *name;
    bool after_ready; //  only once READY was checked (READY itself: only before)
    size_t max;       //  payload bound
    s_handler_fn *handler;
} s_ops[] = {
    {BR_MON_READY, "READY", false, 0, s_ready},
    {BR_MON_RUN_JOB, "RUN_JOB", true, BR_MON_PAYLOAD_MAX, s_run_job},
};

br_monitor_t *
br_monitor_new(br_client_t *opener, int job_timeout, uid_t uid, gid_t gid)
{
    br_monitor_t *self = calloc(1, sizeof *self);
    if (self) {
        self->opener = opener;
        self->job_timeout = job_timeout;
        self->uid = uid;
        self->gid = gid;
    }
    return self;
}

void
br_monitor_destroy(br_monitor_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

size_t
br_monitor_jobs_run(const br_monitor_t *self)
{
    return self->jobs_run;
}

//  The line "Name:\tA\tB..." of /proc/PID/status: every field equal to want
static bool
s_status_all(const char *status, const char *name, long want)
{
    const char *line = strstr(status, name);
    if (!line || (line != status && line[-1] != '\n')) {
        return false;
    }
    const char *at = line + strlen(name);
    int fields = 0;
    while (*at && *at != '\n') {
        char *end;
        long value = strtol(at, &end, 10);
        if (end == at) {
            break;
        }
        if (value != want) {
            return false;
        }
        fields++;
        at = end;
    }
    return fields > 0;
}

//  READY: the child says it has dropped root. The kernel's view of it is
//  checked, not its word: every uid and gid the unprivileged ones, no
//  supplementary group, no_new_privs set.
static int
s_ready(br_monitor_t *self, const uint8_t *payload, size_t size, uint8_t **reply_p,
        size_t *reply_size_p, br_errmsg_t *err)
{
    (void)payload;
    (void)size;
    *reply_p = NULL;
    *reply_size_p = 0;
    char status[4096];
    br_proc_read(self->child, "status", status, sizeof status);
    const char *groups = strstr(status, "\nGroups:");
    size_t gap = groups ? strspn(groups + 8, " \t") : 0;
    bool no_groups = groups && (groups[8 + gap] == '\n' ||
                                (s_status_all(groups + 1, "Groups:", (long)self->gid)));
    if (!s_status_all(status, "Uid:", (long)self->uid) ||
        !s_status_all(status, "Gid:", (long)self->gid) || !no_groups ||
        !s_status_all(status, "NoNewPrivs:", 1)) {
        return br_errmsg_set(err, BR_ERR_DENIED,
                             "READY from a process that has not dropped its privileges to "
                             "uid %d, gid %d with no_new_privs",
                             (int)self->uid, (int)self->gid);
    }
    self->ready = true;
    return BR_OK;
}

static int64_t
s_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

//  RUN_JOB: u32 header size, header, sealed body
static int
s_run_job(br_monitor_t *self, const uint8_t *payload, size_t size, uint8_t **reply_p,
          size_t *reply_size_p, br_errmsg_t *err)
{
    uint32_t clear_size = 0;
    if (size >= 4) {
        memcpy(&clear_size, payload, 4);
    }
    if (size < 4 || clear_size == 0 || clear_size >= size - 4) {
        return br_errmsg_set(err, BR_ERR_DENIED,
                             "RUN_JOB of %zu bytes declares a job header of %u bytes", size,
                             clear_size);
    }
    const uint8_t *clear = payload + 4, *sealed = clear + clear_size;
    size_t sealed_size = size - 4 - clear_size;
    br_msg_t *header = NULL, *body = NULL;
    br_errmsg_t why = {""};
    bson_t reply = BSON_INITIALIZER;
    if (br_client_open_job(self->opener, clear, clear_size, sealed, sealed_size, &header, &body,
                           &why) != BR_OK) {
        br_warning("refused a job: %s", why.text);
        BSON_APPEND_UTF8(&reply, "refused", why.text);
    } else {
        int64_t start = s_now_us();
        bson_t *ret = NULL;
        bool ok = false;
        if (br_runner_run(body, self->job_timeout, &ret, &ok, &why) != BR_OK) {
            ret = BCON_NEW("return", BCON_UTF8(why.text));
        }
        self->jobs_run++;
        BSON_APPEND_BOOL(&reply, "ok", ok);
        BSON_APPEND_UTF8(&reply, "jid", br_msg_jid(body));
        BSON_APPEND_UTF8(&reply, "fun", br_msg_fun(body));
        BSON_APPEND_INT64(&reply, "dur", s_now_us() - start);
        if (ret) {
            BSON_APPEND_DOCUMENT(&reply, "ret", ret);
        }
        bson_destroy(ret);
    }
    //  Destroying the body wipes every secret it held
    br_msg_destroy(&body);
    br_msg_destroy(&header);
    *reply_size_p = reply.len;
    *reply_p = bson_destroy_with_steal(&reply, true, NULL);
    if (!*reply_p) {
        *reply_size_p = 0;
        return br_errmsg_set(err, BR_ERR_NOMEM, "no memory for the result of a job");
    }
    (void)err;
    return BR_OK;
}

int
br_monitor_serve(br_monitor_t *self, int fd, pid_t child, br_errmsg_t *err)
{
    self->child = child;
    self->ready = false;
    while (true) {
        err->text[0] = 0;
        uint32_t op = 0;
        size_t size = 0;
        int rc = br_mon_recv_header(fd, &op, &size, err);
        if (rc == BR_ERR_IO && !err->text[0]) {
            return BR_OK; //  the child closed its end
        }
        if (rc != BR_OK) {
            return rc == BR_ERR_TRUNCATED ? BR_ERR_DENIED : rc;
        }
        size_t i = 0;
        while (i < sizeof s_ops / sizeof s_ops[0] && s_ops[i].op != op) {
            i++;
        }
        if (i == sizeof s_ops / sizeof s_ops[0]) {
            return br_errmsg_set(err, BR_ERR_DENIED, "unknown operation %u", op);
        }
        if (size > s_ops[i].max) {
            return br_errmsg_set(err, BR_ERR_DENIED, "%s of %zu bytes, over its bound of %zu",
                                 s_ops[i].name, size, s_ops[i].max);
        }
        if (s_ops[i].after_ready != self->ready) {
            return br_errmsg_set(err, BR_ERR_DENIED, "%s %s", s_ops[i].name,
                                 self->ready ? "a second time" : "before READY");
        }
        uint8_t *payload = NULL;
        rc = br_mon_recv_payload(fd, op, size, &payload, err);
        if (rc != BR_OK) {
            //  A frame cut short is the child's doing, as much as a bad one
            return rc == BR_ERR_TRUNCATED ? BR_ERR_DENIED : rc;
        }
        uint8_t *reply = NULL;
        size_t reply_size = 0;
        rc = s_ops[i].handler(self, payload, size, &reply, &reply_size, err);
        free(payload);
        //  One request at a time: the child waits for each answer, so
        //  bytes already waiting are a request it sent before it had one
        int pending = 0;
        if (rc == BR_OK && ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) {
            rc = br_errmsg_set(err, BR_ERR_DENIED, "a request sent before the answer to %s",
                               s_ops[i].name);
        }
        if (rc == BR_OK) {
            struct iovec part = {reply, reply_size};
            rc = br_mon_send(fd, op, &part, reply ? 1 : 0);
            if (rc != BR_OK) {
                br_errmsg_set(err, rc, "cannot answer %s: %s", s_ops[i].name, strerror(errno));
            }
        }
        free(reply);
        if (rc != BR_OK) {
            return rc;
        }
    }
}
