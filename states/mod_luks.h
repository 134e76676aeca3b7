/*  mod_luks internals: what the luks module's files share (mod_luks.c:
    formatted, opened, closed and the schema; mod_luks_keys.c: key_present
    and key_absent; mod_luks_session.c: the helpers below). Everything goes
    through libcryptsetup; passphrases are read only through
    br_call_secret() and handed to libcryptsetup as pointers into their
    locked memory, never copied. */
#ifndef MOD_LUKS_H
#define MOD_LUKS_H

#include "br_module.h"

#include <libcryptsetup.h>

#include "br_devlibs.h"

//  One state call's libcryptsetup session.
typedef struct {
    br_call_t *call;         //  the state being run (not owned)
    struct crypt_device *cd; //  the device's context, or NULL
    char error[256];         //  libcryptsetup's last error message, or ""
} br_luks_t;

//  Starts a session for call: loads libcryptsetup, routes its messages into
//  self->error (error level only, and never a message holding a secret of
//  this call) and turns its debug output off. 0, or 1 when the library
//  cannot be loaded (the call's outcome is then set: failed, with why).
int br_luks_begin(br_luks_t *self, br_call_t *call);
//  Frees the context and stops listening to libcryptsetup.
void br_luks_end(br_luks_t *self);
//  Routes the messages of another context (e.g. one from crypt_init_by_name)
//  into this session too.
void br_luks_listen(br_luks_t *self, struct crypt_device *cd);

//  The device argument: `device` when given, else the state's name.
const char *br_luks_device(br_call_t *call);

//  0 when device exists. Otherwise sets the call's outcome and returns 1: in
//  a test run a missing device is a prediction (result None: an earlier
//  state may create it), in a real run a failure.
int br_luks_need_device(br_luks_t *self, const char *device, const char *would);

//  crypt_init + crypt_load of any LUKS version. 0 loaded, 1 not LUKS
//  (nothing set), negative: failed (the call's outcome is set).
int br_luks_load(br_luks_t *self, const char *device);

//  Does passphrase open keyslot (or CRYPT_ANY_SLOT)? Verification only, no
//  activation and no write. The slot number, -EPERM when it does not open,
//  another negative errno when it could not be tried.
int br_luks_verify(br_luks_t *self, int keyslot, const br_secret_t *passphrase);

//  The PBKDF from the pbkdf arguments, for a device of type CRYPT_LUKS1 or
//  CRYPT_LUKS2, into out. With always false and no pbkdf argument given,
//  0 (keep libcryptsetup's defaults for the device); 1 when out is filled;
//  negative with the call's outcome set when the arguments are wrong.
int br_luks_pbkdf(br_luks_t *self, const char *type, bool always, struct crypt_pbkdf_type *out);
//  Makes pbkdf the one for keyslots made next. 0, or negative with the
//  call's outcome set.
int br_luks_set_pbkdf(br_luks_t *self, const struct crypt_pbkdf_type *pbkdf);

//  Result False with a comment: the text, then libcryptsetup's reason (its
//  last error message, else strerror(-r)).
void br_luks_fail(br_luks_t *self, int r, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

//  The comment for a passphrase that opens nothing.
void br_luks_wrong_passphrase(br_luks_t *self, const char *device);

//  The key functions (mod_luks_keys.c).
int br_luks_key_present(br_call_t *call);
int br_luks_key_absent(br_call_t *call);

#endif
