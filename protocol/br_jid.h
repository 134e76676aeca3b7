/*  br_jid: job ids in Salt's format, %Y%m%d%H%M%S%f in UTC: 20 digits. A
    generator never returns the same or a smaller jid twice, even when the
    clock stands still or steps back. */
#ifndef BR_JID_H
#define BR_JID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BR_JID_LEN 20

typedef struct _br_jidgen_t br_jidgen_t;

br_jidgen_t *br_jidgen_new(void);
void br_jidgen_destroy(br_jidgen_t **self_p);

//  Writes the next jid (BR_JID_LEN digits and a NUL) into out.
void br_jidgen_next(br_jidgen_t *self, char out[BR_JID_LEN + 1]);

//  True when jid is exactly BR_JID_LEN digits forming a plausible UTC time.
bool br_jid_valid_n(const char *jid, size_t len);
bool br_jid_valid(const char *jid);

#endif
