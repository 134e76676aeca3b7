/*  mod_luks_keys: passphrase rotation, luks.key_present and luks.key_absent
    (the rest of the luks module is in mod_luks.c).

    Whether a passphrase opens a keyslot is asked of libcryptsetup with
    crypt_activate_by_passphrase and no name, which derives and compares the
    key and neither activates nor writes anything; test=True asks the same
    questions, so its predictions include "the passphrase is wrong" and
    "that would remove the last key". key_absent never removes the last
    active keyslot: a LUKS device without a key is data lost for good. */
#include "mod_luks.h"

#include <stdio.h>

int
br_luks_key_present(br_call_t *call)
{
    br_luks_t self;
    if (br_luks_begin(&self, call) != 0) {
        return 0;
    }
    const char *device = br_luks_device(call);
    const br_secret_t *passphrase = br_call_secret(call, "passphrase");
    const br_secret_t *new_passphrase = br_call_secret(call, "new_passphrase");
    if (br_luks_need_device(&self, device, "a key slot would be added to it")) {
        goto out;
    }
    int r = br_luks_load(&self, device);
    if (r < 0) {
        goto out;
    }
    if (r == 1) {
        br_call_set_result(call, br_call_test(call) ? BR_RESULT_NONE : BR_RESULT_FALSE);
        br_call_comment(call,
                        br_call_test(call)
                            ? "%s is not LUKS-formatted yet: a key slot would be added once it is"
                            : "%s is not a LUKS device",
                        device);
        goto out;
    }
    r = br_luks_verify(&self, CRYPT_ANY_SLOT, new_passphrase);
    if (r >= 0) {
        br_call_comment(call, "the new passphrase already opens %s (key slot %d)", device, r);
        goto out;
    }
    if (r != -EPERM) {
        br_luks_fail(&self, r, "cannot check the key slots of %s", device);
        goto out;
    }
    //  PBKDF settings are checked in a prediction too (setting them only
    //  configures the context)
    struct crypt_pbkdf_type pbkdf;
    r = br_luks_pbkdf(&self, crypt_get_type(self.cd), false, &pbkdf);
    if (r < 0 || (r == 1 && br_luks_set_pbkdf(&self, &pbkdf) < 0)) {
        goto out;
    }
    if (br_call_test(call)) {
        //  Adding would check the old passphrase itself; a prediction must
        //  ask explicitly
        r = br_luks_verify(&self, CRYPT_ANY_SLOT, passphrase);
        if (r == -EPERM) {
            br_luks_wrong_passphrase(&self, device);
        } else if (r < 0) {
            br_luks_fail(&self, r, "cannot check the key slots of %s", device);
        } else {
            br_call_set_result(call, BR_RESULT_NONE);
            br_call_comment(call, "a key slot for the new passphrase would be added to %s", device);
        }
        goto out;
    }
    r = crypt_keyslot_add_by_passphrase(
        self.cd, CRYPT_ANY_SLOT, (const char *)br_secret_cdata(passphrase),
        br_secret_size(passphrase), (const char *)br_secret_cdata(new_passphrase),
        br_secret_size(new_passphrase));
    if (r == -EPERM) {
        br_luks_wrong_passphrase(&self, device);
    } else if (r < 0) {
        br_luks_fail(&self, r, "cannot add a key slot to %s", device);
    } else {
        br_value_t *v = br_value_str(device);
        br_call_change(call, "device", &v);
        v = br_value_int(r);
        br_call_change(call, "keyslot_added", &v);
        br_call_comment(call, "added key slot %d to %s", r, device);
    }
out:
    br_luks_end(&self);
    return 0;
}

//  Slots "1, 3" for comments
static void
s_slot_list(const int *slots, size_t count, char *out, size_t size)
{
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%d", i ? ", " : "", slots[i]);
    }
}

int
br_luks_key_absent(br_call_t *call)
{
    br_luks_t self;
    if (br_luks_begin(&self, call) != 0) {
        return 0;
    }
    const char *device = br_luks_device(call);
    const br_secret_t *passphrase = br_call_secret(call, "passphrase");
    int *matched = NULL;
    if (br_luks_need_device(&self, device, "the passphrase's key slots would be removed")) {
        goto out;
    }
    int r = br_luks_load(&self, device);
    if (r < 0) {
        goto out;
    }
    if (r == 1) {
        br_call_set_result(call, br_call_test(call) ? BR_RESULT_NONE : BR_RESULT_FALSE);
        br_call_comment(call,
                        br_call_test(call) ? "%s is not LUKS-formatted yet: nothing to remove"
                                           : "%s is not a LUKS device",
                        device);
        goto out;
    }
    //  Every active slot the passphrase opens (the same passphrase may sit
    //  in several), tried one by one: a slot number from CRYPT_ANY_SLOT
    //  would only name the first
    int max = crypt_keyslot_max(crypt_get_type(self.cd));
    matched = calloc(max > 0 ? (size_t)max : 1, sizeof *matched);
    if (max <= 0 || !matched) {
        br_luks_fail(&self, -ENOMEM, "cannot list the key slots of %s", device);
        goto out;
    }
    size_t active = 0, count = 0;
    for (int slot = 0; slot < max; slot++) {
        crypt_keyslot_info info = crypt_keyslot_status(self.cd, slot);
        if (info != CRYPT_SLOT_ACTIVE && info != CRYPT_SLOT_ACTIVE_LAST) {
            continue; //  free, or unbound (it holds no volume key)
        }
        active++;
        r = br_luks_verify(&self, slot, passphrase);
        if (r >= 0) {
            matched[count++] = slot;
        } else if (r != -EPERM) {
            br_luks_fail(&self, r, "cannot check key slot %d of %s", slot, device);
            goto out;
        }
    }
    char slots[256];
    s_slot_list(matched, count, slots, sizeof slots);
    if (count == 0) {
        br_call_comment(call, "the passphrase opens no key slot of %s: nothing to remove", device);
    } else if (count == active && br_call_test(call)) {
        //  A key_present earlier in the same run may add the other key
        //  first, which a prediction from the device as it is cannot see
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call,
                        "the passphrase opens every active key slot of %s now (%s): removing it "
                        "would fail unless an earlier state adds another passphrase first",
                        device, slots);
    } else if (count == active) {
        br_call_set_result(call, BR_RESULT_FALSE);
        br_call_comment(call,
                        "refusing to remove the last key of %s: the passphrase opens every "
                        "active key slot (%s); add another passphrase first",
                        device, slots);
    } else if (br_call_test(call)) {
        br_call_set_result(call, BR_RESULT_NONE);
        br_call_comment(call, "key slot(s) %s of %s would be removed", slots, device);
    } else {
        br_value_t *removed = br_value_list();
        for (size_t i = 0; i < count; i++) {
            r = crypt_keyslot_destroy(self.cd, matched[i]);
            if (r < 0) {
                br_luks_fail(&self, r, "cannot remove key slot %d of %s", matched[i], device);
                break;
            }
            br_value_t *v = br_value_int(matched[i]);
            if (br_value_list_append(removed, &v) != BR_OK) {
                br_value_destroy(&v);
            }
        }
        if (br_value_list_size(removed)) {
            br_value_t *v = br_value_str(device);
            br_call_change(call, "device", &v);
            br_call_change(call, "keyslots_removed", &removed);
            if (r >= 0) {
                br_call_comment(call, "removed key slot(s) %s of %s", slots, device);
            }
        }
        br_value_destroy(&removed);
    }
out:
    free(matched);
    br_luks_end(&self);
    return 0;
}
