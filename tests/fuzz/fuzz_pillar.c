/*  fuzz_pillar: a pillar tree through br_pillar_load as the master reads it
 *  for a minion: top.sls, the SLS it assigns, rendering with the minion's
 *  grains, and the marking of secret keys. An input whose first byte is odd
 *  is the pillar top file (with data.sls fixed); otherwise it is data.sls
 *  (with a top file that assigns it to every minion). */
#include "brine.h"
#include "br_sls.h"
#include "br_yaml.h"
#include "fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_top[] = "base:\n  '*':\n    - data\n  'fuzz*':\n    - match: glob\n    - data\n";
static const char s_data[] = "luks:\n  passphrase: {{ grains.id }}-secret\nvg: vg_{{ grains.id }}\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static br_value_t *grains;
    br_errmsg_t err = {""};
    if (!grains) {
        static const char text[] = "id: fuzz1\nos: Debian\nnum_cpus: 2\n";
        if (br_yaml_parse("grains", text, sizeof text - 1, &grains, &err) != BR_OK) {
            abort();
        }
    }
    if (size > 0 && (data[0] & 1)) {
        fuzz_write("top.sls", data + 1, size - 1);
        fuzz_write("data.sls", (const uint8_t *)s_data, sizeof s_data - 1);
    } else {
        fuzz_write("top.sls", (const uint8_t *)s_top, sizeof s_top - 1);
        fuzz_write("data.sls", size ? data + 1 : data, size ? size - 1 : 0);
    }
    br_value_t *pillar = NULL;
    if (br_pillar_load(fuzz_dir(), "fuzz1", grains, br_default_secret_keys, &pillar, &err) ==
        BR_OK) {
        br_value_destroy(&pillar);
    }
    return 0;
}
