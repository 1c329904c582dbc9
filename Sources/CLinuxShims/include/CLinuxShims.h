#ifndef SMB3KIT_CLINUXSHIMS_H
#define SMB3KIT_CLINUXSHIMS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

/* syscall() is variadic and does not import into Swift. */
static inline int smb3_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int smb3_errno(void) { return errno; }

/* The errno's symbolic name ("EACCES"), or NULL for an unknown number (glibc's strerrorname_np,
 * declared only under _GNU_SOURCE; defined in shims.c). Only SMB3SystemTests calls it, to check
 * SMB3Errors' pure table against the C library. */
const char *smb3_errno_name(int code);

/* accept4(2) with SOCK_CLOEXEC, and SO_PEERCRED: both need _GNU_SOURCE (shims.c). */
int smb3_accept_cloexec(int fd);
/* SO_PEERCRED's pid and uid (the pid is the peer's thread group at connect time). */
int smb3_peer_credentials(int fd, int *pid, unsigned int *uid);
/* SO_PEERPIDFD (Linux 6.5): a pidfd of the peer as it was at connect time; -1 with ENOPROTOOPT
 * on older kernels. */
int smb3_peer_pidfd(int fd);

/* One malloc arena per process: a constructor in shims.c sets M_ARENA_MAX before main. */
/* Bytes malloc has handed out and not had back, over all arenas (mallinfo2: in-use chunks plus
 * chunks served by mmap). Measurements only: it walks every arena under its lock. */
static inline unsigned long long smb3_malloc_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return (unsigned long long)info.uordblks + (unsigned long long)info.hblkhd;
}

/* setns(2) and setresuid(2) are declared by glibc only under _GNU_SOURCE, which would change
 * the struct definitions this module shares with Swift's Glibc; call the system calls directly. */
static inline int smb3_setns(int fd, int nstype) { return (int)syscall(SYS_setns, fd, nstype); }
static inline int smb3_setresuid(uid_t r, uid_t e, uid_t s) { return (int)syscall(SYS_setresuid, r, e, s); }
static inline int smb3_setresgid(gid_t r, gid_t e, gid_t s) { return (int)syscall(SYS_setresgid, r, e, s); }
static inline int smb3_setgroups_none(void) { return (int)syscall(SYS_setgroups, 0, (void *)0); }

/* f_type of fstatfs(2): <sys/vfs.h> is not part of Swift's Glibc module. */
static inline int smb3_fstatfs_type(int fd, unsigned long long *type) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    *type = (unsigned long long)(unsigned long)info.f_type;
    return 0;
}

/* Bytes an unprivileged caller may still allocate (f_bavail * f_bsize of fstatfs(2)); on cifs the
 * kernel asks the server (FileFsFullSizeInformation) on every call. */
static inline int smb3_fstatfs_available(int fd, unsigned long long *bytes) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    *bytes = (unsigned long long)info.f_bavail * (unsigned long long)info.f_bsize;
    return 0;
}

/* copy_file_range(2) is declared only under _GNU_SOURCE. */
static inline long smb3_copy_file_range(int in, long long *in_off, int out, long long *out_off,
                                        unsigned long len, unsigned int flags) {
    return syscall(SYS_copy_file_range, in, in_off, out, out_off, len, flags);
}

/* fallocate(2) is declared only under _GNU_SOURCE; mode takes linux/falloc.h's FALLOC_FL_* bits. */
static inline int smb3_fallocate(int fd, int mode, long long offset, long long length) {
    return (int)syscall(SYS_fallocate, fd, mode, offset, length);
}

/* prctl() is variadic. */
static inline int smb3_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

/* Clears the effective, permitted and inheritable sets of this thread (capset(2) has no glibc
 * wrapper). The ambient set is cleared first, since it cannot outlive the permitted set anyway. */
static inline int smb3_drop_all_capabilities(void) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return -1;
    return (int)syscall(SYS_capset, &header, data);
}

/* close_range(2) (Linux 5.9): closes every descriptor from first to last; no glibc wrapper
 * before 2.34, and glibc declares it only under _GNU_SOURCE. */
static inline int smb3_close_range(unsigned int first, unsigned int last) {
    return (int)syscall(SYS_close_range, first, last, 0);
}

/* prctl(PR_SET_DUMPABLE): 0 keeps core dumps and ptrace (and /proc/<pid> files owned by the
 * user) away from a process that holds secrets. prctl is variadic. */
static inline int smb3_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, (unsigned long)on, 0, 0, 0); }
static inline int smb3_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

/* prctl(PR_SET_PDEATHSIG): the signal this process gets when its parent ends (0: none).
 * prctl is variadic, which Swift cannot call. */
static inline int smb3_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

/* Reads the effective set of this thread, for tests and diagnostics (lower and upper 32 bits). */
static inline int smb3_effective_capabilities(unsigned long long *out) {
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    *out = ((unsigned long long)data[1].effective << 32) | data[0].effective;
    return 0;
}

#endif
