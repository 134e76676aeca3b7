/*  mod_test: Salt's test states, for trying requisites and output without
    touching anything. */
#include "br_module.h"

static const br_arg_t s_args[] = {
    {NULL, 0, false, NULL, NULL},
};

static int
s_succeed_with_changes(br_call_t *call)
{
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "If we weren't testing, this would be successful with changes");
    } else {
        br_call_comment(call, "Success!");
    }
    br_value_t *change = br_value_map();
    br_value_t *old = br_value_str("Unchanged");
    br_value_t *new_ = br_value_str("Something pretended to change");
    br_value_map_set(change, "old", &old);
    br_value_map_set(change, "new", &new_);
    br_value_destroy(&old);
    br_value_destroy(&new_);
    br_call_change(call, "testing", &change);
    return 0;
}

static int
s_succeed_without_changes(br_call_t *call)
{
    br_call_comment(call, "Success!");
    return 0;
}

static int
s_fail_without_changes(br_call_t *call)
{
    br_call_set_result(call, BR_RESULT_FALSE);
    br_call_comment(call, "Failure!");
    return 0;
}

//  Fired by `watch` when a watched state changed
static int
s_watch(br_call_t *call)
{
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Watch statement would fire.");
        return 0;
    }
    br_call_comment(call, "Watch statement fired.");
    br_value_t *fired = br_value_bool(true);
    br_call_change(call, "watch", &fired);
    return 0;
}

static const br_function_t s_functions[] = {
    {"succeed_with_changes", s_args, s_succeed_with_changes, s_succeed_with_changes, s_watch,
     "Succeeds and reports a change."},
    {"succeed_without_changes", s_args, s_succeed_without_changes, s_succeed_without_changes,
     s_watch, "Succeeds without changes."},
    {"fail_without_changes", s_args, s_fail_without_changes, s_fail_without_changes, NULL,
     "Fails without changes."},
    {"nop", s_args, s_succeed_without_changes, s_succeed_without_changes, NULL,
     "Does nothing and succeeds."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_test = {"test", s_functions, "States that only report, for testing."};
