/*  unit_docs: the documentation written from the tables has not drifted
    from them. docs/state-modules.md in the tree is what brine-docgen
    writes now (else: cmake --build BUILD --target state-docs); the example
    configuration files load as all defaults, and with every option
    uncommented still load, each option holding its default; the man pages
    name every module function, argument and option. */
#include "br_docgen.h"
#include "master_config.h"
#include "minion_config.h"
#include "testutil.h"

#include <string.h>

//  What a writer prints, as a string the caller frees
static char *
s_text(void (*write)(const void *arg, FILE *out), const void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        return NULL;
    }
    write(arg, out);
    fclose(out);
    return text;
}

static void
s_states_md(const void *arg, FILE *out)
{
    (void)arg;
    br_docgen_states_md(br_modules, out);
}

static void
s_states_man(const void *arg, FILE *out)
{
    (void)arg;
    br_docgen_states_man(br_modules, "test", out);
}

static void
s_config_man(const void *arg, FILE *out)
{
    br_docgen_config_man(arg, out);
}

static char *
s_read(const char *path)
{
    FILE *file = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while (file && out && (n = fread(buf, 1, sizeof buf, file)) > 0) {
        fwrite(buf, 1, n, out);
    }
    if (out) {
        fclose(out);
    }
    if (!file) {
        free(text);
        return NULL;
    }
    fclose(file);
    return text;
}

static void
s_test_state_docs(void)
{
    char *fresh = s_text(s_states_md, NULL);
    char *kept = s_read(BRINE_SOURCE_DIR "/docs/state-modules.md");
    CHECK(fresh != NULL);
    if (!kept || !fresh || strcmp(kept, fresh) != 0) {
        fprintf(stderr, "docs/state-modules.md differs from the module tables: run\n"
                        "  cmake --build BUILD --target state-docs\n");
        test_failures++;
    }
    char *man = s_text(s_states_man, NULL);
    for (size_t m = 0; br_modules[m]; m++) {
        for (const br_function_t *f = br_modules[m]->functions; f->name; f++) {
            char heading[160];
            snprintf(heading, sizeof heading, "\n### %s.%s\n", br_modules[m]->name, f->name);
            CHECK(fresh && strstr(fresh, heading));
            snprintf(heading, sizeof heading, "\n.B %s.%s\n", br_modules[m]->name, f->name);
            CHECK(man && strstr(man, heading));
            for (const br_arg_t *a = f->args; a && a->name; a++) {
                snprintf(heading, sizeof heading, "| `%s` |", a->name);
                CHECK(fresh && strstr(fresh, heading));
            }
        }
    }
    free(man);
    free(kept);
    free(fresh);
}

typedef struct {
    const br_option_t *schema;
    const char *program;
} s_example_arg_t;

static void
s_example(const void *arg, FILE *out)
{
    const s_example_arg_t *ex = arg;
    br_docgen_config_example(ex->schema, ex->program, "/etc/brine/x", out);
}

static void
s_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (file) {
        fputs(text, file);
        fclose(file);
    }
}

//  Every option holds its default
static void
s_check_defaults(const br_config_t *cfg, const br_option_t *schema)
{
    for (const br_option_t *opt = schema; opt->name; opt++) {
        switch (opt->type) {
        case BR_OPT_STRING:
            if (opt->def) {
                CHECK_STR(br_config_str(cfg, opt->name), opt->def);
            } else {
                CHECK(br_config_str(cfg, opt->name) == NULL);
            }
            break;
        case BR_OPT_INT:
            CHECK_EQ_INT(br_config_int(cfg, opt->name), strtoll(opt->def, NULL, 10));
            break;
        case BR_OPT_BOOL:
            CHECK(br_config_bool(cfg, opt->name) == (opt->def[0] == 't' || opt->def[0] == 'y'));
            break;
        case BR_OPT_LIST: {
            zlistx_t *list = br_config_list(cfg, opt->name);
            CHECK_EQ_INT(zlistx_size(list), opt->def ? 1 : 0);
            if (opt->def) {
                CHECK_STR(zlistx_first(list), opt->def);
            }
            break;
        }
        }
    }
}

static void
s_test_example(const char *dir, const br_option_t *schema, const char *program)
{
    s_example_arg_t arg = {schema, program};
    char *text = s_text(s_example, &arg);
    char path[600];
    br_errmsg_t err = {""};
    CHECK(text != NULL);
    if (!text) {
        return;
    }
    snprintf(path, sizeof path, "%s/%s", dir, program);
    //  As installed: all defaults
    s_write(path, text);
    br_config_t *cfg = br_config_load(path, schema, true, &err);
    if (!cfg) {
        fprintf(stderr, "the example for %s does not load: %s\n", program, err.text);
        test_failures++;
    }
    br_config_destroy(&cfg);
    //  Every option uncommented ("#name: value" -> "name: value"): each
    //  option is there once, and its value is its default
    size_t uncommented = 0;
    for (char *line = text; line && *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        //  Comments are "# text"; options are "#name: value"
        if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') {
            memmove(line, line + 1, strlen(line));
            uncommented++;
        }
    }
    size_t count = 0;
    while (schema[count].name) {
        count++;
    }
    CHECK_EQ_INT(uncommented, count);
    s_write(path, text);
    cfg = br_config_load(path, schema, true, &err);
    if (!cfg) {
        fprintf(stderr, "the example for %s, uncommented, does not load: %s\n", program, err.text);
        test_failures++;
    } else {
        s_check_defaults(cfg, schema);
    }
    br_config_destroy(&cfg);
    //  The man page lists every option
    char *man = s_text(s_config_man, schema);
    for (const br_option_t *opt = schema; man && opt->name; opt++) {
        char entry[128] = ".TP\n.B ";
        size_t at = strlen(entry);
        for (const char *c = opt->name; *c && at + 3 < sizeof entry; c++) {
            entry[at++] = *c;
        }
        entry[at] = '\0';
        CHECK(strstr(man, entry) != NULL);
    }
    free(man);
    free(text);
}

int
main(void)
{
    char *dir = test_tmpdir();
    CHECK(dir != NULL);
    s_test_state_docs();
    if (dir) {
        s_test_example(dir, br_master_options, "brine-master");
        s_test_example(dir, br_minion_options, "brine-minion");
        test_rmtree(dir);
    }
    free(dir);
    return test_done("unit_docs");
}
