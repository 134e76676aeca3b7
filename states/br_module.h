/*  br_module: what a state module is. Each module is one file exporting one
    const br_module_t; states/br_modules.c lists them all in one table.

    A function's arguments are data (name, type, required, secret, default,
    doc), so that state files are validated against them before anything
    runs, and the docs and man pages are generated from the same table.
    check() predicts and never changes the system (test=True); apply() makes
    it so; watch() is the action a `watch` requisite fires (e.g. restart). */
#ifndef BR_MODULE_H
#define BR_MODULE_H

#include "br_value.h"

typedef enum {
    BR_ARG_STR,   //  a string (numbers and booleans are accepted and converted)
    BR_ARG_INT,   //  an integer
    BR_ARG_BOOL,  //  a boolean
    BR_ARG_LIST,  //  a list of strings (a single string becomes a one-item list)
    BR_ARG_MAP,   //  a map of strings
    BR_ARG_SECRET, //  a secret string: only ever held in locked memory
} br_arg_type_t;

typedef struct {
    const char *name;
    br_arg_type_t type;
    bool required;
    const char *def;  //  default, as YAML text, or NULL for none (for docs too)
    const char *doc;  //  one line
} br_arg_t;

//  The outcome of a state, Salt's three-valued result.
typedef enum {
    BR_RESULT_FALSE = 0,
    BR_RESULT_TRUE = 1,
    BR_RESULT_NONE = 2, //  test=True: changes would be made
} br_result_t;

typedef struct _br_call_t br_call_t;

//  A state function fills the call's result, changes and comment, and
//  returns 0; a negative return is an internal error (reported as a failure).
typedef int (*br_state_fn)(br_call_t *call);

typedef struct {
    const char *name;        //  e.g. "run"
    const br_arg_t *args;    //  terminated by an entry with name NULL
    br_state_fn check;       //  test=True: predict, touch nothing
    br_state_fn apply;       //  make it so
    br_state_fn watch;       //  fired by `watch` when a watched state changed; or NULL
    const char *doc;
} br_function_t;

typedef struct {
    const char *name;               //  e.g. "cmd"
    const br_function_t *functions; //  terminated by an entry with name NULL
    const char *doc;
} br_module_t;

//  The registry: every module, NULL-terminated (states/br_modules.c).
extern const br_module_t *const br_modules[];

const br_module_t *br_module_find(const char *name);
const br_function_t *br_function_find(const br_module_t *module, const char *name);
const br_arg_t *br_arg_find(const br_function_t *function, const char *name);

//  What a state function sees of its call.
const char *br_call_id(const br_call_t *call);
const char *br_call_name(const br_call_t *call);
bool br_call_test(const br_call_t *call);
//  Arguments by name (defaults already applied): NULL/0/false when unset.
const br_value_t *br_call_arg(const br_call_t *call, const char *name);
const char *br_call_str(const br_call_t *call, const char *name);
int64_t br_call_int(const br_call_t *call, const char *name);
bool br_call_bool(const br_call_t *call, const char *name);
const br_secret_t *br_call_secret(const br_call_t *call, const char *name);

//  Results. The comment is formatted like printf and must never contain a
//  secret; changes is a map the call takes ownership of entries for.
void br_call_set_result(br_call_t *call, br_result_t result);
void br_call_comment(br_call_t *call, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
//  Result False with a comment; returns 0, so that a state function can end
//  with `return br_call_fail(call, "...")`.
int br_call_fail(br_call_t *call, const char *format, ...) __attribute__((format(printf, 2, 3)));
//  Adds key -> *value_p to the changes (takes ownership).
void br_call_change(br_call_t *call, const char *key, br_value_t **value_p);

#endif
