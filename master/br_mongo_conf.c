/*  br_mongo_conf: checking the MongoDB options and opening a URI. */
#include "br_mongo_conf.h"
#include "br_mongo_uri.h"
#include "br_mongoc.h"

#include <stdio.h>
#include <sys/stat.h>

//  brine's timeouts, where the URI gives none: libmongoc's own wait 30 s
//  for a server (10 s to connect) before a write fails, which would make a
//  down server look like a hang and delay every retry
#define S_SELECT_MS 2000
#define S_CONNECT_MS 2000
#define S_SOCKET_MS 30000

//  Largest w that makes sense (a replica set has at most 50 members)
#define S_W_MAX 50

struct _br_mongo_conf_t {
    const br_mongoc_t *m;       //  libmongoc, loaded by br_mongo_conf_check
    br_mongo_uri_t parts;       //  the URI without userinfo, user, password
    mongoc_uri_t *uri;          //  with brine's timeouts and the credentials
    char *db;                   //  database name
    mongoc_write_concern_t *wc; //  for every write
    char masked[1024];          //  the URI for logs: userinfo and values masked
};

bool
br_mongo_conf_enabled(const br_config_t *config)
{
    return strcmp(br_config_str(config, "master_job_cache"), "mongo") == 0;
}

static bool
s_db_name_valid(const char *db)
{
    //  MongoDB's rules for a database name on any platform
    return db[0] && strlen(db) < 64 && strpbrk(db, "/\\. \"$*<>:|?") == NULL;
}

//  w as a number of members, or 0 for majority; -1 when invalid
static int
s_parse_w(const char *text)
{
    if (strcmp(text, "majority") == 0) {
        return 0;
    }
    char *end = NULL;
    long w = strtol(text, &end, 10);
    return *text && !*end && w >= 1 && w <= S_W_MAX ? (int)w : -1;
}

int
br_mongo_conf_check(const br_config_t *config, br_errmsg_t *err)
{
    const char *cache = br_config_str(config, "master_job_cache");
    if (strcmp(cache, "local_cache") != 0 && strcmp(cache, "mongo") != 0) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master_job_cache", BR_CONFIG_WHOLE,
                               "'%.64s' is not a job cache (local_cache or mongo)", cache);
    }
    if (!br_mongo_conf_enabled(config)) {
        return BR_OK;
    }
    //  Loaded here, so that a master that cannot load it fails at start and
    //  --check-config says so, rather than at the first return
    br_errmsg_t why = {""};
    const br_mongoc_t *m = br_mongoc_load(&why);
    if (!m) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master_job_cache", BR_CONFIG_WHOLE,
                               "mongo needs libmongoc: %s", why.text);
    }
    bson_error_t error;
    const char *text = br_config_str(config, "mongo.uri");
    char masked[1024];
    br_mongo_uri_mask(text, strlen(text), masked, sizeof masked);
    //  The credentials come out first: libmongoc never sees them in a text
    //  it could quote back
    br_mongo_uri_t parts;
    int rc = br_mongo_uri_split(text, strlen(text), &parts, &why);
    bool password = parts.password != NULL;
    mongoc_uri_t *uri = NULL;
    if (rc == BR_OK) {
        //  libmongoc logs its own complaint too: silenced, for ours (and
        //  left silent: its default handler writes to stderr, unscrubbed)
        m->log_set_handler(NULL, NULL);
        uri = m->uri_new_with_error(parts.uri, &error);
    }
    br_mongo_uri_fini(&parts);
    if (rc != BR_OK) {
        return br_config_error(config, err, BR_ERR_CONFIG, "mongo.uri", BR_CONFIG_WHOLE, "%s",
                               why.text);
    }
    if (!uri) {
        return br_config_error(config, err, BR_ERR_CONFIG, "mongo.uri", BR_CONFIG_WHOLE,
                               "'%.200s' is not a MongoDB URI (mongodb://[USER:PASSWORD@]HOST"
                               "[:PORT][,...][/?replicaSet=NAME])",
                               masked);
    }
    m->uri_destroy(uri);
    //  As with pillar (S6): a file others can read must hold no secret
    struct stat st;
    if (password && stat(br_config_path(config), &st) == 0 && (st.st_mode & S_IROTH)) {
        return br_config_error(config, err, BR_ERR_PERM, "mongo.uri", BR_CONFIG_WHOLE,
                               "holds a password, and %s is readable by others (run chmod o-rwx "
                               "%s)",
                               br_config_path(config), br_config_path(config));
    }
    if (!s_db_name_valid(br_config_str(config, "mongo.db"))) {
        return br_config_error(config, err, BR_ERR_CONFIG, "mongo.db", BR_CONFIG_WHOLE,
                               "'%.64s' is not a database name (1 to 63 characters, none of "
                               "/\\. \"$*<>:|?)",
                               br_config_str(config, "mongo.db"));
    }
    if (s_parse_w(br_config_str(config, "mongo.write_concern")) < 0) {
        return br_config_error(config, err, BR_ERR_CONFIG, "mongo.write_concern", BR_CONFIG_WHOLE,
                               "'%.64s' is not a write concern (majority, or 1 to %d members; "
                               "an unacknowledged write could lose returns)",
                               br_config_str(config, "mongo.write_concern"), S_W_MAX);
    }
    return BR_OK;
}

//  libmongoc's own messages go through brine's log levels (its monitor's
//  debug lines would otherwise fill the journal), password scrubbed
static void
s_log(mongoc_log_level_t level, const char *domain, const char *message, void *data)
{
    if (level == MONGOC_LOG_LEVEL_TRACE) {
        return;
    }
    char text[1024];
    snprintf(text, sizeof text, "%s", message);
    br_mongo_conf_scrub(data, text);
    if (level <= MONGOC_LOG_LEVEL_WARNING) {
        br_warning("libmongoc %s: %s", domain, text);
    } else if (level <= MONGOC_LOG_LEVEL_INFO) {
        br_info("libmongoc %s: %s", domain, text);
    } else {
        br_debug("libmongoc %s: %s", domain, text);
    }
}

static void
s_default_int(const br_mongoc_t *m, mongoc_uri_t *uri, const char *option, int32_t value)
{
    if (!m->uri_has_option(uri, option)) {
        m->uri_set_option_as_int32(uri, option, value);
    }
}

br_mongo_conf_t *
br_mongo_conf_new(const br_config_t *config, const char *appname, br_errmsg_t *err)
{
    if (br_mongo_conf_check(config, err) != BR_OK) {
        return NULL;
    }
    br_mongo_conf_t *self = calloc(1, sizeof *self);
    if (!self) {
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    const br_mongoc_t *m = self->m = br_mongoc_load(NULL); //  loaded by the check
    const char *text = br_config_str(config, "mongo.uri");
    br_mongo_uri_split(text, strlen(text), &self->parts, NULL); //  checked above
    self->uri = self->parts.uri ? m->uri_new_with_error(self->parts.uri, NULL) : NULL;
    self->db = strdup(br_config_str(config, "mongo.db"));
    self->wc = m->write_concern_new();
    br_mongo_uri_mask(text, strlen(text), self->masked, sizeof self->masked);
    if (!self->uri || !self->db || !self->wc ||
        (self->parts.user && !m->uri_set_username(self->uri, self->parts.user)) ||
        (self->parts.password &&
         !m->uri_set_password(self->uri, br_mongo_uri_password(&self->parts)))) {
        br_mongo_conf_destroy(&self);
        br_errmsg_set(err, BR_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s_default_int(m, self->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, S_SELECT_MS);
    s_default_int(m, self->uri, MONGOC_URI_CONNECTTIMEOUTMS, S_CONNECT_MS);
    s_default_int(m, self->uri, MONGOC_URI_SOCKETTIMEOUTMS, S_SOCKET_MS);
    if (appname) {
        m->uri_set_appname(self->uri, appname);
    }
    m->log_set_handler(s_log, self);
    int w = s_parse_w(br_config_str(config, "mongo.write_concern"));
    //  Acknowledged by the members asked for, and journaled: a return the
    //  spool forgets must be on disk, not just in the server's memory
    m->write_concern_set_w(self->wc, w == 0 ? MONGOC_WRITE_CONCERN_W_MAJORITY : w);
    m->write_concern_set_journal(self->wc, true);
    int32_t wtimeout = m->uri_get_option_as_int32(self->uri, MONGOC_URI_WTIMEOUTMS, 0);
    if (wtimeout > 0) {
        m->write_concern_set_wtimeout_int64(self->wc, wtimeout);
    }
    return self;
}

void
br_mongo_conf_destroy(br_mongo_conf_t **self_p)
{
    if (self_p && *self_p) {
        br_mongo_conf_t *self = *self_p;
        //  No handler is left that could quote this URI's password
        if (self->m) {
            self->m->log_set_handler(NULL, NULL);
            self->m->uri_destroy(self->uri);
            self->m->write_concern_destroy(self->wc);
        }
        free(self->db);
        br_mongo_uri_fini(&self->parts);
        free(self);
        *self_p = NULL;
    }
}

const br_mongoc_t *
br_mongo_conf_mongoc(const br_mongo_conf_t *self)
{
    return self->m;
}

const mongoc_uri_t *
br_mongo_conf_uri(const br_mongo_conf_t *self)
{
    return self->uri;
}

const char *
br_mongo_conf_db(const br_mongo_conf_t *self)
{
    return self->db;
}

const mongoc_write_concern_t *
br_mongo_conf_write_concern(const br_mongo_conf_t *self)
{
    return self->wc;
}

const char *
br_mongo_conf_masked(const br_mongo_conf_t *self)
{
    return self->masked;
}

static void
s_scrub_one(const char *secret, char *text)
{
    size_t len = secret ? strlen(secret) : 0;
    char *from = text, *hit;
    while (len && (hit = strstr(from, secret))) {
        //  "***" never makes the text longer; a shorter secret is blanked
        //  with as many stars. The search goes on after the stars, so a
        //  password made of stars cannot loop
        size_t stars = len < 3 ? len : 3;
        memset(hit, '*', stars);
        memmove(hit + stars, hit + len, strlen(hit + len) + 1);
        from = hit + stars;
    }
}

void
br_mongo_conf_scrub(const br_mongo_conf_t *self, char *text)
{
    s_scrub_one(br_mongo_uri_password(&self->parts), text);
}
