// Most shims are static inline functions in include/CLinuxShims.h. What needs _GNU_SOURCE
// lives here, so the header keeps the struct definitions it shares with Swift's Glibc.
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "CLinuxShims.h"

const char *smb3_errno_name(int code) { return strerrorname_np(code); }

int smb3_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

int smb3_peer_uid(int fd, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}
