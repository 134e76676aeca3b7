/*  vm_memscan: counts a process's copies of secret strings in its memory.
 *
 *      ... | vm_memscan PID [PID...]
 *
 *  Reads the secrets from stdin, one per line (never from the command line,
 *  where /proc/PID/cmdline would show them), and searches every readable
 *  mapping of each PID through /proc/PID/mem. Prints one line per PID and
 *  secret; exits 0 when nothing was found, 1 on a hit, 2 on an error.
 *  The guest scenarios run it against brine-minion after each job. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECRETS 64

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ... | vm_memscan PID [PID...]\n");
        return 2;
    }
    //  Kept inverted: a scan of a process that has this one's copies in
    //  shared pages (or of this process itself) finds no false hit
    static uint8_t secrets[MAX_SECRETS][256];
    size_t sizes[MAX_SECRETS];
    char line[256];
    size_t n = 0;
    while (n < MAX_SECRETS && fgets(line, sizeof line, stdin)) {
        size_t size = strcspn(line, "\n");
        if (size >= 8) { //  short strings match by chance
            for (size_t b = 0; b < size; b++) {
                secrets[n][b] = (uint8_t)~(uint8_t)line[b];
            }
            sizes[n++] = size;
        }
        memset(line, 0, sizeof line);
    }
    if (n == 0) {
        fprintf(stderr, "vm_memscan: no secret (8 bytes or more) on stdin\n");
        return 2;
    }
    const uint8_t *needles[MAX_SECRETS];
    for (size_t i = 0; i < n; i++) {
        needles[i] = secrets[i];
    }
    int rc = 0;
    for (int a = 1; a < argc; a++) {
        //  One pass over the process's memory for every secret
        pid_t pid = (pid_t)strtol(argv[a], NULL, 10);
        long hits[MAX_SECRETS];
        if (pid <= 0 || test_memscan_many(pid, n, needles, sizes, hits) != 0) {
            printf("pid %s: cannot read its memory\n", argv[a]);
            rc = 2;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            printf("pid %d: secret %zu of %zu: %ld copies\n", (int)pid, i + 1, n, hits[i]);
            if (hits[i] > 0 && rc == 0) {
                rc = 1;
            }
        }
    }
    return rc;
}
