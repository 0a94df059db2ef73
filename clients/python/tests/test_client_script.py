"""The blocking and asyncio client's own checks (clients/python/test_fovea_client.py, which the Swift
suite runs with the source tree's fovea_client) run here against the installed package: the script
is executed with runpy from a temporary directory, so ``import fovea_client`` finds what pip installed
when the tests run from an installed copy (run_tests.sh)."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test_fovea_client.py")


def test_the_client_script_passes_against_a_real_daemon(daemon, tmp_path):
    runner = ("import runpy, sys; sys.argv = [sys.argv[1], sys.argv[2]]; "
              "runpy.run_path(sys.argv[0], run_name='__main__')")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run([sys.executable, "-c", runner, SCRIPT, daemon.socket_path], cwd=tmp_path,
                               env=environment, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
