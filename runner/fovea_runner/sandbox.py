"""Kernel primitives for the code sandbox, each wrapped once (ctypes, x86-64).

Every wrapper raises ``SandboxError`` naming the call and the errno, so the
caller can report one readable sentence in its hello.  Nothing here decides
policy: ``child.confine`` calls these in the documented order
(docs/CODE-RUNNER.md, "Child sandbox").
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long

# x86-64 system call numbers.
SYS_pivot_root = 155
SYS_capget = 125
SYS_capset = 126
SYS_seccomp = 317
SYS_close_range = 436
SYS_mount_setattr = 442
SYS_landlock_create_ruleset = 444
SYS_landlock_add_rule = 445
SYS_landlock_restrict_self = 446

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
PR_SET_SECCOMP = 22
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
SECCOMP_MODE_FILTER = 2
SECCOMP_SET_MODE_FILTER = 1

# Landlock (include/uapi/linux/landlock.h).
LL_EXECUTE = 1 << 0
LL_WRITE_FILE = 1 << 1
LL_READ_FILE = 1 << 2
LL_READ_DIR = 1 << 3
LL_REMOVE_DIR = 1 << 4
LL_REMOVE_FILE = 1 << 5
LL_MAKE_CHAR = 1 << 6
LL_MAKE_DIR = 1 << 7
LL_MAKE_REG = 1 << 8
LL_MAKE_SOCK = 1 << 9
LL_MAKE_FIFO = 1 << 10
LL_MAKE_BLOCK = 1 << 11
LL_MAKE_SYM = 1 << 12
LL_REFER = 1 << 13  # ABI 2
LL_TRUNCATE = 1 << 14  # ABI 3
LL_IOCTL_DEV = 1 << 15  # ABI 5
LL_NET_BIND_TCP = 1 << 0  # ABI 4
LL_NET_CONNECT_TCP = 1 << 1
LL_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
LL_SCOPE_SIGNAL = 1 << 1
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV


class SandboxError(Exception):
    """A sandboxing step failed; the message names the call and the errno."""


def _check(ret: int, what: str) -> int:
    if ret < 0:
        e = ctypes.get_errno()
        raise SandboxError(f"{what}: {errno.errorcode.get(e, e)} ({os.strerror(e)})")
    return ret


def syscall(nr: int, *args, what: str) -> int:
    ctypes.set_errno(0)
    return _check(_syscall(ctypes.c_long(nr), *args), what)


# --- processes and namespaces -------------------------------------------
def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), f"unshare(0x{flags:x})")


def setns(fd: int, nstype: int) -> None:
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0, what: str = "prctl") -> int:
    return _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), what)


def set_pdeathsig(sig: int) -> None:
    prctl(PR_SET_PDEATHSIG, sig, what="prctl(PR_SET_PDEATHSIG)")


def close_fds_except(keep: int) -> None:
    """Close every descriptor but ``keep`` (close_range around it)."""
    if keep > 0:
        syscall(SYS_close_range, ctypes.c_uint(0), ctypes.c_uint(keep - 1), ctypes.c_uint(0), what="close_range")
    syscall(SYS_close_range, ctypes.c_uint(keep + 1), ctypes.c_uint(0xFFFFFFFF), ctypes.c_uint(0),
            what="close_range")


# --- mounts -------------------------------------------------------------
def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount({source!r}, {target!r}, {fstype!r}, 0x{flags:x})")


def umount2(target: str, flags: int) -> None:
    _check(_libc.umount2(target.encode(), ctypes.c_int(flags)), f"umount2({target!r})")


def pivot_root(new_root: str, put_old: str) -> None:
    syscall(SYS_pivot_root, new_root.encode(), put_old.encode(), what="pivot_root")


def make_readonly(target: str) -> None:
    """Read-only (and nosuid, nodev) for the mount at target and every mount below it."""
    attr = struct.pack("QQQQ", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, 0, 0)
    buf = ctypes.create_string_buffer(attr, len(attr))
    try:
        syscall(SYS_mount_setattr, ctypes.c_int(AT_FDCWD), target.encode(), ctypes.c_uint(AT_RECURSIVE),
                buf, ctypes.c_size_t(len(attr)), what=f"mount_setattr({target!r})")
    except SandboxError:
        # Kernels before 5.12: the classic remount (not recursive).
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


# --- credentials and capabilities -----------------------------------------
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
CAP_LAST_CAP_GUESS = 63


def drop_capabilities() -> None:
    """Empty bounding set, ambient set, and effective/permitted/inheritable sets."""
    for cap in range(CAP_LAST_CAP_GUESS + 1):
        if _libc.prctl(ctypes.c_int(PR_CAPBSET_DROP), ctypes.c_ulong(cap), 0, 0, 0) < 0:
            e = ctypes.get_errno()
            if e == errno.EINVAL:  # past the last capability this kernel knows
                break
            raise SandboxError(f"prctl(PR_CAPBSET_DROP, {cap}): {errno.errorcode.get(e, e)}")
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, what="prctl(PR_CAP_AMBIENT_CLEAR_ALL)")
    header = ctypes.create_string_buffer(struct.pack("Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8)
    data = ctypes.create_string_buffer(bytes(24), 24)  # two __user_cap_data_struct, all zero
    syscall(SYS_capset, header, data, what="capset")


def capabilities() -> tuple[int, int, int]:
    """(effective, permitted, inheritable) of this thread, 64-bit masks."""
    header = ctypes.create_string_buffer(struct.pack("Ii", _LINUX_CAPABILITY_VERSION_3, 0), 8)
    data = ctypes.create_string_buffer(24)
    syscall(SYS_capget, header, data, what="capget")
    e0, p0, i0, e1, p1, i1 = struct.unpack("6I", data.raw)
    return e0 | e1 << 32, p0 | p1 << 32, i0 | i1 << 32


# --- landlock -------------------------------------------------------------
def landlock_abi() -> int:
    """The Landlock ABI version, 0 when Landlock is unavailable."""
    ctypes.set_errno(0)
    r = _syscall(ctypes.c_long(SYS_landlock_create_ruleset), None, ctypes.c_size_t(0),
                 ctypes.c_uint(LANDLOCK_CREATE_RULESET_VERSION))
    return max(0, int(r))


def landlock_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # EXECUTE .. MAKE_SYM: ABI 1
    if abi >= 2:
        rights |= LL_REFER
    if abi >= 3:
        rights |= LL_TRUNCATE
    if abi >= 5:
        rights |= LL_IOCTL_DEV
    return rights


def landlock_restrict(rules: list[tuple[str, int]], abi: int) -> None:
    """Handle every access right the ABI knows; allow only ``rules``
    (path, rights); restrict this thread (and its future children).

    On ABI >= 4 TCP bind/connect are handled (so denied); on ABI >= 6 abstract
    Unix sockets and signals are scoped to this domain.
    """
    fs = landlock_fs_rights(abi)
    net = (LL_NET_BIND_TCP | LL_NET_CONNECT_TCP) if abi >= 4 else 0
    scoped = (LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL) if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("QQQ", fs, net, scoped)
    elif abi >= 4:
        attr = struct.pack("QQ", fs, net)
    else:
        attr = struct.pack("Q", fs)
    abuf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = syscall(SYS_landlock_create_ruleset, abuf, ctypes.c_size_t(len(attr)), ctypes.c_uint(0),
                      what="landlock_create_ruleset")
    try:
        for path, rights in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                import stat

                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= LL_FILE_RIGHTS
                rule = struct.pack("=Qi", rights & fs, fd)
                rbuf = ctypes.create_string_buffer(rule, len(rule))
                syscall(SYS_landlock_add_rule, ctypes.c_int(ruleset), ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                        rbuf, ctypes.c_uint(0), what=f"landlock_add_rule({path!r})")
            finally:
                os.close(fd)
        syscall(SYS_landlock_restrict_self, ctypes.c_int(ruleset), ctypes.c_uint(0), what="landlock_restrict_self")
    finally:
        os.close(ruleset)


# --- seccomp --------------------------------------------------------------
class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp_load(bpf: bytes) -> None:
    """Install a classic-BPF filter (struct sock_filter[], 8 bytes each).
    no_new_privs must already be set."""
    if not bpf or len(bpf) % 8 or len(bpf) // 8 > 4096:
        raise SandboxError(f"seccomp filter of {len(bpf)} bytes is not a BPF program")
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    syscall(SYS_seccomp, ctypes.c_uint(SECCOMP_SET_MODE_FILTER), ctypes.c_uint(0), ctypes.byref(prog),
            what="seccomp(SECCOMP_SET_MODE_FILTER)")


def no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1, what="prctl(PR_SET_NO_NEW_PRIVS)")
    if prctl(PR_GET_NO_NEW_PRIVS, what="prctl(PR_GET_NO_NEW_PRIVS)") != 1:
        raise SandboxError("no_new_privs did not stick")


def set_dumpable(on: bool) -> None:
    prctl(PR_SET_DUMPABLE, 1 if on else 0, what="prctl(PR_SET_DUMPABLE)")


def dumpable() -> bool:
    return prctl(PR_GET_DUMPABLE, what="prctl(PR_GET_DUMPABLE)") == 1


# --- malloc ---------------------------------------------------------------
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def mallopt(param: int, value: int) -> bool:
    return bool(_libc.mallopt(ctypes.c_int(param), ctypes.c_int(value)))
