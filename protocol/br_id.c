/*  br_id: minion id validation. */
#include "brine.h"

bool
br_id_valid_n(const char *id, size_t len)
{
    if (!id || len == 0 || len > BR_ID_MAX || id[0] == '.' || id[0] == '-') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

bool
br_id_valid(const char *id)
{
    return id && br_id_valid_n(id, strnlen(id, BR_ID_MAX + 1));
}
