/*  states_util: see states_util.h. */
#include "states_util.h"
#include "testutil.h"

#include <stdarg.h>

int
st_write(const char *path, const char *format, ...)
{
    FILE *file = fopen(path, "w");
    if (!file) {
        return -1;
    }
    va_list args;
    va_start(args, format);
    int n = vfprintf(file, format, args);
    va_end(args);
    return fclose(file) == 0 && n >= 0 ? 0 : -1;
}

void
st_apply(st_fixture_t *fx, const char *root, const char *sls, bool test)
{
    memset(fx, 0, sizeof *fx);
    fx->context = br_value_map();
    fx->vault = br_vault_new();
    br_value_t *grains = br_value_map();
    br_value_t *id = br_value_str("testminion");
    br_value_map_set(grains, "id", &id);
    br_value_t *pillar = br_value_map();
    br_value_map_set(fx->context, "grains", &grains);
    br_value_map_set(fx->context, "pillar", &pillar);
    zlistx_t *names = zlistx_new();
    zlistx_set_destructor(names, (zlistx_destructor_fn *)zstr_free);
    zlistx_add_end(names, strdup(sls));
    fx->rc = br_high_load(root, names, fx->context, fx->vault, &fx->high, &fx->err);
    zlistx_destroy(&names);
    if (fx->rc == 0) {
        fx->rc = br_compile(fx->high, fx->vault, &fx->low, &fx->err);
    }
    if (fx->rc == 0) {
        br_run_opts_t opts = {test, false};
        fx->run = br_execute(fx->low, &opts);
    } else {
        fprintf(stderr, "  (%s: %s)\n", sls, fx->err.text);
        test_failures++;
    }
}

void
st_fini(st_fixture_t *fx)
{
    br_run_destroy(&fx->run);
    br_low_destroy(&fx->low);
    br_high_destroy(&fx->high);
    br_vault_destroy(&fx->vault);
    br_value_destroy(&fx->context);
}

const br_state_result_t *
st_result(st_fixture_t *fx, const char *id)
{
    for (size_t i = 0; fx->run && i < br_run_size(fx->run); i++) {
        if (strcmp(br_run_at(fx->run, i)->id, id) == 0) {
            return br_run_at(fx->run, i);
        }
    }
    fprintf(stderr, "no result for state '%s'\n", id);
    test_failures++;
    return NULL;
}

void
st_expect(st_fixture_t *fx, const char *id, br_result_t result, bool changed, const char *comment)
{
    const br_state_result_t *r = st_result(fx, id);
    if (!r) {
        return;
    }
    bool ok = r->result == result && (br_value_map_size(r->changes) > 0) == changed &&
              (!comment || strstr(r->comment, comment) != NULL);
    if (!ok) {
        zchunk_t *json = zchunk_new(NULL, 64);
        br_value_to_json(r->changes, json);
        zchunk_extend(json, "", 1);
        fprintf(stderr,
                "state %s: result %d changes %s comment '%s'; expected result %d, %s, '%s'\n", id,
                r->result, (char *)zchunk_data(json), r->comment, result,
                changed ? "changes" : "no changes", comment ? comment : "");
        zchunk_destroy(&json);
        test_failures++;
    }
}

const char *
st_change(st_fixture_t *fx, const char *id, const char *key)
{
    const br_state_result_t *r = st_result(fx, id);
    return r ? br_value_as_str(br_value_map_get(r->changes, key)) : NULL;
}
