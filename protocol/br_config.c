/*  br_config: reads a brine configuration file (/etc/brine/master,
    /etc/brine/minion) against the program's schema and answers typed
    queries about it.

    The file is one YAML mapping of option names to values. We walk
    libyaml's event stream ourselves instead of building a document tree:
    the accepted shape is so small (a mapping of scalars, or of sequences of
    scalars) that any other event is an error we can report at once, with
    the line it came from, before the parser does more work for a bad file.

    Values follow YAML 1.1 as Salt's PyYAML reads them (yes/no/on/off are
    booleans, `key:` with nothing is null), but we are stricter where
    PyYAML would guess: integers must be plain decimal digits, and anchors,
    aliases, tags, nested mappings and extra documents are all refused.

    Null values: for a string option, null (`key:`, `key: ~`, `key: null`)
    means "unset" and br_config_str returns NULL; for a list option it means
    the empty list; for an integer or boolean option it is an error. A
    quoted "" is an empty string, not null. */
#include "brine.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

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
typedef struct {
    char *str;      //  BR_OPT_STRING: owned text, or NULL when unset
    int64_t num;    //  BR_OPT_INT: the number; BR_OPT_BOOL: 0 or 1
    zlistx_t *list; //  BR_OPT_LIST: owned strings; never NULL once loaded
} s_value_t;

struct _br_config_t {
    const br_option_t *schema; //  the caller's table; must outlive the config
    size_t count;              //  options in the schema, without the terminator
    s_value_t *values;         //  one per option, same index as the schema
    char *path;                //  the file read, or that would have been read
};

//  A scalar from the file or the command line, before conversion.
typedef struct {
    const char *text; //  NUL-terminated
    size_t len;       //  length as the source reports it (a NUL may hide inside)
    bool plain;       //  unquoted, so it may be a number, a boolean or null
    bool null;        //  the source says "no value"
} s_scalar_t;

//  State of one br_config_load while it walks the event stream.
typedef struct {
    yaml_parser_t parser; //  libyaml's event parser over buf
    const char *path;     //  for error messages
    const char *buf;      //  the whole file, to place reader errors
    size_t size;          //  bytes in buf
    br_config_t *cfg;     //  the config being filled
    size_t *first_line;   //  per option: line it was set on, 0 if not yet
    br_errmsg_t *err;     //  where the reason goes
} s_loader_t;

//  YAML 1.1 spellings of booleans, the ones PyYAML (and so Salt) accepts.
static const struct {
    const char *word;
    bool value;
} s_bools[] = {
    {"true", true},   {"True", true},   {"TRUE", true}, {"yes", true}, {"Yes", true},
    {"YES", true},    {"on", true},     {"On", true},   {"ON", true},  {"false", false},
    {"False", false}, {"FALSE", false}, {"no", false},  {"No", false}, {"NO", false},
    {"off", false},   {"Off", false},   {"OFF", false},
};

static void
s_item_destroy(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

static zlistx_t *
s_list_new(void)
{
    zlistx_t *list = zlistx_new();
    if (list) {
        zlistx_set_destructor(list, s_item_destroy);
    }
    return list;
}

static int
s_list_append(zlistx_t *list, const char *text)
{
    char *copy = strdup(text);
    if (!copy) {
        return BR_ERR_NOMEM;
    }
    if (!zlistx_add_end(list, copy)) {
        free(copy);
        return BR_ERR_NOMEM;
    }
    return 0;
}

static void
s_value_clear(s_value_t *value)
{
    free(value->str);
    zlistx_destroy(&value->list);
    memset(value, 0, sizeof *value);
}

//  Copies at most BR_CONFIG_ECHO_MAX bytes of text into out for an error
//  message, replacing anything but printable ASCII so that a file cannot
//  put control sequences into a terminal or a log.
static const char *
s_echo(const char *text, size_t len, char *out, size_t size)
{
    size_t n = len < BR_CONFIG_ECHO_MAX ? len : BR_CONFIG_ECHO_MAX;
    assert(size >= BR_CONFIG_ECHO_MAX + 4);
    (void)size;
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
    switch (opt->type) {
    case BR_OPT_STRING:
        snprintf(out, size, "a string");
        break;
    case BR_OPT_INT:
        snprintf(out, size, "an integer between %" PRId64 " and %" PRId64, opt->min, opt->max);
        break;
    case BR_OPT_BOOL:
        snprintf(out, size, "true or false");
        break;
    case BR_OPT_LIST:
        snprintf(out, size, "a string or a list of strings");
        break;
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

//  Reads [+-]digits into [min, max]. Leading zeros are refused because
//  YAML 1.1 (and so Salt) would read 0644 as octal; we would rather fail
//  than silently disagree with the file's author.
static bool
s_parse_int(const char *text, int64_t min, int64_t max, int64_t *out)
{
    const char *p = text;
    bool negative = (*p == '-');
    if (*p == '-' || *p == '+') {
        p++;
    }
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0')) {
        return false;
    }
    //  Accumulate the magnitude, stopping before it can wrap; the limit
    //  is INT64_MAX + 1 so that INT64_MIN itself can be written.
    const uint64_t limit = (uint64_t)INT64_MAX + 1;
    uint64_t magnitude = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        unsigned digit = (unsigned)(*p - '0');
        if (magnitude > (limit - digit) / 10) {
            return false;
        }
        magnitude = magnitude * 10 + digit;
    }
    int64_t value;
    if (negative) {
        value = magnitude == limit ? INT64_MIN : -(int64_t)magnitude;
    } else if (magnitude > (uint64_t)INT64_MAX) {
        return false;
    } else {
        value = (int64_t)magnitude;
    }
    if (value < min || value > max) {
        return false;
    }
    *out = value;
    return true;
}

//  Converts one scalar to opt's type into *out (which the caller frees
//  with s_value_clear). On a bad value writes the reason into why and
//  returns BR_ERR_CONFIG.
static int
s_convert(const br_option_t *opt, const s_scalar_t *sc, s_value_t *out, char *why, size_t size)
{
    char expected[96], echo[BR_CONFIG_ECHO_MAX + 4];
    memset(out, 0, sizeof *out);
    s_expected(opt, expected, sizeof expected);
    if (sc->null && (opt->type == BR_OPT_INT || opt->type == BR_OPT_BOOL)) {
        snprintf(why, size, "expected %s, got nothing", expected);
        return BR_ERR_CONFIG;
    }
    if (!sc->null) {
        int rc = s_check_text(sc, why, size);
        if (rc) {
            return rc;
        }
    }
    //  Numbers and booleans are words of the YAML document itself: quoting
    //  one makes it a string, so we refuse it rather than guess.
    if (!sc->plain && (opt->type == BR_OPT_INT || opt->type == BR_OPT_BOOL)) {
        snprintf(why, size, "expected %s, got the quoted string '%s'", expected,
                 s_echo(sc->text, sc->len, echo, sizeof echo));
        return BR_ERR_CONFIG;
    }
    switch (opt->type) {
    case BR_OPT_STRING:
        if (!sc->null && !(out->str = strdup(sc->text))) {
            return BR_ERR_NOMEM;
        }
        return 0;
    case BR_OPT_INT:
        if (!s_parse_int(sc->text, opt->min, opt->max, &out->num)) {
            snprintf(why, size, "expected %s, got '%s'", expected,
                     s_echo(sc->text, sc->len, echo, sizeof echo));
            return BR_ERR_CONFIG;
        }
        return 0;
    case BR_OPT_BOOL:
        for (size_t i = 0; i < sizeof s_bools / sizeof s_bools[0]; i++) {
            if (strcmp(sc->text, s_bools[i].word) == 0) {
                out->num = s_bools[i].value;
                return 0;
            }
        }
        snprintf(why, size, "expected %s (or yes/no, on/off), got '%s'", expected,
                 s_echo(sc->text, sc->len, echo, sizeof echo));
        return BR_ERR_CONFIG;
    case BR_OPT_LIST:
        if (!(out->list = s_list_new())) {
            return BR_ERR_NOMEM;
        }
        return sc->null ? 0 : s_list_append(out->list, sc->text);
    }
    snprintf(why, size, "option has an unknown type");
    return BR_ERR_INTERNAL;
}

//  "FILE:LINE: option 'NAME': REASON", the one shape of a value error.
static int
s_option_error(br_errmsg_t *err, int rc, const char *where, size_t line, const char *name,
               const char *reason)
{
    if (rc == BR_ERR_NOMEM) {
        return br_errmsg_set(err, rc, "%s: out of memory", where);
    }
    if (line) {
        return br_errmsg_set(err, rc, "%s:%zu: option '%s': %s", where, line, name, reason);
    }
    return br_errmsg_set(err, rc, "%s: option '%s': %s", where, name, reason);
}

static bool
s_is_null_word(const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (ev->data.scalar.length == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
            strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0);
}

//  Takes the next event, turning a libyaml failure into
//  "FILE:LINE:COL: YAML syntax error: PROBLEM".
static int
s_next(s_loader_t *ld, yaml_event_t *ev)
{
    if (yaml_parser_parse(&ld->parser, ev)) {
        return 0;
    }
    yaml_parser_t *p = &ld->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        return br_errmsg_set(ld->err, BR_ERR_NOMEM, "%s: out of memory", ld->path);
    }
    size_t line = p->problem_mark.line + 1, column = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        //  Encoding errors carry a byte offset instead of a mark.
        line = 1;
        column = 1;
        for (size_t i = 0; i < p->problem_offset && i < ld->size; i++) {
            column++;
            if (ld->buf[i] == '\n') {
                line++;
                column = 1;
            }
        }
    }
    //  The context ("while scanning a quoted scalar") points at where the
    //  broken construct began, often the line the author must fix.
    if (p->context) {
        return br_errmsg_set(ld->err, BR_ERR_CONFIG,
                             "%s:%zu:%zu: YAML syntax error: %s (%s on line %zu)", ld->path, line,
                             column, p->problem ? p->problem : "unknown error", p->context,
                             p->context_mark.line + 1);
    }
    return br_errmsg_set(ld->err, BR_ERR_CONFIG, "%s:%zu:%zu: YAML syntax error: %s", ld->path,
                         line, column, p->problem ? p->problem : "unknown error");
}

//  Anchors and tags are legal YAML but have no meaning in a config file;
//  refusing them keeps what a reader sees equal to what we read.
static const char *
s_node_extras(const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    } else if (ev->type == YAML_ALIAS_EVENT) {
        return "anchors and aliases are not allowed";
    }
    if (anchor) {
        return "anchors and aliases are not allowed";
    }
    if (tag) {
        return "YAML tags are not allowed";
    }
    return NULL;
}

//  Reads the items of a sequence (after its start event) into *list_p.
static int
s_parse_list(s_loader_t *ld, const br_option_t *opt, zlistx_t **list_p)
{
    char why[256];
    yaml_event_t ev;
    int rc = BR_ERR_NOMEM;
    zlistx_t *list = s_list_new();
    if (!list) {
        return s_option_error(ld->err, rc, ld->path, 0, opt->name, "");
    }
    while ((rc = s_next(ld, &ev)) == 0) {
        size_t line = ev.start_mark.line + 1;
        const char *extra = s_node_extras(&ev);
        bool done = (ev.type == YAML_SEQUENCE_END_EVENT);
        if (!done && !extra && ev.type != YAML_SCALAR_EVENT) {
            extra = "list items must be strings, not lists or mappings";
        } else if (!done && !extra && s_is_null_word(&ev)) {
            extra = "list items must not be empty";
        }
        if (!done && !extra) {
            s_scalar_t sc = {(const char *)ev.data.scalar.value, ev.data.scalar.length, false,
                             false};
            rc = s_check_text(&sc, why, sizeof why);
            if (rc == 0) {
                rc = s_list_append(list, sc.text);
            }
            extra = why;
        } else if (extra) {
            rc = BR_ERR_CONFIG;
        }
        yaml_event_delete(&ev);
        if (rc) {
            rc = s_option_error(ld->err, rc, ld->path, line, opt->name, extra);
            break;
        }
        if (done) {
            *list_p = list;
            return 0;
        }
    }
    zlistx_destroy(&list);
    return rc;
}

//  Reads the value of option index (the event after its key) and stores it.
static int
s_parse_value(s_loader_t *ld, size_t index)
{
    const br_option_t *opt = &ld->cfg->schema[index];
    char why[256] = "", expected[96];
    s_value_t value = {NULL, 0, NULL};
    yaml_event_t ev;
    int rc = s_next(ld, &ev);
    if (rc) {
        return rc;
    }
    size_t line = ev.start_mark.line + 1;
    const char *extra = s_node_extras(&ev);
    //  A sequence for a list option is read by s_parse_list, which writes
    //  its own message for each bad item.
    bool is_list = !extra && ev.type == YAML_SEQUENCE_START_EVENT && opt->type == BR_OPT_LIST;
    s_expected(opt, expected, sizeof expected);
    rc = BR_ERR_CONFIG;
    if (extra) {
        snprintf(why, sizeof why, "%s", extra);
    } else if (ev.type == YAML_SCALAR_EVENT) {
        s_scalar_t sc = {(const char *)ev.data.scalar.value, ev.data.scalar.length,
                         ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE, s_is_null_word(&ev)};
        rc = s_convert(opt, &sc, &value, why, sizeof why);
    } else if (is_list) {
        rc = s_parse_list(ld, opt, &value.list);
    } else if (ev.type == YAML_SEQUENCE_START_EVENT) {
        snprintf(why, sizeof why, "expected %s, got a list", expected);
    } else {
        snprintf(why, sizeof why, "expected %s, got a nested mapping", expected);
    }
    yaml_event_delete(&ev);
    if (rc == 0) {
        s_value_clear(&ld->cfg->values[index]);
        ld->cfg->values[index] = value;
    } else {
        s_value_clear(&value);
        if (!is_list) {
            rc = s_option_error(ld->err, rc, ld->path, line, opt->name, why);
        }
    }
    return rc;
}

//  Reads "name: value" pairs until the end of the top-level mapping.
static int
s_parse_mapping(s_loader_t *ld)
{
    char echo[BR_CONFIG_ECHO_MAX + 4];
    yaml_event_t ev;
    int rc;
    while ((rc = s_next(ld, &ev)) == 0) {
        size_t line = ev.start_mark.line + 1, index = 0;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (ev.type != YAML_SCALAR_EVENT || ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
            s_node_extras(&ev) || ev.data.scalar.length == 0) {
            rc = br_errmsg_set(ld->err, BR_ERR_CONFIG,
                               "%s:%zu: expected an option name (a plain, unquoted word)", ld->path,
                               line);
        } else if (!s_find(ld->cfg, (const char *)ev.data.scalar.value, &index)) {
            rc =
                br_errmsg_set(ld->err, BR_ERR_CONFIG, "%s:%zu: unknown option '%s'", ld->path, line,
                              s_echo((const char *)ev.data.scalar.value, ev.data.scalar.length,
                                     echo, sizeof echo));
        } else if (ld->first_line[index]) {
            char why[64];
            snprintf(why, sizeof why, "set twice (first on line %zu)", ld->first_line[index]);
            rc = s_option_error(ld->err, BR_ERR_CONFIG, ld->path, line, ld->cfg->schema[index].name,
                                why);
        }
        yaml_event_delete(&ev);
        if (rc == 0) {
            ld->first_line[index] = line;
            rc = s_parse_value(ld, index);
        }
        if (rc) {
            break;
        }
    }
    return rc;
}

//  The stream: nothing (only comments), or one document holding one
//  mapping (or null, which PyYAML reads as "no options" too).
static int
s_parse(s_loader_t *ld)
{
    yaml_event_t ev;
    bool in_document = false, done = false;
    int rc = 0;
    while (rc == 0 && !done && (rc = s_next(ld, &ev)) == 0) {
        size_t line = ev.start_mark.line + 1;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (in_document) {
                rc = br_errmsg_set(ld->err, BR_ERR_CONFIG,
                                   "%s:%zu: only one YAML document is allowed", ld->path, line);
            }
            in_document = true;
            break;
        case YAML_MAPPING_START_EVENT:
            rc = s_node_extras(&ev) ? br_errmsg_set(ld->err, BR_ERR_CONFIG, "%s:%zu: %s", ld->path,
                                                    line, s_node_extras(&ev))
                                    : s_parse_mapping(ld);
            break;
        default:
            if (ev.type == YAML_SCALAR_EVENT && s_is_null_word(&ev) && !s_node_extras(&ev)) {
                break;
            }
            rc = br_errmsg_set(ld->err, BR_ERR_CONFIG,
                               "%s:%zu: expected a mapping of option names to values", ld->path,
                               line);
        }
        yaml_event_delete(&ev);
    }
    return rc;
}

//  Reads the whole file into *buf_p. A missing file sets *missing (when
//  allowed) rather than failing.
static int
s_read_file(const char *path, bool must_exist, char **buf_p, size_t *size_p, bool *missing,
            br_errmsg_t *err)
{
    int rc = BR_ERR_INTERNAL;
    char *buf = NULL;
    size_t size = 0;
    struct stat st;
    //  O_NONBLOCK so that a FIFO given by mistake fails below instead of
    //  hanging in open(); it has no effect on regular files.
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT && !must_exist) {
            *missing = true;
            rc = 0;
        } else {
            rc = br_errmsg_set(err, BR_ERR_CONFIG, "%s: cannot open: %s", path, strerror(errno));
        }
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = br_errmsg_set(err, BR_ERR_CONFIG, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = br_errmsg_set(err, BR_ERR_CONFIG, "%s: not a regular file", path);
        goto out;
    }
    //  One byte more than the cap, so that reading it tells "too big"
    //  apart from "exactly the cap" even if the file grows meanwhile.
    if (st.st_size > BR_CONFIG_MAX_FILE || !(buf = malloc(BR_CONFIG_MAX_FILE + 1))) {
        rc = st.st_size > BR_CONFIG_MAX_FILE
                 ? br_errmsg_set(err, BR_ERR_CONFIG, "%s: larger than %d bytes", path,
                                 BR_CONFIG_MAX_FILE)
                 : br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    while (size <= BR_CONFIG_MAX_FILE) {
        ssize_t n = read(fd, buf + size, BR_CONFIG_MAX_FILE + 1 - size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = br_errmsg_set(err, BR_ERR_CONFIG, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0) {
            break;
        }
        size += (size_t)n;
    }
    if (size > BR_CONFIG_MAX_FILE) {
        rc =
            br_errmsg_set(err, BR_ERR_CONFIG, "%s: larger than %d bytes", path, BR_CONFIG_MAX_FILE);
        goto out;
    }
    *buf_p = buf;
    *size_p = size;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fd >= 0) {
        close(fd);
    }
    return rc;
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
    char *buf = NULL;
    size_t size = 0;
    bool missing = false, parser_ready = false;
    s_loader_t ld;
    memset(&ld, 0, sizeof ld);
    int rc = s_new(schema, path, &cfg, err);
    if (rc == 0) {
        rc = s_read_file(path, must_exist, &buf, &size, &missing, err);
    }
    if (rc || missing) {
        goto out;
    }
    ld.path = path;
    ld.buf = buf;
    ld.size = size;
    ld.cfg = cfg;
    ld.err = err;
    if (!(ld.first_line = calloc(cfg->count ? cfg->count : 1, sizeof *ld.first_line)) ||
        !yaml_parser_initialize(&ld.parser)) {
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    parser_ready = true;
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)buf, size);
    rc = s_parse(&ld);
out:
    if (parser_ready) {
        yaml_parser_delete(&ld.parser);
    }
    free(ld.first_line);
    free(buf);
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
                             s_echo(name, strlen(name), echo, sizeof echo));
    }
    //  strnlen: a value past the cap is refused without measuring all of it.
    s_scalar_t sc = {value, value ? strnlen(value, BR_CONFIG_MAX_VALUE + 1) : 0, true, !value};
    int rc = s_convert(&self->schema[index], &sc, &converted, why, sizeof why);
    if (rc) {
        s_value_clear(&converted);
        return s_option_error(err, rc, BR_CONFIG_CMDLINE, 0, name, why);
    }
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
