/*  br_yaml: YAML text to a br_value tree (libyaml), with the line of every
    value, and YAML 1.1 scalar resolution as PyYAML does it (what Salt users
    expect): plain true/false/yes/no/on/off in any of their capitalisations
    are booleans, null/~/empty are null, decimal/0x/0o integers and floats are
    numbers; anything quoted is a string. Duplicate keys, non-scalar keys,
    anchors/aliases, tags and several documents are errors naming file and
    line. */
#ifndef BR_YAML_H
#define BR_YAML_H

#include "br_value.h"

//  Parses text[0..len) (path names it in errors). An empty document gives an
//  empty map. Returns 0, or a negative br_err_t with err "PATH:LINE: ...".
int br_yaml_parse(const char *path, const char *text, size_t len, br_value_t **out,
                  br_errmsg_t *err);

//  A reader's own check of each map key, called as the key is read: after
//  the refusal of anchors and tags, before br_yaml's own checks of keys
//  (scalar, no NUL, no "<<", no duplicate), so that a duplicate is still in
//  map and the message is the reader's. key is NULL for a key that is a
//  list or a map; quoted as br_value_quoted; depth 1 for the keys of the
//  top-level map. Returns 0 to go on, or a negative br_err_t with err set
//  to stop.
typedef int(br_yaml_key_fn)(void *arg, const br_value_t *map, const char *key, bool quoted,
                            int line, int depth, br_errmsg_t *err);

//  How br_yaml_parse_with reads a document.
typedef struct {
    //  Leave plain scalars unresolved: every scalar is a string, and only
    //  br_value_quoted tells "4605" from 4605. For readers whose rules are
    //  stricter than PyYAML's (br_config).
    bool raw;
    br_yaml_key_fn *check_key; //  NULL for none
    void *arg;                 //  for check_key
} br_yaml_opts_t;

//  br_yaml_parse with options (NULL: the defaults, as br_yaml_parse). In raw
//  mode a document that is a plain null word is an empty map too.
int br_yaml_parse_with(const char *path, const char *text, size_t len, const br_yaml_opts_t *opts,
                       br_value_t **out, br_errmsg_t *err);

//  br_yaml_parse_with on the contents of file path: a regular file (not a
//  FIFO: it is opened without blocking) of at most max bytes. A missing
//  file is BR_ERR_NOTFOUND, with the same message as other failures:
//  "PATH: cannot open: REASON", "PATH: not a regular file", "PATH: larger
//  than MAX bytes", "PATH: cannot read: REASON".
int br_yaml_parse_file(const char *path, size_t max, const br_yaml_opts_t *opts, br_value_t **out,
                       br_errmsg_t *err);

#endif
