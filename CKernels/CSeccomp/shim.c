#include "CSeccomp.h"
#include <errno.h>
#include <stdio.h>

uint32_t fovea_seccomp_action_allow(void) { return SCMP_ACT_ALLOW; }
uint32_t fovea_seccomp_action_errno(uint16_t error) { return SCMP_ACT_ERRNO(error); }
uint32_t fovea_seccomp_action_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }

scmp_filter_ctx fovea_seccomp_new_filter(int *error) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) { *error = -ENOMEM; return NULL; }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0) rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc != 0) { seccomp_release(ctx); *error = rc; return NULL; }
    *error = 0;
    return ctx;
}

int fovea_seccomp_resolve(const char *name) {
    int number = seccomp_syscall_resolve_name(name);
    return number < 0 ? -1 : number;
}

const char *fovea_seccomp_version(void) {
    static char text[32];
    const struct scmp_version *version = seccomp_version();
    if (version == NULL) return "unknown";
    snprintf(text, sizeof text, "%u.%u.%u", version->major, version->minor, version->micro);
    return text;
}
