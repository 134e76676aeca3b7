/*  br_execute: runs a compiled low state in its execution order, applying
    Salt's requisite semantics, skip conditions (unless, onlyif, creates),
    watch actions and failhard, and records a result per state. */
#include "br_state_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct _br_call_t {
    br_chunk_t *chunk; //  the state being run
    bool test;
    br_result_t result;
    br_value_t *changes; //  map
    char *comment;
};

typedef struct {
    br_state_result_t pub; //  what callers see; strings point into the chunk
    br_value_t *changes;   //  owned
    char *comment;         //  owned
    bool ran;              //  the state ran (or was skipped) in this run
} br_slot_t;

struct _br_run_t {
    br_low_t *low;    //  not owned
    br_slot_t *slots; //  by chunk index
    size_t *order;    //  chunk indexes in the order they ran
    size_t size;      //  how many ran
};

const char *
br_call_id(const br_call_t *call)
{
    return call->chunk->id;
}

const char *
br_call_name(const br_call_t *call)
{
    return call->chunk->name;
}

bool
br_call_test(const br_call_t *call)
{
    return call->test;
}

const br_value_t *
br_call_arg(const br_call_t *call, const char *name)
{
    return br_value_map_get(call->chunk->args, name);
}

const char *
br_call_str(const br_call_t *call, const char *name)
{
    return br_value_as_str(br_call_arg(call, name));
}

int64_t
br_call_int(const br_call_t *call, const char *name)
{
    return br_value_as_int(br_call_arg(call, name));
}

bool
br_call_bool(const br_call_t *call, const char *name)
{
    return br_value_as_bool(br_call_arg(call, name));
}

const br_secret_t *
br_call_secret(const br_call_t *call, const char *name)
{
    return br_value_as_secret(br_call_arg(call, name));
}

void
br_call_set_result(br_call_t *call, br_result_t result)
{
    call->result = result;
}

void
br_call_comment(br_call_t *call, const char *format, ...)
{
    char *text = NULL;
    va_list args;
    va_start(args, format);
    if (vasprintf(&text, format, args) < 0) {
        text = NULL;
    }
    va_end(args);
    if (!text) {
        return;
    }
    if (call->comment && call->comment[0]) {
        char *joined = NULL;
        if (asprintf(&joined, "%s\n%s", call->comment, text) >= 0) {
            free(text);
            text = joined;
        }
    }
    free(call->comment);
    call->comment = text;
}

int
br_call_fail(br_call_t *call, const char *format, ...)
{
    char text[768];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    call->result = BR_RESULT_FALSE;
    br_call_comment(call, "%s", text);
    return 0;
}

void
br_call_change(br_call_t *call, const char *key, br_value_t **value_p)
{
    if (br_value_map_set(call->changes, key, value_p) != BR_OK) {
        br_value_destroy(value_p);
    }
}

static void
s_now_text(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    snprintf(out, 32, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

//  Exit status of `/bin/sh -c command`, output discarded (Salt runs unless
//  and onlyif the same way). -1 if it could not run.
static int
s_shell_status(const char *command)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

//  unless / onlyif / creates: true (with a comment) when the state is skipped.
static bool
s_skipped(br_chunk_t *c, br_call_t *call)
{
    for (size_t i = 0; i < br_value_list_size(c->onlyif); i++) {
        const char *command = br_value_as_str(br_value_list_at(c->onlyif, i));
        if (s_shell_status(command) != 0) {
            br_call_comment(call, "onlyif condition is false");
            return true;
        }
    }
    for (size_t i = 0; i < br_value_list_size(c->unless); i++) {
        const char *command = br_value_as_str(br_value_list_at(c->unless, i));
        if (s_shell_status(command) == 0) {
            br_call_comment(call, "unless condition is true");
            return true;
        }
    }
    if (br_value_list_size(c->creates)) {
        bool all = true;
        for (size_t i = 0; i < br_value_list_size(c->creates); i++) {
            struct stat st;
            all = all && stat(br_value_as_str(br_value_list_at(c->creates, i)), &st) == 0;
        }
        if (all) {
            br_call_comment(call, "All files in creates exist");
            return true;
        }
    }
    return false;
}

//  Salt names a requisite in messages as SLS.ID
static void
s_req_names(br_run_t *run, const br_idxs_t *idxs, bool (*pick)(const br_slot_t *), char *out,
            size_t size)
{
    out[0] = 0;
    for (size_t i = 0; i < idxs->size; i++) {
        const br_slot_t *slot = &run->slots[idxs->items[i]];
        if (!pick(slot)) {
            continue;
        }
        const br_chunk_t *c = &run->low->chunks[idxs->items[i]];
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s.%s", used ? ", " : "", c->sls, c->id);
    }
}

static bool
s_failed(const br_slot_t *slot)
{
    return slot->ran && slot->pub.result == BR_RESULT_FALSE;
}

//  A state with result None (test=True: it would make changes) counts as
//  changed, so that test=True predicts the whole onchanges/watch cascade
static bool
s_changed(const br_slot_t *slot)
{
    return slot->ran && slot->pub.result != BR_RESULT_FALSE &&
           (slot->pub.result == BR_RESULT_NONE || br_value_map_size(slot->changes));
}

static bool
s_any(br_run_t *run, const br_idxs_t *idxs, bool (*pick)(const br_slot_t *))
{
    for (size_t i = 0; i < idxs->size; i++) {
        if (pick(&run->slots[idxs->items[i]])) {
            return true;
        }
    }
    return false;
}

//  Defence in depth: a module must never put a secret in a comment or in
//  changes; if one did, the result is withheld rather than shown.
static bool
s_leaks(br_chunk_t *c, br_call_t *call)
{
    zchunk_t *json = zchunk_new(NULL, 256);
    br_value_to_json(call->changes, json);
    bool leak = false;
    for (size_t i = 0; i < br_value_map_size(c->args) && !leak; i++) {
        const br_secret_t *secret = br_value_as_secret(br_value_map_at(c->args, i));
        if (!secret || br_secret_size(secret) < 4) {
            continue;
        }
        leak = (call->comment && memmem(call->comment, strlen(call->comment),
                                        br_secret_cdata(secret), br_secret_size(secret))) ||
               memmem(zchunk_data(json), zchunk_size(json), br_secret_cdata(secret),
                      br_secret_size(secret));
    }
    zchunk_destroy(&json);
    return leak;
}

static void
s_run_one(br_run_t *run, size_t index, const br_run_opts_t *opts)
{
    br_chunk_t *c = &run->low->chunks[index];
    br_slot_t *slot = &run->slots[index];
    br_call_t call = {c, opts->test, BR_RESULT_TRUE, br_value_map(), NULL};
    char names[1024];
    s_now_text(slot->pub.start_time);
    int64_t start = zclock_usecs();

    if (s_any(run, &c->reqs[BR_REQ_REQUIRE], s_failed) ||
        s_any(run, &c->reqs[BR_REQ_WATCH], s_failed)) {
        br_idxs_t both = {0};
        for (int k = BR_REQ_REQUIRE; k <= BR_REQ_WATCH; k++) {
            for (size_t i = 0; i < c->reqs[k].size; i++) {
                br_idxs_add(&both, c->reqs[k].items[i]);
            }
        }
        s_req_names(run, &both, s_failed, names, sizeof names);
        free(both.items);
        call.result = BR_RESULT_FALSE;
        br_call_comment(&call, "One or more requisite failed: %s", names);
    } else if (c->reqs[BR_REQ_ONFAIL].size && !s_any(run, &c->reqs[BR_REQ_ONFAIL], s_failed)) {
        br_call_comment(&call, "State was not run because onfail req did not change");
    } else if (c->reqs[BR_REQ_ONCHANGES].size &&
               !s_any(run, &c->reqs[BR_REQ_ONCHANGES], s_changed)) {
        br_call_comment(&call, "State was not run because none of the onchanges reqs changed");
    } else if (!s_skipped(c, &call)) {
        br_state_fn fn = opts->test ? c->fun->check : c->fun->apply;
        if (fn(&call) < 0) {
            call.result = BR_RESULT_FALSE;
            br_call_comment(&call, "An internal error occurred while running the state");
        }
        //  watch, as Salt does it: when a watched state changed and the
        //  normal run changed nothing itself, fire the watch action (a
        //  service that was just started is not restarted again)
        if (call.result != BR_RESULT_FALSE && c->fun->watch &&
            br_value_map_size(call.changes) == 0 && s_any(run, &c->reqs[BR_REQ_WATCH], s_changed)) {
            if (c->fun->watch(&call) < 0) {
                call.result = BR_RESULT_FALSE;
                br_call_comment(&call, "An internal error occurred in the watch action");
            }
        }
    }
    if (s_leaks(c, &call)) {
        br_value_destroy(&call.changes);
        call.changes = br_value_map();
        free(call.comment);
        call.comment = strdup("The result was withheld: it contained a secret value");
        call.result = BR_RESULT_FALSE;
    }
    slot->pub.duration_ms = (double)(zclock_usecs() - start) / 1000.0;
    slot->pub.id = c->id;
    slot->pub.name = c->name;
    slot->pub.sls = c->sls;
    slot->pub.module = c->module->name;
    slot->pub.fun = c->fun->name;
    slot->pub.result = call.result;
    slot->changes = call.changes ? call.changes : br_value_map();
    slot->comment = call.comment ? call.comment : strdup("");
    slot->pub.changes = slot->changes;
    slot->pub.comment = slot->comment;
    slot->pub.run_num = run->size;
    slot->ran = true;
    run->order[run->size++] = index;
}

br_run_t *
br_execute(br_low_t *low, const br_run_opts_t *opts)
{
    br_run_t *run = calloc(1, sizeof *run);
    if (!run) {
        return NULL;
    }
    run->low = low;
    run->slots = calloc(low->size ? low->size : 1, sizeof *run->slots);
    run->order = calloc(low->size ? low->size : 1, sizeof *run->order);
    if (!run->slots || !run->order) {
        br_run_destroy(&run);
        return NULL;
    }
    for (size_t i = 0; i < low->size; i++) {
        size_t index = low->exec[i];
        s_run_one(run, index, opts);
        const br_slot_t *slot = &run->slots[index];
        if (slot->pub.result == BR_RESULT_FALSE &&
            (opts->failhard || low->chunks[index].failhard)) {
            break; //  failhard: the rest does not run
        }
    }
    return run;
}

void
br_run_destroy(br_run_t **self_p)
{
    if (self_p && *self_p) {
        br_run_t *self = *self_p;
        for (size_t i = 0; self->slots && i < self->low->size; i++) {
            br_value_destroy(&self->slots[i].changes);
            free(self->slots[i].comment);
        }
        free(self->slots);
        free(self->order);
        free(self);
        *self_p = NULL;
    }
}

size_t
br_run_size(const br_run_t *self)
{
    return self->size;
}

const br_state_result_t *
br_run_at(const br_run_t *self, size_t index)
{
    return index < self->size ? &self->slots[self->order[index]].pub : NULL;
}

bool
br_run_failed(const br_run_t *self)
{
    for (size_t i = 0; i < self->size; i++) {
        if (self->slots[self->order[i]].pub.result == BR_RESULT_FALSE) {
            return true;
        }
    }
    return false;
}
