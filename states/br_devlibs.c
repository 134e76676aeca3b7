/*  br_devlibs: the device libraries, loaded on first use (br_devlibs.h). */
#define BR_DEVLIBS_IMPL
#include "br_devlibs.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

//  Module table: filled once, never unloaded (libcryptsetup keeps state
//  between calls, and a job's process is short-lived anyway)
static br_devlibs_t s_table;
static bool s_loaded;

//  One library and its functions into the table; -1 with the reason in why
static int
s_open(const char *soname, void **handle, char *why, size_t why_size)
{
    *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!*handle) {
        const char *reason = dlerror();
        snprintf(why, why_size, "cannot load %s: %s", soname, reason ? reason : "unknown reason");
        return -1;
    }
    return 0;
}

static int
s_symbol(void *handle, const char *soname, const char *name, void **slot, char *why,
         size_t why_size)
{
    *slot = dlsym(handle, name);
    if (!*slot) {
        snprintf(why, why_size, "%s has no function %s", soname, name);
        return -1;
    }
    return 0;
}

int
br_devlibs_load(char *why, size_t why_size)
{
    if (s_loaded) {
        return 0;
    }
    br_devlibs_t table;
    void *crypt = NULL, *blkid = NULL;
    if (s_open(BR_CRYPTSETUP_SONAME, &crypt, why, why_size) < 0 ||
        s_open(BR_BLKID_SONAME, &blkid, why, why_size) < 0) {
        goto fail;
    }
    //  A data pointer converted to a function pointer, as POSIX dlsym wants
#define BR_DEVLIBS_LOAD(lib, soname, name)                                                     \
    if (s_symbol(lib, soname, #name, (void **)&table.name, why, why_size) < 0) {               \
        goto fail;                                                                             \
    }
#define BR_DEVLIBS_CRYPT(name) BR_DEVLIBS_LOAD(crypt, BR_CRYPTSETUP_SONAME, name)
#define BR_DEVLIBS_BLK(name) BR_DEVLIBS_LOAD(blkid, BR_BLKID_SONAME, name)
    BR_DEVLIBS_CRYPTSETUP(BR_DEVLIBS_CRYPT)
    BR_DEVLIBS_BLKID(BR_DEVLIBS_BLK)
#undef BR_DEVLIBS_BLK
#undef BR_DEVLIBS_CRYPT
#undef BR_DEVLIBS_LOAD
    s_table = table;
    s_loaded = true;
    return 0;
fail:
    if (blkid) {
        dlclose(blkid);
    }
    if (crypt) {
        dlclose(crypt);
    }
    return -1;
}

const br_devlibs_t *
br_devlibs_get(void)
{
    if (!s_loaded) {
        abort();
    }
    return &s_table;
}
