/*  br_yaml_scalar: how br_yaml reads a plain (unquoted) scalar. Private to
    the protocol library: br_yaml.c, and br_config.c, which reads the raw
    scalars of br_yaml_parse_with by stricter rules of its own. */
#ifndef BR_YAML_SCALAR_H
#define BR_YAML_SCALAR_H

#include "br_value.h"

//  Resolves plain scalar text[0..len) as PyYAML's YAML 1.1 resolver does:
//  null, boolean, integer, float, else string. BR_ERR_INVALID for a number
//  that does not fit (or "0x_", which PyYAML fails on too); BR_ERR_NOMEM.
//  No message: the caller knows the line, and must not quote the value.
int br_yaml_plain(const char *text, size_t len, br_value_t **out);
//  The same, making the value in pool (NULL: on the heap).
int br_yaml_plain_in(br_value_pool_t *pool, const char *text, size_t len, br_value_t **out);

#endif
