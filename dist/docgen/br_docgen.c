/*  br_docgen: reference documentation written from the module and option
    tables (see br_docgen.h). The prose around the tables is here too, kept
    short: what it says holds for every module or option, so it cannot go
    stale as the tables change. */
#include "br_docgen.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

//  Where the example files wrap their comments
#define S_EXAMPLE_WIDTH 78

static const char *
s_arg_type(br_arg_type_t type)
{
    switch (type) {
    case BR_ARG_STR:
        return "string";
    case BR_ARG_INT:
        return "integer";
    case BR_ARG_BOOL:
        return "boolean";
    case BR_ARG_LIST:
        return "list";
    case BR_ARG_MAP:
        return "map";
    case BR_ARG_SECRET:
        return "secret";
    }
    return "?";
}

static const char *
s_opt_type(br_opt_type_t type)
{
    switch (type) {
    case BR_OPT_STRING:
        return "string";
    case BR_OPT_INT:
        return "integer";
    case BR_OPT_BOOL:
        return "boolean";
    case BR_OPT_LIST:
        return "list";
    }
    return "?";
}

//  Text in a Markdown table cell: a '|' would end the cell
static void
s_md_cell(const char *text, FILE *out)
{
    for (const char *c = text; *c; c++) {
        if (*c == '|') {
            fputc('\\', out);
        }
        fputc(*c, out);
    }
}

//  Text for roff: a backslash is roff's escape, and a line that starts
//  with '.' or '\'' would be read as a request
static void
s_roff(const char *text, bool at_line_start, FILE *out)
{
    if (at_line_start && (text[0] == '.' || text[0] == '\'')) {
        fputs("\\&", out);
    }
    for (const char *c = text; *c; c++) {
        if (*c == '\\') {
            fputs("\\e", out);
        } else {
            fputc(*c, out);
        }
    }
}

//  A name or value set in bold: minus signs in it are real minus signs
//  (copied from the page into a file, "\-" stays '-', a hyphen may not)
static void
s_roff_code(const char *text, FILE *out)
{
    for (const char *c = text; *c; c++) {
        if (*c == '-') {
            fputs("\\-", out);
        } else if (*c == '\\') {
            fputs("\\e", out);
        } else {
            fputc(*c, out);
        }
    }
}

//  The paragraphs every page of the state reference starts with, as
//  (markdown, roff) pairs of the same text
static const char *s_states_intro[] = {
    "Every state module brine has, with each function and the arguments the "
    "state compiler accepts for it. A state that names another module or "
    "function, leaves out a required argument, or passes an unknown argument "
    "or one of the wrong type is refused before anything runs, with the file "
    "and line of the state (`brine-master --check-config` checks a whole "
    "tree).",
    "Besides its own arguments, every state takes `name` (what the state is "
    "about: a path, a device, a service; the state's ID when left out), the "
    "requisites `require`, `watch`, `onchanges`, `onfail` and their `_in` "
    "forms, and `order`, `failhard`, `unless`, `onlyif` and `creates`, with "
    "Salt's meanings.",
    "Types: a *string* also accepts a number or a boolean (converted to "
    "text); a *list* is a list of strings, and a single string is a "
    "one-item list; a *map* maps names to strings; a *secret* is a string "
    "that must come from a secret pillar value (a key named `password`, "
    "`passphrase` or `secret`, or ending in `_password`, ...): it travels "
    "sealed to its minion, lives only in locked memory, and is never "
    "printed, logged, passed on a command line or kept in the job cache. A "
    "secret anywhere else, and anything but a secret here, is a compile "
    "error.",
    NULL,
};

//  Said of a function that has a watch action
static const char *s_watch_text =
    "With `watch`: when a watched state changed and this one changed nothing "
    "itself, its watch action runs (as Salt's mod_watch).";

//  Markdown text to roff: `code` and *emphasis* become bold and italic
static void
s_md_to_roff(const char *text, FILE *out)
{
    bool code = false, emph = false;
    if (text[0] == '.' || text[0] == '\'') {
        fputs("\\&", out);
    }
    for (const char *c = text; *c; c++) {
        if (*c == '`') {
            fputs(code ? "\\fR" : "\\fB", out);
            code = !code;
        } else if (*c == '*' && !code) {
            fputs(emph ? "\\fR" : "\\fI", out);
            emph = !emph;
        } else if (*c == '-' && code) {
            fputs("\\-", out);
        } else if (*c == '\\') {
            fputs("\\e", out);
        } else {
            fputc(*c, out);
        }
    }
}

void
br_docgen_states_md(const br_module_t *const *modules, FILE *out)
{
    fputs("# State modules\n\n"
          "<!-- Written by brine-docgen from the module tables (states/br_modules.c,\n"
          "     states/mod_*.c): edit those, then run\n"
          "     `cmake --build BUILD --target state-docs`. The unit test unit_docs\n"
          "     fails while this file differs from the tables. -->\n\n",
          out);
    for (size_t i = 0; s_states_intro[i]; i++) {
        fprintf(out, "%s\n\n", s_states_intro[i]);
    }
    fputs("The same reference is the man page `brine-states(7)`. How states, "
          "requisites and rendering work is in [states.md](states.md).\n\n",
          out);
    fputs("| Module | Functions |\n|---|---|\n", out);
    for (size_t m = 0; modules[m]; m++) {
        fprintf(out, "| [`%s`](#%s) |", modules[m]->name, modules[m]->name);
        for (const br_function_t *f = modules[m]->functions; f->name; f++) {
            fprintf(out, "%s `%s`", f == modules[m]->functions ? "" : ",", f->name);
        }
        fputs(" |\n", out);
    }
    for (size_t m = 0; modules[m]; m++) {
        const br_module_t *mod = modules[m];
        fprintf(out, "\n## %s\n\n%s\n", mod->name, mod->doc);
        for (const br_function_t *f = mod->functions; f->name; f++) {
            fprintf(out, "\n### %s.%s\n\n%s", mod->name, f->name, f->doc);
            if (f->watch) {
                fprintf(out, " %s", s_watch_text);
            }
            fputs("\n\n", out);
            if (!f->args || !f->args->name) {
                fputs("No arguments besides `name` and the common ones.\n", out);
                continue;
            }
            fputs("| Argument | Type | Required | Default | Meaning |\n"
                  "|---|---|---|---|---|\n",
                  out);
            for (const br_arg_t *a = f->args; a->name; a++) {
                fprintf(out, "| `%s` | %s | %s | ", a->name, s_arg_type(a->type),
                        a->required ? "yes" : "no");
                if (a->def) {
                    fputc('`', out);
                    s_md_cell(a->def, out);
                    fputc('`', out);
                }
                fputs(" | ", out);
                s_md_cell(a->doc ? a->doc : "", out);
                fputs(" |\n", out);
            }
        }
    }
}

void
br_docgen_states_man(const br_module_t *const *modules, const char *version, FILE *out)
{
    fputs(".\\\" Written by brine-docgen from the state module tables; do not edit.\n", out);
    fprintf(out, ".TH BRINE-STATES 7 \"\" \"brine %s\" \"brine\"\n", version);
    fputs(".SH NAME\nbrine-states \\- the state modules of brine and their arguments\n"
          ".SH DESCRIPTION\n",
          out);
    for (size_t i = 0; s_states_intro[i]; i++) {
        fputs(i ? ".PP\n" : "", out);
        s_md_to_roff(s_states_intro[i], out);
        fputc('\n', out);
    }
    fputs(".SH MODULES\n", out);
    for (size_t m = 0; modules[m]; m++) {
        const br_module_t *mod = modules[m];
        fputs(".SS ", out);
        s_roff_code(mod->name, out);
        fputc('\n', out);
        s_roff(mod->doc, true, out);
        fputc('\n', out);
        for (const br_function_t *f = mod->functions; f->name; f++) {
            fputs(".TP\n.B ", out);
            s_roff_code(mod->name, out);
            fputc('.', out);
            s_roff_code(f->name, out);
            fputc('\n', out);
            s_roff(f->doc, true, out);
            if (f->watch) {
                fputc(' ', out);
                s_md_to_roff(s_watch_text, out);
            }
            fputc('\n', out);
            if (!f->args || !f->args->name) {
                continue;
            }
            fputs(".RS\n", out);
            for (const br_arg_t *a = f->args; a->name; a++) {
                fputs(".TP\n.B ", out);
                s_roff_code(a->name, out);
                fprintf(out, "\n%s, %s", s_arg_type(a->type),
                        a->required ? "required" : "optional");
                if (a->def) {
                    fputs(", default \\fB", out);
                    s_roff_code(a->def, out);
                    fputs("\\fR", out);
                }
                fputs(".\n.br\n", out);
                s_roff(a->doc ? a->doc : "", true, out);
                fputc('\n', out);
            }
            fputs(".RE\n", out);
        }
    }
    fputs(".SH SEE ALSO\n.BR brine (1),\n.BR brine-call (1),\n.BR brine-master (8),\n"
          ".BR brine-master (5)\n",
          out);
}

//  "# " and text, wrapped at S_EXAMPLE_WIDTH
static void
s_comment(const char *text, FILE *out)
{
    size_t col = 0;
    const char *word = text;
    while (*word) {
        size_t len = strcspn(word, " ");
        if (col && col + 1 + len > S_EXAMPLE_WIDTH) {
            fputc('\n', out);
            col = 0;
        }
        col += (size_t)fprintf(out, "%s%.*s", col ? " " : "# ", (int)len, word);
        word += len;
        word += strspn(word, " ");
    }
    fputc('\n', out);
}

void
br_docgen_config_example(const br_option_t *schema, const char *program, const char *path,
                         FILE *out)
{
    char text[512];
    fprintf(out, "# %s: the configuration of %s (man 5 %s).\n#\n", path, program, program);
    s_comment("Every option is below with its meaning and its default, commented out: as "
              "installed, this file means all defaults, as a missing or empty one does. "
              "Uncomment a line to change it. An unknown option, one set twice, or a value "
              "of the wrong type stops the program with an error naming this file, the "
              "line and the option.",
              out);
    if (strcmp(program, "brine-master") == 0) {
        s_comment("`brine-master --check-config` checks this file, the state tree and the "
                  "pillar without starting the master.",
                  out);
    }
    for (const br_option_t *o = schema; o->name; o++) {
        fputc('\n', out);
        if (o->type == BR_OPT_INT) {
            snprintf(text, sizeof text, "%s (an integer, %" PRId64 " to %" PRId64 ")", o->doc,
                     o->min, o->max);
        } else if (o->type == BR_OPT_LIST) {
            snprintf(text, sizeof text, "%s (a list, or one string)", o->doc);
        } else {
            snprintf(text, sizeof text, "%s", o->doc);
        }
        s_comment(text, out);
        //  A list without a default is the empty list; a string without
        //  one is unset, which is what "name:" with nothing says
        if (o->type == BR_OPT_LIST && !o->def) {
            fprintf(out, "#%s: []\n", o->name);
        } else {
            fprintf(out, "#%s:%s%s\n", o->name, o->def ? " " : "", o->def ? o->def : "");
        }
    }
}

void
br_docgen_config_man(const br_option_t *schema, FILE *out)
{
    for (const br_option_t *o = schema; o->name; o++) {
        fputs(".TP\n.B ", out);
        s_roff_code(o->name, out);
        fprintf(out, "\n%s", s_opt_type(o->type));
        if (o->type == BR_OPT_INT) {
            fprintf(out, " from %" PRId64 " to %" PRId64, o->min, o->max);
        }
        if (o->def) {
            fputs(", default \\fB", out);
            s_roff_code(o->def, out);
            fputs("\\fR", out);
        } else {
            fputs(o->type == BR_OPT_LIST ? ", empty by default" : ", unset by default", out);
        }
        fputs(".\n.br\n", out);
        s_roff(o->doc, true, out);
        fputc('\n', out);
    }
}

int
br_docgen_fill(const char *template, const br_option_t *schema, const char *version, FILE *out)
{
    FILE *in = fopen(template, "r");
    char line[1024];
    if (!in) {
        return -1;
    }
    while (fgets(line, sizeof line, in)) {
        if (strcmp(line, "@OPTIONS@\n") == 0) {
            br_docgen_config_man(schema, out);
            continue;
        }
        char *at = strstr(line, "@PROJECT_VERSION@");
        if (at) {
            fprintf(out, "%.*s%s%s", (int)(at - line), line, version,
                    at + strlen("@PROJECT_VERSION@"));
        } else {
            fputs(line, out);
        }
    }
    int rc = ferror(in) ? -1 : 0;
    fclose(in);
    return rc;
}
