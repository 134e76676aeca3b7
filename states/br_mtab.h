/*  br_mtab: the mount tables mod_mount reads and writes: the kernel's
    /proc/self/mountinfo (what is mounted, read only) and /etc/fstab (what
    is mounted at boot, edited atomically).

    Both encode a space, tab, newline or backslash inside a field as a
    backslash and three octal digits ("\040" for a space); the parser
    decodes them, and fstab lines are written encoded. */
#ifndef BR_MTAB_H
#define BR_MTAB_H

#include "brine.h"

//  Bounds on what is read: the whole table, and one line of it
#define BR_MTAB_SIZE_MAX (8 * 1024 * 1024)
#define BR_MTAB_LINE_MAX 65536

//  One line of mountinfo (proc(5)), fields decoded.
typedef struct {
    int mount_id;
    int parent_id;
    unsigned int major, minor; //  the device of the mounted filesystem
    char *root;                //  the root of the mount within its filesystem
    char *target;              //  the mount point
    char *options;             //  per-mount options, e.g. "rw,nosuid,relatime"
    char *fstype;              //  e.g. "ext4"
    char *source;              //  e.g. "/dev/mapper/vg-data", "tmpfs"
    char *super_options;       //  filesystem options, e.g. "rw,size=16384k"
} br_mount_t;

typedef struct _br_mountinfo_t br_mountinfo_t;

//  Parses mountinfo text. 0, or BR_ERR_MALFORMED / BR_ERR_TOOBIG with err
//  naming the line.
int br_mountinfo_parse(const char *text, size_t size, br_mountinfo_t **self_p, br_errmsg_t *err);
//  Reads and parses path (NULL: /proc/self/mountinfo).
int br_mountinfo_load(const char *path, br_mountinfo_t **self_p, br_errmsg_t *err);
void br_mountinfo_destroy(br_mountinfo_t **self_p);
size_t br_mountinfo_size(const br_mountinfo_t *self);
const br_mount_t *br_mountinfo_at(const br_mountinfo_t *self, size_t index);
//  What is visible at target: the last mount listed there (a later mount on
//  the same point hides the earlier ones). NULL when nothing is mounted.
const br_mount_t *br_mountinfo_find(const br_mountinfo_t *self, const char *target);

//  Decodes "\ooo" escapes in place; returns the new length.
size_t br_mtab_decode(char *text);
//  Encodes space, tab, newline and backslash as "\ooo" into out (truncated
//  to fit, always terminated).
void br_mtab_encode(const char *text, char *out, size_t size);
//  True when the comma-separated list options holds option exactly.
bool br_mtab_has_option(const char *options, const char *option);

//  What br_fstab_set did.
typedef enum {
    BR_FSTAB_PRESENT = 0, //  the line was there already
    BR_FSTAB_NEW,         //  a line was added
    BR_FSTAB_UPDATED,     //  a line for target was replaced
    BR_FSTAB_REMOVED,     //  (br_fstab_remove) lines for target were removed
} br_fstab_outcome_t;

//  Makes path hold exactly one line for target: "DEVICE TARGET FSTYPE
//  OPTIONS 0 0", replacing any other line for target and keeping every
//  other line (comments included) as it was. Written atomically (temporary
//  file, fsync, rename, fsync of the directory) and only when something
//  changes. With dry_run the file is not written, only the outcome told.
int br_fstab_set(const char *path, const char *device, const char *target, const char *fstype,
                 const char *options, bool dry_run, br_fstab_outcome_t *outcome, br_errmsg_t *err);
//  Removes every line for target (BR_FSTAB_REMOVED), or nothing
//  (BR_FSTAB_PRESENT: there was none). A missing file has no lines.
int br_fstab_remove(const char *path, const char *target, bool dry_run, br_fstab_outcome_t *outcome,
                    br_errmsg_t *err);

#endif
