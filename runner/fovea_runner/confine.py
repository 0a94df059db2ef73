"""The child's sandbox, applied in order right after the fork, as root, before
anything of the model's exists (docs/CODE-RUNNER.md, "Child sandbox"):

a. descriptors (only the channel, fd 3), signals, parent-death signal;
b. a private mount namespace whose root is a fresh tmpfs holding only the
   read-only Python tree, /etc (unreadable through Landlock), /dev/null and
   the working directory (its own tmpfs, ``workDirBytes``);
c. root dropped to the session's uid; new user, network and IPC namespaces
   (the PID namespace came with the fork); no capabilities;
d. rlimits; e. no_new_privs, not dumpable; f. Landlock; g. seccomp.

Every step raises ``SandboxError`` with a readable reason; the caller sends
it in its hello and exits 71.
"""

from __future__ import annotations

import os
import resource
import signal
import stat

from . import sandbox as sb
from .sandbox import SandboxError

RO_RIGHTS = sb.LL_READ_FILE | sb.LL_READ_DIR | sb.LL_EXECUTE
RW_RIGHTS = (sb.LL_READ_FILE | sb.LL_READ_DIR | sb.LL_WRITE_FILE | sb.LL_REMOVE_DIR | sb.LL_REMOVE_FILE
             | sb.LL_MAKE_DIR | sb.LL_MAKE_REG | sb.LL_MAKE_SYM | sb.LL_REFER | sb.LL_TRUNCATE)
ABS_INPUTS = ".inputs"  # <workDir>/.inputs/<absolute path>: where absolute input paths point
ROOT_MOUNT_POINT = "/proc"  # any existing directory that is never a read-only source
WORK_INODES = 16384  # files the working directory can hold (kernel memory outside RLIMIT_AS)


class Settings:
    """The child settings of the configure message, validated."""

    def __init__(self, d: dict, read_only: list[str]):
        def num(key, lo, hi):
            v = d.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise SandboxError(f"child.{key} must be an integer in [{lo}, {hi}]")
            return v

        self.uid_base = num("uidBase", 1, 2**31 - 2)
        self.uid_count = num("uidCount", 1, 2**31 - 1 - self.uid_base)
        self.work_bytes = num("workDirBytes", 1 << 20, 1 << 40)
        rl = d.get("rlimits")
        if not isinstance(rl, dict):
            raise SandboxError("child.rlimits must be an object")
        self.rlimits = {}
        for key in ("as", "cpu", "nproc", "fsize", "nofile"):
            v = rl.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise SandboxError(f"child.rlimits.{key} must be a positive integer")
            self.rlimits[key] = v
        wd = d.get("workDir", "/work")
        if not isinstance(wd, str) or not wd.startswith("/") or wd == "/" or os.path.normpath(wd) != wd:
            raise SandboxError("child.workDir must be a normalised absolute path other than /")
        self.work_dir = wd
        self.read_only = read_only
        for p in read_only:
            if _inside(os.path.realpath(p), [wd]):
                raise SandboxError(f"workDir {wd} would hide the read-only path {p}: choose a workDir outside "
                                   "the Python tree and the runner")

    def check_uid(self, uid) -> int:
        if not isinstance(uid, int) or isinstance(uid, bool):
            raise SandboxError("uid must be an integer")
        if not self.uid_base <= uid < self.uid_base + self.uid_count or uid == 0 or uid == os.getuid():
            raise SandboxError(f"uid {uid} is outside [uidBase, uidBase+uidCount) or is root/the daemon's")
        return uid


# --- a. descriptors and signals ---------------------------------------------
def clean_process(channel_fd: int) -> None:
    """Channel to fd 3 and nothing else open; Python's default signal state."""
    if channel_fd != 3:
        os.dup2(channel_fd, 3, inheritable=False)
    sb.close_fds_except(3)
    _null_stdio()
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP, 32, 33):
            continue
        try:
            if sig == signal.SIGINT:
                signal.signal(sig, signal.default_int_handler)
            elif sig in (signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(sig, signal.SIG_IGN)  # Python's defaults: EPIPE/EFBIG become exceptions
            else:
                signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    sb.set_pdeathsig(signal.SIGKILL)


# --- b. filesystem ------------------------------------------------------------
def _inside(path: str, roots) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _mkdirs(local: str) -> None:
    os.makedirs(local, mode=0o755, exist_ok=True)


def _mirror_links(path: str, bound: list[str]) -> None:
    """Recreate in the new root (the cwd) the symlinks on the way to ``path``
    so the path the template uses resolves to its bind-mounted real path."""
    parts = [p for p in path.split("/") if p]
    cur = ""
    for i, comp in enumerate(parts):
        cur += "/" + comp
        if _inside(cur, bound):
            return  # visible through a bind mount already
        try:
            st = os.lstat(cur)
        except OSError:
            return
        local = "." + cur
        if stat.S_ISLNK(st.st_mode):
            if not os.path.lexists(local):
                _mkdirs(os.path.dirname(local))
                os.symlink(os.readlink(cur), local)
            rest = "/".join(parts[i + 1:])
            real = os.path.realpath(cur)
            _mirror_links(real + ("/" + rest if rest else ""), bound)
            return
        if stat.S_ISDIR(st.st_mode):
            _mkdirs(local)


def _bind_readonly(source: str, local: str) -> None:
    if os.path.isdir(source):
        _mkdirs(local)
    else:
        _mkdirs(os.path.dirname(local))
        if not os.path.exists(local):
            os.close(os.open(local, os.O_CREAT | os.O_WRONLY, 0o444))
    sb.mount(source, local, None, sb.MS_BIND | sb.MS_REC)
    sb.make_readonly(local)


def readonly_binds(paths: list[str]) -> list[str]:
    """Real paths to bind: existing, deduplicated, none inside another."""
    reals = sorted({os.path.realpath(p) for p in paths if os.path.exists(p)}, key=lambda p: (len(p), p))
    out: list[str] = []
    for r in reals:
        if r == "/":
            raise SandboxError("'/' cannot be a read-only path of the sandbox")
        if not _inside(r, out):
            out.append(r)
    return out


def build_root(s: Settings, uid: int, abs_inputs: list[str]) -> list[str]:
    """Private mount namespace; tmpfs root with only what the child may see;
    pivot into it.  Returns the real read-only paths (for Landlock)."""
    # The skeleton's directories must be walkable by the child's uid whatever umask the daemon
    # was started with (a umask of 077 made them 0700: every path under them EACCES).
    os.umask(0o022)
    sb.unshare(sb.CLONE_NEWNS)
    sb.mount(None, "/", None, sb.MS_REC | sb.MS_PRIVATE)
    binds = readonly_binds(s.read_only)
    sb.mount("tmpfs", ROOT_MOUNT_POINT, "tmpfs", sb.MS_NOSUID | sb.MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    os.chdir(ROOT_MOUNT_POINT)
    for real in binds:
        _bind_readonly(real, "." + real)
    for p in s.read_only:
        _mirror_links(p, binds)
    if not _inside("/etc", binds):
        _bind_readonly("/etc", "./etc")  # present but unreadable (Landlock): open() raises PermissionError
    _mkdirs("./dev")
    os.close(os.open("./dev/null", os.O_CREAT | os.O_WRONLY, 0o666))
    sb.mount("/dev/null", "./dev/null", None, sb.MS_BIND)
    work = "." + s.work_dir
    if _inside(s.work_dir, binds) or _inside(s.work_dir, ["/etc", "/dev"]):
        raise SandboxError(f"workDir {s.work_dir} is inside a read-only path")
    _mkdirs(work)
    sb.mount("tmpfs", work, "tmpfs", sb.MS_NOSUID | sb.MS_NODEV,
             f"size={s.work_bytes},nr_inodes={WORK_INODES},mode=0700,uid={uid},gid={uid}")
    for sub in (".tmp",):
        os.mkdir(os.path.join(work, sub), 0o700)
        os.chown(os.path.join(work, sub), uid, uid)
    for p in abs_inputs:
        # An absolute input path outside workDir: a symlink into <workDir>/.inputs,
        # whose file the session writes at its first call.
        if _inside(p, [s.work_dir]) or _inside(p, binds) or _inside(p, ["/etc", "/dev"]):
            continue
        local = "." + p
        if os.path.lexists(local):
            continue
        _mkdirs(os.path.dirname(local))
        os.symlink(os.path.join(s.work_dir, ABS_INPUTS) + p, local)
    sb.pivot_root(".", ".")
    sb.umount2(".", sb.MNT_DETACH)
    os.chdir("/")
    # The skeleton itself is read-only; only the working directory is writable.
    sb.mount(None, "/", None, sb.MS_REMOUNT | sb.MS_BIND | sb.MS_RDONLY | sb.MS_NOSUID | sb.MS_NODEV)
    os.chdir(s.work_dir)
    return binds


def _null_stdio() -> None:
    """Descriptors 0-2 on /dev/null: C libraries that print (OpenCV warnings,
    libpng) must not write into whatever file would get those numbers."""
    fd = os.open("/dev/null", os.O_RDWR)
    for target in (0, 1, 2):
        if fd != target:
            os.dup2(fd, target)
    if fd > 2:
        os.close(fd)


# --- c. identity ------------------------------------------------------------------
def _write_proc(procfd: int, name: str, text: str) -> None:
    fd = os.open(name, os.O_WRONLY | os.O_CLOEXEC, dir_fd=procfd)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def proc_status(procfd: int) -> dict:
    fd = os.open("status", os.O_RDONLY | os.O_CLOEXEC, dir_fd=procfd)
    try:
        text = os.read(fd, 1 << 16).decode()
    finally:
        os.close(fd)
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def drop_identity(uid: int, procfd: int) -> list[str]:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
        raise SandboxError("the uid/gid change did not take")
    try:
        os.setresuid(0, 0, 0)
    except PermissionError:
        pass
    else:
        raise SandboxError("root could be regained after setresuid")
    sb.set_pdeathsig(signal.SIGKILL)  # a credential change clears it
    sb.set_dumpable(True)  # our /proc/self files must be ours to write the id maps
    sb.unshare(sb.CLONE_NEWUSER | sb.CLONE_NEWNET | sb.CLONE_NEWIPC)
    _write_proc(procfd, "setgroups", "deny")
    _write_proc(procfd, "uid_map", f"{uid} {uid} 1")
    _write_proc(procfd, "gid_map", f"{uid} {uid} 1")
    sb.drop_capabilities()
    st = proc_status(procfd)
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        if int(st.get(key, "1"), 16) != 0:
            raise SandboxError(f"{key} is {st.get(key)} after dropping capabilities")
    if os.getuid() != uid or os.getgid() != uid:
        raise SandboxError("the uid is not mapped in the new user namespace")
    return ["pid", "mnt", "user", "net", "ipc"]


# --- d. rlimits ---------------------------------------------------------------------
def set_rlimits(s: Settings) -> None:
    r = s.rlimits
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (r["cpu"], r["cpu"] + 1))
    resource.setrlimit(resource.RLIMIT_NPROC, (r["nproc"], r["nproc"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (r["fsize"], r["fsize"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (r["nofile"], r["nofile"]))
    resource.setrlimit(resource.RLIMIT_AS, (r["as"], r["as"]))


# --- everything, in order --------------------------------------------------------------
def confine(s: Settings, uid: int, channel_fd: int, abs_inputs: list[str], bpf: bytes) -> dict:
    """Apply steps a-g; returns the facts for the hello (with each step's duration)."""
    import time

    marks = [("start", time.monotonic())]

    def mark(name):
        marks.append((name, time.monotonic()))

    clean_process(channel_fd)
    mark("clean")
    procfd = os.open("/proc/self", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        binds = build_root(s, uid, abs_inputs)
        mark("mounts")
        namespaces = drop_identity(uid, procfd)
        mark("identity")
        set_rlimits(s)
        sb.no_new_privs()
        sb.set_dumpable(False)
        abi = sb.landlock_abi()
        if abi < 1:
            raise SandboxError("Landlock is not available")
        st = proc_status(procfd)  # (Landlock will deny this file too)
        rss = int(st.get("VmRSS", "0 kB").split()[0]) * 1024
        seccomp_mode = st.get("Seccomp")
        rules = [(p, RO_RIGHTS) for p in binds]
        rules.append(("/dev/null", sb.LL_READ_FILE | sb.LL_WRITE_FILE))
        rules.append((s.work_dir, RW_RIGHTS))
        mark("limits")
        sb.landlock_restrict(rules, abi)
        mark("landlock")
    finally:
        os.close(procfd)
    sb.seccomp_load(bpf)
    mark("seccomp")
    steps = {name: round((t - marks[i][1]) * 1000, 3) for i, (name, t) in enumerate(marks[1:])}
    return {"namespaces": namespaces, "landlockABI": abi, "rss": rss, "readOnly": binds,
            "seccompBefore": seccomp_mode, "steps": steps}
