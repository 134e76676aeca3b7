/*  br_mongoc: the lazily loaded libmongoc table (see br_mongoc.h). */
#include "br_mongoc.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>
#include <pthread.h>

//  One symbol of the table: its name in libmongoc and where it goes.
typedef struct {
    const char *name;
    size_t offset;
} s_symbol_t;

#define S_SYM(field) {"mongoc_" #field, offsetof(br_mongoc_t, field)}

static const s_symbol_t s_symbols[] = {
    S_SYM(uri_new_with_error),
    S_SYM(uri_destroy),
    S_SYM(uri_set_option_as_int32),
    S_SYM(uri_set_option_as_bool),
    S_SYM(uri_set_username),
    S_SYM(uri_set_password),
    S_SYM(uri_get_hosts),
    S_SYM(uri_get_srv_hostname),
    S_SYM(client_new_from_uri),
    S_SYM(client_destroy),
    S_SYM(client_set_error_api),
    S_SYM(client_select_server),
    S_SYM(client_command_simple_with_server_id),
    S_SYM(server_description_host),
    S_SYM(server_description_id),
    S_SYM(server_description_destroy),
    S_SYM(bulk_operation_destroy),
    S_SYM(bulk_operation_execute),
    S_SYM(bulk_operation_insert_with_opts),
    S_SYM(bulk_operation_replace_one_with_opts),
    S_SYM(client_command_simple),
    S_SYM(client_get_collection),
    S_SYM(client_get_database),
    S_SYM(client_pool_destroy),
    S_SYM(client_pool_new),
    S_SYM(client_pool_pop),
    S_SYM(client_pool_push),
    S_SYM(client_pool_set_error_api),
    S_SYM(collection_count_documents),
    S_SYM(collection_create_bulk_operation_with_opts),
    S_SYM(collection_destroy),
    S_SYM(collection_find_with_opts),
    S_SYM(collection_replace_one),
    S_SYM(cursor_destroy),
    S_SYM(cursor_error),
    S_SYM(cursor_next),
    S_SYM(database_destroy),
    S_SYM(database_write_command_with_opts),
    S_SYM(log_set_handler),
    S_SYM(uri_get_option_as_int32),
    S_SYM(uri_has_option),
    S_SYM(uri_set_appname),
    S_SYM(uri_get_username),
    S_SYM(uri_get_password),
    S_SYM(write_concern_append),
    S_SYM(write_concern_destroy),
    S_SYM(write_concern_new),
    S_SYM(write_concern_set_journal),
    S_SYM(write_concern_set_w),
    S_SYM(write_concern_set_wtimeout_int64),
    {NULL, 0},
};

//  The loaded table is per process by nature (dlopen's handle is); it is
//  written once under pthread_once and only read afterwards.
static struct {
    pthread_once_t once;
    br_mongoc_t table;
    void (*cleanup)(void);
    bool loaded;
    char why[256];
} s_lib = {PTHREAD_ONCE_INIT, {0}, NULL, false, ""};

//  libmongoc logs to stderr by default; its messages may quote URI options,
//  so none of them is let through (the states report errors themselves; the
//  master installs its own handler, which scrubs the password).
static void
s_quiet(mongoc_log_level_t level, const char *domain, const char *message, void *arg)
{
    (void)level;
    (void)domain;
    (void)message;
    (void)arg;
}

static void
s_load(void)
{
    //  RTLD_NODELETE: libcrypto must never be unloaded from a process
    //  libmongoc initialises itself as it loads (Debian builds it with
    //  automatic init), before any log handler of ours can be set, and its
    //  counters go to /dev/shm/mongoc-PID, created exclusively: when that
    //  name exists it warns on stderr (into brine's own output). A segment
    //  named after our pid can only be a leftover of a process that was
    //  killed before its cleanup and whose pid we now have: remove it.
    char segment[32];
    snprintf(segment, sizeof segment, "/mongoc-%u", (unsigned)getpid());
    //  ENOENT is the usual answer; on any other failure libmongoc falls back
    //  to malloc for its counters, with its warning, and works all the same
    (void)shm_unlink(segment);
    void *handle = dlopen(BR_MONGOC_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) {
        const char *e = dlerror();
        snprintf(s_lib.why, sizeof s_lib.why, "cannot load %s (Debian package libmongoc-1.0-0): %s",
                 BR_MONGOC_SONAME, e ? e : "unknown error");
        return;
    }
    for (const s_symbol_t *s = s_symbols; s->name; s++) {
        void *fn = dlsym(handle, s->name);
        if (!fn) {
            snprintf(s_lib.why, sizeof s_lib.why, "%s has no %s", BR_MONGOC_SONAME, s->name);
            return;
        }
        memcpy((char *)&s_lib.table + s->offset, &fn, sizeof fn);
    }
    void (*init)(void) = (void (*)(void))dlsym(handle, "mongoc_init");
    s_lib.cleanup = (void (*)(void))dlsym(handle, "mongoc_cleanup");
    if (!init || !s_lib.cleanup) {
        snprintf(s_lib.why, sizeof s_lib.why, "%s has no mongoc_init or mongoc_cleanup",
                 BR_MONGOC_SONAME);
        return;
    }
    s_lib.table.log_set_handler(s_quiet, NULL);
    init();
    s_lib.loaded = true;
}

const br_mongoc_t *
br_mongoc_load(br_errmsg_t *err)
{
    if (pthread_once(&s_lib.once, s_load) != 0 || !s_lib.loaded) {
        br_errmsg_set(err, BR_ERR_NOTFOUND, "%s", s_lib.why[0] ? s_lib.why : "cannot load libmongoc");
        return NULL;
    }
    return &s_lib.table;
}

void
br_mongoc_cleanup(void)
{
    //  Only at exit, once every thread that used libmongoc has ended
    if (s_lib.loaded) {
        s_lib.cleanup();
    }
}
