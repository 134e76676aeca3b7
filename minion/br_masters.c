/*  br_masters: parses the minion's list of masters and walks it in
    failover order. */
#include "br_masters.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <strings.h>

//  Longest DNS name
#define BR_HOST_MAX 253

typedef struct {
    char host[BR_HOST_MAX + 1];  //  name or IPv4 address
    int port;                    //  request port
    char name[BR_HOST_MAX + 16]; //  "host:port"
} s_master_t;

struct _br_masters_t {
    s_master_t *masters; //  in the order of the list
    size_t count;        //  entries in masters, at least 1
    size_t current;      //  the master being tried or used
    size_t failures;     //  masters failed in a row since the last answer
    int backoff_ms;      //  wait after the next full round of failures
};

//  PORT: plain decimal, 1 to 65535, no sign, no leading zero (as integer
//  options are read). -1 when it is not.
static int
s_port(const char *text)
{
    size_t n = strspn(text, "0123456789");
    if (n == 0 || n > 5 || text[n] || text[0] == '0') {
        return -1;
    }
    long port = strtol(text, NULL, 10);
    return port <= 65535 ? (int)port : -1;
}

//  A host name or an IPv4 address: letters, digits, dots, hyphens and
//  underscores, starting with a letter or a digit. libzmq resolves it.
static bool
s_host_valid(const char *host, size_t len)
{
    if (len == 0 || len > BR_HOST_MAX || !isalnum((unsigned char)host[0])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (!isalnum(c) && c != '.' && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

//  One entry of the list (item index of option master) into *master.
static int
s_parse(const br_config_t *config, size_t index, const char *entry, int ret_port,
        s_master_t *master, br_errmsg_t *err)
{
    const char *colon = strchr(entry, ':');
    size_t host_len = colon ? (size_t)(colon - entry) : strlen(entry);
    if (!*entry) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                               "an entry is empty (expected HOST or HOST:PORT)");
    }
    if (strstr(entry, "://")) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                               "'%.60s': expected HOST or HOST:PORT, without a scheme", entry);
    }
    //  An IPv6 address has colons of its own, and tcp:// needs it in
    //  brackets with ZMQ_IPV6 set; neither is done here
    if (entry[0] == '[' || (colon && strchr(colon + 1, ':'))) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                               "'%.60s': IPv6 addresses are not supported (expected HOST or "
                               "HOST:PORT with a host name or an IPv4 address)",
                               entry);
    }
    if (!s_host_valid(entry, host_len)) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                               "'%.60s': expected HOST or HOST:PORT, where HOST is a host name "
                               "or an IPv4 address",
                               entry);
    }
    int port = colon ? s_port(colon + 1) : ret_port;
    if (port < 0) {
        return br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                               "'%.60s': the port after ':' must be a number from 1 to 65535 "
                               "(the master's ret_port)",
                               entry);
    }
    memcpy(master->host, entry, host_len);
    master->host[host_len] = '\0';
    master->port = port;
    snprintf(master->name, sizeof master->name, "%s:%d", master->host, port);
    return BR_OK;
}

br_masters_t *
br_masters_new(const br_config_t *config, br_errmsg_t *err)
{
    zlistx_t *list = br_config_list(config, "master");
    int ret_port = (int)br_config_int(config, "ret_port");
    size_t count = list ? zlistx_size(list) : 0;
    if (count == 0) {
        br_config_error(config, err, BR_ERR_CONFIG, "master", BR_CONFIG_WHOLE,
                        "no master given (expected HOST, HOST:PORT or a list of them)");
        return NULL;
    }
    if (count > BR_MASTERS_MAX) {
        br_config_error(config, err, BR_ERR_CONFIG, "master", BR_CONFIG_WHOLE,
                        "%zu masters; at most %d may be listed", count, BR_MASTERS_MAX);
        return NULL;
    }
    br_masters_t *self = calloc(1, sizeof *self);
    if (!self || !(self->masters = calloc(count, sizeof *self->masters))) {
        br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", br_config_path(config));
        goto fail;
    }
    self->backoff_ms = BR_CLIENT_RECONNECT_IVL;
    size_t index = 0;
    for (const char *entry = zlistx_first(list); entry; entry = zlistx_next(list), index++) {
        s_master_t *master = &self->masters[index];
        if (s_parse(config, index, entry, ret_port, master, err) != BR_OK) {
            goto fail;
        }
        //  Twice in the list is a slip: it would also be tried twice a round
        for (size_t before = 0; before < index; before++) {
            const s_master_t *other = &self->masters[before];
            if (other->port == master->port && strcasecmp(other->host, master->host) == 0) {
                br_config_error(config, err, BR_ERR_CONFIG, "master", index,
                                "'%.60s' is the master of entry %zu again (%s)", entry, before + 1,
                                master->name);
                goto fail;
            }
        }
        self->count++;
    }
    return self;
fail:
    br_masters_destroy(&self);
    return NULL;
}

void
br_masters_destroy(br_masters_t **self_p)
{
    if (self_p && *self_p) {
        br_masters_t *self = *self_p;
        free(self->masters);
        free(self);
        *self_p = NULL;
    }
}

size_t
br_masters_size(const br_masters_t *self)
{
    return self->count;
}

const char *
br_masters_host(const br_masters_t *self, size_t index)
{
    return index < self->count ? self->masters[index].host : NULL;
}

int
br_masters_port(const br_masters_t *self, size_t index)
{
    return index < self->count ? self->masters[index].port : 0;
}

const char *
br_masters_name(const br_masters_t *self, size_t index)
{
    return index < self->count ? self->masters[index].name : NULL;
}

size_t
br_masters_resolve(br_masters_t *self)
{
    size_t failed = 0;
    for (size_t i = 0; i < self->count; i++) {
        s_master_t *master = &self->masters[i];
        struct in_addr addr;
        if (inet_pton(AF_INET, master->host, &addr) == 1) {
            continue;
        }
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *found = NULL;
        int rc = getaddrinfo(master->host, NULL, &hints, &found);
        if (rc != 0 || !found) {
            br_warning("cannot resolve the master %s (%s): it is skipped until the network "
                       "child starts again",
                       master->name, gai_strerror(rc));
            failed++;
        } else {
            const struct sockaddr_in *in = (const struct sockaddr_in *)found->ai_addr;
            char text[INET_ADDRSTRLEN];
            if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) {
                br_debug("master %s is %s", master->name, text);
                snprintf(master->host, sizeof master->host, "%s", text);
            }
        }
        if (found) {
            freeaddrinfo(found);
        }
    }
    return failed;
}

size_t
br_masters_current(const br_masters_t *self)
{
    return self->current;
}

int
br_masters_failed(br_masters_t *self)
{
    self->current = (self->current + 1) % self->count;
    self->failures++;
    if (self->failures % self->count != 0) {
        return 0;
    }
    int wait = self->backoff_ms;
    self->backoff_ms =
        wait >= BR_CLIENT_RECONNECT_IVL_MAX / 2 ? BR_CLIENT_RECONNECT_IVL_MAX : wait * 2;
    return wait;
}

void
br_masters_answered(br_masters_t *self)
{
    self->failures = 0;
    self->backoff_ms = BR_CLIENT_RECONNECT_IVL;
}
