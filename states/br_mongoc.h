/*  br_mongoc: libmongoc, loaded with dlopen when a state first needs it.

    libmongoc brings libssl, libcrypto, ICU, SASL, snappy, zstd...: linked
    into the state library, every brine-minion and brine-call would map and
    relocate them at start whether or not a mongodb state ever runs
    (measured with libmongoc preloaded: an idle brine-minion 10.8 -> 15.8
    MiB resident; brine-call running one state 6.3 -> 11.9 ms at best, 8.7
    -> 15.8 ms median). Loaded here instead, only the process that runs
    such a state pays (about 17 ms for dlopen and mongoc_init), and on a
    minion that is the job's child process, which exits with the job.

    The master programs load it the same way, through the same table: only
    a brine-master whose returner writes to MongoDB (master_job_cache:
    mongo) and a `brine jobs` that reads it pay for it (an idle brine-master
    without MongoDB: see docs/mongodb.md).

    The table holds the functions the mongodb states, the returner and
    `brine jobs` call, with libmongoc's own prototypes. It is filled once
    per process and never unloaded (libcrypto cannot be unloaded safely). */
#ifndef BR_MONGOC_H
#define BR_MONGOC_H

#include "brine.h"

#include <mongoc/mongoc.h>

#ifndef BR_MONGOC_SONAME //  a test compiles the loader for a library no system has
#define BR_MONGOC_SONAME "libmongoc-1.0.so.0"
#endif

typedef struct {
    __typeof__(mongoc_uri_new_with_error) *uri_new_with_error;
    __typeof__(mongoc_uri_destroy) *uri_destroy;
    __typeof__(mongoc_uri_set_option_as_int32) *uri_set_option_as_int32;
    __typeof__(mongoc_uri_set_option_as_bool) *uri_set_option_as_bool;
    __typeof__(mongoc_uri_set_username) *uri_set_username;
    __typeof__(mongoc_uri_set_password) *uri_set_password;
    __typeof__(mongoc_uri_get_hosts) *uri_get_hosts;
    __typeof__(mongoc_uri_get_srv_hostname) *uri_get_srv_hostname;
    __typeof__(mongoc_client_new_from_uri) *client_new_from_uri;
    __typeof__(mongoc_client_destroy) *client_destroy;
    __typeof__(mongoc_client_set_error_api) *client_set_error_api;
    __typeof__(mongoc_client_select_server) *client_select_server;
    __typeof__(mongoc_client_command_simple_with_server_id) *client_command_simple_with_server_id;
    __typeof__(mongoc_server_description_host) *server_description_host;
    __typeof__(mongoc_server_description_id) *server_description_id;
    __typeof__(mongoc_server_description_destroy) *server_description_destroy;
    //  the master's returner and `brine jobs`
    __typeof__(mongoc_bulk_operation_destroy) *bulk_operation_destroy;
    __typeof__(mongoc_bulk_operation_execute) *bulk_operation_execute;
    __typeof__(mongoc_bulk_operation_insert_with_opts) *bulk_operation_insert_with_opts;
    __typeof__(mongoc_bulk_operation_replace_one_with_opts) *bulk_operation_replace_one_with_opts;
    __typeof__(mongoc_client_command_simple) *client_command_simple;
    __typeof__(mongoc_client_get_collection) *client_get_collection;
    __typeof__(mongoc_client_get_database) *client_get_database;
    __typeof__(mongoc_client_pool_destroy) *client_pool_destroy;
    __typeof__(mongoc_client_pool_new) *client_pool_new;
    __typeof__(mongoc_client_pool_pop) *client_pool_pop;
    __typeof__(mongoc_client_pool_push) *client_pool_push;
    __typeof__(mongoc_client_pool_set_error_api) *client_pool_set_error_api;
    __typeof__(mongoc_collection_count_documents) *collection_count_documents;
    __typeof__(mongoc_collection_create_bulk_operation_with_opts)
        *collection_create_bulk_operation_with_opts;
    __typeof__(mongoc_collection_destroy) *collection_destroy;
    __typeof__(mongoc_collection_find_with_opts) *collection_find_with_opts;
    __typeof__(mongoc_collection_replace_one) *collection_replace_one;
    __typeof__(mongoc_cursor_destroy) *cursor_destroy;
    __typeof__(mongoc_cursor_error) *cursor_error;
    __typeof__(mongoc_cursor_next) *cursor_next;
    __typeof__(mongoc_database_destroy) *database_destroy;
    __typeof__(mongoc_database_write_command_with_opts) *database_write_command_with_opts;
    __typeof__(mongoc_log_set_handler) *log_set_handler;
    __typeof__(mongoc_uri_get_option_as_int32) *uri_get_option_as_int32;
    __typeof__(mongoc_uri_has_option) *uri_has_option;
    __typeof__(mongoc_uri_set_appname) *uri_set_appname;
    __typeof__(mongoc_uri_get_username) *uri_get_username;
    __typeof__(mongoc_uri_get_password) *uri_get_password;
    __typeof__(mongoc_write_concern_append) *write_concern_append;
    __typeof__(mongoc_write_concern_destroy) *write_concern_destroy;
    __typeof__(mongoc_write_concern_new) *write_concern_new;
    __typeof__(mongoc_write_concern_set_journal) *write_concern_set_journal;
    __typeof__(mongoc_write_concern_set_w) *write_concern_set_w;
    __typeof__(mongoc_write_concern_set_wtimeout_int64) *write_concern_set_wtimeout_int64;
} br_mongoc_t;

//  The table, loading libmongoc and calling mongoc_init() the first time.
//  NULL with a reason (e.g. libmongoc is not installed) if it cannot load.
const br_mongoc_t *br_mongoc_load(br_errmsg_t *err);

//  mongoc_cleanup() if libmongoc was loaded, at exit, once every thread
//  that used it has ended; nothing otherwise.
void br_mongoc_cleanup(void);

#endif
