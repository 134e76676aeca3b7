/*  mod_cmd: cmd.run, a command run with /bin/sh -c as Salt runs it, through
    br_exec (clean environment plus `env`, stdin from /dev/null, no inherited
    descriptors). Its changes record pid, retcode, stdout and stderr. */
#include "br_exec.h"
#include "br_module.h"

#include <stdio.h>

//  Most env entries a command gets (the map is the state's own data)
#define BR_CMD_ENV_MAX 64

static const br_arg_t s_run_args[] = {
    {"cwd", BR_ARG_STR, false, "/", "directory to run the command in"},
    {"env", BR_ARG_MAP, false, NULL, "environment variables to add (never secrets)"},
    {"shell", BR_ARG_STR, false, "/bin/sh", "shell that runs the command with -c"},
    {"timeout", BR_ARG_INT, false, NULL, "seconds before the command is killed"},
    {NULL, 0, false, NULL, NULL},
};

//  Salt strips one trailing newline from captured output
static br_value_t *
s_text(const char *data, size_t len)
{
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) {
        len--;
    }
    return br_value_str_n(data, len);
}

static int
s_run(br_call_t *call)
{
    const char *command = br_call_name(call);
    if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "Command \"%s\" would have been executed", command);
        return 0;
    }
    int rc = BR_ERR_INTERNAL;
    //  The command sees the clean environment of br_exec plus env
    const br_value_t *env = br_call_arg(call, "env");
    size_t env_size = br_value_map_size(env);
    char *entries[BR_CMD_ENV_MAX + 1] = {NULL};
    br_exec_result_t result = {0};
    br_errmsg_t why = {{0}};
    if (env_size > BR_CMD_ENV_MAX) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "More than %d environment variables", BR_CMD_ENV_MAX);
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < env_size; i++) {
        if (asprintf(&entries[i], "%s=%s", br_value_map_key(env, i),
                     br_value_as_str(br_value_map_at(env, i))) < 0) {
            entries[i] = NULL;
            goto out;
        }
    }
    const char *shell = br_call_str(call, "shell");
    const char *argv[] = {shell, "-c", command, NULL};
    int64_t timeout = br_call_int(call, "timeout");
    br_exec_opts_t opts = {br_call_str(call, "cwd"), (const char *const *)entries,
                           timeout > 0 ? timeout * 1000 : 0, 0};
    int ran = br_exec(argv, &opts, &result, &why);
    if (ran == BR_ERR_INTERNAL || ran == BR_ERR_NOMEM) {
        goto out;
    }
    //  A shell that cannot start, or a cwd that does not exist, looks like
    //  the shell's own "cannot run" (status 127), as before
    br_value_t *v = br_value_int(result.pid);
    br_call_change(call, "pid", &v);
    v = br_value_int(result.status);
    br_call_change(call, "retcode", &v);
    v = s_text(result.out, result.out_size);
    br_call_change(call, "stdout", &v);
    v = ran == BR_OK ? s_text(result.err, result.err_size) : br_value_str(why.text);
    br_call_change(call, "stderr", &v);
    if (result.timed_out) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call, "Command \"%s\" was killed after %lld s", command,
                        (long long)timeout);
    } else {
        br_call_set_result(call,
                           ran == BR_OK && result.status == 0 ? BR_RESULT_TRUE : BR_RESULT_FALSE);
        br_call_comment(call, "Command \"%s\" run", command);
    }
    rc = 0;
out:
    br_exec_result_fini(&result);
    for (size_t i = 0; i < BR_CMD_ENV_MAX; i++) {
        free(entries[i]);
    }
    return rc;
}

static const br_function_t s_functions[] = {
    {"run", s_run_args, s_run, s_run, NULL,
     "Runs a command with the shell; unless, onlyif and creates make it idempotent."},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};

const br_module_t br_mod_cmd = {"cmd", s_functions, "Shell commands."};
