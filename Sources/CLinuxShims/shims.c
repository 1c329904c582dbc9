// Most shims are static inline functions in include/CLinuxShims.h. What needs _GNU_SOURCE
// lives here, so the header keeps the struct definitions it shares with Swift's Glibc.
#define _GNU_SOURCE
#include <string.h>

#include "CLinuxShims.h"

const char *smb3_errno_name(int code) { return strerrorname_np(code); }
