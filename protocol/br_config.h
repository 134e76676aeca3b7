/*  br_config: YAML configuration files (/etc/brine/master, /etc/brine/minion).

    A file is one YAML mapping of option names to values. Each program
    describes its options in a schema table (name, type, default, doc); an
    unknown option, a wrong type or a duplicate is an error naming the file,
    line and option. A missing file means "all defaults", as with Salt. */
#ifndef BR_CONFIG_H
#define BR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "br_error.h"

typedef enum {
    BR_OPT_STRING,
    BR_OPT_INT,    //  a decimal integer within [min, max]
    BR_OPT_BOOL,   //  true/false (also True/False, yes/no as in YAML 1.1)
    BR_OPT_LIST,   //  a sequence of strings, or a single string
} br_opt_type_t;

typedef struct {
    const char *name;
    br_opt_type_t type;
    const char *def;   //  default as text; NULL means "unset"; lists: one item
    int64_t min, max;  //  for BR_OPT_INT
    const char *doc;   //  one line for --help and the docs
} br_option_t;

typedef struct _br_config_t br_config_t;

//  Loads path against schema (terminated by an entry with name NULL). When
//  path does not exist and must_exist is false, the defaults are used.
br_config_t *br_config_load(const char *path, const br_option_t *schema, bool must_exist,
                            br_errmsg_t *err);
void br_config_destroy(br_config_t **self_p);

//  Overrides an option from the command line ("name", "value" text), checked
//  like a file value. 0 or negative with err set.
int br_config_set(br_config_t *self, const char *name, const char *value, br_errmsg_t *err);

//  Getters; asking for an option not in the schema, or with the wrong type,
//  is a programming error (assert).
const char *br_config_str(const br_config_t *self, const char *name);
int64_t br_config_int(const br_config_t *self, const char *name);
bool br_config_bool(const br_config_t *self, const char *name);
//  The list's items (char *); owned by the config.
zlistx_t *br_config_list(const br_config_t *self, const char *name);

//  The path the config was read from (or would have been).
const char *br_config_path(const br_config_t *self);

//  br_config_line's item for the option itself rather than a list item
#define BR_CONFIG_WHOLE SIZE_MAX

//  Where a value was written: the line of the option's name, or with item
//  < the list's size the line of that list item. 0 for a default, a value
//  from the command line, or an option not in the schema.
int br_config_line(const br_config_t *self, const char *name, size_t item);

//  For a program's own checks of a value beyond its type: writes the error
//  in br_config's one shape, "FILE:LINE: option 'NAME': REASON" (LINE as
//  br_config_line gives it, left out when 0; "command line" for a value set
//  there), and returns rc.
int br_config_error(const br_config_t *self, br_errmsg_t *err, int rc, const char *name,
                    size_t item, const char *format, ...) __attribute__((format(printf, 6, 7)));

#endif
