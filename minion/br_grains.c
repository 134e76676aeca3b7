/*  br_grains: core grains from uname and /etc/os-release. */
#include "br_grains.h"

#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

static void
s_set(br_value_t *grains, const char *key, const char *text)
{
    br_value_t *v = br_value_str(text);
    if (v && br_value_map_set(grains, key, &v) != BR_OK) {
        br_value_destroy(&v);
    }
}

//  os-release values may be quoted; Salt's os grain capitalises the ID
static void
s_os_release(br_value_t *grains)
{
    FILE *file = fopen("/etc/os-release", "r");
    if (!file) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, file)) {
        char *eq = strchr(line, '=');
        if (!eq) {
            continue;
        }
        *eq = 0;
        char *value = eq + 1;
        value[strcspn(value, "\r\n")] = 0;
        size_t len = strlen(value);
        if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
            value[len - 1] = 0;
            value++;
        }
        if (strcmp(line, "ID") == 0) {
            char os[128];
            snprintf(os, sizeof os, "%s", value);
            if (os[0] >= 'a' && os[0] <= 'z') {
                os[0] = (char) (os[0] - 'a' + 'A');
            }
            s_set(grains, "os", os);
            s_set(grains, "os_family", os);
        } else if (strcmp(line, "VERSION_ID") == 0) {
            s_set(grains, "osrelease", value);
        } else if (strcmp(line, "VERSION_CODENAME") == 0) {
            s_set(grains, "oscodename", value);
        }
    }
    fclose(file);
}

br_value_t *
br_grains_collect(const char *id)
{
    br_value_t *grains = br_value_map();
    if (!grains) {
        return NULL;
    }
    s_set(grains, "id", id);
    struct utsname uts;
    if (uname(&uts) == 0) {
        s_set(grains, "host", uts.nodename);
        s_set(grains, "nodename", uts.nodename);
        s_set(grains, "kernel", uts.sysname);
        s_set(grains, "kernelrelease", uts.release);
        s_set(grains, "cpuarch", uts.machine);
    }
    s_os_release(grains);
    //  Salt's num_cpus and mem_total (MiB)
    br_value_t *cpus = br_value_int(sysconf(_SC_NPROCESSORS_ONLN));
    if (cpus && br_value_map_set(grains, "num_cpus", &cpus) != BR_OK) {
        br_value_destroy(&cpus);
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    br_value_t *mem = br_value_int(pages > 0 && page > 0 ? (int64_t) pages * page / (1 << 20) : 0);
    if (mem && br_value_map_set(grains, "mem_total", &mem) != BR_OK) {
        br_value_destroy(&mem);
    }
    return grains;
}
