/*  fuzz_msg: a frame from the network through the message decoder, as the
 *  master's ROUTER and the minion's DEALER/SUB receive them. */
#include "brine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    br_msg_t *msg = NULL;
    br_errmsg_t err = {""};
    if (br_msg_decode(&msg, data, size, &err) == BR_OK) {
        //  What a decoded message offers must be safe to read and re-encode
        (void)br_msg_type_name(br_msg_type(msg));
        zframe_t *frame = br_msg_encode(msg);
        zframe_destroy(&frame);
        br_msg_destroy(&msg);
    }
    return 0;
}
