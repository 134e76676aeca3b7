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

#endif
