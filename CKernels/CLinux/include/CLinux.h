#pragma once
// Small Linux helpers Swift cannot reach directly: macros (CMSG_*, F_SEAL_*), variadic calls
// (prctl, fcntl, syscall) and GNU-only declarations (memfd_create). Each returns -1 with errno
// set on failure, like the call it wraps.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FOVEA_MAX_FDS_PER_MESSAGE 64

/// memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING).
int fovea_memfd_create(const char *name);
/// fcntl(F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL).
int fovea_memfd_seal(int fd);
/// fcntl(F_GET_SEALS).
int fovea_memfd_get_seals(int fd);
/// Whether `seals` (from fovea_memfd_get_seals) include write, shrink, grow and seal.
int fovea_memfd_seals_complete(int seals);
/// fcntl(F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW): the size is fixed, the contents may still change.
int fovea_memfd_seal_size(int fd);
/// Whether `seals` include shrink and grow (the size cannot change).
int fovea_memfd_size_sealed(int seals);

/// sendmsg of one datagram with up to FOVEA_MAX_FDS_PER_MESSAGE descriptors (SCM_RIGHTS).
/// With `dont_wait`, MSG_DONTWAIT: fails with EAGAIN instead of blocking when the peer's queue is full.
ssize_t fovea_send_message(int socket, const void *bytes, size_t length, const int *fds, int fd_count, int dont_wait);
/// Whether the peer of a connected socket has closed or shut down its end (poll reports
/// POLLHUP or POLLRDHUP without waiting): 1, 0, or -1 with errno.
int fovea_peer_hung_up(int socket);
/// recvmsg of one datagram into `bytes`; received descriptors (close-on-exec) land in `fds`
/// (room for `max_fds` ≤ FOVEA_MAX_FDS_PER_MESSAGE), their count in `*fd_count`. `*truncated`
/// is set when the datagram or its descriptors did not fit (the received descriptors are
/// closed then).
ssize_t fovea_receive_message(int socket, void *bytes, size_t capacity, int *fds, int max_fds, int *fd_count, int *truncated);

int fovea_set_no_new_privs(void);
int fovea_set_dumpable(int dumpable);
int fovea_get_dumpable(void);
int fovea_set_parent_death_signal(int signal);
/// pidfd_open(pid, 0).
int fovea_pidfd_open(pid_t pid);
/// unshare(CLONE_NEWNET), unshare(CLONE_NEWIPC), unshare(CLONE_NEWNS) as a mask of what worked:
/// bit 0 net, bit 1 ipc, bit 2 mount.
int fovea_unshare_namespaces(int want_net, int want_ipc, int want_mount);
/// The calling thread's id (gettid).
pid_t fovea_gettid(void);
/// Starts `path` with `argv`/`envp` (clone with CLONE_VM | CLONE_VFORK, then execve, as
/// posix_spawn does) in a new session with every signal at its default and none blocked, cwd
/// `/`, `channel_fd` duplicated onto `target_fd` (> 2) and every other descriptor closed —
/// stdin and stdout always, stderr unless `keep_stderr`. With `new_pid_namespace` the child is
/// pid 1 of a new PID namespace (CLONE_NEWPID: needs CAP_SYS_ADMIN, else EPERM). Returns 0 and
/// sets `*pid`, or an errno value.
int fovea_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], int channel_fd, int target_fd,
                int keep_stderr, int new_pid_namespace);
/// ptrace(PTRACE_TRACEME) (a sandbox probe).
long fovea_ptrace_traceme(void);

// --- Worker isolation (FoveaSandbox's WorkerSandbox) ---

/// clearenv(): an empty environment.
int fovea_clear_environment(void);
/// close_range over every descriptor except `keep` (and 2 when `keep_stderr`).
int fovea_close_descriptors_except(int keep, int keep_stderr);
/// setrlimit(resource, {soft, hard}).
int fovea_set_rlimit(int resource, uint64_t soft, uint64_t hard);
/// getrlimit(resource) into *soft / *hard.
int fovea_get_rlimit(int resource, uint64_t *soft, uint64_t *hard);
/// setgroups(0, NULL), setresgid(gid, gid, gid), setresuid(uid, uid, uid), in that order.
int fovea_drop_to_user(uid_t uid, gid_t gid);
/// getresuid/getresgid and the supplementary group count, to verify a drop stuck.
int fovea_get_credentials(uid_t *ruid, uid_t *euid, uid_t *suid, gid_t *rgid, gid_t *egid, gid_t *sgid, int *groups);
/// setresuid(0, 0, 0): must fail once root is dropped.
int fovea_try_regain_root(void);
/// unshare(flags), with flags from these (linux/sched.h; Swift's Glibc does not export them).
int fovea_unshare(int flags);
#define FOVEA_CLONE_NEWNS 0x00020000
#define FOVEA_CLONE_NEWIPC 0x08000000
#define FOVEA_CLONE_NEWUSER 0x10000000
#define FOVEA_CLONE_NEWNET 0x40000000
/// capset() with empty effective, permitted and inheritable sets (v3).
int fovea_drop_capabilities(void);
/// The effective capability set's low 64 bits (capget v3), or -1.
long long fovea_effective_capabilities(void);
int fovea_get_no_new_privs(void);

/// openat2(dirfd, path, {O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS}): `path` (relative) resolved strictly inside
/// `dirfd`, no symbolic link followed, never blocking on a FIFO or device. Returns a descriptor
/// or -1 with errno (EXDEV for an escape, ELOOP for a link, ENOSYS before Linux 5.6).
int fovea_open_beneath(int dirfd, const char *path);
/// open(path, O_PATH | O_DIRECTORY | O_CLOEXEC): a handle on a directory for fovea_open_beneath.
int fovea_open_directory(const char *path);

/// Makes an empty, read-only tmpfs the root of this mount namespace and detaches the host's tree
/// (mount it on /tmp or /proc, pivot_root into it, unmount the old root). Needs CAP_SYS_ADMIN
/// in the user namespace that owns the mount namespace.
int fovea_enter_empty_root(void);
/// Starts the keeper thread, which inherits the caller's capabilities and keeps them while the
/// caller drops its own (capabilities are per thread; new threads inherit their creator's).
/// Returns 0 or an errno value.
int fovea_keeper_start(void);
/// Has the keeper enter the empty root (fovea_enter_empty_root, which affects every thread of the
/// mount namespace), drop its capabilities and exit; returns 0 or the errno of the failed step.
int fovea_keeper_enter_empty_root(void);
/// Dies of a real SIGSEGV (a write to an unmapped address): unlike raise(), which a PID
/// namespace's init ignores, a fault always kills.
void fovea_crash(void);

// --- Sandbox probes (test hooks): direct system calls a sandboxed worker must not make ---
long fovea_probe_mount(void);
long fovea_probe_bpf(void);
long fovea_probe_keyctl(void);
long fovea_probe_unshare(void);
/// newfstatat(AT_FDCWD, "/etc/passwd", AT_EMPTY_PATH): a path lookup dressed as an fstat.
long fovea_probe_stat_path(void);
/// mmap(PROT_READ | PROT_EXEC) of an anonymous page.
long fovea_probe_mmap_exec(void);
/// write(1, …): a descriptor other than the channel and a kept stderr.
long fovea_probe_write_other_fd(void);
/// clone(SIGCHLD): a new process, not a thread.
long fovea_probe_clone_process(void);
/// clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD): a thread, but not as glibc makes them.
long fovea_probe_clone_odd_thread(void);

// --- Scratch memfds (RLIMIT_FSIZE 0 forbids growing a file; shrinking is allowed) ---
/// fstat's st_dev and st_ino of `fd`.
int fovea_file_identity(int fd, uint64_t *device, uint64_t *inode);
/// prctl(PR_SET_NAME, name): the calling thread's name (at most 15 bytes are kept).
int fovea_set_thread_name(const char *name);
/// The value of a Linux ABI constant by name, from the system headers (CLONE_THREAD,
/// F_ADD_SEALS, EACCES, …): lets tests check FoveaSandbox's PolicyConstants table. Sets
/// `*found` to 0 for a name it does not know.
long long fovea_abi_constant(const char *name, int *found);

// --- glibc malloc (malloc.h is not in Swift's Glibc module) ---
/// mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, M_ARENA_MAX); fixed thresholds switch glibc's
/// dynamic mmap threshold off. Returns 1 when all three were accepted.
int fovea_malloc_tune(int mmap_threshold, int trim_threshold, int arena_max);
/// malloc_trim(0): returns free pages of every arena to the kernel. 1 if any were.
int fovea_malloc_trim(void);
