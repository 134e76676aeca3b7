/*  states_util: running a state tree written by a test, for the tests of
    the device state modules (unit_mount, unit_service): write an SLS file,
    apply it (or test=True), and check each state's result, changes and
    comment. */
#ifndef STATES_UTIL_H
#define STATES_UTIL_H

#include "br_sls.h"
#include "br_state.h"

typedef struct {
    br_value_t *context;
    br_vault_t *vault;
    br_high_t *high;
    br_low_t *low;
    br_run_t *run;
    br_errmsg_t err;
    int rc;
} st_fixture_t;

//  Writes text (printf format) to path. 0 or -1.
int st_write(const char *path, const char *format, ...) __attribute__((format(printf, 2, 3)));

//  Loads ROOT/SLS.sls, compiles and runs it (test=True with test); fx->rc
//  is non-zero when it did not compile.
void st_apply(st_fixture_t *fx, const char *root, const char *sls, bool test);
void st_fini(st_fixture_t *fx);

//  The result of state id, or NULL (counted as a failure).
const br_state_result_t *st_result(st_fixture_t *fx, const char *id);

//  Checks result, whether there were changes, and that the comment
//  contains comment (when not NULL); counts a failure and prints why.
void st_expect(st_fixture_t *fx, const char *id, br_result_t result, bool changed,
               const char *comment);

//  The string change key of state id, or NULL.
const char *st_change(st_fixture_t *fx, const char *id, const char *key);

#endif
