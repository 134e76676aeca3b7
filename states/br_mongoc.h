/*  br_mongoc: libmongoc, loaded with dlopen when a state first needs it.

    libmongoc brings libssl, libcrypto, ICU, SASL, snappy, zstd...: linked
    into the state library, every brine-minion and brine-call would map and
    relocate them at start whether or not a mongodb state ever runs
    (measured with libmongoc preloaded: an idle brine-minion 10.8 -> 15.8
    MiB resident; brine-call running one state 6.3 -> 11.9 ms at best, 8.7
    -> 15.8 ms median). Loaded here instead, only the process that runs
    such a state pays (about 17 ms for dlopen and mongoc_init), and on a
    minion that is the job's child process, which exits with the job.

    The table holds the few functions the mongodb states call, with
    libmongoc's own prototypes. It is filled once per process and never
    unloaded (libcrypto cannot be unloaded safely). */
#ifndef BR_MONGOC_H
#define BR_MONGOC_H

#include "brine.h"

#include <mongoc/mongoc.h>

#define BR_MONGOC_SONAME "libmongoc-1.0.so.0"

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
} br_mongoc_t;

//  The table, loading libmongoc and calling mongoc_init() the first time.
//  NULL with a reason (e.g. libmongoc is not installed) if it cannot load.
const br_mongoc_t *br_mongoc_load(br_errmsg_t *err);

#endif
