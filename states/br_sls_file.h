/*  br_sls_file: what state trees and pillar trees have in common, private to
    br_sls.c, br_top.c and br_pillar.c: SLS names and where their files are,
    reading one file through the renderer and the YAML parser, and the
    include list of a parsed file. */
#ifndef BR_SLS_FILE_H
#define BR_SLS_FILE_H

#include "br_sls.h"

//  Largest SLS or top file read from disk.
#define BR_SLS_MAX_FILE (16u * 1024 * 1024)
//  Longest SLS name.
#define BR_SLS_MAX_NAME 255
//  Deepest chain of includes (a.sls includes b.sls includes ...).
#define BR_SLS_MAX_INCLUDE_DEPTH 64

//  True for dotted names of [A-Za-z0-9_-]+ components, at most 255 bytes:
//  nothing that could leave the tree ('/', '..') once dots become slashes.
bool br_sls_name_valid(const char *name);

//  Text of untrusted input safe to quote in a message: printable ASCII,
//  cut after 64 bytes. Returns buf.
const char *br_sls_echo(const char *text, char *buf, size_t size);
#define BR_SLS_ECHO_SIZE 72

//  Finds the file of SLS name under root: root/a/b.sls, else
//  root/a/b/init.sls. Sets *path_p (caller frees) and *is_init. When
//  neither exists: BR_ERR_NOTFOUND with a message naming both paths,
//  prefixed with "FILE:LINE: " if file is not NULL.
int br_sls_find(const char *root, const char *name, const char *file, int line, char **path_p,
                bool *is_init, br_errmsg_t *err);

//  Reads path, renders it with context (NULL for none), and parses the
//  result. Every buffer that held the text is wiped before it is freed, as
//  pillar files hold secrets. With forbid_tokens, rendered text that
//  mentions one of vault's tokens is an error. A missing file gives
//  BR_ERR_NOTFOUND (message set).
int br_sls_file_load(const char *path, const br_value_t *context, br_vault_t *vault,
                     bool forbid_tokens, br_value_t **doc_p, br_errmsg_t *err);

//  The "include" list of doc, the parsed file path of SLS sls (is_init:
//  path is its init.sls), as a list of string values (absolute SLS names,
//  relative ones resolved, all checked), each with its line. No include
//  key gives an empty list.
int br_sls_includes(const char *path, const br_value_t *doc, const char *sls, bool is_init,
                    br_value_t **names_p, br_errmsg_t *err);

#endif
