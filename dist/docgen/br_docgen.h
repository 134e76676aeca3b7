/*  br_docgen: the reference documentation that is data in the code,
    written from the tables themselves so that it never drifts from them:
    the state modules (every module's functions and argument schemas, as the
    state compiler checks them) as Markdown and as a man page, and the
    configuration files (every option of a program's schema with its type
    and default) as a man page and as the commented example file installed
    in /etc/brine. Every writer is deterministic: no date, no host, no path. */
#ifndef BR_DOCGEN_H
#define BR_DOCGEN_H

#include "br_config.h"
#include "br_module.h"

#include <stdio.h>

//  docs/state-modules.md from modules (NULL-terminated, e.g. br_modules).
void br_docgen_states_md(const br_module_t *const *modules, FILE *out);

//  The man page brine-states(7) from the same table.
void br_docgen_states_man(const br_module_t *const *modules, const char *version, FILE *out);

//  The commented example of a configuration file: every option of schema,
//  its meaning and its default, commented out, so that the file as
//  installed means "all defaults" and uncommenting a line keeps the
//  default. program names the daemon ("brine-master").
void br_docgen_config_example(const br_option_t *schema, const char *program, const char *path,
                              FILE *out);

//  The options of schema as man page text (a .TP per option), for the
//  @OPTIONS@ line of a hand-written page such as brine-master.5.in.
void br_docgen_config_man(const br_option_t *schema, FILE *out);

//  Copies template to out with every line that is exactly "@OPTIONS@"
//  replaced by br_docgen_config_man(schema) and every "@PROJECT_VERSION@" by
//  version. 0, or -1 with errno when template cannot be read.
int br_docgen_fill(const char *template, const br_option_t *schema, const char *version, FILE *out);

#endif
