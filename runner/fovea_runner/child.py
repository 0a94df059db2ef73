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

from . import bounds, confine, conventions, images
from .channel import Channel, ChannelError, Closed

EXIT_FATAL = 71
MAX_IMAGES = 64
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
CODE_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
MAX_CODE_BYTES = 16 << 20  # the supervisor's limit is 1 MiB; this only bounds the read


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
        """(entries, maxImages, input fds, code fd or None, scratch fds): the inputs named by
        ``pixels``/``encoded``, then the code's memfd when the message has
        ``codeDescriptor`` instead of ``code``, then exactly ``maxImages`` scratch memfds."""
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
        code_fd = None
        n_code = 0
        if "codeDescriptor" in msg:
            if "code" in msg:
                raise ChannelError("a run message has code or codeDescriptor, not both")
            if msg["codeDescriptor"] != n_inputs or isinstance(msg["codeDescriptor"], bool):
                raise ChannelError(f"codeDescriptor must be {n_inputs} (after the input descriptors)")
            if n_inputs >= len(fds):
                raise ChannelError("codeDescriptor names no descriptor")
            code_fd, n_code = fds[n_inputs], 1
        if len(fds) - n_inputs - n_code != max_images:
            raise ChannelError(f"{len(fds)} descriptors: {n_inputs} inputs + {n_code} code + {max_images} scratch "
                               "expected")
        return entries, max_images, fds[:n_inputs], code_fd, fds[n_inputs + n_code:]

    @staticmethod
    def _read_code(msg: dict, fd: int) -> str:
        """The code's UTF-8 bytes from its memfd: a regular file of exactly ``codeBytes``,
        sealed against writing, shrinking and growing (so it cannot change while read)."""
        n = msg.get("codeBytes")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_CODE_BYTES:
            raise ChannelError(f"codeBytes must be an integer in [0, {MAX_CODE_BYTES}]")
        try:
            st = os.fstat(fd)
            seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
        except OSError as e:
            raise ChannelError(f"the code descriptor is not a sealed memfd ({e})") from None
        if not stat.S_ISREG(st.st_mode) or st.st_size != n:
            raise ChannelError(f"the code memfd holds {st.st_size} bytes, not codeBytes {n}")
        if seals & CODE_SEALS != CODE_SEALS:
            raise ChannelError(f"the code memfd is not sealed (seals {seals:#x})")
        chunks, off = [], 0
        while off < n:
            b = os.pread(fd, min(n - off, 1 << 20), off)
            if not b:
                raise ChannelError("the code memfd ended early")
            chunks.append(b)
            off += len(b)
        try:
            return b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ChannelError(f"the code memfd is not UTF-8 ({e})") from None

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
            entries, max_images, in_fds, code_fd, scratch = self._layout(msg, fds)
            code = msg.get("code") if code_fd is None else self._read_code(msg, code_fd)
        except ChannelError:
            for fd in fds:
                os.close(fd)
            raise
        if code_fd is not None:
            os.close(code_fd)
        self.ch.send({"type": "started", "id": rid})
        call = None
        try:
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
            call = refusal(self.conventions or msg.get("conventions"), e.kind, str(e))
        finally:
            for fd in in_fds:
                os.close(fd)
        reply_fds = []
        dropped = call.dropped  # shown past maxImages and never rendered
        shown = []
        image_map = []  # the call's images -> the reply's (None: not returned)
        try:
            for out in call.images:
                if len(reply_fds) >= len(scratch):
                    dropped += 1
                    image_map.append(None)
                    continue
                fd = scratch[len(reply_fds)]
                if not _fill_scratch(fd, out.data):
                    dropped += 1
                    image_map.append(None)
                    continue
                image_map.append(len(shown))
                reply_fds.append(fd)
                shown.append({"width": out.width, "height": out.height, "bands": out.bands,
                              "source": bounds.image_source(out.source)})
            base = {"type": "result", "id": rid, "images": shown, "imagesDropped": dropped,
                    "freshSession": call.fresh, "timedOut": bool(call.timed_out)}
            reply = bounds.fit_reply(base, call, self.conventions or "plain", image_map)
            reply["elapsedMs"] = round((time.monotonic() - t0) * 1000, 2)
            reply["cpuMs"] = round((time.process_time() - c0) * 1000, 2)
            self.ch.send(reply, reply_fds)
        finally:
            for fd in scratch:
                os.close(fd)


def refusal(family, kind: str, message: str):
    """A run that could not start (nothing ran), shown as the family shows an error."""
    from .families.base import Call

    call = Call()
    call.error = {"type": kind, "message": message, "line": None, "traceback": f"{kind}: {message}\n"}
    if family == "deepeyesv2":
        call.stderr.write(f"{kind}: {message}")
    elif family == "thyme":
        call.harness.update({"discarded": True, "message": f"Sandbox for N/A: Code execution failed: {message}",
                             "text": None})
    elif family == "sketchpad":
        call.harness.update({"parsed": True, "outputs": [{"error": {"ename": kind, "evalue": message,
                                                                    "traceback": []}}]})
    return call


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit("fovea_runner.child is started by the template")
