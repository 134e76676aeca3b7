/*  br_modules: the one table of state modules, and lookups in it. A new
    module is one file exporting a br_module_t, and one line here. */
#include "br_module.h"

extern const br_module_t br_mod_cmd;
extern const br_module_t br_mod_test;
extern const br_module_t br_mod_luks;
extern const br_module_t br_mod_lvm;
extern const br_module_t br_mod_mount;
extern const br_module_t br_mod_service;
extern const br_module_t br_mod_mongodb;

const br_module_t *const br_modules[] = {
    &br_mod_cmd,
    &br_mod_test,
    &br_mod_luks,
    &br_mod_lvm,
    &br_mod_mount,
    &br_mod_service,
    &br_mod_mongodb,
    NULL,
};

const br_module_t *
br_module_find(const char *name)
{
    for (size_t i = 0; br_modules[i]; i++) {
        if (strcmp(br_modules[i]->name, name) == 0) {
            return br_modules[i];
        }
    }
    return NULL;
}

const br_function_t *
br_function_find(const br_module_t *module, const char *name)
{
    for (const br_function_t *f = module->functions; f->name; f++) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

const br_arg_t *
br_arg_find(const br_function_t *function, const char *name)
{
    for (const br_arg_t *a = function->args; a && a->name; a++) {
        if (strcmp(a->name, name) == 0) {
            return a;
        }
    }
    return NULL;
}
