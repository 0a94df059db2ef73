"""Fixtures: a real Fovea daemon (no mock), started once per test session.

The binary: ``--fovea-bin PATH`` or ``$FOVEA_BIN``, else ``.build/release/fovea`` or
``.build-tests/release/fovea`` of the repository these tests live in. The code tool's Python:
``--code-python``/``$FOVEA_TEST_CODE_PYTHON``, else the daemon's own default (``.venv-code`` beside
the repository it was built in); its runner: ``--code-runner``/``$FOVEA_TEST_CODE_RUNNER``, else
the daemon's default. A test that needs the daemon is skipped, saying why, when no binary is found;
so is a test of an adapter whose framework (verl, qwen-agent) is not installed.

``--no-skips`` (or ``$FOVEA_CLIENT_NO_SKIPS=1``; ``run_tests.sh`` sets it) turns every skip into a
failure: there every check must run.

Qwen-Agent's tools default their ``work_dir`` to ``./workspace``: it is pointed at a temporary
directory here (``$QWEN_AGENT_DEFAULT_WORKSPACE``) before Qwen-Agent is first imported.
"""

from __future__ import annotations

import atexit
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

if "QWEN_AGENT_DEFAULT_WORKSPACE" not in os.environ:
    _QWEN_WORKSPACE = tempfile.mkdtemp(prefix="qwen-agent-workspace-")
    os.environ["QWEN_AGENT_DEFAULT_WORKSPACE"] = _QWEN_WORKSPACE
    atexit.register(shutil.rmtree, _QWEN_WORKSPACE, True)


def pytest_addoption(parser):
    parser.addoption("--fovea-bin", default=os.environ.get("FOVEA_BIN"), help="the fovea binary to start")
    parser.addoption("--code-python", default=os.environ.get("FOVEA_TEST_CODE_PYTHON"),
                     help="--code-python for the daemon (its code tool's Python)")
    parser.addoption("--code-runner", default=os.environ.get("FOVEA_TEST_CODE_RUNNER"),
                     help="--code-runner for the daemon (the directory holding fovea_runner)")
    parser.addoption("--no-skips", action="store_true", default=os.environ.get("FOVEA_CLIENT_NO_SKIPS") == "1",
                     help="a skipped test or test module fails instead (every check must run)")


def _no_skip(config, report):
    if config.getoption("--no-skips") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and --no-skips forbids it: {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _no_skip(item.config, (yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return _no_skip(collector.config, (yield))


def pytest_report_header(config):
    try:
        import fovea_client
    except ImportError as error:
        return f"fovea_client: not importable ({error})"
    return f"fovea_client: {os.path.dirname(fovea_client.__file__)}"


def _binary(config) -> str:
    explicit = config.getoption("--fovea-bin")
    if explicit:
        return explicit
    for candidate in (".build/release/fovea", ".build-tests/release/fovea", ".build/debug/fovea"):
        path = os.path.join(REPOSITORY, candidate)
        if os.access(path, os.X_OK):
            return path
    return ""


class Daemon:
    """``fovea serve`` on a socket in a fresh temporary directory; stopped with SIGTERM."""

    def __init__(self, binary: str, preset: str, code_python, code_runner, extra=()):
        self.directory = tempfile.mkdtemp(prefix="fovea-pytest-")
        self.socket_path = os.path.join(self.directory, "fovea.sock")
        arguments = [binary, "serve", "--socket", self.socket_path, "--workers", "2", "--preset", preset, *extra]
        if code_python:
            arguments += ["--code-python", code_python]
        if code_runner:
            arguments += ["--code-runner", code_runner]
        environment = {key: value for key, value in os.environ.items() if key != "FOVEA_CODE_PYTHON"}
        self.log = open(os.path.join(self.directory, "daemon.log"), "wb")
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=subprocess.STDOUT, env=environment)
        deadline = time.monotonic() + 60
        while not os.path.exists(self.socket_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fovea serve did not start: {self.read_log()}")
            time.sleep(0.05)

    def read_log(self) -> str:
        with open(os.path.join(self.directory, "daemon.log"), "rb") as file:
            return file.read().decode("utf-8", "replace")[-4000:]

    def stats(self) -> dict:
        from fovea_client import Fovea

        with Fovea(self.socket_path) as fovea:
            return fovea.stats()

    def puts(self) -> int:
        return self.stats()["methods"].get("images/put", {}).get("calls", 0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def _start(request, preset: str) -> Daemon:
    binary = _binary(request.config)
    if not binary:
        pytest.skip("no fovea binary: pass --fovea-bin or set FOVEA_BIN (or build .build/release/fovea)")
    daemon = Daemon(binary, preset, request.config.getoption("--code-python"), request.config.getoption("--code-runner"))
    request.addfinalizer(daemon.stop)
    return daemon


@pytest.fixture(scope="session")
def daemon(request) -> Daemon:
    """The default daemon (preset qwen3-vl; code calls name their conventions)."""
    return _start(request, "qwen3-vl")


@pytest.fixture(scope="session")
def deepeyes_daemon(request) -> Daemon:
    """A daemon with the deepeyes preset (pixel boxes, factor 28), verl's zoom tool's sizing."""
    return _start(request, "deepeyes")


@pytest.fixture(scope="session")
def code_available(daemon) -> bool:
    from fovea_client import Fovea

    with Fovea(daemon.socket_path) as fovea:
        names = [tool["name"] for tool in fovea.request("tools/list")["tools"]]
    if "code" not in names:
        pytest.skip(f"the daemon serves no code tool (no code Python): {daemon.read_log()[-500:]}")
    return True


def noise_image(width: int, height: int, seed: int, fmt: str = "PNG") -> bytes:
    """A random-noise image (distinct per seed) encoded as ``fmt``."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def gradient_image(width: int, height: int, seed: int = 0) -> bytes:
    """A smooth picture (JPEG-friendly) with a per-seed colour: quick to encode at any size."""
    from PIL import Image

    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    image = Image.blend(image, tint, 0.5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


sys.path.insert(0, HERE)
