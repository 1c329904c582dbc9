#ifndef SMB3KIT_CLINUXSHIMS_H
#define SMB3KIT_CLINUXSHIMS_H

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <syslog.h>
#include <unistd.h>

/* syscall() is variadic and does not import into Swift. */
static inline int smb3_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* syslog() is variadic; the message is always passed as an argument, never as the format. */
static inline void smb3_syslog(int priority, const char *message) {
    syslog(priority, "%s", message);
}

static inline int smb3_errno(void) { return errno; }

#endif
