/*  testutil: the few helpers every brine test uses: checks that report file
    and line, a scratch directory, and a scanner that searches a process's
    memory for bytes that must not be there (a leaked secret). */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

extern int test_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long va_ = (long long) (a), vb_ = (long long) (b);                                    \
        if (va_ != vb_) {                                                                          \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__,  \
                    #a, #b, va_, vb_);                                                             \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s == \"%s\" (got \"%s\")\n", __FILE__,          \
                    __LINE__, #a, sb_ ? sb_ : "(null)", sa_ ? sa_ : "(null)");                     \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

//  Prints "N passed, M failed" style summary and returns the exit status.
int test_done(const char *name);

//  Creates a fresh private scratch directory; the caller frees the path and
//  removes the tree with test_rmtree.
char *test_tmpdir(void);
void test_rmtree(const char *path);

//  Searches every readable mapping of process pid (0 = this process) for a
//  byte string. The needle is given inverted (each byte XOR 0xFF) so that the
//  search itself never puts the real bytes in memory. Returns the number of
//  hits, or -1 if the memory could not be read.
long test_memscan(pid_t pid, const uint8_t *inverted, size_t size);
//  The same for n needles in one pass over the memory: hits[i] for
//  inverted[i] of sizes[i] bytes. 0, or -1 if the memory could not be read.
//  Pages of anonymous mappings never touched (neither present nor swapped,
//  as /proc/PID/pagemap says) are skipped: they read as zeros.
int test_memscan_many(pid_t pid, size_t n, const uint8_t *const inverted[], const size_t sizes[],
                      long hits[]);

//  Counts occurrences of a (non-inverted) byte string in one file, or -1.
long test_filescan(const char *path, const uint8_t *needle, size_t size);

//  Free TCP port on 127.0.0.1.
int test_free_port(void);

//  True when the program at path asks the dynamic loader for a library
//  whose soname starts with soname (readelf -d), i.e. links it.
bool test_needs_lib(const char *path, const char *soname);

#endif
