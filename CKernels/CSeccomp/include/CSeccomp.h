#pragma once
// Shims over libseccomp for Swift: its actions are function-like macros (SCMP_ACT_ERRNO) and
// the attributes Fovea sets are easier to name once here. Everything else (seccomp_init,
// seccomp_rule_add_array, seccomp_load, seccomp_export_pfc, seccomp_syscall_resolve_name, the
// scmp_arg_cmp struct) Swift calls directly.
#include <seccomp.h>
#include <stdint.h>

/// SCMP_ACT_ALLOW.
uint32_t fovea_seccomp_action_allow(void);
/// SCMP_ACT_ERRNO(error): the call fails with -1 and errno = `error`.
uint32_t fovea_seccomp_action_errno(uint16_t error);
/// SCMP_ACT_KILL_PROCESS: the whole process dies with SIGSYS (never SCMP_ACT_KILL, which
/// kills only the calling thread and leaves a half-dead process).
uint32_t fovea_seccomp_action_kill_process(void);

/// A filter whose default action and bad-architecture action are SCMP_ACT_KILL_PROCESS, that
/// synchronises every thread of the process when loaded (SCMP_FLTATR_CTL_TSYNC), and that
/// libseccomp compiles as a binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2). Returns NULL and sets
/// `*error` (a negative errno from libseccomp) on failure.
scmp_filter_ctx fovea_seccomp_new_filter(int *error);

/// The native architecture's number for `name` (e.g. "openat"), or -1 if libseccomp does not
/// know it. Pseudo-syscalls (negative numbers on this architecture) are reported as -1 too.
int fovea_seccomp_resolve(const char *name);

/// The libseccomp version as "major.minor.micro".
const char *fovea_seccomp_version(void);
