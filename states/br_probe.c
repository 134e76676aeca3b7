/*  br_probe: libblkid's safe probe of a device, described in words for the
    comment of a state that refuses to overwrite it (invariant S7). */
#include "br_probe.h"

#include <blkid/blkid.h>

#include "br_devlibs.h"
#include <stdio.h>

//  Filesystem names said with a leading vowel sound although they start
//  with a consonant letter ("an ntfs filesystem").
static const char *s_vowel_sound[] = {"ntfs", "f2fs",        "hfs",         "hfsplus", "nilfs2",
                                      "xfs",  "LVM1_member", "LVM2_member", NULL};

static const char *
s_article(const char *word)
{
    if (strchr("aeiouAEIOU", word[0])) {
        return "an";
    }
    for (size_t i = 0; s_vowel_sound[i]; i++) {
        if (strcmp(word, s_vowel_sound[i]) == 0) {
            return "an";
        }
    }
    return "a";
}

//  One superblock (TYPE, VERSION, USAGE as libblkid reports them) in words.
static void
s_describe_superblock(const char *type, const char *version, const char *usage, char *out,
                      size_t size)
{
    if (strcmp(type, "crypto_LUKS") == 0) {
        snprintf(out, size, "a LUKS%s header", version ? version : "");
    } else if (strcmp(type, "LVM2_member") == 0) {
        snprintf(out, size, "an LVM2 physical volume");
    } else if (strcmp(type, "LVM1_member") == 0) {
        snprintf(out, size, "an LVM1 physical volume");
    } else if (strcmp(type, "swap") == 0) {
        snprintf(out, size, "a swap area");
    } else if (usage && strcmp(usage, "filesystem") == 0) {
        snprintf(out, size, "%s %s filesystem", s_article(type), type);
    } else if (usage && strcmp(usage, "raid") == 0) {
        snprintf(out, size, "a RAID member (%s)", type);
    } else if (usage && strcmp(usage, "crypto") == 0) {
        snprintf(out, size, "an encrypted volume (%s)", type);
    } else {
        snprintf(out, size, "a %s signature", type);
    }
}

//  The value of a probed tag, or NULL when the probe did not set it.
static const char *
s_value(blkid_probe pr, const char *name)
{
    const char *value = NULL;
    return blkid_probe_lookup_value(pr, name, &value, NULL) == 0 ? value : NULL;
}

int
br_probe_device(const char *device, char *found, size_t found_size, br_errmsg_t *err)
{
    int rc = BR_ERR_INTERNAL;
    if (found && found_size) {
        found[0] = 0;
    }
    char why[300];
    if (br_devlibs_load(why, sizeof why) != 0) {
        return br_errmsg_set(err, BR_ERR_IO, "cannot probe %s: %s", device, why);
    }
    errno = 0;
    blkid_probe pr = blkid_new_probe_from_filename(device);
    if (!pr) {
        int code = errno ? errno : EIO;
        rc = br_errmsg_set(err, code == ENOENT ? BR_ERR_NOTFOUND : BR_ERR_IO, "cannot probe %s: %s",
                           device, strerror(code));
        goto out;
    }
    //  Every superblock type (no filter), including those with a bad
    //  checksum: a damaged filesystem still holds someone's data. Partition
    //  tables are reported by their magic alone.
    if (blkid_probe_enable_superblocks(pr, 1) != 0 ||
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_VERSION |
                                                  BLKID_SUBLKS_USAGE | BLKID_SUBLKS_BADCSUM) != 0 ||
        blkid_probe_enable_partitions(pr, 1) != 0 ||
        blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC) != 0) {
        rc = br_errmsg_set(err, BR_ERR_INTERNAL, "cannot set up libblkid to probe %s", device);
        goto out;
    }
    int probed = blkid_do_safeprobe(pr);
    if (probed == 1) {
        rc = 0; //  nothing at all
        goto out;
    }
    if (probed == -2) {
        //  Two signatures that exclude each other: which one is live cannot
        //  be told, and either may hold data
        snprintf(found, found_size, "more than one signature (ambiguous)");
        rc = 1;
        goto out;
    }
    if (probed != 0) {
        rc = br_errmsg_set(err, BR_ERR_IO, "cannot probe %s: libblkid could not read it", device);
        goto out;
    }
    const char *type = s_value(pr, "TYPE");
    const char *pttype = s_value(pr, "PTTYPE");
    char what[BR_PROBE_FOUND_MAX] = "";
    if (type) {
        s_describe_superblock(type, s_value(pr, "VERSION"), s_value(pr, "USAGE"), what,
                              sizeof what);
    }
    if (type && pttype) {
        snprintf(found, found_size, "%s and a %s partition table", what, pttype);
    } else if (pttype) {
        snprintf(found, found_size, "a %s partition table", pttype);
    } else if (type) {
        snprintf(found, found_size, "%s", what);
    } else {
        //  Found, but neither tag is set: still a signature
        snprintf(found, found_size, "an unidentified signature");
    }
    rc = 1;
out:
    if (pr) {
        blkid_free_probe(pr);
    }
    return rc;
}
