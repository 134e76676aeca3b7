/*  br_config: reads a brine configuration file (/etc/brine/master,
    /etc/brine/minion) against the program's schema and answers typed
    queries about it.

    br_yaml reads the file into a tree in raw mode, where a plain scalar
    stays the text it was written as; this file is the schema check. Option
    names are checked as br_yaml reads them (so that a second "port:" is
    "set twice", not a YAML duplicate key), the values once the file is read.

    Values follow YAML 1.1 as Salt's PyYAML reads them (br_yaml_plain: yes,
    no, on, off are booleans, `key:` with nothing is null), but we are
    stricter where PyYAML would guess: integers and booleans must be plain
    (a quoted "4605" is a string), integers plain decimal digits.

    Null values: for a string option, null (`key:`, `key: ~`, `key: null`)
    means "unset" and br_config_str returns NULL; for a list option it means
    the empty list; for an integer or boolean option it is an error. A
    quoted "" is an empty string, not null. */
#include "brine.h"
#include "br_yaml_scalar.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

//  A configuration file is a few hundred bytes; these caps only keep a
//  wrong path (a log file, /dev/zero's cousins) or a hostile value from
//  costing much memory or filling logs.
#define BR_CONFIG_MAX_FILE (1024 * 1024)
#define BR_CONFIG_MAX_VALUE 4096

//  How much of a rejected value an error message quotes.
#define BR_CONFIG_ECHO_MAX 40

//  Where command-line overrides say they come from in error messages.
#define BR_CONFIG_CMDLINE "command line"

//  One option's current value; which member is used depends on its type.
//  Where it was written is kept so that a program checking a value further
//  (a master address, say) can name the file and line as we do.
typedef struct {
    char *str;       //  BR_OPT_STRING: owned text, or NULL when unset
    int64_t num;     //  BR_OPT_INT: the number; BR_OPT_BOOL: 0 or 1
    zlistx_t *list;  //  BR_OPT_LIST: owned strings; never NULL once loaded
    int line;        //  line of the option's name in the file; 0 if not from it
    int *item_lines; //  BR_OPT_LIST from the file: the line of each item
    bool cmdline;    //  set by br_config_set
} s_value_t;

struct _br_config_t {
    const br_option_t *schema; //  the caller's table; must outlive the config
    size_t count;              //  options in the schema, without the terminator
    s_value_t *values;         //  one per option, same index as the schema
    char *path;                //  the file read, or that would have been read
};

//  A scalar from the file, the command line or the schema, before conversion.
typedef struct {
    const char *text; //  NUL-terminated
    size_t len;       //  length as the source reports it (a NUL may hide inside)
    bool plain;       //  unquoted, so it may be a number, a boolean or null
    bool null;        //  the source says "no value"
} s_scalar_t;

static void
s_item_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static int
s_list_append(zlistx_t *list, const char *text)
{
    char *copy = strdup(text);
    if (copy && zlistx_add_end(list, copy)) {
        return 0;
    }
    free(copy);
    return BR_ERR_NOMEM;
}

static void
s_value_clear(s_value_t *value)
{
    free(value->str);
    zlistx_destroy(&value->list);
    free(value->item_lines);
    memset(value, 0, sizeof *value);
}

//  Copies at most BR_CONFIG_ECHO_MAX bytes of text into out for an error
//  message, replacing anything but printable ASCII so that a file cannot
//  put control sequences into a terminal or a log.
static const char *
s_echo(const char *text, size_t len, char out[BR_CONFIG_ECHO_MAX + 4])
{
    size_t n = len < BR_CONFIG_ECHO_MAX ? len : BR_CONFIG_ECHO_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[n] = '\0';
    if (len > n) {
        memcpy(out + n, "...", 4);
    }
    return out;
}

static bool
s_find(const br_config_t *self, const char *name, size_t *index)
{
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->schema[i].name, name) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

//  What an option expects, for "expected X, got Y" messages.
static void
s_expected(const br_option_t *opt, char *out, size_t size)
{
    if (opt->type == BR_OPT_INT) {
        snprintf(out, size, "an integer between %" PRId64 " and %" PRId64, opt->min, opt->max);
    } else {
        snprintf(out, size, "%s",
                 opt->type == BR_OPT_STRING ? "a string"
                 : opt->type == BR_OPT_BOOL ? "true or false"
                                            : "a string or a list of strings");
    }
}

static int
s_check_text(const s_scalar_t *sc, char *why, size_t size)
{
    if (sc->len > BR_CONFIG_MAX_VALUE) {
        snprintf(why, size, "value is longer than %d bytes", BR_CONFIG_MAX_VALUE);
        return BR_ERR_CONFIG;
    }
    //  A double-quoted "\0" would silently cut the value short in C.
    if (memchr(sc->text, '\0', sc->len)) {
        snprintf(why, size, "value contains a NUL byte");
        return BR_ERR_CONFIG;
    }
    return 0;
}

//  The YAML 1.1 meaning of a plain scalar, *out of the kind asked for or
//  NULL. Integers must be [+-]?(0|[1-9][0-9]*): YAML 1.1 (and so Salt) would
//  read 0644 as octal; we would rather fail than silently disagree with the
//  file's author. 0 or BR_ERR_NOMEM.
static int
s_resolve(const s_scalar_t *sc, br_vkind_t kind, br_value_t **out)
{
    const char *digits = sc->text + (sc->text[0] == '-' || sc->text[0] == '+');
    size_t n = strspn(digits, "0123456789");
    *out = NULL;
    if (kind == BR_V_INT && (!n || digits[n] || (digits[0] == '0' && n > 1))) {
        return 0;
    }
    //  BR_ERR_INVALID: a number too big for 64 bits
    int rc = br_yaml_plain(sc->text, sc->len, out);
    if (rc == 0 && br_value_kind(*out) != kind) {
        br_value_destroy(out);
    }
    return rc == BR_ERR_NOMEM ? rc : 0;
}

//  Converts one scalar to opt's type into *out (which the caller frees
//  with s_value_clear). On a bad value writes the reason into why and
//  returns BR_ERR_CONFIG.
static int
s_convert(const br_option_t *opt, const s_scalar_t *sc, s_value_t *out, char *why, size_t size)
{
    char expected[96], echo[BR_CONFIG_ECHO_MAX + 4];
    bool number = opt->type == BR_OPT_INT || opt->type == BR_OPT_BOOL;
    br_value_t *word = NULL;
    int rc = 0;
    memset(out, 0, sizeof *out);
    s_expected(opt, expected, sizeof expected);
    if (sc->null && number) {
        snprintf(why, size, "expected %s, got nothing", expected);
        return BR_ERR_CONFIG;
    }
    if (!sc->null && (rc = s_check_text(sc, why, size)) != 0) {
        return rc;
    }
    //  Numbers and booleans are words of the YAML document itself: quoting
    //  one makes it a string, so we refuse it rather than guess.
    if (!sc->plain && number) {
        snprintf(why, size, "expected %s, got the quoted string '%s'", expected,
                 s_echo(sc->text, sc->len, echo));
        return BR_ERR_CONFIG;
    }
    switch (opt->type) {
    case BR_OPT_STRING:
        return sc->null || (out->str = strdup(sc->text)) ? 0 : BR_ERR_NOMEM;
    case BR_OPT_LIST:
        if (!(out->list = zlistx_new())) {
            return BR_ERR_NOMEM;
        }
        zlistx_set_destructor(out->list, s_item_destroy);
        return sc->null ? 0 : s_list_append(out->list, sc->text);
    case BR_OPT_INT:
    case BR_OPT_BOOL:
        if ((rc = s_resolve(sc, opt->type == BR_OPT_INT ? BR_V_INT : BR_V_BOOL, &word)) != 0) {
            return rc;
        }
        if (word && (opt->type == BR_OPT_BOOL ||
                     (br_value_as_int(word) >= opt->min && br_value_as_int(word) <= opt->max))) {
            out->num = opt->type == BR_OPT_BOOL ? br_value_as_bool(word) : br_value_as_int(word);
        } else {
            snprintf(why, size, "expected %s%s, got '%s'", expected,
                     opt->type == BR_OPT_BOOL ? " (or yes/no, on/off)" : "",
                     s_echo(sc->text, sc->len, echo));
            rc = BR_ERR_CONFIG;
        }
        br_value_destroy(&word);
        return rc;
    }
    snprintf(why, size, "option has an unknown type");
    return BR_ERR_INTERNAL;
}

//  "FILE:LINE: option 'NAME': REASON", the one shape of a value error.
static int
s_option_error(br_errmsg_t *err, int rc, const char *where, int line, const char *name,
               const char *reason)
{
    if (rc == BR_ERR_NOMEM) {
        return br_errmsg_set(err, rc, "%s: out of memory", where);
    }
    if (line) {
        return br_errmsg_set(err, rc, "%s:%d: option '%s': %s", where, line, name, reason);
    }
    return br_errmsg_set(err, rc, "%s: option '%s': %s", where, name, reason);
}

//  A scalar of the file as s_convert takes it.
static int
s_scalar(const br_value_t *value, s_scalar_t *sc)
{
    br_value_t *null = NULL;
    *sc = (s_scalar_t){br_value_as_str(value), br_value_str_len(value), !br_value_quoted(value),
                       false};
    int rc = sc->plain ? s_resolve(sc, BR_V_NULL, &null) : 0;
    sc->null = null != NULL;
    br_value_destroy(&null);
    return rc;
}

//  Each key of the top-level map as br_yaml reads it: an option of the
//  schema, not seen before.
static int
s_check_key(void *arg, const br_value_t *map, const char *key, bool quoted, int line, int depth,
            br_errmsg_t *err)
{
    const br_config_t *cfg = arg;
    char echo[BR_CONFIG_ECHO_MAX + 4];
    size_t index;
    if (depth != 1) {
        return 0;
    }
    if (!key || quoted || !*key) {
        return br_errmsg_set(err, BR_ERR_CONFIG,
                             "%s:%d: expected an option name (a plain, unquoted word)", cfg->path,
                             line);
    }
    if (!s_find(cfg, key, &index)) {
        return br_errmsg_set(err, BR_ERR_CONFIG, "%s:%d: unknown option '%s'", cfg->path, line,
                             s_echo(key, strlen(key), echo));
    }
    for (size_t i = 0; i < br_value_map_size(map); i++) {
        if (strcmp(br_value_map_key(map, i), key) == 0) {
            char why[64];
            snprintf(why, sizeof why, "set twice (first on line %d)",
                     br_value_map_key_line(map, i));
            return s_option_error(err, BR_ERR_CONFIG, cfg->path, line, key, why);
        }
    }
    return 0;
}

//  The value of option index from the file: a scalar, or a list of them
//  for a list option.
static int
s_check_value(br_config_t *cfg, size_t index, const br_value_t *value, int key_line,
              br_errmsg_t *err)
{
    const br_option_t *opt = &cfg->schema[index];
    char why[256] = "", expected[96];
    s_value_t converted = {NULL, 0, NULL, 0, NULL, false};
    s_scalar_t sc;
    br_vkind_t kind = br_value_kind(value);
    int line = br_value_line(value), rc = BR_ERR_CONFIG;
    s_expected(opt, expected, sizeof expected);
    if (kind == BR_V_STR && (rc = s_scalar(value, &sc)) == 0) {
        rc = s_convert(opt, &sc, &converted, why, sizeof why);
    } else if (kind == BR_V_LIST && opt->type == BR_OPT_LIST) {
        //  The empty list (what null is), then each item
        sc = (s_scalar_t){"", 0, true, true};
        rc = s_convert(opt, &sc, &converted, why, sizeof why);
        for (size_t i = 0; rc == 0 && i < br_value_list_size(value); i++) {
            const br_value_t *item = br_value_list_at(value, i);
            line = br_value_line(item);
            if (br_value_kind(item) != BR_V_STR) {
                snprintf(why, sizeof why, "list items must be strings, not lists or mappings");
                rc = BR_ERR_CONFIG;
            } else if ((rc = s_scalar(item, &sc)) == 0 && sc.null) {
                snprintf(why, sizeof why, "list items must not be empty");
                rc = BR_ERR_CONFIG;
            } else if (rc == 0 && (rc = s_check_text(&sc, why, sizeof why)) == 0) {
                rc = s_list_append(converted.list, sc.text);
            }
        }
    } else if (kind != BR_V_STR) {
        snprintf(why, sizeof why, "expected %s, got %s", expected,
                 kind == BR_V_LIST ? "a list" : "a nested mapping");
    }
    //  A single scalar is a one-item list written on the value's line
    size_t held = rc == 0 && converted.list ? zlistx_size(converted.list) : 0;
    if (held && !(converted.item_lines = calloc(held, sizeof *converted.item_lines))) {
        rc = BR_ERR_NOMEM;
    }
    for (size_t i = 0; rc == 0 && i < held; i++) {
        converted.item_lines[i] =
            kind == BR_V_LIST ? br_value_line(br_value_list_at(value, i)) : br_value_line(value);
    }
    if (rc) {
        s_value_clear(&converted);
        return s_option_error(err, rc, cfg->path, line, opt->name, why);
    }
    converted.line = key_line;
    s_value_clear(&cfg->values[index]);
    cfg->values[index] = converted;
    return 0;
}

//  A config holding the schema's defaults. A default that does not pass
//  its own option's checks is a bug in the schema.
static int
s_new(const br_option_t *schema, const char *path, br_config_t **self_p, br_errmsg_t *err)
{
    char why[256] = "";
    int rc = BR_ERR_NOMEM;
    br_config_t *self = calloc(1, sizeof *self);
    if (!self || !(self->path = strdup(path))) {
        goto out;
    }
    self->schema = schema;
    while (schema[self->count].name) {
        self->count++;
    }
    if (!(self->values = calloc(self->count ? self->count : 1, sizeof *self->values))) {
        goto out;
    }
    for (size_t i = 0; i < self->count; i++) {
        const br_option_t *opt = &schema[i];
        size_t other;
        assert(s_find(self, opt->name, &other) && other == i && "duplicate option in schema");
        (void)other;
        assert((opt->type != BR_OPT_INT || opt->min <= opt->max) && "empty integer range");
        s_scalar_t sc = {opt->def, opt->def ? strlen(opt->def) : 0, true, opt->def == NULL};
        rc = s_convert(opt, &sc, &self->values[i], why, sizeof why);
        assert(rc != BR_ERR_CONFIG && "schema default does not pass its own checks");
        if (rc) {
            rc = rc == BR_ERR_NOMEM ? rc : BR_ERR_INTERNAL;
            goto out;
        }
    }
    *self_p = self;
    self = NULL;
    rc = 0;
out:
    if (rc == BR_ERR_NOMEM) {
        br_errmsg_set(err, rc, "%s: out of memory", path);
    } else if (rc) {
        br_errmsg_set(err, rc, "%s: invalid default in the option schema: %s", path, why);
    }
    br_config_destroy(&self);
    return rc;
}

br_config_t *
br_config_load(const char *path, const br_option_t *schema, bool must_exist, br_errmsg_t *err)
{
    assert(path && schema);
    if (!path || !schema) {
        br_errmsg_set(err, BR_ERR_INVALID, "br_config_load: no path or schema");
        return NULL;
    }
    br_config_t *cfg = NULL;
    br_value_t *doc = NULL;
    int rc = s_new(schema, path, &cfg, err);
    if (rc == 0) {
        br_yaml_opts_t opts = {true, s_check_key, cfg};
        rc = br_yaml_parse_file(path, BR_CONFIG_MAX_FILE, &opts, &doc, err);
        //  A missing file means "all defaults", as with Salt.
        rc = rc == BR_ERR_NOTFOUND && !must_exist ? 0 : rc;
    }
    //  An empty file, or one of only comments, is an empty map (doc).
    if (rc == 0 && doc && br_value_kind(doc) != BR_V_MAP) {
        rc =
            br_errmsg_set(err, BR_ERR_CONFIG, "%s:%d: expected a mapping of option names to values",
                          path, br_value_line(doc));
    }
    for (size_t i = 0, index = 0; rc == 0 && i < br_value_map_size(doc); i++) {
        //  s_check_key has found every key in the schema.
        if (s_find(cfg, br_value_map_key(doc, i), &index)) {
            rc = s_check_value(cfg, index, br_value_map_at(doc, i), br_value_map_key_line(doc, i),
                               err);
        }
    }
    br_value_destroy(&doc);
    if (rc) {
        br_config_destroy(&cfg);
    }
    return cfg;
}

void
br_config_destroy(br_config_t **self_p)
{
    if (!self_p || !*self_p) {
        return;
    }
    br_config_t *self = *self_p;
    for (size_t i = 0; self->values && i < self->count; i++) {
        s_value_clear(&self->values[i]);
    }
    free(self->values);
    free(self->path);
    free(self);
    *self_p = NULL;
}

//  A command-line value is taken literally: "null" there is the string
//  "null". Only a NULL value means unset (string) or empty (list).
int
br_config_set(br_config_t *self, const char *name, const char *value, br_errmsg_t *err)
{
    char why[256] = "", echo[BR_CONFIG_ECHO_MAX + 4];
    size_t index;
    s_value_t converted;
    assert(self && name);
    if (!self || !name) {
        return br_errmsg_set(err, BR_ERR_INVALID, "br_config_set: no config or option name");
    }
    if (!s_find(self, name, &index)) {
        return br_errmsg_set(err, BR_ERR_CONFIG, "%s: unknown option '%s'", BR_CONFIG_CMDLINE,
                             s_echo(name, strlen(name), echo));
    }
    //  strnlen: a value past the cap is refused without measuring all of it.
    s_scalar_t sc = {value, value ? strnlen(value, BR_CONFIG_MAX_VALUE + 1) : 0, true, !value};
    int rc = s_convert(&self->schema[index], &sc, &converted, why, sizeof why);
    if (rc) {
        s_value_clear(&converted);
        return s_option_error(err, rc, BR_CONFIG_CMDLINE, 0, name, why);
    }
    converted.cmdline = true;
    s_value_clear(&self->values[index]);
    self->values[index] = converted;
    return 0;
}

//  The value of name, which must be in the schema with the given type.
//  Release builds (NDEBUG) answer NULL instead of stopping.
static const s_value_t *
s_get(const br_config_t *self, const char *name, br_opt_type_t type)
{
    size_t index;
    assert(self && name);
    if (!self || !name) {
        return NULL;
    }
    bool found = s_find(self, name, &index);
    assert(found && "option is not in the schema");
    if (!found) {
        return NULL;
    }
    assert(self->schema[index].type == type && "option has another type");
    if (self->schema[index].type != type) {
        return NULL;
    }
    return &self->values[index];
}

const char *
br_config_str(const br_config_t *self, const char *name)
{
    const s_value_t *value = s_get(self, name, BR_OPT_STRING);
    return value ? value->str : NULL;
}

int64_t
br_config_int(const br_config_t *self, const char *name)
{
    const s_value_t *value = s_get(self, name, BR_OPT_INT);
    return value ? value->num : 0;
}

bool
br_config_bool(const br_config_t *self, const char *name)
{
    const s_value_t *value = s_get(self, name, BR_OPT_BOOL);
    return value ? value->num != 0 : false;
}

zlistx_t *
br_config_list(const br_config_t *self, const char *name)
{
    const s_value_t *value = s_get(self, name, BR_OPT_LIST);
    return value ? value->list : NULL;
}

const char *
br_config_path(const br_config_t *self)
{
    assert(self);
    return self ? self->path : NULL;
}

int
br_config_line(const br_config_t *self, const char *name, size_t item)
{
    size_t index;
    assert(self && name);
    if (!self || !name || !s_find(self, name, &index)) {
        return 0;
    }
    const s_value_t *value = &self->values[index];
    if (item == BR_CONFIG_WHOLE) {
        return value->line;
    }
    bool listed = value->item_lines && value->list && item < zlistx_size(value->list);
    return listed ? value->item_lines[item] : 0;
}

int
br_config_error(const br_config_t *self, br_errmsg_t *err, int rc, const char *name, size_t item,
                const char *format, ...)
{
    assert(self && name && format);
    if (!self || !name || !format) {
        return br_errmsg_set(err, BR_ERR_INVALID, "br_config_error: no config or option name");
    }
    char reason[400];
    va_list args;
    va_start(args, format);
    vsnprintf(reason, sizeof reason, format, args);
    va_end(args);
    //  The reason may quote the value: keep control sequences out of
    //  terminals and logs, as s_echo does
    for (char *c = reason; *c; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
            *c = '?';
        }
    }
    size_t index;
    bool cmdline = s_find(self, name, &index) && self->values[index].cmdline;
    return s_option_error(err, rc, cmdline ? BR_CONFIG_CMDLINE : self->path,
                          br_config_line(self, name, item), name, reason);
}
