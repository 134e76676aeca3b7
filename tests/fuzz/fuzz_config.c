/*  fuzz_config: a configuration file through the loader, against the real
 *  schemas of /etc/brine/master and /etc/brine/minion. */
#include "brine.h"
#include "br_config.h"
#include "fuzz_files.h"
#include "master_config.h"
#include "minion_config.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write("config", data, size);
    char path[256];
    snprintf(path, sizeof path, "%s/config", fuzz_dir());
    const br_option_t *schemas[] = {br_master_options, br_minion_options};
    for (size_t i = 0; i < 2; i++) {
        br_errmsg_t err = {""};
        br_config_t *config = br_config_load(path, schemas[i], true, &err);
        br_config_destroy(&config);
    }
    return 0;
}
