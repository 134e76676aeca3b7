/*  br_jid: Salt-format job ids, strictly increasing per generator. */
#include "brine.h"

#include <stdio.h>
#include <sys/time.h>
#include <time.h>

struct _br_jidgen_t {
    int64_t last_us; //  microseconds since the epoch of the last jid issued
};

br_jidgen_t *
br_jidgen_new(void)
{
    return calloc(1, sizeof(br_jidgen_t));
}

void
br_jidgen_destroy(br_jidgen_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void
br_jidgen_next(br_jidgen_t *self, char out[BR_JID_LEN + 1])
{
    struct timeval now;
    gettimeofday(&now, NULL);
    int64_t us = (int64_t)now.tv_sec * 1000000 + now.tv_usec;
    //  Two jobs in the same microsecond, or a clock stepped back, would
    //  otherwise share a jid; borrow the next microsecond instead
    if (us <= self->last_us) {
        us = self->last_us + 1;
    }
    self->last_us = us;
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[64];
    snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02d%06d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (us % 1000000));
    memcpy(out, text, BR_JID_LEN);
    out[BR_JID_LEN] = 0;
}

static int
s_num(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

bool
br_jid_valid_n(const char *jid, size_t len)
{
    if (!jid || len != BR_JID_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (jid[i] < '0' || jid[i] > '9') {
            return false;
        }
    }
    int year = s_num(jid, 4), month = s_num(jid + 4, 2), day = s_num(jid + 6, 2);
    int hour = s_num(jid + 8, 2), minute = s_num(jid + 10, 2), second = s_num(jid + 12, 2);
    return year >= 1970 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 &&
           minute <= 59 && second <= 60;
}

bool
br_jid_valid(const char *jid)
{
    return jid && br_jid_valid_n(jid, strnlen(jid, BR_JID_LEN + 1));
}
