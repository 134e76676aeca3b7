/*  br_proc: small reads of /proc. */
#include "br_proc.h"

#include <stdio.h>

size_t
br_proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    FILE *file = fopen(path, "r");
    size_t got = file ? fread(buf, 1, size - 1, file) : 0;
    if (file) {
        fclose(file);
    }
    buf[got] = 0;
    return got;
}
