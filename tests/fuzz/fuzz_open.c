/*  fuzz_open: the minion's side of a job, from the two frames off the wire.
 *
 *  The input is split as [1 byte: header length N][N bytes: clear header]
 *  [the rest: sealed body]. The header goes through the decoder, the sealed
 *  body through br_open with real keys; inputs that forge a box are
 *  hopeless by design, so a second path seals the rest of the input as the
 *  body with the master's key first and then opens and decodes it as the
 *  minion does: the decoders behind the crypto get fuzzed too. */
#include "brine.h"
#include "br_keys.h"
#include "br_msg.h"
#include "br_seal.h"
#include "br_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    br_keypair_t *master, *minion;
    br_sealer_t *seal, *open;
} s_keys_t;

static s_keys_t *
s_keys(void)
{
    static s_keys_t keys;
    if (!keys.master) {
        keys.master = br_keypair_generate();
        keys.minion = br_keypair_generate();
        keys.seal = br_sealer_new(keys.master);
        keys.open = br_sealer_new(keys.minion);
        if (!keys.master || !keys.minion || !keys.seal || !keys.open) {
            abort();
        }
    }
    return &keys;
}

//  What the minion does with an opened body: decode it and, for a job with
//  states, decode its low state (never run here)
static void
s_body(const br_secret_t *plain)
{
    br_msg_t *body = NULL;
    br_errmsg_t err = {""};
    if (br_msg_decode(&body, br_secret_cdata(plain), br_secret_size(plain), &err) != BR_OK) {
        return;
    }
    if (br_msg_type(body) == BR_MSG_BODY && br_msg_low(body)) {
        br_low_t *low = NULL;
        if (br_wire_low_decode(body, &low, &err) == BR_OK) {
            br_low_destroy(&low);
        }
    }
    br_msg_destroy(&body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    s_keys_t *keys = s_keys();
    size_t hsize = data[0] < size - 1 ? data[0] : size - 1;
    const uint8_t *header = data + 1, *rest = data + 1 + hsize;
    size_t rest_size = size - 1 - hsize;

    br_msg_t *msg = NULL;
    br_errmsg_t err = {""};
    if (br_msg_decode(&msg, header, hsize, &err) == BR_OK) {
        br_msg_destroy(&msg);
    }
    br_secret_t *plain = NULL;
    if (br_open(keys->open, br_keypair_public(keys->master), header, hsize, rest, rest_size,
                &plain) == BR_OK) {
        s_body(plain); //  only reachable by breaking crypto_box
        br_secret_destroy(&plain);
    }
    zframe_t *sealed = br_seal(keys->seal, br_keypair_public(keys->minion), header, hsize, rest,
                               rest_size);
    if (sealed) {
        if (br_open(keys->open, br_keypair_public(keys->master), header, hsize,
                    zframe_data(sealed), zframe_size(sealed), &plain) != BR_OK) {
            abort(); //  a sealed body must open
        }
        s_body(plain);
        br_secret_destroy(&plain);
        zframe_destroy(&sealed);
    }
    return 0;
}
