/*  br_state: the compiler from high data to an ordered low state, the
    executor, and its results.

    Compiling checks every state against its module's schema, resolves
    requisites (require, watch, onchanges, onfail and their _in forms) to
    states, refuses cycles and dangling references, applies Salt's ordering
    (order: first|last|N, file order otherwise) and fixes the execution
    order: each state after its requisites. Secret arguments are resolved
    from vault tokens into locked memory here, and a secret that would reach
    any other argument is a compile error naming the state and argument. */
#ifndef BR_STATE_H
#define BR_STATE_H

#include "br_module.h"
#include "br_sls.h"
#include "br_vault.h"

typedef struct _br_low_t br_low_t;

//  Compiles high data. vault resolves secret tokens (may be empty, not NULL).
int br_compile(const br_high_t *high, br_vault_t *vault, br_low_t **low_p, br_errmsg_t *err);
//  A low state of one state built in code (e.g. `brine '*' cmd.run CMD`):
//  module.fun with the given name and arguments (a map, may be NULL),
//  checked like a state from a file.
int br_low_single(const char *module, const char *fun, const char *name, const br_value_t *args,
                  br_low_t **low_p, br_errmsg_t *err);

//  Destroys the low state; every secret argument is wiped.
void br_low_destroy(br_low_t **self_p);
//  Number of states.
size_t br_low_size(const br_low_t *self);
//  ID of the state that runs at position index (for tests and benchmarks).
const char *br_low_id_at(const br_low_t *self, size_t index);

typedef struct {
    bool test;     //  test=True: check only, predict changes, touch nothing
    bool failhard; //  stop at the first failure (also per state: failhard: True)
} br_run_opts_t;

//  One state's outcome.
typedef struct {
    const char *id;
    const char *name;
    const char *sls;
    const char *module;
    const char *fun;
    br_result_t result;
    const br_value_t *changes; //  a map, maybe empty; never holds a secret
    const char *comment;
    char start_time[32];       //  local time, HH:MM:SS.ffffff
    double duration_ms;
    size_t run_num;            //  0-based position in the run
} br_state_result_t;

typedef struct _br_run_t br_run_t;

//  Runs the low state. The results are in execution order.
br_run_t *br_execute(br_low_t *low, const br_run_opts_t *opts);
void br_run_destroy(br_run_t **self_p);
size_t br_run_size(const br_run_t *self);
const br_state_result_t *br_run_at(const br_run_t *self, size_t index);
//  True when any state has result False.
bool br_run_failed(const br_run_t *self);

//  The results in Salt's shape, a map in run order:
//    "module_|-id_|-name_|-function": {name, result (true/false/null),
//      changes, comment, __id__, __sls__, __run_num__, start_time, duration}
//  This is what a minion returns and what the job cache keeps.
br_value_t *br_run_results(const br_run_t *run);

//  True when any state in results has result false.
bool br_results_failed(const br_value_t *results);

//  Salt's highstate output of one minion's results (colour for terminals).
void br_output_highstate(const br_value_t *results, const char *minion, bool color, FILE *out);
//  Salt's JSON output: {"MINION": results, ...} given that map, indented.
void br_output_json(const br_value_t *by_minion, FILE *out);

#endif
