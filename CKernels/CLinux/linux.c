#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ALL_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

int fovea_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); }

int fovea_memfd_seal(int fd) { return fcntl(fd, F_ADD_SEALS, ALL_SEALS); }

int fovea_memfd_get_seals(int fd) { return fcntl(fd, F_GET_SEALS); }

int fovea_memfd_seals_complete(int seals) { return seals >= 0 && (seals & ALL_SEALS) == ALL_SEALS; }

int fovea_memfd_seal_size(int fd) { return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW); }

int fovea_memfd_size_sealed(int seals) {
    return seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) == (F_SEAL_SHRINK | F_SEAL_GROW);
}

ssize_t fovea_send_message(int socket, const void *bytes, size_t length, const int *fds, int fd_count, int dont_wait) {
    if (fd_count < 0 || fd_count > FOVEA_MAX_FDS_PER_MESSAGE) { errno = EINVAL; return -1; }
    struct iovec iov = { .iov_base = (void *)bytes, .iov_len = length };
    union { char buffer[CMSG_SPACE(sizeof(int) * FOVEA_MAX_FDS_PER_MESSAGE)]; struct cmsghdr align; } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd_count > 0) {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * fd_count);
    }
    ssize_t sent;
    int flags = MSG_NOSIGNAL | (dont_wait ? MSG_DONTWAIT : 0);
    do { sent = sendmsg(socket, &message, flags); } while (sent < 0 && errno == EINTR);
    return sent;
}

int fovea_peer_hung_up(int socket) {
    struct pollfd poller = { .fd = socket, .events = POLLRDHUP };
    int ready;
    do { ready = poll(&poller, 1, 0); } while (ready < 0 && errno == EINTR);
    if (ready < 0) return -1;
    return (poller.revents & (POLLHUP | POLLRDHUP)) ? 1 : 0;
}

ssize_t fovea_receive_message(int socket, void *bytes, size_t capacity, int *fds, int max_fds, int *fd_count, int *truncated) {
    if (max_fds < 0 || max_fds > FOVEA_MAX_FDS_PER_MESSAGE) { errno = EINVAL; return -1; }
    struct iovec iov = { .iov_base = bytes, .iov_len = capacity };
    union { char buffer[CMSG_SPACE(sizeof(int) * FOVEA_MAX_FDS_PER_MESSAGE)]; struct cmsghdr align; } control;
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                              .msg_controllen = sizeof control.buffer };
    *fd_count = 0;
    *truncated = 0;
    ssize_t received;
    do { received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC); } while (received < 0 && errno == EINTR);
    if (received < 0) return received;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *incoming = (int *)CMSG_DATA(header);
        for (int i = 0; i < count; i++) {
            if (*fd_count < max_fds) fds[(*fd_count)++] = incoming[i];
            else { close(incoming[i]); *truncated = 1; }
        }
    }
    if (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) *truncated = 1;
    if (*truncated) {
        for (int i = 0; i < *fd_count; i++) close(fds[i]);
        *fd_count = 0;
    }
    return received;
}

int fovea_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int fovea_set_dumpable(int dumpable) { return prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); }
int fovea_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
int fovea_set_parent_death_signal(int signal) { return prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0); }
int fovea_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
pid_t fovea_gettid(void) { return (pid_t)syscall(SYS_gettid); }

int fovea_unshare_namespaces(int want_net, int want_ipc, int want_mount) {
    int done = 0;
    if (want_net && unshare(CLONE_NEWNET) == 0) done |= 1;
    if (want_ipc && unshare(CLONE_NEWIPC) == 0) done |= 2;
    if (want_mount && unshare(CLONE_NEWNS) == 0) done |= 4;
    return done;
}

struct spawn_arguments {
    const char *path;
    char *const *argv;
    char *const *envp;
    int channel_fd, target_fd, keep_stderr;
    volatile int error;  // set by the child when it cannot exec (shared: CLONE_VM)
};

// Runs in the child on its own stack, sharing the parent's memory until it execs (CLONE_VM |
// CLONE_VFORK, as posix_spawn does): only system calls, no allocation, no locks.
static int spawn_child(void *opaque) {
    struct spawn_arguments *a = opaque;
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &default_action, NULL);  // glibc's own signals: EINVAL
    }
    if (setsid() < 0) goto fail;
    if (a->channel_fd == a->target_fd) {
        if (fcntl(a->target_fd, F_SETFD, 0) < 0) goto fail;
    } else if (dup2(a->channel_fd, a->target_fd) < 0) {
        goto fail;
    }
    if (syscall(SYS_close_range, (unsigned int)a->target_fd + 1, ~0U, 0) < 0) goto fail;
    for (int fd = 0; fd <= 2; fd++) {
        if ((fd == 2 && a->keep_stderr) || fd == a->target_fd) continue;
        close(fd);
    }
    if (chdir("/") < 0) goto fail;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(a->path, a->argv, a->envp);
fail:
    a->error = errno;
    _exit(127);
}

int fovea_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], int channel_fd, int target_fd,
                int keep_stderr, int new_pid_namespace) {
    const size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return errno;
    struct spawn_arguments arguments = { .path = path, .argv = argv, .envp = envp, .channel_fd = channel_fd,
                                         .target_fd = target_fd, .keep_stderr = keep_stderr, .error = 0 };
    // No handler of the parent's may run on the shared memory before the child resets them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD | (new_pid_namespace ? CLONE_NEWPID : 0);
    pid_t child = clone(spawn_child, (char *)stack + stack_size, flags, &arguments);
    int error = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);
    if (error) return error;
    if (arguments.error) {  // CLONE_VFORK: the child has exec'd or exited by now
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return arguments.error;
    }
    *pid = child;
    return 0;
}

long fovea_ptrace_traceme(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL); }

// --- Worker isolation ---

int fovea_clear_environment(void) { return clearenv(); }

int fovea_close_descriptors_except(int keep, int keep_stderr) {
    if (keep < 0) { errno = EINVAL; return -1; }
    for (int fd = 0; fd < keep; fd++) {
        if (fd == 2 && keep_stderr) continue;
        close(fd);  // EBADF for a descriptor that was not open: nothing to do
    }
    return (int)syscall(SYS_close_range, (unsigned int)keep + 1, ~0U, 0);
}

int fovea_set_rlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit limit = { .rlim_cur = soft, .rlim_max = hard };
    return setrlimit(resource, &limit);
}

int fovea_get_rlimit(int resource, uint64_t *soft, uint64_t *hard) {
    struct rlimit limit;
    if (getrlimit(resource, &limit) != 0) return -1;
    *soft = limit.rlim_cur;
    *hard = limit.rlim_max;
    return 0;
}

int fovea_drop_to_user(uid_t uid, gid_t gid) {
    if (setgroups(0, NULL) != 0) return -1;
    if (setresgid(gid, gid, gid) != 0) return -1;
    return setresuid(uid, uid, uid);
}

int fovea_get_credentials(uid_t *ruid, uid_t *euid, uid_t *suid, gid_t *rgid, gid_t *egid, gid_t *sgid, int *groups) {
    if (getresuid(ruid, euid, suid) != 0 || getresgid(rgid, egid, sgid) != 0) return -1;
    *groups = getgroups(0, NULL);
    return *groups < 0 ? -1 : 0;
}

int fovea_try_regain_root(void) { return setresuid(0, 0, 0); }

int fovea_unshare(int flags) { return unshare(flags); }

int fovea_drop_capabilities(void) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

long long fovea_effective_capabilities(void) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    return (long long)(((uint64_t)data[1].effective << 32) | data[0].effective);
}

int fovea_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }

int fovea_open_beneath(int dirfd, const char *path) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd;
    do { fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how); } while (fd < 0 && errno == EINTR);
    return (int)fd;
}

int fovea_open_directory(const char *path) { return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); }

int fovea_enter_empty_root(void) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
    // Any directory serves as the mount point: the tmpfs becomes the root and the host's tree,
    // detached, is gone from this mount namespace. /proc exists on every Linux.
    const char *point = access("/tmp", F_OK) == 0 ? "/tmp" : "/proc";
    if (mount("fovea-empty-root", point, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=2,mode=0555") != 0) return -1;
    if (chdir(point) != 0) return -1;
    if (syscall(SYS_pivot_root, ".", ".") != 0) return -1;
    if (umount2(".", MNT_DETACH) != 0) return -1;
    if (chdir("/") != 0) return -1;
    return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

// The keeper: a thread that holds the capabilities of the worker's new user namespace while
// the main thread drops them, so the threads the warm-up starts (which inherit their creator's
// capabilities) get none, and still can mount the empty root after the warm-up.
static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t go;
    int started, told, result;
} keeper = { .lock = PTHREAD_MUTEX_INITIALIZER, .go = PTHREAD_COND_INITIALIZER };

static void *keeper_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&keeper.lock);
    while (!keeper.told) pthread_cond_wait(&keeper.go, &keeper.lock);
    pthread_mutex_unlock(&keeper.lock);
    keeper.result = fovea_enter_empty_root() == 0 ? 0 : errno;
    fovea_drop_capabilities();
    return NULL;
}

int fovea_keeper_start(void) {
    int error = pthread_create(&keeper.thread, NULL, keeper_main, NULL);
    if (error == 0) keeper.started = 1;
    return error;
}

int fovea_keeper_enter_empty_root(void) {
    if (!keeper.started) return EINVAL;
    pthread_mutex_lock(&keeper.lock);
    keeper.told = 1;
    pthread_cond_signal(&keeper.go);
    pthread_mutex_unlock(&keeper.lock);
    pthread_join(keeper.thread, NULL);
    keeper.started = 0;
    return keeper.result;
}

void fovea_crash(void) {
    volatile int *nowhere = (volatile int *)(uintptr_t)16;
    *nowhere = 0;
}

// --- Sandbox probes ---

long fovea_probe_mount(void) { return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL); }
long fovea_probe_bpf(void) { return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, NULL, 0U); }
long fovea_probe_keyctl(void) { return syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0); }
long fovea_probe_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
long fovea_probe_stat_path(void) {
    struct stat status;
    return syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", &status, AT_EMPTY_PATH);
}
long fovea_probe_mmap_exec(void) {
    void *page = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return -1;
    munmap(page, 4096);
    return 0;
}
long fovea_probe_write_other_fd(void) { return write(1, "x", 1); }
long fovea_probe_clone_process(void) {
    // A fork-style clone (no CLONE_THREAD): the filter kills the caller before it returns.
    long child = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, NULL, NULL, 0UL);
    if (child == 0) _exit(0);
    return child;
}
long fovea_probe_clone_odd_thread(void) {
    // CLONE_THREAD, but not glibc's pthread_create flags: killed as well.
    return syscall(SYS_clone, (unsigned long)(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD), 0UL, NULL, NULL, 0UL);
}

// --- Scratch memfds ---

int fovea_file_identity(int fd, uint64_t *device, uint64_t *inode) {
    struct stat status;
    if (fstat(fd, &status) != 0) return -1;
    *device = (uint64_t)status.st_dev;
    *inode = (uint64_t)status.st_ino;
    return 0;
}

int fovea_set_thread_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }

long long fovea_abi_constant(const char *name, int *found) {
#define C(x) if (strcmp(name, #x) == 0) { *found = 1; return (long long)(x); }
    C(CSIGNAL) C(CLONE_VM) C(CLONE_FS) C(CLONE_FILES) C(CLONE_SIGHAND) C(CLONE_PIDFD) C(CLONE_PTRACE)
    C(CLONE_VFORK) C(CLONE_PARENT) C(CLONE_THREAD) C(CLONE_NEWNS) C(CLONE_SYSVSEM) C(CLONE_SETTLS)
    C(CLONE_PARENT_SETTID) C(CLONE_CHILD_CLEARTID) C(CLONE_DETACHED) C(CLONE_UNTRACED) C(CLONE_CHILD_SETTID)
    C(CLONE_NEWCGROUP) C(CLONE_NEWUTS) C(CLONE_NEWIPC) C(CLONE_NEWUSER) C(CLONE_NEWPID) C(CLONE_NEWNET) C(CLONE_IO)
    C(PR_SET_PDEATHSIG) C(PR_GET_PDEATHSIG) C(PR_GET_DUMPABLE) C(PR_SET_DUMPABLE) C(PR_SET_NAME) C(PR_GET_NAME)
    C(PR_CAPBSET_READ) C(PR_SET_NO_NEW_PRIVS) C(PR_GET_NO_NEW_PRIVS)
    C(F_DUPFD) C(F_GETFD) C(F_SETFD) C(F_GETFL) C(F_SETFL) C(F_DUPFD_CLOEXEC) C(F_ADD_SEALS) C(F_GET_SEALS)
    C(PROT_NONE) C(PROT_READ) C(PROT_WRITE) C(PROT_EXEC) C(MAP_SHARED) C(MAP_PRIVATE) C(MAP_FIXED) C(MAP_ANONYMOUS)
    C(AT_SYMLINK_NOFOLLOW) C(AT_EMPTY_PATH)
    C(MADV_NORMAL) C(MADV_RANDOM) C(MADV_SEQUENTIAL) C(MADV_WILLNEED) C(MADV_DONTNEED) C(MADV_FREE) C(MADV_REMOVE)
    C(MADV_DONTFORK) C(MADV_DOFORK) C(MADV_HUGEPAGE) C(MADV_NOHUGEPAGE) C(MADV_DONTDUMP)
    C(SIGABRT) C(SIGBUS) C(SIGFPE) C(SIGKILL) C(SIGSEGV) C(SIGTRAP) C(SIGILL) C(SIGSYS)
    C(RLIMIT_CPU) C(RLIMIT_FSIZE) C(RLIMIT_STACK) C(RLIMIT_CORE) C(RLIMIT_NOFILE) C(RLIMIT_AS)
    C(EPERM) C(ENOENT) C(ESRCH) C(EINTR) C(EIO) C(ENXIO) C(E2BIG) C(ENOEXEC) C(EBADF) C(ECHILD) C(EAGAIN)
    C(ENOMEM) C(EACCES) C(EFAULT) C(EBUSY) C(EEXIST) C(EXDEV) C(ENODEV) C(ENOTDIR) C(EISDIR) C(EINVAL)
    C(ENFILE) C(EMFILE) C(ENOTTY) C(EFBIG) C(ENOSPC) C(ESPIPE) C(EROFS) C(EMLINK) C(EPIPE) C(ERANGE)
    C(ENOSYS) C(ENOTSUP) C(EOPNOTSUPP) C(EAFNOSUPPORT)
    C(FOVEA_CLONE_NEWNS) C(FOVEA_CLONE_NEWIPC) C(FOVEA_CLONE_NEWUSER) C(FOVEA_CLONE_NEWNET)
#undef C
    *found = 0;
    return -1;
}

// --- glibc malloc ----------------------------------------------------------------------
#include <malloc.h>

int fovea_malloc_tune(int mmap_threshold, int trim_threshold, int arena_max) {
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1
        && mallopt(M_ARENA_MAX, arena_max) == 1;
}

int fovea_malloc_trim(void) { return malloc_trim(0); }
