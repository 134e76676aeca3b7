/*  br_proc: what the kernel says of a process, from /proc. */
#ifndef BR_PROC_H
#define BR_PROC_H

#include <stddef.h>
#include <sys/types.h>

//  Reads /proc/PID/NAME (stat, status...) into buf, at most size - 1
//  bytes, NUL-terminated. The bytes read: 0 if the process is gone.
size_t br_proc_read(pid_t pid, const char *name, char *buf, size_t size);

#endif
