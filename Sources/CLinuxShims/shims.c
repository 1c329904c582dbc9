// Most shims are static inline functions in include/CLinuxShims.h. What needs _GNU_SOURCE
// lives here, so the header keeps the struct definitions it shares with Swift's Glibc.
#define _GNU_SOURCE
#include <string.h>
#include <sys/socket.h>

#include "CLinuxShims.h"

const char *smb3_errno_name(int code) { return strerrorname_np(code); }

int smb3_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }

int smb3_peer_credentials(int fd, int *pid, unsigned int *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    return 0;
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

int smb3_peer_pidfd(int fd) {
    int pidfd = -1;
    socklen_t length = sizeof pidfd;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &length) != 0) return -1;
    return pidfd;
}
