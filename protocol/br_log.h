/*  br_log: log levels over CZMQ's zsys logging (which has none). Daemons
    take -l error|warning|info|debug; below the threshold nothing is
    formatted at all. */
#ifndef BR_LOG_H
#define BR_LOG_H

#include <stdbool.h>
#include <czmq.h>

typedef enum {
    BR_LOG_ERROR = 0,
    BR_LOG_WARNING,
    BR_LOG_NOTICE,
    BR_LOG_INFO,
    BR_LOG_DEBUG,
} br_log_level_t;

//  Sets the threshold by name (error, warning, notice, info, debug). 0, or
//  -1 for an unknown name.
int br_log_set_level(const char *name);
bool br_log_enabled(br_log_level_t level);

#define br_error(...) zsys_error(__VA_ARGS__)
#define br_warning(...)                                                                            \
    do {                                                                                           \
        if (br_log_enabled(BR_LOG_WARNING)) {                                                      \
            zsys_warning(__VA_ARGS__);                                                             \
        }                                                                                          \
    } while (0)
#define br_notice(...)                                                                             \
    do {                                                                                           \
        if (br_log_enabled(BR_LOG_NOTICE)) {                                                       \
            zsys_notice(__VA_ARGS__);                                                              \
        }                                                                                          \
    } while (0)
#define br_info(...)                                                                               \
    do {                                                                                           \
        if (br_log_enabled(BR_LOG_INFO)) {                                                         \
            zsys_info(__VA_ARGS__);                                                                \
        }                                                                                          \
    } while (0)
#define br_debug(...)                                                                              \
    do {                                                                                           \
        if (br_log_enabled(BR_LOG_DEBUG)) {                                                        \
            zsys_debug(__VA_ARGS__);                                                               \
        }                                                                                          \
    } while (0)

#endif
