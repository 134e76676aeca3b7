/*  br_output: how `brine` and `brine-call` print what minions return, in
    the formats Salt users know (--out=highstate|terse|json|yaml).

    highstate and terse print each minion's return as it arrives; json and
    yaml print one document of every minion at the end, since a document
    cannot be streamed minion by minion and still parse. A return that is a
    map of state results is printed as states; anything else (test.ping's
    True, an error text) as Salt's nested outputter prints it. Durations are
    in milliseconds everywhere. Secrets never reach results, and the few
    printers that could meet one print "<secret>". */
#ifndef BR_OUTPUT_H
#define BR_OUTPUT_H

#include "br_value.h"

#include <stdio.h>

typedef enum {
    BR_OUT_HIGHSTATE, //  Salt's highstate outputter: a block per state, then a summary
    BR_OUT_TERSE,     //  one line per state, then the summary
    BR_OUT_JSON,      //  {"MINION": return, ...}, indented
    BR_OUT_YAML,      //  the same document as YAML
} br_out_format_t;

typedef struct {
    br_out_format_t format;
    bool color;         //  ANSI colours; only ever for a terminal
    bool state_verbose; //  false: leave out states that succeeded without changes
} br_out_opts_t;

//  "highstate", "terse", "json" or "yaml" into *format; BR_ERR_INVALID else.
int br_out_format_parse(const char *name, br_out_format_t *format);

//  Salt's spellings of a boolean option value (True/False, true/false,
//  1/0, yes/no) into *value; BR_ERR_INVALID else.
int br_out_bool_parse(const char *text, bool *value);

//  Whether output to stream should be coloured unless told otherwise: it is
//  a terminal, NO_COLOR is unset or empty, and TERM is not "dumb".
bool br_out_color_default(FILE *stream);

//  True for the formats that print each minion as it returns.
bool br_out_streams(br_out_format_t format);

//  One minion's return, for highstate and terse.
void br_out_minion(const br_out_opts_t *opts, const char *minion, const br_value_t *ret, FILE *out);

//  Every minion's return at once ({"MINION": return, ...}), for json and yaml.
void br_out_document(const br_out_opts_t *opts, const br_value_t *by_minion, FILE *out);

//  The YAML document of a value: block style, strings quoted whenever a
//  YAML 1.1 reader could take them for anything else.
void br_out_yaml(const br_value_t *value, FILE *out);

#endif
