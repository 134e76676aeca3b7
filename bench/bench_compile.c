/*  bench_compile: time to render, parse, compile and order N states, for a
    chain (each state requires the previous one) and for independent states.
    Prints medians over several runs. Not a test: it never fails on speed. */
#include "br_sls.h"
#include "br_state.h"

#include <stdio.h>
#include <unistd.h>

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

//  Writes DIR/bench.sls with n states
static void
s_write_tree(const char *dir, size_t n, bool chain)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bench.sls", dir);
    FILE *file = fopen(path, "w");
    for (size_t i = 0; i < n; i++) {
        fprintf(file, "state_%zu:\n  test.succeed_without_changes:\n    - name: item {{ grains.id }} %zu\n", i, i);
        if (chain && i > 0) {
            fprintf(file, "    - require:\n      - test: state_%zu\n", i - 1);
        }
    }
    fclose(file);
}

static double
s_run(const char *dir, size_t expected)
{
    br_value_t *context = br_value_map();
    br_value_t *grains = br_value_map(), *pillar = br_value_map();
    br_value_t *id = br_value_str("bench");
    br_value_map_set(grains, "id", &id);
    br_value_map_set(context, "grains", &grains);
    br_value_map_set(context, "pillar", &pillar);
    br_vault_t *vault = br_vault_new();
    zlistx_t *names = zlistx_new();
    zlistx_add_end(names, "bench");
    br_high_t *high = NULL;
    br_low_t *low = NULL;
    br_errmsg_t err;
    int64_t start = zclock_usecs();
    if (br_high_load(dir, names, context, vault, &high, &err) != 0 ||
        br_compile(high, vault, &low, &err) != 0) {
        fprintf(stderr, "bench_compile: %s\n", err.text);
        exit(1);
    }
    double ms = (double) (zclock_usecs() - start) / 1000.0;
    if (br_low_size(low) != expected) {
        fprintf(stderr, "bench_compile: %zu states, expected %zu\n", br_low_size(low), expected);
        exit(1);
    }
    br_low_destroy(&low);
    br_high_destroy(&high);
    zlistx_destroy(&names);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    return ms;
}

int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    size_t sizes[] = {1000, 10000};
    char dir[] = "/tmp/brine-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        return 1;
    }
    printf("render + parse + compile + order, median of %d runs (min-max)\n", runs);
    for (int shape = 0; shape < 2; shape++) {
        for (size_t s = 0; s < 2; s++) {
            s_write_tree(dir, sizes[s], shape == 0);
            double times[64];
            for (int r = 0; r < runs && r < 64; r++) {
                times[r] = s_run(dir, sizes[s]);
            }
            qsort(times, (size_t) runs, sizeof times[0], s_cmp);
            printf("%-11s N=%-6zu %8.2f ms  (%.2f-%.2f)\n", shape == 0 ? "chain" : "independent",
                   sizes[s], times[runs / 2], times[0], times[runs - 1]);
        }
    }
    char path[600];
    snprintf(path, sizeof path, "%s/bench.sls", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}
