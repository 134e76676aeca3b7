/*  bench_stats: medians of benchmark runs. */
#include "bench_stats.h"

#include <stdlib.h>
#include <sys/time.h>

int64_t
bench_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double
bench_median(double *values, int count)
{
    qsort(values, (size_t)count, sizeof values[0], s_cmp);
    return count % 2 ? values[count / 2] : (values[count / 2 - 1] + values[count / 2]) / 2;
}
