/*  brine-docgen: writes the documentation that comes from the code's own
    tables (br_docgen.h). The build runs it for the man pages and the
    example configuration files; `--target state-docs` runs it for
    docs/state-modules.md, which is kept in the tree for readers.
      brine-docgen states-md OUT
      brine-docgen states-man OUT
      brine-docgen example master|minion OUT
      brine-docgen config-man master|minion TEMPLATE OUT */
#include "br_docgen.h"
#include "master_config.h"
#include "minion_config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const br_option_t *
s_schema(const char *program)
{
    if (strcmp(program, "master") == 0) {
        return br_master_options;
    }
    return strcmp(program, "minion") == 0 ? br_minion_options : NULL;
}

static int
s_usage(void)
{
    fprintf(stderr, "usage: brine-docgen states-md OUT | states-man OUT |\n"
                    "       example master|minion OUT | config-man master|minion TEMPLATE OUT\n");
    return 2;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        return s_usage();
    }
    const char *what = argv[1];
    const char *path = argv[argc - 1];
    const br_option_t *schema = argc >= 4 ? s_schema(argv[2]) : NULL;
    bool known =
        (argc == 3 && (strcmp(what, "states-md") == 0 || strcmp(what, "states-man") == 0)) ||
        (argc == 4 && schema && strcmp(what, "example") == 0) ||
        (argc == 5 && schema && strcmp(what, "config-man") == 0);
    if (!known) {
        return s_usage();
    }
    //  Written beside the target and renamed over it, so that an
    //  interrupted build never leaves half a page behind
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        fprintf(stderr, "brine-docgen: cannot write %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    int rc = 0;
    if (strcmp(what, "states-md") == 0) {
        br_docgen_states_md(br_modules, out);
    } else if (strcmp(what, "states-man") == 0) {
        br_docgen_states_man(br_modules, BRINE_VERSION, out);
    } else if (strcmp(what, "example") == 0) {
        char etc[64];
        snprintf(etc, sizeof etc, "/etc/brine/%s", argv[2]);
        char program[64];
        snprintf(program, sizeof program, "brine-%s", argv[2]);
        br_docgen_config_example(schema, program, etc, out);
    } else if (br_docgen_fill(argv[3], schema, BRINE_VERSION, out) != 0) {
        fprintf(stderr, "brine-docgen: cannot read %s: %s\n", argv[3], strerror(errno));
        rc = 1;
    }
    if (fclose(out) != 0 || rc != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "brine-docgen: cannot write %s\n", path);
        unlink(tmp);
        return 1;
    }
    return 0;
}
