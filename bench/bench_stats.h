/*  bench_stats: what every benchmark reports of its runs. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdint.h>

//  Wall-clock time in microseconds
int64_t bench_now_us(void);

//  Sorts values in place and returns their median (values[0] is then the
//  smallest and values[count - 1] the largest). count must be at least 1.
double bench_median(double *values, int count);

#endif
