"""A session's interpreter: forked by the template, sandboxed by ``confine``,
then answering ``run`` messages on its own channel until the supervisor
closes it or kills it (docs/CODE-RUNNER.md, "Child messages")."""

from __future__ import annotations

import fcntl
import mmap
import os
import stat
import sys
import time

from . import capture, confine, conventions, images
from .channel import Channel, ChannelError, Closed, encoded_size, MAX_MESSAGE

EXIT_FATAL = 71
MAX_IMAGES = 64
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
REPLY_BUDGET = MAX_MESSAGE - 1024


class RunError(Exception):
    """The run cannot start (bad path, conventions change…): the reply's error, nothing ran."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def main(channel_fd: int, settings, uid: int, abs_paths: list[str], bpf: bytes, session_id: str) -> int:
    """The child's life after the fork; returns its exit status."""
    try:
        if channel_fd != 3:
            os.dup2(channel_fd, 3, inheritable=False)
            os.close(channel_fd)
        ch = Channel(3)
    except Exception:  # noqa: BLE001 - nothing to talk to
        return EXIT_FATAL
    try:
        facts = confine.confine(settings, uid, 3, abs_paths, bpf)
        os.environ["TMPDIR"] = os.path.join(settings.work_dir, ".tmp")
        os.environ["HOME"] = settings.work_dir
        os.environ["IPYTHONDIR"] = os.path.join(settings.work_dir, ".tmp", ".ipython")
        import tempfile

        tempfile.tempdir = None
        tune_malloc()
        hello = {"type": "hello", "uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid(),
                 "namespaces": facts["namespaces"], "landlockABI": facts["landlockABI"], "filter": True,
                 "noNewPrivileges": True, "dumpable": False, "rss": facts["rss"], "setupMs": facts["steps"]}
    except Exception as e:  # noqa: BLE001 - any failure is reported in the hello
        try:
            ch.send({"type": "hello", "error": f"{type(e).__name__}: {e}"})
        finally:
            return EXIT_FATAL
    ch.send(hello)
    session = Session(ch, settings, abs_paths, session_id)
    try:
        while True:
            msg, fds = ch.recv()
            if msg["type"] != "run":
                for fd in fds:
                    os.close(fd)
                raise ChannelError(f"unexpected message {msg['type']!r}")
            session.handle(msg, fds)
    except Closed:
        return 0
    except ChannelError:
        return EXIT_FATAL


def tune_malloc() -> None:
    """Keep freed large blocks in the heap instead of unmapping them: glibc
    mmaps every block over 32 MiB and a fresh mapping costs a page fault per
    4 KiB page on first touch (np.array of an 8K image: ~25 000 faults per
    call).  With mmap off and a high trim threshold, the second and later
    calls reuse pages already faulted in (the session's memory stays within
    RLIMIT_AS either way)."""
    from .sandbox import M_TRIM_THRESHOLD, mallopt

    M_MMAP_MAX = -4
    mallopt(M_MMAP_MAX, 0)
    mallopt(M_TRIM_THRESHOLD, 1 << 30)


class Session:
    def __init__(self, ch: Channel, settings, abs_paths, session_id: str):
        self.ch = ch
        self.workdir = settings.work_dir
        self.abs_paths = set(abs_paths)
        self.session_id = session_id
        self.private_dirs = (".tmp", confine.ABS_INPUTS)
        self.sources: dict[int, images.Source] = {}
        self.family = None
        self.conventions = None
        self.options: dict = {}
        self.calls = 0
        self.max_images = 10  # this run's maxImages: figures past it are not rendered

    # -- descriptors -------------------------------------------------------------
    @staticmethod
    def _layout(msg: dict, fds: list[int]):
        entries = msg.get("images", [])
        max_images = msg.get("maxImages", 10)
        if not isinstance(entries, list) or not isinstance(max_images, int) or not 0 <= max_images <= MAX_IMAGES:
            raise ChannelError("images must be a list and maxImages an integer in [0, 64]")
        used = []
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("index"), int):
                raise ChannelError("each image needs an integer index")
            for key in ("pixels", "encoded"):
                if e.get(key) is not None:
                    if not isinstance(e[key], int) or not 0 <= e[key] < len(fds):
                        raise ChannelError(f"image {e['index']}: {key} is not a descriptor index")
                    used.append(e[key])
        n_inputs = max(used) + 1 if used else 0
        if len(fds) - n_inputs != max_images:
            raise ChannelError(f"{len(fds)} descriptors: {n_inputs} inputs + {max_images} scratch expected")
        return entries, max_images, fds[:n_inputs], fds[n_inputs:]

    def _input_path(self, entry: dict) -> str:
        """Absolute path at which to write an input's file."""
        p = entry.get("path")
        if p is None or p == "":
            p = conventions.default_path(self.conventions, entry["index"], entry.get("format"))
        if not isinstance(p, str) or "\0" in p:
            raise RunError("ValueError", f"image {entry['index']}: path must be a string")
        if p.startswith("/"):
            norm = os.path.normpath(p)
            if norm == self.workdir or norm.startswith(self.workdir + "/"):
                return norm
            if norm in self.abs_paths:
                return os.path.join(self.workdir, confine.ABS_INPUTS) + norm
            raise RunError("PermissionError",
                           f"image path {p!r} is outside the working directory {self.workdir} and was not known "
                           "when the session started; give the image a relative path")
        norm = os.path.normpath(os.path.join(self.workdir, p))
        if not norm.startswith(self.workdir + "/"):
            raise RunError("PermissionError", f"image path {p!r} leaves the working directory")
        return norm

    def _take_images(self, entries, in_fds) -> list:
        new = []
        for e in sorted(entries, key=lambda e: e["index"]):
            if e["index"] in self.sources:
                continue
            if e.get("pixels") is None:
                raise RunError("ValueError", f"image {e['index']} has no pixels and the session has not seen it")
            path = self._input_path(e)
            src = images.Source(e, in_fds[e["pixels"]])
            enc = e.get("encoded")
            src.write_file(path if not path.startswith(self.workdir + "/" + confine.ABS_INPUTS + "/")
                           else path, None if enc is None else in_fds[enc])
            if path.startswith(self.workdir + "/" + confine.ABS_INPUTS + "/"):
                # The file the model opens is the absolute path (a symlink to this one).
                src.files = [path[len(self.workdir) + len(confine.ABS_INPUTS) + 1:]]
            self.sources[e["index"]] = src
            new.append(src)
        return new

    # -- one run -------------------------------------------------------------------
    def handle(self, msg: dict, fds: list[int]) -> None:
        t0, c0 = time.monotonic(), time.process_time()
        rid = msg.get("id")
        try:
            entries, max_images, in_fds, scratch = self._layout(msg, fds)
        except ChannelError:
            for fd in fds:
                os.close(fd)
            raise
        self.ch.send({"type": "started", "id": rid})
        call = None
        try:
            code = msg.get("code")
            conv = msg.get("conventions", "plain")
            if not isinstance(code, str):
                raise RunError("ValueError", "code must be a string")
            if conv not in conventions.FAMILIES:
                raise RunError("ValueError", f"unknown conventions {conv!r}")
            if self.family is None:
                self.conventions = conv
                opts = msg.get("options") or {}
                self.options = opts if isinstance(opts, dict) else {}
                self.family = conventions.FAMILIES[conv](self)
            elif conv != self.conventions:
                raise RunError("ValueError", f"this session uses the {self.conventions} conventions, not {conv}")
            new = self._take_images(entries, in_fds)
            if new:
                self.family.bind_images(new)
            timeout = msg.get("timeout", self.family.default_timeout)
            if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
                raise RunError("ValueError", "timeout must be a number of seconds")
            self.calls += 1
            self.max_images = max_images
            call = self.family.run(code, timeout)
        except RunError as e:
            from .families.base import Call

            call = Call()
            call.error = {"type": e.kind, "message": str(e), "line": None, "traceback": f"{e.kind}: {e}"}
        finally:
            for fd in in_fds:
                os.close(fd)
        reply_fds = []
        dropped = 0
        shown = []
        try:
            for out in call.images:
                if len(reply_fds) >= len(scratch):
                    dropped += 1
                    continue
                fd = scratch[len(reply_fds)]
                if not _fill_scratch(fd, out.data):
                    dropped += 1
                    continue
                reply_fds.append(fd)
                shown.append({"width": out.width, "height": out.height, "bands": out.bands, "source": out.source})
            reply = {"type": "result", "id": rid, "result": call.result, "error": call.error, "images": shown,
                     "imagesDropped": dropped, "executedCode": call.executed_code, "freshSession": call.fresh,
                     "harness": call.harness}
            reply = fit_reply(reply, call.stdout, call.stderr)
            reply["elapsedMs"] = round((time.monotonic() - t0) * 1000, 2)
            reply["cpuMs"] = round((time.process_time() - c0) * 1000, 2)
            self.ch.send(reply, reply_fds)
        finally:
            for fd in scratch:
                os.close(fd)


def _fill_scratch(fd: int, data) -> bool:
    """Shrink a lent scratch memfd to the output, fill it through a shared
    mapping, seal it.  False when it is not an unsealed memfd big enough."""
    n = len(data)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size < n or n == 0:
            return False
        if fcntl.fcntl(fd, fcntl.F_GET_SEALS) & (fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL):
            return False
        os.ftruncate(fd, n)
        with mmap.mmap(fd, n, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE) as m:
            m[:] = data
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, SEALS)
        return True
    except OSError:
        return False


def _cut(s, limit: int):
    if not isinstance(s, str) or len(s) <= limit:
        return s
    half = max(1, limit // 2)
    return s[:half] + f"\n[… {len(s) - 2 * half} characters omitted …]\n" + s[-half:]


def _shrink(obj, limit: int):
    if isinstance(obj, str):
        return _cut(obj, limit)
    if isinstance(obj, dict):
        return {k: _shrink(v, limit) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shrink(v, limit) for v in obj]
    return obj


def _stream_fields(prefix: str, bt: capture.BoundedText, head: int, tail: int) -> dict:
    h, t = bt.head_text(), bt.tail_text()
    full_kept = bt.head_bytes + bt.tail_bytes
    if bt.head_bytes > head:
        h = capture.utf8_prefix(h, head)
    if bt.tail_bytes > tail:
        t = capture.utf8_suffix(t, tail)
    omitted = bt.total - capture.utf8_len(h) - capture.utf8_len(t)
    if omitted <= 0 and full_kept == bt.total:
        return {prefix: h + t, f"{prefix}Bytes": bt.total, f"{prefix}Omitted": None}
    return {prefix: h + t, f"{prefix}Bytes": bt.total, f"{prefix}Omitted": {"at": len(h), "bytes": omitted}}


def fit_reply(reply: dict, out: capture.BoundedText, err: capture.BoundedText) -> dict:
    """The reply under 64 KiB: stdout/stderr as at most 16 KiB of head and 16
    KiB of tail each (``…Omitted`` says where the cut is and how much went),
    then, if still too large, long strings elsewhere shortened, then the
    streams' budgets halved."""
    budgets = [(16384, 16384), (8192, 8192), (4096, 4096), (1024, 1024), (256, 256), (0, 0)]
    limits = [None, 8192, 2048, 512, 128]
    for head, tail in budgets:
        for limit in limits:
            r = dict(reply) if limit is None else {k: (_shrink(v, limit) if k not in ("type", "id", "images") else v)
                                                   for k, v in reply.items()}
            r.update(_stream_fields("stdout", out, head, tail))
            r.update(_stream_fields("stderr", err, head, tail))
            if encoded_size(r) <= REPLY_BUDGET:
                return r
    r = {"type": "result", "id": reply["id"], "result": None, "images": reply["images"],
         "error": {"type": "RuntimeError", "message": "the call's output could not be bounded", "line": None,
                   "traceback": None}, "executedCode": None, "freshSession": reply.get("freshSession", False),
         "harness": {}, "imagesDropped": reply.get("imagesDropped", 0)}
    r.update(_stream_fields("stdout", out, 0, 0))
    r.update(_stream_fields("stderr", err, 0, 0))
    return r


if __name__ == "__main__":  # pragma: no cover
    sys.exit("fovea_runner.child is started by the template")
