/*  br_id: minion ids. An id becomes a file name in the key store and a topic
    on the publish socket, so it is checked against a strict character set
    before it is used anywhere. */
#ifndef BR_ID_H
#define BR_ID_H

#include <stdbool.h>
#include <stddef.h>

//  Longest id accepted, in bytes.
#define BR_ID_MAX 64

//  True when id is 1..BR_ID_MAX characters from [A-Za-z0-9._-], does not start
//  with '.' or '-', and is not "." or "..". Works on untrusted input: len
//  is the number of bytes available (an embedded NUL makes it invalid).
bool br_id_valid_n(const char *id, size_t len);

//  br_id_valid_n on a NUL-terminated string (NULL is invalid).
bool br_id_valid(const char *id);

#endif
