/*  br_sls_file: what state trees and pillar trees have in common, private to
    br_sls.c, br_top.c and br_pillar.c: SLS names and where their files are,
    reading one file through the renderer and the YAML parser, the include
    list of a parsed file, and the walk over a file and its includes. */
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

//  What a walk does with each file, after the files it includes: doc is
//  the parsed file of SLS sls at path, a map, its "include" key still in
//  it. The visitor may change doc but not keep it.
typedef int(br_sls_visit_fn)(void *arg, const char *path, const char *sls, br_value_t *doc,
                             br_errmsg_t *err);

//  One walk over SLS files and their includes (br_high_load, br_pillar_load).
typedef struct {
    const char *root;          //  file_root or pillar_root
    const br_value_t *context; //  for rendering
    br_vault_t *vault;         //  for rendering
    //  Pillar files: rendered text that mentions a token of vault is an
    //  error, every string of doc is wiped before it is freed, and messages
    //  say "a pillar file"
    bool is_pillar;
    br_sls_visit_fn *visit; //  called for each file
    void *arg;              //  for visit
    zhashx_t *loaded;       //  SLS names walked so far (the caller's)
} br_sls_walk_t;

//  Walks SLS name (named at file:line, or by the caller if file is NULL):
//  finds and loads its file, checks that it is a map, walks the names it
//  includes (depth + 1), then visits it. A name already in loaded is
//  skipped, so each file is visited once and include cycles stop; depth
//  beyond BR_SLS_MAX_INCLUDE_DEPTH is an error.
int br_sls_walk(const br_sls_walk_t *walk, const char *name, const char *file, int line, int depth,
                br_errmsg_t *err);

#endif
