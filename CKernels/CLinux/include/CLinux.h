#pragma once
// Small Linux helpers Swift cannot reach directly: macros (CMSG_*, F_SEAL_*), variadic calls
// (prctl, fcntl, syscall) and GNU-only declarations (memfd_create). Each returns -1 with errno
// set on failure, like the call it wraps.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FOVEA_MAX_FDS_PER_MESSAGE 4

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
ssize_t fovea_send_message(int socket, const void *bytes, size_t length, const int *fds, int fd_count);
/// recvmsg of one datagram into `bytes`; received descriptors (close-on-exec) land in `fds`,
/// their count in `*fd_count`. `*truncated` is set when the datagram or its descriptors did
/// not fit (the received descriptors are closed then).
ssize_t fovea_receive_message(int socket, void *bytes, size_t capacity, int *fds, int *fd_count, int *truncated);

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
/// posix_spawn of `path` with `argv`/`envp` in a new session with default signals, cwd `/`,
/// `channel_fd` duplicated onto `target_fd` (> 2) and every other descriptor closed — stdin
/// and stdout always, stderr unless `keep_stderr`. Returns 0 and sets `*pid`, or an errno value.
int fovea_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], int channel_fd, int target_fd, int keep_stderr);
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

// --- Sandbox probes (test hooks): direct system calls a sandboxed worker must not make ---
long fovea_probe_mount(void);
long fovea_probe_bpf(void);
long fovea_probe_keyctl(void);
long fovea_probe_unshare(void);

// --- Scratch memfds (RLIMIT_FSIZE 0 forbids growing a file; shrinking is allowed) ---
/// fstat's st_dev and st_ino of `fd`.
int fovea_file_identity(int fd, uint64_t *device, uint64_t *inode);
/// prctl(PR_SET_NAME, name): the calling thread's name (at most 15 bytes are kept).
int fovea_set_thread_name(const char *name);
/// The value of a Linux ABI constant by name, from the system headers (CLONE_THREAD,
/// F_ADD_SEALS, EACCES, …): lets tests check FoveaSandbox's PolicyConstants table. Sets
/// `*found` to 0 for a name it does not know.
long long fovea_abi_constant(const char *name, int *found);
