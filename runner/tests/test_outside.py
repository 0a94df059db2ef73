"""A child seen from outside (/proc): every thread filtered, no_new_privs,
an unprivileged uid of its own, its own namespaces, and only its channel,
memfds and /dev/null among its descriptors.  Plus the policies' shape."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from driver import REPO, RUNNER, Driver, fd_targets, fovea_bin, proc_status


def test_every_thread_is_confined(driver, child):
    r = child.run("import threading, time\nev = threading.Event()\n"
                  "ts = [threading.Thread(target=ev.wait, daemon=True) for _ in range(3)]\n[t.start() for t in ts]\n"
                  "import numpy as np\nnp.array(image_1)\nprint(threading.active_count())",
                  images=[_small()])
    assert r["stdout"] == "4\n"
    tasks = os.listdir(f"/proc/{child.pid}/task")
    assert len(tasks) == 4
    template_uid = int(proc_status(driver.pid)["Uid"].split()[0])
    for tid in tasks:
        st = {}
        with open(f"/proc/{child.pid}/task/{tid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                st[k] = v.strip()
        assert st["Seccomp"] == "2", (tid, st["Seccomp"])
        assert st["NoNewPrivs"] == "1"
        uids = {int(u) for u in st["Uid"].split()}
        assert len(uids) == 1 and 0 not in uids and template_uid not in uids, st["Uid"]
        assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0 and int(st["CapBnd"], 16) == 0
    child.run("ev.set()")


def test_namespaces_differ_from_the_template(driver, child):
    for ns in ("pid", "net", "mnt", "user", "ipc"):
        mine = os.readlink(f"/proc/{child.pid}/ns/{ns}")
        theirs = os.readlink(f"/proc/{driver.pid}/ns/{ns}")
        assert mine != theirs, ns
    # The template forks the next child into its own PID namespace again.
    assert os.readlink(f"/proc/{driver.pid}/ns/pid_for_children") == os.readlink(f"/proc/{driver.pid}/ns/pid")
    assert child.hello["pid"] == 1 and child.hello["landlockABI"] >= 1
    assert child.hello["namespaces"] == ["pid", "mnt", "user", "net", "ipc"]


def test_descriptors(driver, child):
    r = child.run("import numpy as np\nx = np.array(image_1).sum()\nimport matplotlib.pyplot as plt\n"
                  "plt.title('Zürich ΩΣ text'); plt.plot([1, 2]); plt.show()", images=[_small()])
    assert len(r.images) == 1  # text was rendered: fonts are read into memory, not kept open
    fds = fd_targets(child.pid)
    assert fds[3].startswith("socket:"), fds
    for fd, target in fds.items():
        if fd in (0, 1, 2):
            assert target == "/dev/null", (fd, target)
        elif fd != 3:
            assert target.startswith("/memfd:"), (fd, target)
    # The template holds its channel, /dev/null and its PID-namespace handle only.
    tfds = fd_targets(driver.pid)
    assert tfds[3].startswith("socket:")
    assert set(tfds.values()) <= {tfds[3], "/dev/null", f"pid:[{os.stat(f'/proc/{driver.pid}/ns/pid').st_ino}]"}, tfds
    assert proc_status(driver.pid)["Seccomp"] == "2" and proc_status(driver.pid)["NoNewPrivs"] == "1"


def test_not_dumpable_and_no_core(child):
    st = proc_status(child.pid)
    # Not dumpable: /proc/PID files belong to root, not to the child's uid.
    assert os.stat(f"/proc/{child.pid}/status").st_uid == 0
    with open(f"/proc/{child.pid}/limits") as f:
        limits = f.read()
    assert re.search(r"Max core file size\s+0\s+0", limits)
    assert re.search(r"Max processes\s+\d+\s+\d+", limits)
    assert st["NoNewPrivs"] == "1"


def _rules(path):
    out = {}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        out.setdefault(parts[0], []).append(parts[1] if parts[1] != "errno" else f"errno {parts[2]}")
    return out


def test_policies_compile_and_the_template_allows_what_children_may_do():
    for name in ("code.policy", "code-template.policy"):
        out = subprocess.run([fovea_bin(), "policy", "--file", os.path.join(REPO, "policies", name), "--check"],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    child = _rules(os.path.join(REPO, "policies", "code.policy"))
    template = _rules(os.path.join(REPO, "policies", "code-template.policy"))
    for call, actions in child.items():
        if all(a == "kill" for a in actions):
            continue
        # Filters stack: a call a child may make must not be killed by the inherited template filter.
        assert call in template and any(a != "kill" for a in template[call]), call
        for a in actions:
            if a.startswith("errno") and all(t.startswith("errno") for t in template[call]):
                assert a in template[call], (call, a, template[call])


def _small():
    import sys

    import corpus

    sys.path.insert(0, corpus.FIDELITY)
    import images as test_images

    from driver import InputImage

    return InputImage(test_images.encode(test_images.get_image("small"), "png"), path="small.png")


def test_a_read_only_path_other_uids_cannot_read_stops_the_template_with_the_fix(tmp_path):
    # A checkout made under umask 077: the children (uids of their own) could not read it, and
    # every call would fail with a bare PermissionError. The template refuses to start instead.
    private = tmp_path / "private-env"
    private.mkdir(mode=0o700)
    (private / "module.py").write_text("x = 1\n")
    os.chmod(private, 0o700)
    with pytest.raises(RuntimeError) as refused:
        Driver(child_settings={"readOnly": ["<python>", str(private)]})
    text = str(refused.value)
    assert f"{private} (mode 0700) cannot be read by the uids the interpreters run as" in text
    assert f"chmod -R go+rX {private}" in text
    os.chmod(private, 0o755)
    os.chmod(private / "module.py", 0o600)
    with pytest.raises(RuntimeError) as refused:
        Driver(child_settings={"readOnly": ["<python>", str(private)]})
    assert f"{private / 'module.py'} (mode 0600) cannot be read" in str(refused.value)


def test_a_template_started_under_umask_077_still_gives_children_a_root_they_can_walk():
    # A daemon started under umask 077 (systemd's UMask=0077, an operator's shell): the private
    # root's directories would be 0700 and the child's uid could not reach its Python.
    previous = os.umask(0o077)
    try:
        with Driver() as d:
            c = d.fork()
            try:
                # The runner's parent is a directory of the skeleton (made by the template, not a bind mount).
                r = c.run(f"import numpy, os\nprint(numpy.zeros(2).sum(), oct(os.stat({os.path.dirname(os.path.realpath(RUNNER))!r}).st_mode & 0o777))")
                assert r["stdout"] == "0.0 0o755\n", r
            finally:
                c.kill()
    finally:
        os.umask(previous)
