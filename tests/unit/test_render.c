/*  Unit tests for br_render: golden output for every construct of the Jinja
    subset (each golden string was checked against Jinja2 3.1 when written),
    the exact message and line of every error, secrets, the limits, and
    robustness: every prefix of a complex template, random byte flips and
    random token soup must render or fail cleanly, never crash or over-read
    (run under ASan in the sanitizer build). */
#include "br_render.h"
#include "testutil.h"

#include <string.h>

#define SECRET "hunter2-s3cret"

static br_value_t *s_ctx;
static br_vault_t *s_vault;

static void
s_put(br_value_t *map, const char *key, br_value_t *value)
{
    CHECK(br_value_map_set(map, key, &value) == BR_OK);
}

static void
s_add(br_value_t *list, br_value_t *value)
{
    CHECK(br_value_list_append(list, &value) == BR_OK);
}

static br_value_t *
s_strings(const char *const *items)
{
    br_value_t *list = br_value_list();
    for (size_t i = 0; items[i]; i++) {
        s_add(list, br_value_str(items[i]));
    }
    return list;
}

static br_value_t *
s_secret(const char *text)
{
    br_secret_t *secret = br_secret_from_bytes(text, strlen(text));
    return br_value_secret(&secret);
}

//  The pillar and grains every test renders with
static br_value_t *
s_context(void)
{
    br_value_t *pillar = br_value_map();
    br_value_t *luks = br_value_map();
    s_put(luks, "device", br_value_str("/dev/sdb"));
    s_put(luks, "name", br_value_str("cryptdata"));
    s_put(luks, "options", s_strings((const char *const[]){"discard", "noauto", NULL}));
    s_put(pillar, "luks", luks);
    s_put(pillar, "users", s_strings((const char *const[]){"alice", "bob", "carol", NULL}));
    br_value_t *ports = br_value_map();
    s_put(ports, "http", br_value_int(80));
    s_put(ports, "https", br_value_int(443));
    s_put(pillar, "ports", ports);
    s_put(pillar, "enabled", br_value_bool(true));
    s_put(pillar, "count", br_value_int(3));
    s_put(pillar, "ratio", br_value_float(1.5));
    s_put(pillar, "empty_list", br_value_list());
    s_put(pillar, "empty_str", br_value_str(""));
    s_put(pillar, "zero", br_value_int(0));
    s_put(pillar, "nothing", br_value_null());
    br_value_t *c = br_value_map();
    s_put(c, "c", br_value_str("deep"));
    br_value_t *b = br_value_map();
    s_put(b, "b", c);
    br_value_t *a = br_value_map();
    s_put(a, "a", b);
    s_put(pillar, "nested", a);
    br_value_t *pairs = br_value_list();
    for (int i = 0; i < 2; i++) {
        br_value_t *pair = br_value_list();
        s_add(pair, br_value_str(i ? "b" : "a"));
        s_add(pair, br_value_int(i + 1));
        s_add(pairs, pair);
    }
    s_put(pillar, "pairs", pairs);
    s_put(pillar, "quote", br_value_str("it's"));
    s_put(pillar, "passphrase", s_secret(SECRET));
    br_value_t *keys = br_value_map();
    s_put(keys, "luks", s_secret(SECRET));
    s_put(keys, "name", br_value_str("k"));
    s_put(pillar, "keys", keys);
    s_put(pillar, "secret_list", br_value_list());
    s_add(br_value_map_get(pillar, "secret_list"), s_secret(SECRET));

    br_value_t *grains = br_value_map();
    s_put(grains, "id", br_value_str("web1"));
    s_put(grains, "os", br_value_str("Debian"));
    s_put(grains, "osrelease", br_value_str("12"));
    s_put(grains, "mem_total", br_value_int(2048));
    s_put(grains, "ipv4", s_strings((const char *const[]){"10.0.0.1", "127.0.0.1", NULL}));

    br_value_t *ctx = br_value_map();
    s_put(ctx, "pillar", pillar);
    s_put(ctx, "grains", grains);
    //  For the limits: 1001 items, 1 MiB of text, lists nested 70 deep
    br_value_t *big = br_value_list();
    for (int i = 0; i < 1001; i++) {
        s_add(big, br_value_int(i));
    }
    s_put(ctx, "big", big);
    char *mb = malloc(1 << 20);
    memset(mb, 'x', 1 << 20);
    s_put(ctx, "mb", br_value_str_n(mb, 1 << 20));
    free(mb);
    br_value_t *deep = br_value_list();
    for (int i = 0; i < 70; i++) {
        br_value_t *outer = br_value_list();
        s_add(outer, deep);
        deep = outer;
    }
    s_put(ctx, "deep", deep);
    return ctx;
}

//  Renders from a heap copy of exactly len bytes, so that any read past
//  the end is caught by ASan
static char *
s_render(const char *text, size_t len, size_t *out_len, br_errmsg_t *err)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    char *out = br_render("t.sls", copy, len, s_ctx, s_vault, out_len, err);
    free(copy);
    return out;
}

static bool
s_has_secret(const char *text, size_t len)
{
    return text && memmem(text, len, SECRET, strlen(SECRET)) != NULL;
}

static void
s_ok(int line, const char *tmpl, const char *expected)
{
    br_errmsg_t err = {{0}};
    size_t len = 0;
    char *out = s_render(tmpl, strlen(tmpl), &len, &err);
    if (!out) {
        fprintf(stderr, "%s:%d: render failed: %s\n    template: %s\n", __FILE__, line, err.text,
                tmpl);
        test_failures++;
        return;
    }
    if (len != strlen(expected) || memcmp(out, expected, len) != 0 || out[len] != 0) {
        fprintf(stderr,
                "%s:%d: wrong output\n    template: %s\n    expected: [%s]\n    got:      [%.*s]\n",
                __FILE__, line, tmpl, expected, (int)len, out);
        test_failures++;
    }
    CHECK(!s_has_secret(out, len));
    free(out);
}

static void
s_err(int line, const char *tmpl, const char *expected)
{
    br_errmsg_t err = {{0}};
    size_t len = 0;
    char *out = s_render(tmpl, strlen(tmpl), &len, &err);
    if (out || strcmp(err.text, expected) != 0) {
        fprintf(stderr,
                "%s:%d: wrong error\n    template: %s\n    expected: [%s]\n    got:      [%s]%s\n",
                __FILE__, line, tmpl, expected, err.text, out ? " and output" : "");
        test_failures++;
    }
    CHECK(!s_has_secret(err.text, strlen(err.text)));
    free(out);
}

#define OK(tmpl, expected) s_ok(__LINE__, tmpl, expected)
#define ERR(tmpl, expected) s_err(__LINE__, tmpl, expected)

static const struct {
    const char *tmpl;
    const char *expected;
} s_golden[] = {
    {"plain text\nline two\n", "plain text\nline two\n"},
    {"", ""},
    {"{ not a tag } {x} }} %} #}", "{ not a tag } {x} }} %} #}"},
    {"{{ pillar.luks.device }}", "/dev/sdb"},
    {"{{ pillar.get('luks').device }}", "/dev/sdb"},
    {"{{ pillar.luks.get('name', 'x') }}", "cryptdata"},
    {"{{ pillar.luks.get('missing', 'fallback') }}", "fallback"},
    {"{{ pillar.luks.get('missing') }}", "None"},
    {"{{ pillar['luks']['device'] }}", "/dev/sdb"},
    {"{{ pillar[\"luks\"].name }}", "cryptdata"},
    {"{{ grains.id }}/{{ grains['os'] }}", "web1/Debian"},
    {"{{ pillar.users[1] }} {{ pillar.users[-1] }} {{ pillar.users.0 }}", "bob carol alice"},
    {"{{ 1 }}|{{ -2 }}|{{ 1.5 }}|{{ 1.0 }}|{{ -0.5 }}|{{ 1e16 }}|{{ 1e15 }}|{{ 0.0001 }}|{{ 1e-5 "
     "}}|{{ 0.1 }}|{{ 2.5e300 }}",
     "1|-2|1.5|1.0|-0.5|1e+16|1000000000000000.0|0.0001|1e-05|0.1|2.5e+300"},
    {"{{ true }} {{ True }} {{ false }} {{ False }} {{ none }} {{ None }}",
     "True True False False None None"},
    {"{{ pillar.users }}", "['alice', 'bob', 'carol']"},
    {"{{ pillar.ports }}", "{'http': 80, 'https': 443}"},
    {"{{ pillar.luks }}",
     "{'device': '/dev/sdb', 'name': 'cryptdata', 'options': ['discard', 'noauto']}"},
    {"{{ [1, 'a', true, none, 2.5, [], {}] }}", "[1, 'a', True, None, 2.5, [], {}]"},
    {"{{ pillar.quote }} {{ [pillar.quote, 'a\\\\b', 'x\\ny\\tz'] }}",
     "it's [\"it's\", 'a\\\\b', 'x\\ny\\tz']"},
    {"{{ ['a\"b', 'a\"\\'b', '\\x01'] }}", "['a\"b', 'a\"\\'b', '\\x01']"},
    {"{{ '\\x41\\u00e9\\U0001F600\\101\\q' }}", "A\303\251\360\237\230\200A\\q"},
    {"{{ 'a' 'b' }}{{ \"x\\\"y\" }}{{ 'it\\'s' }}", "abx\"yit's"},
    {"{{ {'a': 1, 'b': [true]} }}", "{'a': 1, 'b': [True]}"},
    {"{{ {'a': {'b': 2}}.a.b }} {{ [[1, 2], [3]][0][1] }} {{ {'k': 'v'}['k'] }}", "2 2 v"},
    {"{{ pillar.ratio }} {{ pillar.count }} {{ pillar.enabled }} {{ pillar.nothing }}",
     "1.5 3 True None"},
    {"{{ pillar.ports.items() }}", "dict_items([('http', 80), ('https', 443)])"},
    {"{{ pillar.ports.keys() }} {{ pillar.ports.values() }}",
     "dict_keys(['http', 'https']) dict_values([80, 443])"},
    {"{{ {'a': 1}}}|{{ {'b': {'c': 2}}}}", "{'a': 1}|{'b': {'c': 2}}"},
    {"{{ '}}' }} {% set x = '%}' %}{{ x }} {{ \"{#\" }}", "}} %} {#"},
    {"{{ {} }}{{ [] }}{{ '' }}.", "{}[]."},
    {"a{# a comment {{ x }} {% if %} #}b", "ab"},
    {"a  {#- c -#}  b", "ab"},
    {"a  {%- if true %} b {% endif -%}  \n c", "a b c"},
    {"x\n  {{- ' y ' -}}\n  z", "x y z"},
    {"{% if true %}\nx\n{% endif %}\n", "\nx\n\n"},
    {"{% for u in pillar.users -%}\n  {{ u }}\n{% endfor %}", "alice\nbob\ncarol\n"},
    {"{%- for u in pillar.users %}\n- {{ u }}\n{%- endfor %}\n", "\n- alice\n- bob\n- carol\n"},
    {"a {%+ if true +%} b {% endif %}", "a  b "},
    {"{% if grains.os == 'Debian' %}deb{% elif grains.os == 'RedHat' %}rh{% else %}other{% endif "
     "%}",
     "deb"},
    {"{% if grains.os == 'Arch' %}arch{% elif grains.os != 'RedHat' %}notrh{% else %}other{% endif "
     "%}",
     "notrh"},
    {"{% if false %}a{% elif none %}b{% else %}c{% endif %}", "c"},
    {"{% if false %}a{% endif %}", ""},
    {"{% if pillar.nope %}y{% else %}n{% endif %}", "n"},
    {"{% if pillar.nope.deeper.still %}y{% else %}n{% endif %}", "n"},
    {"{% if pillar.luks %}{% if pillar.luks.device %}dev{% endif %}{% endif %}", "dev"},
    {"{% for v in ['', [], {}, 0, 0.0, none, false, 'a', [0], 1, -1.5, {'a': 1}, true] %}{% if v "
     "%}y{% else %}n{% endif %}{% endfor %}",
     "nnnnnnnyyyyyy"},
    {"{% if pillar.empty_list or pillar.empty_str or pillar.zero %}y{% else %}n{% endif %}", "n"},
    {"{% for u in pillar.users %}{{ loop.index }}:{{ u }}{% if not loop.last %},{% endif %}{% "
     "endfor %}",
     "1:alice,2:bob,3:carol"},
    {"{% for u in pillar.users %}{{ loop.index0 }}{{ loop.first }}{{ loop.length }}{{ "
     "loop.revindex }}{{ loop.revindex0 }} {% endfor %}",
     "0True332 1False321 2False310 "},
    {"{% for k, v in pillar.ports.items() %}{{ k }}={{ v }};{% endfor %}", "http=80;https=443;"},
    {"{% for k in pillar.ports %}{{ k }};{% endfor %}{% for k in pillar.ports.keys() %}{{ k }};{% "
     "endfor %}{% for v in pillar.ports.values() %}{{ v }};{% endfor %}",
     "http;https;http;https;80;443;"},
    {"{% for x in pillar.empty_list %}x{% else %}none{% endfor %}", "none"},
    {"{% for x in [1] %}x{% else %}none{% endfor %}", "x"},
    {"{% for a, b in pillar.pairs %}{{ a }}{{ b }}{% endfor %}", "a1b2"},
    {"{% for u in pillar.users %}{% for p in [1, 2] %}{% if p == 2 and u != 'bob' %}{{ u }}{{ p }} "
     "{% endif %}{% endfor %}{% endfor %}",
     "alice2 carol2 "},
    {"{% for a in [1, 2] %}{% for b in [1] %}{{ loop.length }}{% endfor %}{{ loop.length }}{% "
     "endfor %}",
     "1212"},
    {"{% for k, v in {'a': {'x': 1}, 'b': {'x': 2}}.items() %}{{ k }}{{ v.x }}{% endfor %}",
     "a1b2"},
    {"{% for opt in salt['pillar.get']('luks:options', []) %}[{{ opt }}]{% endfor %}",
     "[discard][noauto]"},
    {"{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{{ x }}{% endfor %}{{ x }}", "121"},
    {"{% if true %}{% set y = 'in' %}{% endif %}{{ y }}", "in"},
    {"{% for i in [1] %}{% set z = 2 %}{% endfor %}{{ z | default('gone') }}", "gone"},
    {"{% set l = [[1, 2]] %}{% set l = l[0] %}{{ l }}{% set l = l %}{{ l[1] }}", "[1, 2]2"},
    {"{% set dev = pillar.luks.device %}{% set opts = {'dev': dev, 'n': 1} %}{{ opts }}",
     "{'dev': '/dev/sdb', 'n': 1}"},
    {"{% set pillar = {'a': 1} %}{{ pillar.a }}", "1"},
    {"{% set m = pillar.ports %}{% for k, v in m.items() %}{{ k }}{% endfor %}", "httphttps"},
    {"{% for i in [1, 2] %}{{ w | default('u') }}{% set w = i %}{{ w }}{% endfor %}", "u1u2"},
    {"{{ pillar.missing | default('d') }}|{{ pillar.empty_str | default('d') }}|{{ "
     "pillar.empty_str | default('d', true) }}",
     "d||d"},
    {"{{ pillar.zero | default(5, boolean=true) }}|{{ pillar.zero | default(5) }}|{{ "
     "pillar.missing.deeper | default('x') }}",
     "5|0|x"},
    {"{{ pillar.count | default(9) }}|{{ pillar.missing | default }}|{{ nosuch | "
     "default(pillar.luks.name) }}",
     "3||cryptdata"},
    {"{{ pillar.missing | default(pillar.missing2) | default('two') }}", "two"},
    {"{{ pillar.nothing | default('n') }} {{ pillar.nothing | default('n', true) }}", "None n"},
    {"{{ pillar.missing | default(default_value='kw') }}", "kw"},
    {"{{ salt['pillar.get']('luks:device') }}|{{ salt['pillar.get']('nested:a:b:c') }}|{{ "
     "salt['pillar.get']('nested:a:x', 'dflt') }}|{{ salt['pillar.get']('nope') }}|{{ "
     "salt['pillar.get']('nope', default=7) }}",
     "/dev/sdb|deep|dflt||7"},
    {"{{ salt['grains.get']('os') }} {{ salt[\"grains.get\"]('nope', 'n/a') }} {{ "
     "salt['grains.get']('ipv4') }}",
     "Debian n/a ['10.0.0.1', '127.0.0.1']"},
    {"{{ salt['pillar.get']('luks')['name'] }} {{ salt['pillar.get']('users') }}",
     "cryptdata ['alice', 'bob', 'carol']"},
    {"{{ salt['pillar.get']('luks:device', 'x') | default('y') }}", "/dev/sdb"},
    {"{{ salt['pillar.get'](key='count') }}", "3"},
    {"{{ 1 < 2 }} {{ 2 <= 1 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ 'ab' > 'a' }} {{ grains.mem_total "
     ">= 1024 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'x' != 'y' }} {{ [1, 2] == [1, 2] }} {{ "
     "pillar.ports == {'http': 80, 'https': 443} }}",
     "True False True True True True True False True True True"},
    {"{{ 2 > 1.5 }} {{ -1 < 0 }} {{ 'B' < 'a' }} {{ '' < 'a' }} {{ none == none }} {{ 1 != 'a' }} "
     "{{ 'a' == 'a' }}",
     "True True True True True True True"},
    {"{{ 'bob' in pillar.users }} {{ 'eve' not in pillar.users }} {{ 'http' in pillar.ports }} {{ "
     "'sd' in pillar.luks.device }} {{ 80 in pillar.ports.values() }} {{ 'https' in "
     "pillar.ports.keys() }} {{ 'luks' in pillar }}",
     "True True True True True True True"},
    {"{{ 'x' in 'abc' }} {{ '' in 'abc' }} {{ 'ftp' in pillar.ports }} {{ 1 in [1, 2] }} {{ [1] in "
     "[[1], 2] }} {{ 'a' not in {} }}",
     "False True False True True True"},
    {"{{ true or false and false }} {{ (true or false) and false }} {{ not true or true }} {{ not "
     "(true or true) }} {{ not 1 == 2 }}",
     "True False True False True"},
    {"{{ pillar.missing or 'fallback' }} {{ 0 or '' or 'x' }} {{ 'a' and 'b' }} {{ [] and 'b' }} "
     "{{ 1 and 0 }}",
     "fallback x b [] 0"},
    {"{{ not pillar.missing }} {{ not not 'a' }} {{ not 'x' in 'y' }} {{ true and not false }}",
     "True True True True"},
    {"{{ pillar.luks is defined }} {{ pillar.nope is defined }} {{ pillar.nope is not defined }} "
     "{{ nope.x.y is defined }} {{ not pillar.luks is defined }}",
     "True False True False False"},
    {"{% if pillar.nope is defined and pillar.nope == 1 %}y{% else %}n{% endif %}", "n"},
    {"{% set luks = salt['pillar.get']('luks', {}) %}\n{{ luks.name }}:\n  luks.opened:\n    - "
     "device: {{ luks.device }}\n{%- if luks.options is defined %}\n    - options: {{ luks.options "
     "}}\n{%- endif %}\n{% for u in pillar.users %}\nuser_{{ u }}:\n  cmd.run:\n    - name: echo "
     "{{ u }} {{ loop.index }}\n{% endfor %}\n",
     "\ncryptdata:\n  luks.opened:\n    - device: /dev/sdb\n    - options: ['discard', "
     "'noauto']\n\nuser_alice:\n  cmd.run:\n    - name: echo alice 1\n\nuser_bob:\n  cmd.run:\n    "
     "- name: echo bob 2\n\nuser_carol:\n  cmd.run:\n    - name: echo carol 3\n\n"},
};

static void
s_test_golden(void)
{
    for (size_t i = 0; i < sizeof s_golden / sizeof s_golden[0]; i++) {
        s_ok(__LINE__, s_golden[i].tmpl, s_golden[i].expected);
    }
    //  Text containing a NUL byte passes through; the length is what counts
    br_errmsg_t err = {{0}};
    size_t len = 0;
    char *out = s_render("a\0b{{ 1 }}", 10, &len, &err);
    CHECK(out && len == 4 && memcmp(out, "a\0b1", 4) == 0);
    free(out);
    //  No context: names are undefined, salt functions give their default
    out = br_render("t.sls", "{{ pillar.x | default(1) }}{{ salt['pillar.get']('a', 2) }}", 59,
                    NULL, s_vault, NULL, &err);
    CHECK_STR(out, "12");
    free(out);
}

static void
s_test_syntax_errors(void)
{
    //  Tags outside the subset, each with its line
    ERR("a\n{% macro m() %}{% endmacro %}", "t.sls:2: unsupported tag 'macro'");
    ERR("{% import 'x.sls' as x %}", "t.sls:1: unsupported tag 'import'");
    ERR("{% from 'x' import y %}", "t.sls:1: unsupported tag 'from'");
    ERR("\n\n{% include 'other.sls' %}", "t.sls:3: unsupported tag 'include'");
    ERR("{% extends 'base.sls' %}", "t.sls:1: unsupported tag 'extends'");
    ERR("x\n{% block b %}{% endblock %}", "t.sls:2: unsupported tag 'block'");
    ERR("{% call m() %}{% endcall %}", "t.sls:1: unsupported tag 'call'");
    ERR("{% filter upper %}x{% endfilter %}", "t.sls:1: unsupported tag 'filter'");
    ERR("{% with a = 1 %}{% endwith %}", "t.sls:1: unsupported tag 'with'");
    ERR("{% do x %}", "t.sls:1: unsupported tag 'do'");
    ERR("{% raw %}{{ {% {# '{% endraw %}", "t.sls:1: unsupported tag 'raw'");
    ERR("{% for x in [1] %}\n{% break %}{% endfor %}", "t.sls:2: unsupported tag 'break'");
    ERR("{% set x %}y{% endset %}", "t.sls:1: unsupported block set: {% set x %}...{% endset %}");
    ERR("{% set a, b = 1, 2 %}", "t.sls:1: unsupported: set with several names");
    ERR("{% set a.b = 1 %}", "t.sls:1: unsupported: set of an attribute or item");
    ERR("{% for x in pillar.users if x %}{% endfor %}",
        "t.sls:1: unsupported loop filter 'for ... if'");
    ERR("{% for x in pillar.users recursive %}{% endfor %}", "t.sls:1: unsupported recursive loop");
    ERR("{% for a, b, c in x %}{% endfor %}", "t.sls:1: unsupported: more than two loop variables");
    ERR("{% for x of y %}{% endfor %}", "t.sls:1: unexpected 'of', expected 'in'");
    ERR("{% for salt in x %}{% endfor %}", "t.sls:1: cannot assign to 'salt'");
    ERR("{% set loop = 1 %}", "t.sls:1: cannot assign to 'loop'");
    ERR("{% set True = 1 %}", "t.sls:1: cannot assign to 'True'");
    //  Filters, tests, operators, calls outside the subset
    ERR("{{ pillar.luks.device | upper }}", "t.sls:1: unsupported filter 'upper'");
    ERR("{{ pillar.users | join(',') }}", "t.sls:1: unsupported filter 'join'");
    ERR("{{ x | d('y') }}", "t.sls:1: unsupported filter 'd'");
    ERR("{{ x | 1 }}", "t.sls:1: unexpected '1', expected a filter name after '|'");
    ERR("{{ x is none }}", "t.sls:1: unsupported test 'none'");
    ERR("line\n{{ 'a' ~ 'b' }}", "t.sls:2: unsupported operator '~'");
    ERR("{{ 1 + 2 }}", "t.sls:1: unsupported operator '+'");
    ERR("{{ 5 - 1 }}", "t.sls:1: unsupported operator '-'");
    ERR("{{ pillar.count * 2 }}", "t.sls:1: unsupported operator '*'");
    ERR("{{ 4 / 2 }}", "t.sls:1: unsupported operator '/'");
    ERR("{{ 4 // 2 }}", "t.sls:1: unsupported operator '//'");
    ERR("{{ 4 % 2 }}", "t.sls:1: unsupported operator '%'");
    ERR("{{ 2 ** 3 }}", "t.sls:1: unsupported operator '**'");
    ERR("{{ -pillar.count }}", "t.sls:1: unsupported operator '-'");
    ERR("{{ +1 }}", "t.sls:1: unsupported operator '+'");
    ERR("{% if a ~ b %}{% endif %}", "t.sls:1: unsupported operator '~'");
    ERR("{% set x = i * 1 %}", "t.sls:1: unsupported operator '*'");
    ERR("{{ pillar.users[1:2] }}", "t.sls:1: unsupported slice");
    ERR("{{ pillar.users[:2] }}", "t.sls:1: unsupported slice");
    ERR("{{ pillar.users[1, 2] }}", "t.sls:1: unsupported tuple index");
    ERR("{{ (1, 2) }}", "t.sls:1: unsupported tuple");
    ERR("{{ () }}", "t.sls:1: unsupported tuple");
    ERR("{{ 'a' if true else 'b' }}", "t.sls:1: unsupported inline 'if' expression");
    ERR("{{ salt['cmd.run']('ls') }}", "t.sls:1: unsupported salt function 'cmd.run'");
    ERR("x\n{{ salt }}", "t.sls:2: unsupported use of 'salt': only salt['pillar.get'](...) and "
                         "salt['grains.get'](...) are available");
    ERR("{{ salt['pillar.get'] }}",
        "t.sls:1: unsupported use of 'salt': only salt['pillar.get'](...) and "
        "salt['grains.get'](...) are available");
    ERR("{{ salt.pillar.get('a') }}",
        "t.sls:1: unsupported use of 'salt': only salt['pillar.get'](...) and "
        "salt['grains.get'](...) are available");
    ERR("{{ salt['pillar.get']() }}", "t.sls:1: pillar.get needs a key");
    ERR("{{ salt['pillar.get']('a', 'b', 'c') }}", "t.sls:1: too many arguments to pillar.get");
    ERR("{{ salt['pillar.get']('a', merge=True) }}",
        "t.sls:1: unsupported argument 'merge' to pillar.get");
    ERR("{{ salt['grains.get'](default=1, key='a', default=2) }}",
        "t.sls:1: argument 'default' given twice to grains.get");
    ERR("{{ salt['grains.get'](key='a', 2) }}",
        "t.sls:1: positional argument after a keyword argument to grains.get");
    ERR("{{ x | default(1, 2, 3) }}", "t.sls:1: too many arguments to default");
    ERR("{{ pillar.get() }}", "t.sls:1: get() needs a key");
    ERR("{{ pillar.luks.device.get('a') }}", "t.sls:1: get() needs a map");
    ERR("{{ pillar.users.append(1) }}", "t.sls:1: unsupported method 'append'");
    ERR("{{ 'a'.upper() }}", "t.sls:1: unsupported method 'upper'");
    ERR("{{ pillar.ports.items(1) }}", "t.sls:1: 'items()' takes no arguments");
    ERR("{{ range(3) }}", "t.sls:1: unsupported function 'range'");
    ERR("{{ (x)(1) }}", "t.sls:1: unsupported function 'x'");
    ERR("{{ [x](1) }}", "t.sls:1: unsupported function call");
    //  Structure
    ERR("a\n{% if true %}\nb\n",
        "t.sls:3: unexpected end of template: {% if %} opened on line 2 is not closed");
    ERR("{% for x in [1] %}{% if x %}{% else %}",
        "t.sls:1: unexpected end of template: {% if %} opened on line 1 is not closed");
    ERR("{% for x in [1] %}\n{% if x %}\n{% endfor %}",
        "t.sls:3: unexpected {% endfor %}: {% if %} opened on line 2 is not closed");
    ERR("{% if 1 %}{% else %}{% elif 2 %}{% endif %}",
        "t.sls:1: unexpected {% elif %}: {% if %} opened on line 1 is not closed");
    ERR("x\n{% endif %}", "t.sls:2: unexpected {% endif %} outside any block");
    ERR("{% else %}", "t.sls:1: unexpected {% else %} outside any block");
    ERR("{% endif x %}", "t.sls:1: unexpected {% endif %} outside any block");
    ERR("{% if true %}{% endif x %}", "t.sls:1: unexpected 'x', expected '%}'");
    ERR("{% %}", "t.sls:1: unexpected '%}', expected a tag name");
    ERR("{% 'x' %}", "t.sls:1: unexpected a string, expected a tag name");
    ERR("{% if %}x{% endif %}", "t.sls:1: unexpected '%}', expected an expression");
    ERR("{% if x y %}{% endif %}", "t.sls:1: unexpected 'y', expected '%}'");
    ERR("{{ }}", "t.sls:1: unexpected '}}', expected an expression");
    ERR("{{ a b }}", "t.sls:1: unexpected 'b', expected '}}'");
    ERR("{{ a and }}", "t.sls:1: unexpected '}}', expected an expression");
    ERR("{{ [1, 2 }}", "t.sls:1: unexpected '}}', expected ']'");
    ERR("{{ {'a' 1} }}", "t.sls:1: unexpected '1', expected ':'");
    ERR("{{ (1 }}", "t.sls:1: unexpected '}}', expected ')'");
    ERR("{{ a. }}", "t.sls:1: unexpected '}}', expected a name after '.'");
    ERR("{{ a.1.2 }}", "t.sls:1: unexpected '1.2', expected a name after '.'");
    ERR("{{ a is }}", "t.sls:1: unexpected '}}', expected a test name after 'is'");
    ERR("{{ not }}", "t.sls:1: unexpected '}}', expected an expression");
    ERR("{{ in }}", "t.sls:1: unexpected 'in', expected an expression");
    ERR("{{ a = 1 }}", "t.sls:1: unexpected '=', expected '}}'");
    //  Lexical
    ERR("x\n{{ pillar.a", "t.sls:2: unterminated '{{': no matching '}}'");
    ERR("{{ pillar.a }", "t.sls:1: unterminated '{{': no matching '}}'");
    ERR("{% if true", "t.sls:1: unterminated '{%': no matching '%}'");
    ERR("a\n{# comment", "t.sls:2: unterminated comment: '{#' without '#}'");
    ERR("{{ 'abc }}", "t.sls:1: unterminated string");
    ERR("{{ \"abc\\\" }}", "t.sls:1: unterminated string");
    ERR("{{ 'ab\\", "t.sls:1: unterminated string");
    ERR("{{ '\\x4' }}", "t.sls:1: bad escape in string");
    ERR("{{ '\\ud800' }}", "t.sls:1: bad escape in string");
    ERR("{{ '\\U00110000' }}", "t.sls:1: bad escape in string");
    ERR("{{ 12abc }}", "t.sls:1: bad number '12abc'");
    ERR("{{ 1_000 }}", "t.sls:1: bad number '1_000'");
    ERR("{{ 99999999999999999999 }}", "t.sls:1: bad number '99999999999999999999'");
    ERR("{{ a ! b }}", "t.sls:1: unexpected character '!'");
    ERR("{{ a $ }}", "t.sls:1: unexpected character '$'");
    ERR("{{ a \x01 }}", "t.sls:1: unexpected byte 0x01");
    ERR("{{ a \xc3\xa9 }}", "t.sls:1: unexpected byte 0xc3");
    //  The line is the line where the construct starts
    ERR("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n{% if x %}\n{{ a |\n upper }}{% endif %}",
        "t.sls:14: unsupported filter 'upper'");
    ERR("{{ 'multi\nline' }}\n{{ 'x' ~ 'y' }}", "t.sls:3: unsupported operator '~'");
    //  Syntax errors are found in branches that do not run
    ERR("{% if false %}{{ x | upper }}{% endif %}", "t.sls:1: unsupported filter 'upper'");
}

static void
s_test_runtime_errors(void)
{
    ERR("{{ pillar.luks.nodevice }}", "t.sls:1: 'pillar.luks.nodevice' is undefined");
    ERR("a\nb\n{{ foo }}", "t.sls:3: 'foo' is undefined");
    ERR("{{ pillar['nope']['x'] }}", "t.sls:1: 'pillar['nope']['x']' is undefined");
    ERR("{{ pillar.users[7] }}", "t.sls:1: 'pillar.users[7]' is undefined");
    ERR("{{\n  pillar.missing\n}}", "t.sls:1: 'pillar.missing' is undefined");
    ERR("{% for x in pillar.nope %}{% endfor %}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{{ [1, pillar.nope] }}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{{ {'k': pillar.nope} }}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{% if pillar.nope == 1 %}{% endif %}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{% if 'a' in pillar.nope %}{% endif %}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{{ pillar.nope.items() }}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{{ pillar.users[pillar.nope] }}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{{ salt['pillar.get'](pillar.nope) }}", "t.sls:1: 'pillar.nope' is undefined");
    ERR("{% set x = pillar.gone %}\n{{ x }}", "t.sls:2: 'pillar.gone' is undefined");
    ERR("{{ pillar.missing | default(pillar.missing2) }}",
        "t.sls:1: 'pillar.missing2' is undefined");
    ERR("{{ loop }}", "t.sls:1: 'loop' is undefined");
    ERR("{{ loop.nope }}", "t.sls:1: 'loop.nope' is undefined");
    ERR("{% for x in [1] %}{{ loop }}{% endfor %}", "t.sls:1: cannot print 'loop'");
    ERR("{% for x in [1] %}{{ loop.nope }}{% endfor %}", "t.sls:1: 'loop.nope' is undefined");
    ERR("{% for x in [1] %}{% for y in loop %}{% endfor %}{% endfor %}",
        "t.sls:1: cannot iterate over 'loop'");
    ERR("{% for x in [1] %}{{ [loop] }}{% endfor %}",
        "t.sls:1: 'loop' cannot be stored in a list or map");
    ERR("{{ [pillar.ports.keys()] }}", "t.sls:1: a dict view cannot be stored in a list or map");
    ERR("{% for c in 'abc' %}{% endfor %}", "t.sls:1: cannot iterate over string");
    ERR("{% for c in 5 %}{% endfor %}", "t.sls:1: cannot iterate over integer");
    ERR("{% for c in none %}{% endfor %}", "t.sls:1: cannot iterate over null");
    ERR("{{ 1 < 'a' }}", "t.sls:1: cannot compare integer with string");
    ERR("{{ [1] < [2] }}", "t.sls:1: cannot compare list with list");
    ERR("{{ pillar.ports.keys() == ['http'] }}", "t.sls:1: cannot compare dict view with list");
    ERR("{{ 1 in 5 }}", "t.sls:1: 'in' needs a string, list or map, got integer");
    ERR("{{ 1 in 'abc' }}", "t.sls:1: 'in' a string needs a string on the left, got integer");
    ERR("{{ 'x' in pillar.ports.items() }}", "t.sls:1: 'in' on items() is not supported");
    ERR("{{ pillar.ports.keys() in [1] }}", "t.sls:1: 'in' cannot test a dict view");
    ERR("{{ 'abc'[0] }}", "t.sls:1: indexing a string is not supported");
    ERR("{{ pillar.users.items() }}", "t.sls:1: items() needs a map, got list");
    ERR("{{ pillar.ports.items().keys() }}", "t.sls:1: keys() needs a map, got dict view");
    ERR("{% for k, v in pillar.users %}{% endfor %}",
        "t.sls:1: cannot unpack string into two names");
    ERR("{% for kv in pillar.ports.items() %}{% endfor %}",
        "t.sls:1: a loop over items() needs two names");
    ERR("{{ {1: 2} }}", "t.sls:1: map keys must be strings");
    ERR("{{ salt['pillar.get'](1) }}", "t.sls:1: pillar.get needs a string key");
    ERR("{{ pillar.users[pillar.ports.keys()] }}", "t.sls:1: unsupported index");
    //  The first error stops the render: nothing after it runs
    ERR("{{ nope }}{{ 1 + }}", "t.sls:1: unsupported operator '+'");
}

//  A secret prints as exactly its vault token; anything that would look at
//  its bytes is an error whose message does not contain them
static void
s_test_secrets(void)
{
    const br_value_t *pass = br_value_map_get(br_value_map_get(s_ctx, "pillar"), "passphrase");
    const char *token = br_vault_token(s_vault, br_value_as_secret(pass));
    CHECK(token && !strstr(token, SECRET));
    char expected[512];
    OK("{{ pillar.passphrase }}", token);
    OK("{{ salt['pillar.get']('passphrase') }}", token);
    OK("{{ pillar.passphrase | default('x') }}", token);
    OK("{{ pillar.passphrase | default('x', true) }}", token);
    OK("{{ pillar.nope | default(pillar.passphrase) }}", token);
    OK("{% set p = pillar.passphrase %}{{ p }}", token);
    OK("{{ pillar.passphrase or 'x' }}", token);
    OK("{% if pillar.passphrase %}yes{% endif %}{% if pillar.passphrase is defined %}!{% endif %}",
       "yes!");
    OK("{% if 'luks' in pillar.keys %}in{% endif %}{% if 'passphrase' in pillar %}!{% endif %}",
       "in!");
    snprintf(expected, sizeof expected, "{'luks': '%s', 'name': 'k'}", token);
    OK("{{ pillar.keys }}", expected);
    snprintf(expected, sizeof expected, "luks=%s;name=k;", token);
    OK("{% for k, v in pillar.keys.items() %}{{ k }}={{ v }};{% endfor %}", expected);
    snprintf(expected, sizeof expected, "['%s']", token);
    OK("{{ pillar.secret_list }}", expected);
    OK("{{ [pillar.passphrase] }}", expected);
    snprintf(expected, sizeof expected, "dict_values(['%s', 'k'])", token);
    OK("{{ pillar.keys.values() }}", expected);
    //  The same secret bytes get the same token: one vault entry
    CHECK_EQ_INT(br_vault_size(s_vault), 1);

    const char *refused[] = {
        "{% if pillar.passphrase == '" SECRET "' %}{% endif %}",
        "{% if pillar.passphrase != 'x' %}{% endif %}",
        "{% if '" SECRET "' == pillar.passphrase %}{% endif %}",
        "{% if pillar.passphrase < 'm' %}{% endif %}",
        "{% if 'hunter' in pillar.passphrase %}{% endif %}",
        "{% if pillar.passphrase in ['" SECRET "'] %}{% endif %}",
        "{% if 'x' in pillar.secret_list %}{% endif %}",
        "{% if 'x' in pillar.keys.values() %}{% endif %}",
        "{% if pillar.keys == {} %}{% endif %}",
        "{% if [pillar.passphrase] == ['" SECRET "'] %}{% endif %}",
        "{{ pillar.passphrase[0] }}",
        "{{ pillar.passphrase.length }}",
        "{{ pillar.passphrase.items() }}",
        "{{ pillar[pillar.passphrase] }}",
        "{{ {pillar.passphrase: 1} }}",
        "{{ salt['pillar.get'](pillar.passphrase) }}",
        "{% for c in pillar.passphrase %}{% endfor %}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s_err(__LINE__, refused[i], "t.sls:1: secret values cannot be compared or transformed");
    }
    ERR("x\n{% if pillar.keys.luks == 'a' %}{% endif %}",
        "t.sls:2: secret values cannot be compared or transformed");

    //  No vault: a secret cannot be printed at all
    br_errmsg_t err = {{0}};
    char *out = br_render("t.sls", "{{ pillar.passphrase }}", 23, s_ctx, NULL, NULL, &err);
    CHECK(!out);
    CHECK_STR(err.text, "t.sls:1: cannot store a secret in the vault");
}

static void
s_test_limits(void)
{
    char *text = malloc(4096);
    //  64 nested blocks render; 65 do not
    text[0] = 0;
    for (int i = 0; i < 64; i++) {
        strcat(text, "{% if true %}");
    }
    strcat(text, "deep");
    for (int i = 0; i < 64; i++) {
        strcat(text, "{% endif %}");
    }
    OK(text, "deep");
    strcpy(text, "{% for x in [1] %}\n");
    for (int i = 0; i < 64; i++) {
        strcat(text, "{% if true %}");
    }
    ERR(text, "t.sls:2: blocks nested more than 64 levels deep");
    //  Expressions: parentheses, not, attribute chains, literals
    snprintf(text, 4096, "{{ %.*s1%.*s }}", 70,
             "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((", 70,
             "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))");
    ERR(text, "t.sls:1: expression nested more than 64 levels deep");
    strcpy(text, "{{ ");
    for (int i = 0; i < 100; i++) {
        strcat(text, "not ");
    }
    strcat(text, "1 }}");
    ERR(text, "t.sls:1: expression nested more than 64 levels deep");
    strcpy(text, "{{ x");
    for (int i = 0; i < 100; i++) {
        strcat(text, ".a");
    }
    strcat(text, " }}");
    ERR(text, "t.sls:1: expression nested more than 64 levels deep");
    strcpy(text, "{{ ");
    for (int i = 0; i < 100; i++) {
        strcat(text, "[");
    }
    strcat(text, " }}");
    ERR(text, "t.sls:1: expression nested more than 64 levels deep");
    strcpy(text, "{{ x");
    for (int i = 0; i < 100; i++) {
        strcat(text, " | default(1)");
    }
    strcat(text, " }}");
    ERR(text, "t.sls:1: expression nested more than 64 levels deep");
    //  A long flat chain is not deep
    strcpy(text, "{{ x");
    for (int i = 0; i < 200; i++) {
        strcat(text, " or x");
    }
    strcat(text, " or 'ok' }}");
    OK(text, "ok");
    strcpy(text, "{{ 1");
    for (int i = 0; i < 200; i++) {
        strcat(text, " < 2");
    }
    strcat(text, " }}");
    OK(text, "False");
    //  Values nested deeper than the limit are not printed
    ERR("{{ deep }}", "t.sls:1: value nested more than 64 levels deep");
    //  Iterations, output size, copies
    ERR("{% for a in big %}\n{% for b in big %}{% endfor %}{% endfor %}",
        "t.sls:2: more than 1000000 loop iterations");
    ERR("{% for i in big %}{{ mb }}{% endfor %}", "t.sls:1: output larger than 67108864 bytes");
    strcpy(text, "{% set x = [1, 2] %}");
    for (int i = 0; i < 25; i++) {
        strcat(text, "{% set x = [x, x] %}");
    }
    ERR(text, "t.sls:1: list and map literals copy more than 1000000 values");
    //  A loop over scalars in literals copies nothing
    OK("{% for i in big %}{% set l = [i, 'a', {'k': i}] %}{% endfor %}done", "done");
    free(text);
    //  The template itself
    size_t huge = BR_RENDER_MAX + 1;
    char *big = malloc(huge);
    memset(big, ' ', huge);
    br_errmsg_t err = {{0}};
    CHECK(!br_render("t.sls", big, huge, s_ctx, s_vault, NULL, &err));
    CHECK_STR(err.text, "t.sls:1: template larger than 67108864 bytes");
    free(big);
}

//  Uses every construct; its prefixes and mutations exercise every error path
static const char s_complex[] =
    "{# a state file using everything brine renders #}\n"
    "{%- set luks = salt['pillar.get']('luks', {}) -%}\n"
    "{% set n = 0 %}\n"
    "{% for u in pillar.users %}\n"
    "{%- if loop.first and u != 'x' or not loop.last %}\n"
    "user_{{ u }}_{{ loop.index }}:\n"
    "  cmd.run:\n"
    "    - name: \"echo {{ u | default('nobody', true) }} {{ loop.index0 }}\"\n"
    "{%- elif u in ['bob', \"carol\"] and u not in 'zed' %}\n"
    "{{ u }}: {{ [1, 2.5, -3, true, none, {'a': [u]}] }}\n"
    "{%- else %}\n"
    "{{ grains['os'] }} {{ grains.mem_total >= 1024 }}\n"
    "{%- endif %}\n"
    "{% else %}no users\n"
    "{% endfor %}\n"
    "{% for k, v in pillar.ports.items() %}{{ k }}={{ v }}{% if not loop.last %},{% endif %}"
    "{% endfor %}\n"
    "{% for k in pillar.ports.keys() %}{{ k }}{% endfor %}{% for v in pillar.ports.values() %}"
    "{{ v }}{% endfor %}\n"
    "{{ luks.device }} {{ luks['name'] }} {{ pillar.luks.options[0] }} {{ pillar.users.1 }}\n"
    "{{ salt['grains.get']('osrelease', '0') }} {{ pillar.nope is defined }} "
    "{{ pillar.nope is not defined }}\n"
    "{% if (1 < 2 <= 2) and ('a' == 'a') and 1 != 2 and 3 > 2 >= 2 %}cmp{% endif %}\n"
    "{{ pillar.passphrase }} {{ pillar.keys }} {{ \"it's\" }} {{ 'a\\'b\\n' }} {{ 1e3 }}\n"
    "{{- ' trimmed ' -}}\n"
    "end\n";

static void
s_check_any(const char *text, size_t len)
{
    br_errmsg_t err = {{0}};
    size_t out_len = 0;
    char *out = s_render(text, len, &out_len, &err);
    if (out) {
        CHECK(out[out_len] == 0);
        CHECK(!s_has_secret(out, out_len));
    } else if (strncmp(err.text, "t.sls:", 6) != 0 || s_has_secret(err.text, strlen(err.text))) {
        fprintf(stderr, "bad error message: %s\n", err.text);
        test_failures++;
    }
    free(out);
}

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static uint64_t
s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static void
s_test_robustness(void)
{
    size_t len = sizeof s_complex - 1;
    //  The whole template renders as Jinja2 renders it (with the token for
    //  the secret), and every prefix of it renders or fails cleanly
    const br_value_t *pass = br_value_map_get(br_value_map_get(s_ctx, "pillar"), "passphrase");
    const char *token = br_vault_token(s_vault, br_value_as_secret(pass));
    char expected[1024];
    snprintf(expected, sizeof expected,
             "\n\nuser_alice_1:\n  cmd.run:\n    - name: \"echo alice 0\"\n\nuser_bob_2:\n"
             "  cmd.run:\n    - name: \"echo bob 1\"\n\ncarol: [1, 2.5, -3, True, None, "
             "{'a': ['carol']}]\n\nhttp=80,https=443\nhttphttps80443\n"
             "/dev/sdb cryptdata discard bob\n12 False True\ncmp\n"
             "%s {'luks': '%s', 'name': 'k'} it's a'b\n 1000.0 trimmed end\n",
             token, token);
    s_ok(__LINE__, s_complex, expected);
    for (size_t i = 0; i <= len; i++) {
        s_check_any(s_complex, i);
    }
    //  Random byte changes, biased to the bytes that matter to the lexer
    static const char special[] = "{}%#-+'\"\\()[]|.,:=<>!~ \n0aZ_";
    char *copy = malloc(len);
    for (int round = 0; round < 20000; round++) {
        memcpy(copy, s_complex, len);
        int changes = 1 + (int)(s_rand() % 4);
        for (int c = 0; c < changes; c++) {
            size_t at = s_rand() % len;
            uint64_t pick = s_rand();
            copy[at] = pick & 1 ? (char)(pick >> 8) : special[(pick >> 8) % (sizeof special - 1)];
        }
        size_t cut = s_rand() % 8 == 0 ? s_rand() % len : len;
        s_check_any(copy, cut);
    }
    free(copy);
    //  Token soup: random sequences of the subset's pieces
    static const char *const pieces[] = {
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "{{-",
        "-}}",
        "{%-",
        "-%}",
        " if ",
        " elif ",
        " else ",
        " endif ",
        " for ",
        " in ",
        " endfor ",
        " set ",
        " = ",
        " x ",
        " pillar ",
        ".users",
        ".ports",
        "[0]",
        "['luks']",
        ".items()",
        ".keys()",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "|",
        " default(",
        " is ",
        " not ",
        " defined ",
        " and ",
        " or ",
        "==",
        "<",
        "'s'",
        "\"d\"",
        "1",
        "2.5",
        "-",
        "loop.index",
        "salt['pillar.get'](",
        "'luks:device'",
        "\n",
        "text ",
        "pillar.passphrase",
        "true",
        "none",
        "~",
        "+",
        "'",
    };
    size_t npieces = sizeof pieces / sizeof pieces[0];
    char soup[1024];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        int count = 1 + (int)(s_rand() % 40);
        for (int k = 0; k < count; k++) {
            const char *piece = pieces[s_rand() % npieces];
            size_t plen = strlen(piece);
            if (n + plen < sizeof soup) {
                memcpy(soup + n, piece, plen);
                n += plen;
            }
        }
        s_check_any(soup, n);
    }
}

int
main(void)
{
    s_vault = br_vault_new();
    s_ctx = s_context();
    s_test_golden();
    s_test_syntax_errors();
    s_test_runtime_errors();
    s_test_secrets();
    s_test_limits();
    s_test_robustness();
    br_value_destroy(&s_ctx);
    br_vault_destroy(&s_vault);
    return test_done("unit_render");
}
