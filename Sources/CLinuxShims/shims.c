// Most shims are static inline functions in include/CLinuxShims.h. What needs _GNU_SOURCE
// lives here, so the header keeps the struct definitions it shares with Swift's Glibc.
#define _GNU_SOURCE
#include <malloc.h>
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

/* One malloc arena for the whole process, set before main. glibc gives each thread that meets a
 * locked arena an arena of its own (up to 8 per core), each with its own heap and free lists:
 * smb3-witnessd had three (malloc_stats in the lab), its registrations' allocations spread over
 * them, each arena's free memory resident.
 * Our programs are not malloc-bound, so one arena costs them nothing measurable. It has to happen
 * before the first thread exists: an async main has the Swift pool's threads running before its
 * first line, and arenas once made are never given back. A constructor of this object runs
 * before main in every program that links SMB3System (SwiftPM links the object itself, so it is
 * not dropped as an unreferenced archive member). It overrides GLIBC_TUNABLES'
 * glibc.malloc.arena_max. */
__attribute__((constructor)) static void smb3_single_malloc_arena(void) { mallopt(M_ARENA_MAX, 1); }
