"""Escapes tried from inside a sandboxed child, each checked both by what
Python raises (or how the child dies) and from outside; after each, the
template and another live session keep answering."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time

import pytest

from conftest import still_fine

SIGSYS = "died: killed by signal 31 (SIGSYS)"


def run(child, code, **kw):
    kw.setdefault("deadline", 30)
    return child.run(code, "plain", **kw)


def err(r):
    assert r.killed is None, r.killed
    assert r["error"] is not None, r.msg
    return r["error"]["type"], r["error"]["message"]


@pytest.fixture(autouse=True)
def _after_each(driver, witness):
    yield
    still_fine(driver, witness)


def test_read_etc_passwd(child):
    assert err(run(child, "open('/etc/passwd').read()")) == ("PermissionError",
                                                            "[Errno 13] Permission denied: '/etc/passwd'")


def test_proc_is_absent(child, driver):
    for path in ("/proc/1/environ", f"/proc/{driver.pid}/mem", "/proc/self/status"):
        kind, _ = err(run(child, f"open({path!r}, 'rb').read(16)"))
        assert kind in ("FileNotFoundError", "PermissionError"), (path, kind)
    # From outside: the child's root has no /proc at all.
    assert "proc" not in os.listdir(f"/proc/{child.pid}/root")


def test_list_root(child):
    assert err(run(child, "import os\nos.listdir('/')"))[0] == "PermissionError"
    assert sorted(os.listdir(f"/proc/{child.pid}/root")) == sorted(
        {p.strip("/").split("/")[0] for p in child.driver.hello["readOnly"]} | {"etc", "dev",
                                                                              child.driver.child_settings["workDir"].strip("/").split("/")[0]})


def test_write_outside_the_working_directory(child, driver):
    marker = f"fovea-escape-{os.getpid()}"
    ro = driver.hello["readOnly"][0]
    r = run(child, f"open('/tmp/{marker}', 'w').write('x')")
    # No /tmp in the private root, unless a read-only mount lies under it (a checkout in /tmp):
    # then /tmp is part of that read-only tree.
    if any(path.startswith("/tmp/") for path in driver.hello["readOnly"]):
        assert err(r)[:1] == ("OSError",) and "Read-only file system" in err(r)[1], err(r)
    else:
        assert err(r)[0] in ("FileNotFoundError", "PermissionError")
    r = run(child, f"open({ro + '/' + marker!r}, 'w').write('x')")
    assert err(r)[0] in ("PermissionError", "OSError")
    r = run(child, "open('/etc/fovea-escape', 'w')")
    assert err(r)[0] in ("PermissionError", "OSError")
    assert not os.path.exists(f"/tmp/{marker}") and not os.path.exists(f"{ro}/{marker}")
    assert not os.path.exists("/etc/fovea-escape")


def test_sockets(child):
    path = os.path.join(tempfile.mkdtemp(), "s.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    srv.settimeout(0.5)
    try:
        assert err(run(child, "import socket\nsocket.socket()")) == ("PermissionError", "[Errno 13] Permission denied")
        r = run(child, f"import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect({path!r})")
        assert err(r)[0] == "PermissionError"
        r = run(child, "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9/')")
        assert err(r)[0] in ("URLError", "PermissionError")
        with pytest.raises(socket.timeout):
            srv.accept()  # nobody connected
    finally:
        srv.close()


def test_processes(child):
    marker = f"/tmp/fovea-pwned-{os.getpid()}"
    assert err(run(child, "import subprocess\nsubprocess.run(['ls'])"))[0] == "PermissionError"
    r = run(child, f"import os\nprint(os.system('touch {marker}'))")
    assert r["error"] is None and r["stdout"].strip() != "0"
    assert err(run(child, "import os\nos.execv('/bin/sh', ['sh', '-c', 'true'])"))[0] == "PermissionError"
    assert err(run(child, "import os\nos.fork()")) == ("PermissionError", "[Errno 1] Operation not permitted")
    assert err(run(child, "import os\nwhile True:\n    os.fork()"))[0] == "PermissionError"
    assert err(run(child, "import multiprocessing as mp\nmp.Process(target=print).start()"))[0] == "PermissionError"
    assert not os.path.exists(marker)


@pytest.mark.parametrize("name,code", [
    ("ptrace", "libc.ptrace(0, 0, 0, 0)"),
    ("mount", "libc.mount(b'none', b'/work', b'tmpfs', 0, None)"),
    ("unshare", "libc.unshare(0x10000000)"),
    ("bpf", "libc.syscall(321, 0, 0, 0)"),
    ("keyctl", "libc.syscall(250, 0, 0, 0)"),
    ("io_uring", "libc.syscall(425, 8, 0)"),
    ("setns", "libc.setns(0, 0)"),
    ("setuid", "libc.setuid(0)"),
    ("process_vm_readv", "libc.syscall(310, 1, 0, 0, 0, 0, 0)"),
])
def test_raw_syscalls_kill_the_child(driver, name, code):
    c = driver.fork(name)
    r = c.run(f"import ctypes\nlibc = ctypes.CDLL(None)\nprint('before')\n{code}\nprint('survived')", "plain")
    assert r.killed == SIGSYS, (name, r.msg)


def test_kill_the_template(driver):
    c = driver.fork("kill")
    r = c.run(f"import os, signal\nos.kill({driver.pid}, signal.SIGKILL)", "plain")
    assert r.killed == SIGSYS
    assert driver.alive()
    c = driver.fork("kill-self-threads")
    try:
        r = c.run("import os, signal\nsignal.signal(signal.SIGUSR1, lambda *a: print('got it'))\n"
                  "os.kill(os.getpid(), signal.SIGUSR1)", "plain")
        assert r["error"] is None and r["stdout"] == "got it\n"
    finally:
        c.kill()


def test_memory_bomb(child):
    assert err(run(child, "x = bytearray(40 << 30)"))[0] == "MemoryError"
    r = run(child, "chunks = []\nwhile True:\n    chunks.append(bytearray(256 << 20))", deadline=60)
    assert err(r)[0] == "MemoryError"
    assert run(child, "del chunks\nprint('alive')")["stdout"] == "alive\n"


def test_endless_loop_is_stopped_by_the_deadline(driver):
    c = driver.fork("loop")
    t0 = time.monotonic()
    r = c.run("while True:\n    pass", "plain", timeout=0, deadline=1.5)
    assert r.killed == "deadline" and time.monotonic() - t0 < 4
    assert not c.alive


def test_fill_the_working_directory(child, driver):
    limit = driver.child_settings["workDirBytes"]
    r = run(child, f"chunk = b'x' * (16 << 20)\nwith open('big', 'wb') as f:\n"
                   f"    for _ in range({limit // (16 << 20) + 4}):\n        f.write(chunk)", deadline=60)
    kind, msg = err(r)
    assert kind == "OSError" and ("No space left" in msg or "File too large" in msg), msg
    r = run(child, "import os\nos.remove('big')\nopen('small', 'w').write('ok')\nprint(open('small').read())")
    assert r["stdout"] == "ok\n"
    r = run(child, "import os\nfor i in range(100000):\n    open(f'f{i}', 'w').close()", deadline=60)
    assert err(r)[0] == "OSError"  # inodes run out: kernel memory outside RLIMIT_AS is bounded too


def test_100_mb_of_stdout(child):
    r = run(child, "import sys\nline = 'y' * 999 + '\\n'\nfor _ in range(100_000):\n    sys.stdout.write(line)\n"
                   "print('END')", deadline=60)
    assert r["error"] is None
    assert r["stdoutBytes"] == 100_000_004
    assert r["stdout"].startswith("y" * 999) and r["stdout"].endswith("END\n")
    assert r["stdoutOmitted"]["bytes"] == 100_000_004 - len(r["stdout"].encode())
    assert len(r["stdout"].encode()) <= 32 * 1024


def test_10000_figures(child):
    r = run(child, "import matplotlib.pyplot as plt\nfor i in range(10000):\n    plt.figure()\nplt.show()",
            deadline=120, max_images=4)
    assert r["error"] is None, r["error"]
    assert len(r.images) == 4 and r["images"][0]["width"] == 640
    r = run(child, "print(len(plt.get_fignums()))")
    assert r["stdout"] == "0\n"


def test_deep_recursion_crash(driver):
    c = driver.fork("recursion")
    # Every level goes through C (map), so the C stack overflows: SIGSEGV.
    r = c.run("import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return max(map(f, [n + 1]))\nf(0)", "plain",
              deadline=60)
    assert r.killed is not None and "SIGSEGV" in r.killed, r.killed


def test_threads_are_allowed_and_bounded(child):
    r = run(child, "import threading\nout = []\nts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n"
                   "[t.start() for t in ts]; [t.join() for t in ts]\nprint(sorted(out))")
    assert r["stdout"] == "[0, 1, 2, 3, 4, 5, 6, 7]\n"
    r = run(child, "import threading, time\nts = []\nfor i in range(1000):\n"
                   "    t = threading.Thread(target=time.sleep, args=(5,), daemon=True); t.start(); ts.append(t)")
    assert err(r)[0] == "RuntimeError"  # can't start new thread: RLIMIT_NPROC


def test_memfd_and_exec_memory(child):
    assert err(run(child, "import os\nos.memfd_create('x')"))[0] == "PermissionError"
    assert err(run(child, "import mmap\nmmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC)"))[0] == "PermissionError"


_ = threading
