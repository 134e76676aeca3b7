/*  br_render: the Jinja subset that brine renders state and pillar files with,
    before they are parsed as YAML (as Salt does).

    Supported (see docs/states.md for the exact grammar):
      {{ expr }}, {# comment #}, whitespace control with {%- -%} {{- -}}
      {% if expr %} {% elif expr %} {% else %} {% endif %}
      {% for x in expr %} {% for k, v in expr.items() %} {% endfor %}
      {% set name = expr %}
      expressions: literals ('str', "str", 12, 1.5, true/True, false/False,
        none/None, [a, b], {'k': v}), names (pillar, grains, salt, loop and
        set variables), a.b, a['b'], a[0], salt['pillar.get']('a:b', default),
        salt['grains.get']('a', default), x | default(y), x is defined,
        x is not defined, ==, !=, <, <=, >, >=, in, not in, and, or, not,
        parentheses, d.items(), d.keys(), d.values()
    Anything else is an error naming the file, the line and the construct.
    Printing an undefined value is an error (use default() or pillar.get);
    an undefined value in a condition is false, as in Jinja.

    A secret value (BR_V_SECRET) is printed as its vault token (br_vault.h),
    never as its bytes; comparing or transforming a secret is an error. */
#ifndef BR_RENDER_H
#define BR_RENDER_H

#include "br_value.h"
#include "br_vault.h"

//  Largest rendered output; bigger is an error (a runaway loop).
#define BR_RENDER_MAX (64u * 1024 * 1024)

//  Renders text[0..len), the content of path (used in messages only).
//  context is a map whose entries are the top-level names (normally
//  "pillar" and "grains"; "salt" is built in). Returns the rendered text
//  (caller frees) and sets *out_len, or NULL with err set to
//  "PATH:LINE: message".
char *br_render(const char *path, const char *text, size_t len, const br_value_t *context,
                br_vault_t *vault, size_t *out_len, br_errmsg_t *err);

#endif
