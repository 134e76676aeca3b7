/*  br_sls: state trees and pillar trees on disk, as Salt lays them out.

    A state tree (file_root) holds SLS files: the dotted name a.b is a/b.sls,
    or a/b/init.sls; top.sls maps minions to SLS names for environment
    "base". Each file is rendered (br_render) with pillar and grains, then
    parsed (br_yaml), then read as Salt's high data:
      ID:
        module.function:          # or  module: [- function, ...]
          - arg: value
        other_module.function: [] # several modules under one ID
      ID2: module.function        # the short string form
      include: [a.b, .relative]
    The pillar tree (pillar_root) has its own top.sls; the SLS files it
    assigns to a minion are rendered with grains, parsed as plain data and
    merged in top-file order (maps merge recursively, later values win).
    Every error names the file and line. */
#ifndef BR_SLS_H
#define BR_SLS_H

#include "br_value.h"
#include "br_vault.h"

//  One state declaration: one module function under one ID. The strings
//  belong to the high data (states of one file share sls and file, and
//  equal module and function names are one string).
typedef struct {
    const char *id;     //  the state ID
    const char *sls;    //  dotted SLS name it came from
    const char *file;   //  path of that file
    int line;           //  line of the ID
    const char *module; //  e.g. "cmd"
    const char *fun;    //  e.g. "run"
    br_value_t *args;   //  map: argument name -> value, in file order, each
                        //  value with its line; "name" is NOT filled in here
} br_hstate_t;

typedef struct _br_high_t br_high_t;

size_t br_high_size(const br_high_t *self);
//  States in definition order: SLS in the order given (each include's
//  states before the including file's own), then file order.
const br_hstate_t *br_high_at(const br_high_t *self, size_t index);
void br_high_destroy(br_high_t **self_p);

//  Reads file_root/top.sls (rendered with context) and returns the SLS names
//  for minion_id in environment base, in order, without duplicates (list of
//  char *, caller destroys). Targets are globs on the id (fnmatch); a
//  target's list may start with {match: glob|list|grain|pcre} as in Salt.
//  No top.sls, or no match, gives an empty list, not an error.
int br_top_load(const char *file_root, const char *minion_id, const br_value_t *context,
                br_vault_t *vault, zlistx_t **sls_p, br_errmsg_t *err);

//  Loads the named SLS files (and their includes, each file once) from
//  file_root, rendered with context ("pillar" and "grains" maps).
int br_high_load(const char *file_root, zlistx_t *sls_names, const br_value_t *context,
                 br_vault_t *vault, br_high_t **high_p, br_errmsg_t *err);

//  Compiles the pillar of minion_id from pillar_root: its top.sls and the
//  SLS files it assigns, each rendered with {"grains": grains}. Values under
//  a key listed in secret_keys (NULL-terminated; a key matches when equal to
//  an entry or ending in "_" + entry, e.g. "db_password" for "password")
//  become secrets, as do all scalars below such a key. A missing pillar_root
//  or top.sls gives an empty pillar.
int br_pillar_load(const char *pillar_root, const char *minion_id, const br_value_t *grains,
                   const char *const *secret_keys, br_value_t **pillar_p, br_errmsg_t *err);

//  The default secret pillar keys: password, passphrase, secret.
extern const char *const br_default_secret_keys[];

#endif
