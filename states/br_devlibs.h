/*  br_devlibs: libcryptsetup and libblkid, loaded (dlopen) the first time a
    state needs them instead of when a program starts. Only the device
    states use them, and only in a job's child process; linked into
    brine-minion they and what they pull in (libcrypto, libdevmapper,
    libselinux, libudev...) cost every minion about 2.3 MiB of resident
    memory and 3 ms of its start, idle or not.

    The states' files include this header after their libraries' own: each
    function name they call then goes through the table of the loaded
    library, so their code reads as plain libcryptsetup and libblkid calls.
    Every entry point (br_luks_begin, br_probe_device) loads first and turns
    a library that cannot be loaded into the state's failure. */
#ifndef BR_DEVLIBS_H
#define BR_DEVLIBS_H

#include <stddef.h>

#include <blkid/blkid.h>
#include <libcryptsetup.h>

//  The sonames the build linked against (CMake may set others)
#ifndef BR_CRYPTSETUP_SONAME
#define BR_CRYPTSETUP_SONAME "libcryptsetup.so.12"
#endif
#ifndef BR_BLKID_SONAME
#define BR_BLKID_SONAME "libblkid.so.1"
#endif

//  The functions the states call, one X(name) each
#define BR_DEVLIBS_CRYPTSETUP(X) \
    X(crypt_activate_by_passphrase) \
    X(crypt_deactivate) \
    X(crypt_format) \
    X(crypt_free) \
    X(crypt_get_data_offset) \
    X(crypt_get_device_name) \
    X(crypt_get_pbkdf_default) \
    X(crypt_get_subsystem) \
    X(crypt_get_type) \
    X(crypt_init) \
    X(crypt_init_by_name) \
    X(crypt_keyslot_add_by_passphrase) \
    X(crypt_keyslot_add_by_volume_key) \
    X(crypt_keyslot_destroy) \
    X(crypt_keyslot_max) \
    X(crypt_keyslot_status) \
    X(crypt_load) \
    X(crypt_set_debug_level) \
    X(crypt_set_label) \
    X(crypt_set_log_callback) \
    X(crypt_set_pbkdf_type) \
    X(crypt_status) \
    X(crypt_wipe)
#define BR_DEVLIBS_BLKID(X) \
    X(blkid_do_safeprobe) \
    X(blkid_free_probe) \
    X(blkid_new_probe_from_filename) \
    X(blkid_probe_enable_partitions) \
    X(blkid_probe_enable_superblocks) \
    X(blkid_probe_lookup_value) \
    X(blkid_probe_set_partitions_flags) \
    X(blkid_probe_set_superblocks_flags)

typedef struct {
#define BR_DEVLIBS_FIELD(name) __typeof__(name) *name;
    BR_DEVLIBS_CRYPTSETUP(BR_DEVLIBS_FIELD)
    BR_DEVLIBS_BLKID(BR_DEVLIBS_FIELD)
#undef BR_DEVLIBS_FIELD
} br_devlibs_t;

//  Loads both libraries and every function, once per process. 0, or -1
//  with the loader's reason (library or symbol missing) in why.
int br_devlibs_load(char *why, size_t why_size);

//  The loaded table; calling it before br_devlibs_load succeeded is a
//  programming error (abort).
const br_devlibs_t *br_devlibs_get(void);

#ifndef BR_DEVLIBS_IMPL
#define crypt_activate_by_passphrase (br_devlibs_get()->crypt_activate_by_passphrase)
#define crypt_deactivate (br_devlibs_get()->crypt_deactivate)
#define crypt_format (br_devlibs_get()->crypt_format)
#define crypt_free (br_devlibs_get()->crypt_free)
#define crypt_get_data_offset (br_devlibs_get()->crypt_get_data_offset)
#define crypt_get_device_name (br_devlibs_get()->crypt_get_device_name)
#define crypt_get_pbkdf_default (br_devlibs_get()->crypt_get_pbkdf_default)
#define crypt_get_subsystem (br_devlibs_get()->crypt_get_subsystem)
#define crypt_get_type (br_devlibs_get()->crypt_get_type)
#define crypt_init (br_devlibs_get()->crypt_init)
#define crypt_init_by_name (br_devlibs_get()->crypt_init_by_name)
#define crypt_keyslot_add_by_passphrase (br_devlibs_get()->crypt_keyslot_add_by_passphrase)
#define crypt_keyslot_add_by_volume_key (br_devlibs_get()->crypt_keyslot_add_by_volume_key)
#define crypt_keyslot_destroy (br_devlibs_get()->crypt_keyslot_destroy)
#define crypt_keyslot_max (br_devlibs_get()->crypt_keyslot_max)
#define crypt_keyslot_status (br_devlibs_get()->crypt_keyslot_status)
#define crypt_load (br_devlibs_get()->crypt_load)
#define crypt_set_debug_level (br_devlibs_get()->crypt_set_debug_level)
#define crypt_set_label (br_devlibs_get()->crypt_set_label)
#define crypt_set_log_callback (br_devlibs_get()->crypt_set_log_callback)
#define crypt_set_pbkdf_type (br_devlibs_get()->crypt_set_pbkdf_type)
#define crypt_status (br_devlibs_get()->crypt_status)
#define crypt_wipe (br_devlibs_get()->crypt_wipe)
#define blkid_do_safeprobe (br_devlibs_get()->blkid_do_safeprobe)
#define blkid_free_probe (br_devlibs_get()->blkid_free_probe)
#define blkid_new_probe_from_filename (br_devlibs_get()->blkid_new_probe_from_filename)
#define blkid_probe_enable_partitions (br_devlibs_get()->blkid_probe_enable_partitions)
#define blkid_probe_enable_superblocks (br_devlibs_get()->blkid_probe_enable_superblocks)
#define blkid_probe_lookup_value (br_devlibs_get()->blkid_probe_lookup_value)
#define blkid_probe_set_partitions_flags (br_devlibs_get()->blkid_probe_set_partitions_flags)
#define blkid_probe_set_superblocks_flags (br_devlibs_get()->blkid_probe_set_superblocks_flags)
#endif

#endif
