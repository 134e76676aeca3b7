/*  br_log: the process's log threshold. It is the one piece of process-wide
    state in brine, like syslog's mask: logging is a property of the
    process, not of any object. */
#include "br_log.h"

#include <string.h>

static br_log_level_t s_level = BR_LOG_INFO;

int
br_log_set_level(const char *name)
{
    static const char *names[] = {"error", "warning", "notice", "info", "debug"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(name, names[i]) == 0) {
            s_level = (br_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

bool
br_log_enabled(br_log_level_t level)
{
    return level <= s_level;
}
