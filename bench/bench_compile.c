/*  bench_compile: time to render, parse, compile and order N states, for a
    chain (each state requires the previous one) and for independent states.
    Prints the median over several runs with the fastest and slowest run
    (the machine may be busy with other work: the median is the figure, the
    spread says how far to trust it), and the median of each of the two
    halves: loading (render, YAML, high data) and compiling (schemas,
    requisites, order), and the pages each run faulted in. Not a test: it
    never fails on speed.

    glibc gives freed heap back to the kernel once the free top of the heap
    passes a threshold that it raises as it sees large blocks freed, so
    whether a run faults its memory in again depended on the runs before it
    (10,000-state runs after 1,000-state runs faulted 13 MB in each time,
    alone they did not): the thresholds are fixed here, so that every run
    starts from the same warm heap and the figures measure the compiler.
    BENCH_MALLOC=default keeps glibc's own policy.

    Usage: bench_compile [RUNS [chain|independent [N]]]
    RUNS defaults to 7; a shape and a size restrict the run to one case, for
    counting instructions of that case alone (valgrind --tool=callgrind
    --toggle-collect=br_high_load --toggle-collect=br_compile). */
#include "bench_stats.h"
#include "br_sls.h"
#include "br_state.h"

#include <malloc.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#define BENCH_MAX_RUNS 101

typedef struct {
    double total, load, compile; //  milliseconds
    double faults;               //  minor page faults
} s_times_t;

//  Writes DIR/bench.sls with n states
static int
s_write_tree(const char *dir, size_t n, bool chain)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bench.sls", dir);
    FILE *file = fopen(path, "w");
    if (!file) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        fprintf(file,
                "state_%zu:\n  test.succeed_without_changes:\n    - name: item {{ grains.id }} "
                "%zu\n",
                i, i);
        if (chain && i > 0) {
            fprintf(file, "    - require:\n      - test: state_%zu\n", i - 1);
        }
    }
    return fclose(file) == 0 ? 0 : -1;
}

static s_times_t
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
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    int64_t start = zclock_usecs();
    if (br_high_load(dir, names, context, vault, &high, &err) != 0) {
        fprintf(stderr, "bench_compile: %s\n", err.text);
        exit(1);
    }
    int64_t loaded = zclock_usecs();
    if (br_compile(high, vault, &low, &err) != 0) {
        fprintf(stderr, "bench_compile: %s\n", err.text);
        exit(1);
    }
    int64_t end = zclock_usecs();
    getrusage(RUSAGE_SELF, &after);
    if (br_low_size(low) != expected) {
        fprintf(stderr, "bench_compile: %zu states, expected %zu\n", br_low_size(low), expected);
        exit(1);
    }
    br_low_destroy(&low);
    br_high_destroy(&high);
    zlistx_destroy(&names);
    br_vault_destroy(&vault);
    br_value_destroy(&context);
    return (s_times_t){(double)(end - start) / 1000.0, (double)(loaded - start) / 1000.0,
                       (double)(end - loaded) / 1000.0,
                       (double)(after.ru_minflt - before.ru_minflt)};
}

int
main(int argc, char **argv)
{
    static const char *shapes[] = {"chain", "independent"};
    size_t sizes[] = {1000, 10000};
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    const char *only_shape = argc > 2 ? argv[2] : NULL;
    size_t only_size = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 0;
    if (runs < 1 || runs > BENCH_MAX_RUNS ||
        (only_shape && strcmp(only_shape, shapes[0]) != 0 && strcmp(only_shape, shapes[1]) != 0)) {
        fprintf(stderr, "usage: bench_compile [RUNS (1-%d) [chain|independent [N]]]\n",
                BENCH_MAX_RUNS);
        return 2;
    }
    if (only_size) {
        sizes[0] = only_size;
    }
    size_t nsizes = only_size ? 1 : 2;
    const char *policy = getenv("BENCH_MALLOC");
    bool fixed = !policy || strcmp(policy, "default") != 0;
    if (fixed && (mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) != 1 ||
                  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024) != 1)) {
        fprintf(stderr, "bench_compile: cannot set the malloc thresholds\n");
        return 1;
    }
    char dir[] = "/tmp/brine-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        return 1;
    }
    printf("render + parse + compile + order, median of %d runs (min-max); load, compile and "
           "page-fault medians; %s malloc thresholds\n",
           runs, fixed ? "fixed" : "glibc's own");
    for (int shape = 0; shape < 2; shape++) {
        if (only_shape && strcmp(only_shape, shapes[shape]) != 0) {
            continue;
        }
        for (size_t s = 0; s < nsizes; s++) {
            if (s_write_tree(dir, sizes[s], shape == 0) != 0) {
                fprintf(stderr, "bench_compile: cannot write %s/bench.sls\n", dir);
                return 1;
            }
            double total[BENCH_MAX_RUNS], load[BENCH_MAX_RUNS], compile[BENCH_MAX_RUNS],
                faults[BENCH_MAX_RUNS];
            for (int r = 0; r < runs; r++) {
                s_times_t t = s_run(dir, sizes[s]);
                total[r] = t.total;
                load[r] = t.load;
                compile[r] = t.compile;
                faults[r] = t.faults;
            }
            double median = bench_median(total, runs);
            printf("%-11s N=%-6zu %8.2f ms  (%.2f-%.2f)  load %.2f  compile %.2f  faults %.0f\n",
                   shapes[shape], sizes[s], median, total[0], total[runs - 1], bench_median(load, runs),
                   bench_median(compile, runs), bench_median(faults, runs));
        }
    }
    char path[600];
    snprintf(path, sizeof path, "%s/bench.sls", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}
