/*  br_yaml: YAML text to a br_value tree.

    We walk libyaml's event stream and build values as we go, so a bad file
    stops at its first problem with the line it is on, and nesting depth,
    node count and input size are capped before any of them costs much.

    Plain scalars are resolved the way PyYAML's YAML 1.1 resolver does it,
    because that is what a Salt user's file means today: the same spellings
    of null, booleans, integers (with '_', 0b, 0x, 0-leading octal and
    base 60) and floats (a '.' is required; an exponent needs its sign).
    Dates stay strings: nothing in brine has a date type and Salt states
    would turn them back into the same text. Keys are kept as written.
    A reader with stricter rules (br_config) asks for the raw scalars
    instead, and may check each key itself as it is read.

    Every value of a document is made in one pool (br_value_pool.h): a
    large state file would otherwise cost an allocation and a free for
    each value, key and string.

    The text may be a rendered pillar file holding secrets, so every copy
    libyaml makes (its input buffers, each scalar) is wiped before it is
    freed. */
#include "br_yaml.h"
#include "br_yaml_scalar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define BR_YAML_MAX_INPUT (16u * 1024 * 1024)
#define BR_YAML_MAX_DEPTH 64
//  A 16 MiB flow list of one-letter items would be 8 million values, about
//  a gigabyte of nodes; real state trees use a small fraction of this.
#define BR_YAML_MAX_NODES (1u << 20)
//  How much of a key an error message quotes.
#define BR_YAML_ECHO_MAX 64

//  One parse.
typedef struct {
    yaml_parser_t parser;  //  libyaml's event parser over the caller's text
    const char *path;      //  for messages
    const char *text;      //  the input, to place reader errors
    size_t len;            //  bytes of input
    size_t nodes;          //  values built so far
    br_value_pool_t *pool; //  where they are made
    br_yaml_opts_t opts;   //  the caller's, or the defaults
    br_errmsg_t *err;
} s_parse_t;

static int s_node(s_parse_t *ps, yaml_event_t *ev, int depth, br_value_t **out);

//  Frees an event, wiping the scalar text it carries first.
static void
s_event_delete(yaml_event_t *ev)
{
    if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value) {
        br_wipe(ev->data.scalar.value, ev->data.scalar.length);
    }
    yaml_event_delete(ev);
}

//  Key text safe to print: printable ASCII, cut at BR_YAML_ECHO_MAX.
static const char *
s_echo(const char *text, size_t len, char *buf, size_t size)
{
    size_t at = 0;
    for (size_t i = 0; i < len && at + 4 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (i == BR_YAML_ECHO_MAX) {
            memcpy(buf + at, "...", 3);
            at += 3;
            break;
        }
        buf[at++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[at] = 0;
    return buf;
}

static int
s_line(const yaml_event_t *ev)
{
    return (int)ev->start_mark.line + 1;
}

//  Takes the next event; a libyaml failure becomes
//  "PATH:LINE:COL: YAML syntax error: PROBLEM".
static int
s_next(s_parse_t *ps, yaml_event_t *ev)
{
    if (yaml_parser_parse(&ps->parser, ev)) {
        return BR_OK;
    }
    yaml_parser_t *p = &ps->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        return br_errmsg_set(ps->err, BR_ERR_NOMEM, "%s: out of memory", ps->path);
    }
    size_t line = p->problem_mark.line + 1, column = p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        //  Encoding errors carry a byte offset instead of a mark.
        line = 1;
        column = 1;
        for (size_t i = 0; i < p->problem_offset && i < ps->len; i++) {
            column++;
            if (ps->text[i] == '\n') {
                line++;
                column = 1;
            }
        }
    }
    const char *problem = p->problem ? p->problem : "unknown error";
    //  The context ("while scanning a quoted scalar") points at where the
    //  broken construct began, often the line the author must fix.
    if (p->context) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED,
                             "%s:%zu:%zu: YAML syntax error: %s (%s on line %zu)", ps->path, line,
                             column, problem, p->context, p->context_mark.line + 1);
    }
    return br_errmsg_set(ps->err, BR_ERR_MALFORMED, "%s:%zu:%zu: YAML syntax error: %s", ps->path,
                         line, column, problem);
}

//  Anchors, aliases and tags are legal YAML that Salt files do not need;
//  refusing them keeps what a reader sees equal to what we load (and an
//  alias bomb out).
static int
s_check_plain_node(s_parse_t *ps, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_ALIAS_EVENT) {
        anchor = ev->data.alias.anchor;
    } else if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    if (anchor) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED,
                             "%s:%d: anchors and aliases are not supported", ps->path, s_line(ev));
    }
    if (tag) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED, "%s:%d: YAML tags are not supported",
                             ps->path, s_line(ev));
    }
    if (++ps->nodes > BR_YAML_MAX_NODES) {
        return br_errmsg_set(ps->err, BR_ERR_TOOBIG, "%s:%d: more than %u values", ps->path,
                             s_line(ev), BR_YAML_MAX_NODES);
    }
    return BR_OK;
}

//  Resolves a plain scalar into *out; a number that does not fit is an
//  error naming the line.
static int
s_plain_scalar(s_parse_t *ps, const yaml_event_t *ev, br_value_t **out)
{
    int rc = br_yaml_plain_in(ps->pool, (const char *)ev->data.scalar.value, ev->data.scalar.length,
                              out);
    if (rc == BR_ERR_INVALID) {
        //  Never quote the value: it may be a pillar secret.
        return br_errmsg_set(ps->err, rc,
                             "%s:%d: number out of range or malformed (integers must fit in 64 "
                             "bits; quote the value to keep it as text)",
                             ps->path, s_line(ev));
    }
    return rc;
}

static int
s_sequence(s_parse_t *ps, int depth, br_value_t *list)
{
    yaml_event_t ev;
    int rc;
    while ((rc = s_next(ps, &ev)) == BR_OK) {
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            s_event_delete(&ev);
            break;
        }
        br_value_t *item = NULL;
        rc = s_node(ps, &ev, depth, &item);
        s_event_delete(&ev);
        if (rc == BR_OK && br_value_list_append(list, &item) != BR_OK) {
            rc = BR_ERR_NOMEM;
        }
        br_value_destroy(&item);
        if (rc != BR_OK) {
            break;
        }
    }
    return rc;
}

//  Reads one key event of map and appends the key, with an empty slot for
//  its value, at *index_p.
static int
s_key(s_parse_t *ps, const yaml_event_t *ev, br_value_t *map, int depth, size_t *index_p)
{
    char echo[BR_YAML_ECHO_MAX + 8];
    int rc = s_check_plain_node(ps, ev);
    bool scalar = ev->type == YAML_SCALAR_EVENT;
    if (rc == BR_OK && ps->opts.check_key) {
        rc = ps->opts.check_key(
            ps->opts.arg, map, scalar ? (const char *)ev->data.scalar.value : NULL,
            scalar && ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE, s_line(ev), depth, ps->err);
    }
    if (rc != BR_OK) {
        return rc;
    }
    if (!scalar) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED,
                             "%s:%d: a map key must be a plain value, not a list or a map",
                             ps->path, s_line(ev));
    }
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (strlen(text) != len) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED, "%s:%d: a map key contains a NUL byte",
                             ps->path, s_line(ev));
    }
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strcmp(text, "<<") == 0) {
        return br_errmsg_set(ps->err, BR_ERR_MALFORMED, "%s:%d: merge keys (<<) are not supported",
                             ps->path, s_line(ev));
    }
    rc = br_value_map_append(map, text, len, s_line(ev), index_p);
    if (rc == BR_ERR_EXISTS) {
        return br_errmsg_set(
            ps->err, BR_ERR_MALFORMED, "%s:%d: duplicate key '%s' (first on line %d)", ps->path,
            s_line(ev), s_echo(text, len, echo, sizeof echo), br_value_map_key_line(map, *index_p));
    }
    return rc == BR_OK ? rc : br_errmsg_set(ps->err, rc, "%s: out of memory", ps->path);
}

static int
s_mapping(s_parse_t *ps, int depth, br_value_t *map)
{
    yaml_event_t ev;
    int rc;
    while ((rc = s_next(ps, &ev)) == BR_OK) {
        if (ev.type == YAML_MAPPING_END_EVENT) {
            s_event_delete(&ev);
            break;
        }
        size_t index = 0;
        rc = s_key(ps, &ev, map, depth, &index);
        s_event_delete(&ev);
        br_value_t *item = NULL;
        if (rc == BR_OK && (rc = s_next(ps, &ev)) == BR_OK) {
            rc = s_node(ps, &ev, depth, &item);
            s_event_delete(&ev);
        }
        if (rc == BR_OK) {
            rc = br_value_map_put(map, index, &item);
        }
        br_value_destroy(&item);
        if (rc != BR_OK) {
            break;
        }
    }
    return rc;
}

//  Builds the value that starts with ev (which the caller deletes).
static int
s_node(s_parse_t *ps, yaml_event_t *ev, int depth, br_value_t **out)
{
    int rc = s_check_plain_node(ps, ev);
    if (rc != BR_OK) {
        return rc;
    }
    br_value_t *value = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && !ps->opts.raw) {
            rc = s_plain_scalar(ps, ev, &value);
        } else {
            value = br_value_str_in(ps->pool, (const char *)ev->data.scalar.value,
                                    ev->data.scalar.length);
            br_value_set_quoted(value, !plain);
            rc = value ? BR_OK : BR_ERR_NOMEM;
        }
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        if (depth >= BR_YAML_MAX_DEPTH) {
            return br_errmsg_set(ps->err, BR_ERR_TOOBIG, "%s:%d: nested deeper than %d levels",
                                 ps->path, s_line(ev), BR_YAML_MAX_DEPTH);
        }
        bool list = ev->type == YAML_SEQUENCE_START_EVENT;
        value = list ? br_value_list_in(ps->pool) : br_value_map_in(ps->pool);
        rc = !value ? BR_ERR_NOMEM
             : list ? s_sequence(ps, depth + 1, value)
                    : s_mapping(ps, depth + 1, value);
    } else {
        rc = br_errmsg_set(ps->err, BR_ERR_INTERNAL, "%s:%d: unexpected YAML event %d", ps->path,
                           s_line(ev), (int)ev->type);
    }
    if (rc == BR_ERR_NOMEM) {
        br_errmsg_set(ps->err, rc, "%s: out of memory", ps->path);
    }
    if (rc == BR_OK) {
        br_value_set_line(value, s_line(ev));
        *out = value;
    } else {
        br_value_destroy(&value);
    }
    return rc;
}

//  True for a null document: resolved to null, or in raw mode a plain
//  scalar that would resolve to null.
static bool
s_is_null(const s_parse_t *ps, const br_value_t *root)
{
    br_value_t *resolved = NULL;
    bool null = !root || br_value_kind(root) == BR_V_NULL;
    if (!null && ps->opts.raw && br_value_kind(root) == BR_V_STR && !br_value_quoted(root) &&
        br_yaml_plain(br_value_as_str(root), br_value_str_len(root), &resolved) == BR_OK) {
        null = br_value_kind(resolved) == BR_V_NULL;
        br_value_destroy(&resolved);
    }
    return null;
}

//  The stream: nothing, or one document. A null document (empty, only
//  comments, "---", "~") is an empty map, as Salt reads such a file.
static int
s_stream(s_parse_t *ps, br_value_t **out)
{
    br_value_t *root = NULL;
    yaml_event_t ev;
    bool done = false;
    int documents = 0, rc = BR_OK;
    while (rc == BR_OK && !done && (rc = s_next(ps, &ev)) == BR_OK) {
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                rc = br_errmsg_set(ps->err, BR_ERR_MALFORMED,
                                   "%s:%d: only one YAML document is allowed", ps->path,
                                   s_line(&ev));
            }
            break;
        default:
            rc = s_node(ps, &ev, 0, &root);
            break;
        }
        s_event_delete(&ev);
    }
    if (rc == BR_OK && s_is_null(ps, root)) {
        br_value_destroy(&root);
        root = br_value_map();
        rc = root ? BR_OK : br_errmsg_set(ps->err, BR_ERR_NOMEM, "%s: out of memory", ps->path);
        br_value_set_line(root, 1);
    }
    if (rc == BR_OK) {
        *out = root;
    } else {
        br_value_destroy(&root);
    }
    return rc;
}

int
br_yaml_parse(const char *path, const char *text, size_t len, br_value_t **out, br_errmsg_t *err)
{
    return br_yaml_parse_with(path, text, len, NULL, out, err);
}

int
br_yaml_parse_with(const char *path, const char *text, size_t len, const br_yaml_opts_t *opts,
                   br_value_t **out, br_errmsg_t *err)
{
    *out = NULL;
    if (len > BR_YAML_MAX_INPUT) {
        return br_errmsg_set(err, BR_ERR_TOOBIG, "%s: larger than %u bytes", path,
                             BR_YAML_MAX_INPUT);
    }
    s_parse_t ps = {.path = path, .text = text, .len = len, .err = err};
    if (opts) {
        ps.opts = *opts;
    }
    ps.pool = br_value_pool_new();
    if (!ps.pool) {
        return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
    }
    if (!yaml_parser_initialize(&ps.parser)) {
        br_value_pool_destroy(&ps.pool);
        return br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
    }
    //  libyaml wants a non-NULL pointer even for no input.
    yaml_parser_set_input_string(&ps.parser, (const unsigned char *)(len ? text : ""), len);
    int rc = s_stream(&ps, out);
    //  Its buffers hold decoded copies of the input.
    yaml_parser_t *p = &ps.parser;
    if (p->raw_buffer.start) {
        br_wipe(p->raw_buffer.start, (size_t)(p->raw_buffer.end - p->raw_buffer.start));
    }
    if (p->buffer.start) {
        br_wipe(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
    }
    yaml_parser_delete(&ps.parser);
    //  The values hold the pool from here on
    br_value_pool_destroy(&ps.pool);
    return rc;
}

//  Reads up to size bytes of fd into buf; *len_p is what it got.
static int
s_read_all(int fd, char *buf, size_t size, size_t *len_p)
{
    size_t len = 0;
    while (len < size) {
        ssize_t n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            *len_p = len;
            return n < 0 ? -1 : 0;
        }
        len += (size_t)n;
    }
    *len_p = len;
    return 0;
}

int
br_yaml_parse_file(const char *path, size_t max, const br_yaml_opts_t *opts, br_value_t **out,
                   br_errmsg_t *err)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    //  O_NONBLOCK so that a FIFO given by mistake fails below instead of
    //  hanging in open(); it has no effect on regular files.
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int error = errno;
        return br_errmsg_set(err, error == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO,
                             "%s: cannot open: %s", path, strerror(error));
    }
    //  Read into max + 1 bytes, so that a file that grows meanwhile is
    //  still told apart from one of exactly max bytes.
    if (fstat(fd, &st) != 0) {
        rc = br_errmsg_set(err, BR_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = br_errmsg_set(err, BR_ERR_IO, "%s: not a regular file", path);
    } else if ((uintmax_t)st.st_size > max) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s: larger than %zu bytes", path, max);
    } else if (!(buf = malloc(max + 1))) {
        rc = br_errmsg_set(err, BR_ERR_NOMEM, "%s: out of memory", path);
    } else if (s_read_all(fd, buf, max + 1, &len) != 0) {
        rc = br_errmsg_set(err, BR_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    } else if (len > max) {
        rc = br_errmsg_set(err, BR_ERR_TOOBIG, "%s: larger than %zu bytes", path, max);
    } else {
        rc = br_yaml_parse_with(path, buf, len, opts, out, err);
    }
    if (buf) {
        br_wipe(buf, len);
        free(buf);
    }
    close(fd);
    return rc;
}
