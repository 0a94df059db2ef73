"""A stand-in for the Swift supervisor: spawns the template exactly as the
daemon does (clean environment, cwd /, only its channel on fd 3), compiles
the filters with ``fovea policy --bpf``, forks sessions, sends runs with
memfds (decoded pixels, sealed encoded bytes, scratch outputs), enforces
deadlines by SIGKILL, reaps.  Used by the tests and by ``runner/bench.py``.
"""

from __future__ import annotations

import array
import base64
import fcntl
import io
import json
import mmap
import os
import select
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.dirname(HERE)
REPO = os.path.dirname(RUNNER)
MAX_MESSAGE = 64 * 1024
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
ALLOW_ALL = bytes.fromhex("060000000000ff7f")  # BPF_RET|BPF_K SECCOMP_RET_ALLOW (tracing only)


def fovea_bin() -> str:
    for p in (os.environ.get("FOVEA_BIN"), "/tmp/fovea-bin", os.path.join(REPO, ".build-tests/release/fovea"),
              os.path.join(REPO, ".build/release/fovea"), os.path.join(REPO, ".build/debug/fovea")):
        if p and os.access(p, os.X_OK):
            return p
    raise RuntimeError("no fovea binary: set FOVEA_BIN (its `policy --bpf` compiles the filters)")


def venv_python() -> str:
    return os.environ.get("FOVEA_CODE_PYTHON", os.path.join(REPO, ".venv-code", "bin", "python"))


def compile_policy(name: str, self_pid: int) -> bytes:
    with tempfile.NamedTemporaryFile(suffix=".bpf") as f:
        subprocess.run([fovea_bin(), "policy", "--file", os.path.join(REPO, "policies", name), "--bpf", f.name,
                        "--self-pid", str(self_pid), "--channel-fd", "3"], check=True, capture_output=True)
        return open(f.name, "rb").read()


def default_workdir() -> str:
    """/work, unless the repository (the runner and its venv) lives there."""
    return "/work" if not (REPO + "/").startswith("/work/") else "/sandbox/work"


def encode(msg: dict) -> bytes:
    """Compact UTF-8 JSON, as the supervisor's JSONWriter writes it."""
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Peer:
    """One end of a SEQPACKET channel with the runner's framing."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, msg: dict, fds=()) -> None:
        data = encode(msg)
        assert len(data) <= MAX_MESSAGE, len(data)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        self.sock.sendmsg([data], anc)

    def recv(self, timeout: float | None = None) -> tuple[dict | None, list[int]]:
        """(message, fds); (None, []) on EOF; raises TimeoutError."""
        if timeout is not None:
            r, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
            if not r:
                raise TimeoutError("no message before the deadline")
        data, anc, flags, _ = self.sock.recvmsg(MAX_MESSAGE + 1, socket.CMSG_SPACE(64 * 4), socket.MSG_CMSG_CLOEXEC)
        fds = []
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(payload[: len(payload) - len(payload) % 4])
                fds.extend(a)
        if not data and not fds:
            return None, []
        assert not flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC), "truncated message"
        assert len(data) <= MAX_MESSAGE
        return json.loads(data.decode("utf-8")), fds

    def close(self):
        self.sock.close()


# --- images -------------------------------------------------------------------
def sealed_memfd(name: str, data) -> int:
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    n = len(data)
    os.ftruncate(fd, n)
    if n:
        with mmap.mmap(fd, n, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE) as m:
            m[:] = data
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, SEALS)
    return fd


def scratch_memfd(size: int) -> int:
    fd = os.memfd_create("scratch", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    return fd


def decode(encoded: bytes) -> tuple[np.ndarray, str]:
    """What the daemon's decode gives: EXIF-rotated 8-bit L, RGB or RGBA."""
    im = Image.open(io.BytesIO(encoded))
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("L", "RGB", "RGBA"):
        has_alpha = im.mode in ("LA", "PA", "RGBA") or "transparency" in im.info
        im = im.convert("RGBA" if has_alpha else ("L" if im.mode in ("1", "I;16", "I") else "RGB"))
    return np.asarray(im), (im.format or Image.open(io.BytesIO(encoded)).format or "png").lower()


@dataclass
class InputImage:
    encoded: bytes
    path: str | None = None
    handle: str = ""
    pixels: np.ndarray | None = None
    format: str = ""

    def __post_init__(self):
        if self.pixels is None:
            self.pixels, fmt = decode(self.encoded)
        else:
            fmt = "png"
        if not self.format:
            self.format = {"jpg": "jpeg", "mpo": "jpeg"}.get(fmt, fmt)
        if not self.handle:
            import hashlib

            self.handle = "img:" + hashlib.sha256(self.encoded).hexdigest()[:16]


@dataclass
class Reply:
    msg: dict
    images: list = field(default_factory=list)  # np.ndarray (h, w, bands)
    elapsed: float = 0.0
    killed: str | None = None  # "deadline" / "died: <status>"

    def __getitem__(self, k):
        return self.msg[k]

    def get(self, k, d=None):
        return self.msg.get(k, d)


class Child:
    def __init__(self, driver: "Driver", pid: int, peer: Peer, hello: dict, session: str):
        self.driver, self.pid, self.peer, self.hello, self.session = driver, pid, peer, hello, session
        self.seen: set[str] = set()
        self.next_id = 1
        self.alive = True

    def run(self, code: str, conventions: str = "plain", images=(), max_images: int = 10, timeout=None,
            deadline: float = 60.0, options: dict | None = None, scratch_bytes: int = 64 << 20,
            code_memfd: bool | None = None, code_fd=None) -> Reply:
        """One run as the supervisor sends it (CodeRunRequest): the code inline when the message
        fits one datagram, else (or with ``code_memfd=True``) in a sealed memfd after the input
        descriptors (``codeDescriptor``, ``codeBytes``). ``code_fd(code_bytes) -> (fd, codeBytes)``
        replaces that memfd (tests of a broken one)."""
        entries, fds = [], []
        try:
            for i, img in enumerate(images):
                e = {"index": i, "handle": img.handle, "width": int(img.pixels.shape[1]),
                     "height": int(img.pixels.shape[0]),
                     "bands": 1 if img.pixels.ndim == 2 else int(img.pixels.shape[2]), "format": img.format,
                     "path": img.path}
                if img.handle not in self.seen:
                    e["pixels"] = len(fds)
                    fds.append(sealed_memfd("pixels", np.ascontiguousarray(img.pixels).tobytes()))
                    e["encoded"] = len(fds)
                    fds.append(sealed_memfd("encoded", img.encoded))
                entries.append(e)
            rid = self.next_id
            self.next_id += 1
            msg = {"type": "run", "id": rid, "code": code, "conventions": conventions, "images": entries,
                   "maxImages": max_images, "session": self.session}
            if timeout is not None:
                msg["timeout"] = timeout
            if options:
                msg["options"] = options
            if code_memfd is None:
                code_memfd = len(encode(msg)) > MAX_MESSAGE
            if code_memfd or code_fd is not None:
                data = code.encode("utf-8")
                del msg["code"]
                msg["codeDescriptor"] = len(fds)
                if code_fd is not None:
                    fd, msg["codeBytes"] = code_fd(data)
                else:
                    fd, msg["codeBytes"] = sealed_memfd("fovea-code", data), len(data)
                fds.append(fd)
            for _ in range(max_images):
                fds.append(scratch_memfd(scratch_bytes))
            t0 = time.monotonic()
            self.peer.send(msg, fds)
        finally:
            for fd in fds:
                os.close(fd)
        for img in images:
            self.seen.add(img.handle)
        end = t0 + deadline
        try:
            started, sfds = self.peer.recv(end - time.monotonic())
            assert not sfds
            if started is None:
                return self._died(t0)
            assert started == {"type": "started", "id": rid}, started
            reply, rfds = self.peer.recv(end - time.monotonic())
        except TimeoutError:
            self.kill()
            return Reply({"type": "killed"}, elapsed=time.monotonic() - t0, killed="deadline")
        elapsed = time.monotonic() - t0
        if reply is None:
            return self._died(t0)
        assert reply["type"] == "result" and reply["id"] == rid, reply
        assert len(rfds) == len(reply["images"]), (len(rfds), reply["images"])
        outs = []
        for fd, meta in zip(rfds, reply["images"]):
            try:
                seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
                assert seals & SEALS == SEALS, f"output not sealed ({seals:#x})"
                size = meta["width"] * meta["height"] * meta["bands"]
                assert os.fstat(fd).st_size == size, "output size differs from its layout"
                with mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ) as m:
                    outs.append(np.frombuffer(m, np.uint8).copy().reshape(meta["height"], meta["width"], meta["bands"]))
            finally:
                os.close(fd)
        return Reply(reply, outs, elapsed)

    def _died(self, t0) -> Reply:
        status = self.driver.reap(self.pid)
        self.alive = False
        return Reply({"type": "died"}, elapsed=time.monotonic() - t0, killed=f"died: {status}")

    def kill(self) -> str:
        if not self.alive:
            return "already gone"
        os.kill(self.pid, signal.SIGKILL)
        self.alive = False
        st = self.driver.reap(self.pid)
        self.peer.close()
        return st

    def close(self) -> str:
        """End the session (the supervisor kills; closing the channel also ends it)."""
        return self.kill()


class Driver:
    """One template and its children."""

    def __init__(self, child_settings: dict | None = None, preload=(), filters: bool = True,
                 keep_stderr: bool = False, python: str | None = None):
        self.python = python or venv_python()
        self.home = tempfile.mkdtemp(prefix="fovea-code-home-")
        parent, tpl = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.peer = Peer(parent)
        tfd = os.dup(tpl.fileno()) if tpl.fileno() != 3 else tpl.fileno()
        actions = [(os.POSIX_SPAWN_DUP2, tfd, 3)]
        for name in os.listdir("/proc/self/fd"):  # as the daemon: nothing inherited but the channel
            fd = int(name)
            try:
                if fd > 2 and fd not in (3, tfd) and os.get_inheritable(fd):
                    actions.append((os.POSIX_SPAWN_CLOSE, fd))
            except OSError:
                pass
        if not keep_stderr:
            actions += [(os.POSIX_SPAWN_CLOSE, 0), (os.POSIX_SPAWN_CLOSE, 1), (os.POSIX_SPAWN_CLOSE, 2)]
        env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": self.home, "HOME": self.home,
               "PYTHONDONTWRITEBYTECODE": "1"}
        argv = [self.python, "-I", "-B", "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); from fovea_runner.template import main; main()", RUNNER]
        old = os.getcwd()
        os.chdir("/")
        try:
            self.pid = os.posix_spawn(self.python, argv, env, file_actions=actions, setsid=True)
        finally:
            os.chdir(old)
        os.close(tfd)
        tpl.close()
        if filters:
            tf = compile_policy("code-template.policy", self.pid)
            cf = compile_policy("code.policy", 1)
        else:
            tf = cf = ALLOW_ALL
        self.child_settings = {
            "uidBase": 200000, "uidCount": 100000, "workDirBytes": 256 << 20,
            "rlimits": {"as": 8 << 30, "cpu": 600, "nproc": 64, "fsize": 256 << 20, "nofile": 256},
            "readOnly": ["<python>"], "workDir": default_workdir()}
        if child_settings:
            self.child_settings.update(child_settings)
        t0 = time.monotonic()
        self.peer.send({"type": "configure", "templateFilter": base64.b64encode(tf).decode(),
                        "childFilter": base64.b64encode(cf).decode(), "child": self.child_settings,
                        "preload": list(preload)})
        self.hello, _ = self.peer.recv(120)
        self.start_seconds = time.monotonic() - t0
        if self.hello is None or "error" in self.hello:
            raise RuntimeError(f"template failed: {self.hello}")
        self.next_uid = 200000 + (os.getpid() % 1000) * 50
        self.next_id = 1
        self.children: dict[int, Child] = {}

    def fork(self, session: str = "", uid: int | None = None, paths=()) -> Child:
        if uid is None:
            uid = self.next_uid
            self.next_uid += 1
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        rid = self.next_id
        self.next_id += 1
        msg = {"type": "fork", "id": rid, "session": session, "uid": uid}
        if paths:
            msg["paths"] = list(paths)
        self.peer.send(msg, [theirs.fileno()])
        theirs.close()
        reply, _ = self.peer.recv(30)
        if reply is None or reply.get("type") != "forked":
            raise RuntimeError(f"fork failed: {reply}")
        peer = Peer(mine)
        hello, fds = peer.recv(30)
        if hello is None or "error" in hello:
            status = self.reap(reply["pid"])
            raise RuntimeError(f"child failed: {hello} ({status})")
        c = Child(self, reply["pid"], peer, hello, session)
        c.fork_ms = reply.get("forkMs")
        self.children[c.pid] = c
        return c

    def reap(self, pid: int) -> str:
        self.peer.send({"type": "reap", "pid": pid})
        r, _ = self.peer.recv(30)
        assert r is not None and r["type"] == "reaped" and r["pid"] == pid, r
        self.children.pop(pid, None)
        return r["status"]

    def alive(self) -> bool:
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            return pid == 0
        except ChildProcessError:
            return False

    def close(self) -> None:
        for c in list(self.children.values()):
            try:
                c.kill()
            except Exception:  # noqa: BLE001
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.peer.close()
        import shutil

        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def is_memfd(pid: int, fd: str) -> bool:
    return os.readlink(f"/proc/{pid}/fd/{fd}").startswith("/memfd:")


def fd_targets(pid: int) -> dict:
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return out


_ = stat  # (re-exported for tests)
