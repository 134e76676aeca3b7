/*  br_match: Salt's minion matchers (glob, list, grain, pcre), for top files
    and for targeting jobs. */
#ifndef BR_MATCH_H
#define BR_MATCH_H

#include "br_value.h"

//  1 when minion id (with its grains map, may be NULL) matches target under
//  matcher "glob", "list", "grain" or "pcre"; 0 when not; negative with err
//  set for a bad target (a grain target without ':', an invalid regex).
int br_match_minion(const char *matcher, const char *target, const char *id,
                    const br_value_t *grains, br_errmsg_t *err);

#endif
