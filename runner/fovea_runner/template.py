"""The template interpreter: imports and warms everything once, then forks one
sandboxed child per session on the supervisor's request.  It never runs model
code.

Started by the supervisor as
``<venv>/bin/python -I -B -c "import sys; sys.path.insert(0, sys.argv[1]);
from fovea_runner.template import main; main()" <runner-dir>`` with its
channel on fd 3.  Messages: docs/CODE-RUNNER.md, "Template messages".
"""

from __future__ import annotations

import base64
import os
import signal
import stat
import sys
import time

from . import sandbox as sb
from .channel import Channel, ChannelError, Closed

EXIT_FATAL = 71


def _expand_read_only(entries: list, runner_dir: str) -> list[str]:
    out: list[str] = []

    def add(p):
        if isinstance(p, str) and p.startswith("/") and os.path.exists(p):
            r = os.path.realpath(p)
            if r not in out:
                out.append(r)

    for e in entries:
        if e == "<python>":
            for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, runner_dir):
                add(p)
            for p in sys.path:
                add(p)
        else:
            add(e)
    return out


def _check_readable_by_every_uid(roots: list[str]) -> None:
    """The children run as uids of their own: each read-only root and what it holds directly
    must be readable (directories also searchable) by "others", or every call would fail later
    with a bare PermissionError. A checkout made under umask 077 is the usual cause."""

    def check(root: str, path: str, mode: int) -> None:
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            return  # symlinks (the roots are real paths), FIFOs, sockets: not what Python reads
        need = (stat.S_IROTH | stat.S_IXOTH) if stat.S_ISDIR(mode) else stat.S_IROTH
        if mode & need != need:
            raise PermissionError(
                f"{path} (mode {stat.S_IMODE(mode):04o}) cannot be read by the uids the interpreters run as; "
                f"make it readable by every user (chmod -R go+rX {root}; scripts/setup-code-env.sh does this)")

    for root in roots:
        check(root, root, os.lstat(root).st_mode)
        if os.path.isdir(root):
            with os.scandir(root) as entries:
                for entry in entries:
                    check(root, entry.path, entry.stat(follow_symlinks=False).st_mode)


def _status(status: int) -> str:
    if os.WIFEXITED(status):
        return f"exited {os.WEXITSTATUS(status)}"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"SIG{sig}"
        return f"killed by signal {sig} ({name})"
    return f"status {status}"


class Template:
    def __init__(self, runner_dir: str):
        self.runner_dir = runner_dir
        self.channel = Channel(3)
        self.pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.children: set[int] = set()
        self.settings = None
        self.child_filter = b""

    def configure(self) -> None:
        from . import confine, warm

        msg, fds = self.channel.recv()
        for fd in fds:
            os.close(fd)
        if msg.get("type") != "configure":
            raise ChannelError(f"expected configure, got {msg.get('type')!r}")
        t0 = time.monotonic()
        try:
            tf = base64.b64decode(msg["templateFilter"], validate=True)
            self.child_filter = base64.b64decode(msg["childFilter"], validate=True)
            child = msg["child"]
            read_only = _expand_read_only(child.get("readOnly", ["<python>"]), self.runner_dir)
            _check_readable_by_every_uid(read_only)
            self.settings = confine.Settings(child, read_only)
            preload = msg.get("preload", [])
            if not isinstance(preload, list) or not all(isinstance(m, str) for m in preload):
                raise ValueError("preload must be a list of module names")
            versions = warm.warm_up(preload)
            threads = len(os.listdir("/proc/self/task"))
            if threads != 1:
                raise RuntimeError(f"{threads} threads after the imports: forking would deadlock children")
            sb.no_new_privs()
            sb.seccomp_load(tf)
        except Exception as e:  # noqa: BLE001 - reported, then exit 71
            self.channel.send({"type": "hello", "error": f"{type(e).__name__}: {e}"})
            sys.exit(EXIT_FATAL)
        self.channel.send({
            "type": "hello", "pid": os.getpid(), "python": sys.version.split()[0], "versions": versions,
            "readOnly": read_only, "importSeconds": round(time.monotonic() - t0, 3),
        })

    def fork(self, msg: dict, fds: list[int]) -> None:
        req = msg.get("id")
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            self.channel.send({"type": "failed", "id": req, "message": f"fork needs 1 descriptor, got {len(fds)}"})
            return
        try:
            uid = self.settings.check_uid(msg.get("uid"))
            paths = msg.get("paths", [])
            if not isinstance(paths, list) or not all(isinstance(p, str) and p.startswith("/") for p in paths):
                raise ValueError("paths must be a list of absolute paths")
            session = msg.get("session", "")
            t0 = time.monotonic()
            sb.unshare(sb.CLONE_NEWPID)
            pid = os.fork()
        except Exception as e:  # noqa: BLE001
            os.close(fds[0])
            self.channel.send({"type": "failed", "id": req, "message": f"{type(e).__name__}: {e}"})
            return
        if pid == 0:
            code = EXIT_FATAL
            try:
                self.channel.sock.detach()  # fd 3 becomes the child's own channel
                from . import child

                code = child.main(fds[0], self.settings, uid, paths, self.child_filter, session)
            finally:
                os._exit(code)
        sb.setns(self.pidns, sb.CLONE_NEWPID)
        os.close(fds[0])
        self.children.add(pid)
        self.channel.send({"type": "forked", "id": req, "pid": pid,
                           "forkMs": round((time.monotonic() - t0) * 1000, 3)})

    def reap(self, msg: dict) -> None:
        pid = msg.get("pid")
        if pid not in self.children:
            self.channel.send({"type": "reaped", "pid": pid, "status": "unknown pid"})
            return
        _, status = os.waitpid(pid, 0)
        self.children.discard(pid)
        self.channel.send({"type": "reaped", "pid": pid, "status": _status(status)})

    def serve(self) -> None:
        while True:
            msg, fds = self.channel.recv()
            kind = msg["type"]
            if kind == "fork":
                self.fork(msg, fds)
            elif kind == "reap":
                for fd in fds:
                    os.close(fd)
                self.reap(msg)
            else:
                for fd in fds:
                    os.close(fd)
                raise ChannelError(f"unknown message type {kind!r}")


def main() -> None:
    sb.set_pdeathsig(signal.SIGKILL)
    for fd in (0, 1, 2):  # started with only fd 3: keep 0-2 from being reused by files
        try:
            os.fstat(fd)
        except OSError:
            nfd = os.open("/dev/null", os.O_RDWR)
            if nfd != fd:
                os.dup2(nfd, fd)
                os.close(nfd)
    t = Template(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        t.configure()
        t.serve()
    except Closed:
        os._exit(0)
    except ChannelError as e:
        os.write(2, f"fovea template: {e}\n".encode())
        os._exit(EXIT_FATAL)
