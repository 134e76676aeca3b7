/*  br_render_lex: splits a template into tokens: literal text, the tag
    delimiters, and the names, literals and operators inside the tags.

    Whitespace control is applied here, to the text tokens, so the parser
    never sees it: '{%-' (and '{{-', '{#-') removes all whitespace, newlines
    included, at the end of the text before the tag; '-%}' ('-}}', '-#}')
    removes it at the start of the text after. '{%+' and '+%}' are accepted
    and change nothing, because brine, like Salt, renders with trim_blocks
    and lstrip_blocks off. The text is not NUL-terminated: every read is
    checked against len. */
#include "br_render_int.h"

#include <stdarg.h>
#include <stdio.h>

typedef struct {
    const char *path;
    const char *text;
    size_t len;
    size_t pos;
    int line; //  line of text[pos]
    br_tokens_t *tokens;
    br_errmsg_t *err;
} lexer_t;

//  Python's \s, which is what Jinja trims
static bool
s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
s_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
s_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_at(const lexer_t *self, size_t pos, const char *s)
{
    size_t n = strlen(s);
    return pos <= self->len && n <= self->len - pos && memcmp(self->text + pos, s, n) == 0;
}

//  Moves n bytes on (at most to the end), counting the lines passed. Text
//  between tags is most of a template: memchr skips it a word at a time.
static void
s_advance(lexer_t *self, size_t n)
{
    size_t end = n < self->len - self->pos ? self->pos + n : self->len;
    const char *p = self->text + self->pos, *stop = self->text + end;
    while ((p = memchr(p, '\n', (size_t)(stop - p))) != NULL) {
        self->line++;
        p++;
    }
    self->pos = end;
}

static br_token_t *
s_push(lexer_t *self, br_tkind_t kind, const char *src, size_t len, int line)
{
    br_tokens_t *t = self->tokens;
    if (t->size == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        br_token_t *items = realloc(t->items, cap * sizeof *items);
        if (!items) {
            br_render_error(self->err, BR_ERR_NOMEM, self->path, line, "out of memory");
            return NULL;
        }
        t->items = items;
        t->cap = cap;
    }
    br_token_t *tok = &t->items[t->size++];
    memset(tok, 0, sizeof *tok);
    tok->kind = kind;
    tok->src = src;
    tok->len = len;
    tok->line = line;
    return tok;
}

//  Position of the next "{{", "{%" or "{#" at or after from, or len
static size_t
s_find_tag(const lexer_t *self, size_t from)
{
    if (from + 1 >= self->len) {
        return self->len;
    }
    //  A tag starts before the last byte
    const char *p = self->text + from, *last = self->text + self->len - 1;
    while ((p = memchr(p, '{', (size_t)(last - p))) != NULL) {
        if (p[1] == '{' || p[1] == '%' || p[1] == '#') {
            return (size_t)(p - self->text);
        }
        p++;
    }
    return self->len;
}

static int
s_comment(lexer_t *self, bool *trim_next)
{
    int line = self->line;
    size_t body = self->pos + 2;
    if (body < self->len && self->text[body] == '-') {
        body++;
    }
    for (size_t i = self->pos + 2; i + 1 < self->len; i++) {
        if (self->text[i] == '#' && self->text[i + 1] == '}') {
            *trim_next = i > body && self->text[i - 1] == '-';
            s_advance(self, i + 2 - self->pos);
            return BR_OK;
        }
    }
    return br_render_error(self->err, BR_ERR_MALFORMED, self->path, line,
                           "unterminated comment: '{#' without '#}'");
}

static int
s_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

//  Writes code point cp as UTF-8; 0 for a surrogate or out of range
static size_t
s_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

//  Decodes the escape at src[0] == '\\' (src[1] exists, end bounds the
//  literal) into out as Python does; returns the bytes consumed, or 0 for a
//  malformed escape. Every escape is at least as long as what it writes.
static size_t
s_escape(const char *src, const char *end, char *out, size_t *n)
{
    static const char simple_in[] = "ntr\\'\"abfv\n";
    static const char simple_out[] = "\n\t\r\\'\"\a\b\f\v";
    char e = src[1];
    const char *hit = e ? strchr(simple_in, e) : NULL;
    if (hit && *hit != '\n') {
        out[(*n)++] = simple_out[hit - simple_in];
        return 2;
    }
    if (e == '\n') {
        return 2; //  a backslash-newline joins lines, as in Python
    }
    uint32_t cp = 0;
    size_t used = 2;
    if (e >= '0' && e <= '7') {
        used = 1;
        while (used < 4 && src + used < end && src[used] >= '0' && src[used] <= '7') {
            cp = cp * 8 + (uint32_t)(src[used++] - '0');
        }
    } else if (e == 'x' || e == 'u' || e == 'U') {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        for (size_t k = 0; k < digits; k++) {
            int h = src + 2 + k < end ? s_hex(src[2 + k]) : -1;
            if (h < 0) {
                return 0;
            }
            cp = cp * 16 + (uint32_t)h;
        }
        used = 2 + digits;
    } else {
        //  Python keeps the backslash of an escape it does not know
        out[(*n)++] = '\\';
        out[(*n)++] = e;
        return 2;
    }
    size_t wrote = s_utf8(cp, out + *n);
    *n += wrote;
    return wrote ? used : 0;
}

static int
s_string(lexer_t *self)
{
    int line = self->line;
    char quote = self->text[self->pos];
    size_t end = self->pos + 1;
    while (end < self->len && self->text[end] != quote) {
        end += self->text[end] == '\\' ? 2 : 1;
    }
    if (end >= self->len) {
        return br_render_error(self->err, BR_ERR_MALFORMED, self->path, line,
                               "unterminated string");
    }
    char *str = malloc(end - self->pos);
    if (!str) {
        return br_render_error(self->err, BR_ERR_NOMEM, self->path, line, "out of memory");
    }
    size_t n = 0;
    for (size_t i = self->pos + 1; i < end;) {
        if (self->text[i] != '\\') {
            str[n++] = self->text[i++];
            continue;
        }
        size_t used = s_escape(self->text + i, self->text + end, str, &n);
        if (!used) {
            br_wipe(str, n);
            free(str);
            return br_render_error(self->err, BR_ERR_MALFORMED, self->path, line,
                                   "bad escape in string");
        }
        i += used;
    }
    str[n] = 0;
    br_token_t *tok = s_push(self, BR_TK_STRING, self->text + self->pos, end + 1 - self->pos, line);
    if (!tok) {
        br_wipe(str, n);
        free(str);
        return BR_ERR_NOMEM;
    }
    tok->str = str;
    tok->str_len = n;
    s_advance(self, end + 1 - self->pos);
    return BR_OK;
}

static int
s_bad_number(lexer_t *self, size_t end)
{
    while (end < self->len &&
           (s_name_start(self->text[end]) || s_digit(self->text[end]) || self->text[end] == '.')) {
        end++;
    }
    char what[64];
    br_render_snippet(what, sizeof what, self->text + self->pos, end - self->pos);
    return br_render_error(self->err, BR_ERR_MALFORMED, self->path, self->line, "bad number '%s'",
                           what);
}

static int
s_number(lexer_t *self)
{
    size_t end = self->pos;
    while (end < self->len && s_digit(self->text[end])) {
        end++;
    }
    bool is_float = false;
    if (end + 1 < self->len && self->text[end] == '.' && s_digit(self->text[end + 1])) {
        is_float = true;
        end++;
        while (end < self->len && s_digit(self->text[end])) {
            end++;
        }
    }
    if (end < self->len && (self->text[end] == 'e' || self->text[end] == 'E')) {
        size_t exp = end + 1;
        if (exp < self->len && (self->text[exp] == '+' || self->text[exp] == '-')) {
            exp++;
        }
        if (exp < self->len && s_digit(self->text[exp])) {
            is_float = true;
            end = exp;
            while (end < self->len && s_digit(self->text[end])) {
                end++;
            }
        }
    }
    if (end < self->len && (s_name_start(self->text[end]) || s_digit(self->text[end]))) {
        return s_bad_number(self, end);
    }
    size_t n = end - self->pos;
    const char *src = self->text + self->pos;
    int64_t i = 0;
    double d = 0;
    if (is_float) {
        char buf[64];
        if (n >= sizeof buf) {
            return s_bad_number(self, end);
        }
        memcpy(buf, src, n);
        buf[n] = 0;
        d = strtod(buf, NULL);
    } else {
        for (size_t k = 0; k < n; k++) {
            int digit = src[k] - '0';
            if (i > (INT64_MAX - digit) / 10) {
                return s_bad_number(self, end);
            }
            i = i * 10 + digit;
        }
    }
    br_token_t *tok = s_push(self, is_float ? BR_TK_FLOAT : BR_TK_INT, src, n, self->line);
    if (!tok) {
        return BR_ERR_NOMEM;
    }
    tok->i = i;
    tok->d = d;
    s_advance(self, n);
    return BR_OK;
}

static int
s_operator(lexer_t *self, int *braces)
{
    static const char *const two[] = {"==", "!=", "<=", ">=", "//", "**"};
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
        if (s_at(self, self->pos, two[k])) {
            if (!s_push(self, BR_TK_OP, self->text + self->pos, 2, self->line)) {
                return BR_ERR_NOMEM;
            }
            s_advance(self, 2);
            return BR_OK;
        }
    }
    char c = self->text[self->pos];
    if (c == 0 || !strchr("()[]{},.:|=<>~+-*/%", c)) {
        unsigned char u = (unsigned char)c;
        if (u > 0x20 && u < 0x7f) {
            return br_render_error(self->err, BR_ERR_MALFORMED, self->path, self->line,
                                   "unexpected character '%c'", c);
        }
        return br_render_error(self->err, BR_ERR_MALFORMED, self->path, self->line,
                               "unexpected byte 0x%02x", u);
    }
    if (c == '{') {
        (*braces)++;
    } else if (c == '}' && *braces > 0) {
        (*braces)--;
    }
    if (!s_push(self, BR_TK_OP, self->text + self->pos, 1, self->line)) {
        return BR_ERR_NOMEM;
    }
    s_advance(self, 1);
    return BR_OK;
}

//  1 (and consumes it) if the tag ends at pos, 0 if not, or an error.
//  A '}}' inside a map literal's braces does not end a {{ }} tag.
static int
s_tag_end(lexer_t *self, bool block, int braces, bool *trim_next)
{
    if (!block && braces > 0) {
        return 0;
    }
    const char *end = block ? "%}" : "}}";
    size_t marker = 0;
    if ((s_at(self, self->pos, "-") || (block && s_at(self, self->pos, "+"))) &&
        s_at(self, self->pos + 1, end)) {
        marker = 1;
    } else if (!s_at(self, self->pos, end)) {
        return 0;
    }
    *trim_next = marker && self->text[self->pos] == '-';
    if (!s_push(self, block ? BR_TK_BLOCK_END : BR_TK_VAR_END, self->text + self->pos, marker + 2,
                self->line)) {
        return BR_ERR_NOMEM;
    }
    s_advance(self, marker + 2);
    return 1;
}

//  Lexes one {{ ... }} or {% ... %} from its opening delimiter
static int
s_tag(lexer_t *self, bool *trim_next)
{
    bool block = self->text[self->pos + 1] == '%';
    int open_line = self->line;
    size_t open = self->pos;
    size_t skip = 2;
    if (s_at(self, open + 2, "-") || (block && s_at(self, open + 2, "+"))) {
        skip = 3;
    }
    if (!s_push(self, block ? BR_TK_BLOCK_BEGIN : BR_TK_VAR_BEGIN, self->text + open, skip,
                open_line)) {
        return BR_ERR_NOMEM;
    }
    s_advance(self, skip);
    size_t first = self->tokens->size;
    int braces = 0;
    while (true) {
        while (self->pos < self->len && s_space(self->text[self->pos])) {
            s_advance(self, 1);
        }
        if (self->pos >= self->len) {
            return br_render_error(self->err, BR_ERR_MALFORMED, self->path, open_line,
                                   "unterminated '%s': no matching '%s'", block ? "{%" : "{{",
                                   block ? "%}" : "}}");
        }
        int ended = s_tag_end(self, block, braces, trim_next);
        if (ended != 0) {
            return ended > 0 ? BR_OK : ended;
        }
        char c = self->text[self->pos];
        int rc = BR_OK;
        if (s_name_start(c)) {
            size_t end = self->pos;
            while (end < self->len && (s_name_start(self->text[end]) || s_digit(self->text[end]))) {
                end++;
            }
            const char *name = self->text + self->pos;
            size_t n = end - self->pos;
            //  A raw block would hold text that is not tokens at all
            if (block && self->tokens->size == first && n == 3 && memcmp(name, "raw", 3) == 0) {
                return br_render_error(self->err, BR_ERR_MALFORMED, self->path, self->line,
                                       "unsupported tag 'raw'");
            }
            if (!s_push(self, BR_TK_NAME, name, n, self->line)) {
                return BR_ERR_NOMEM;
            }
            s_advance(self, n);
        } else if (s_digit(c)) {
            rc = s_number(self);
        } else if (c == '\'' || c == '"') {
            rc = s_string(self);
        } else {
            rc = s_operator(self, &braces);
        }
        if (rc != BR_OK) {
            return rc;
        }
    }
}

//  Room for the tokens of the whole template, from a count of its tags: a
//  large template's token array would otherwise be copied (and its memory
//  touched) once per doubling.
static int
s_reserve(lexer_t *self)
{
    size_t tags = 0;
    for (size_t at = s_find_tag(self, 0); at < self->len; at = s_find_tag(self, at + 2)) {
        tags++;
    }
    //  A text, two delimiters and a few names and operators per tag
    size_t cap = 64;
    while (cap < tags * 8 + 2) {
        cap *= 2;
    }
    br_token_t *items = malloc(cap * sizeof *items);
    if (!items) {
        return br_render_error(self->err, BR_ERR_NOMEM, self->path, 1, "out of memory");
    }
    self->tokens->items = items;
    self->tokens->cap = cap;
    return BR_OK;
}

int
br_render_lex(const char *path, const char *text, size_t len, br_tokens_t *tokens, br_errmsg_t *err)
{
    lexer_t self = {path, text, len, 0, 1, tokens, err};
    bool trim_next = false;
    if (!tokens->items && s_reserve(&self) != BR_OK) {
        return BR_ERR_NOMEM;
    }
    while (self.pos < len) {
        size_t start = self.pos;
        size_t at = s_find_tag(&self, start);
        const char *chunk = text + start;
        size_t chunk_len = at - start;
        if (trim_next) {
            while (chunk_len && s_space(*chunk)) {
                chunk++;
                chunk_len--;
            }
            trim_next = false;
        }
        if (at + 2 < len && text[at + 2] == '-') {
            while (chunk_len && s_space(chunk[chunk_len - 1])) {
                chunk_len--;
            }
        }
        if (chunk_len && !s_push(&self, BR_TK_TEXT, chunk, chunk_len, self.line)) {
            return BR_ERR_NOMEM;
        }
        s_advance(&self, at - start);
        if (at == len) {
            break;
        }
        int rc = text[at + 1] == '#' ? s_comment(&self, &trim_next) : s_tag(&self, &trim_next);
        if (rc != BR_OK) {
            return rc;
        }
    }
    //  The end of the template is on the line of its last byte
    int line = self.line;
    if (len > 0 && text[len - 1] == '\n' && line > 1) {
        line--;
    }
    return s_push(&self, BR_TK_EOF, text + len, 0, line) ? BR_OK : BR_ERR_NOMEM;
}

void
br_render_tokens_clear(br_tokens_t *tokens)
{
    for (size_t i = 0; i < tokens->size; i++) {
        //  String literals of a pillar template may be secrets
        if (tokens->items[i].kind == BR_TK_STRING && tokens->items[i].str) {
            br_wipe(tokens->items[i].str, strlen(tokens->items[i].str));
            free(tokens->items[i].str);
        }
    }
    free(tokens->items);
    memset(tokens, 0, sizeof *tokens);
}

int
br_render_error(br_errmsg_t *err, int code, const char *path, int line, const char *format, ...)
{
    char text[400];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return br_errmsg_set(err, code, "%s:%d: %s", path, line, text);
}

void
br_render_snippet(char *dst, size_t size, const char *src, size_t len)
{
    if (size < 8) {
        if (size) {
            dst[0] = 0;
        }
        return;
    }
    size_t n = 0, limit = size - 4; //  room for "..." and the NUL
    bool space = false;
    size_t i;
    for (i = 0; i < len; i++) {
        char c = src[i];
        if (s_space(c)) {
            space = true;
            continue;
        }
        if (n + (space && n ? 2 : 1) > limit) {
            break;
        }
        if (space && n) {
            dst[n++] = ' ';
        }
        space = false;
        unsigned char u = (unsigned char)c;
        dst[n++] = u >= 0x20 && u < 0x7f ? c : '?';
    }
    if (i < len) {
        memcpy(dst + n, "...", 3);
        n += 3;
    }
    dst[n] = 0;
}
