"""The installed distribution: its core imports with the standard library alone, and its console
script runs. (run_tests.sh installs the package with pip and runs these tests against that copy.)"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import distribution

import fovea_client

CORE = ("fovea_client", "fovea_client.client", "fovea_client.formats", "fovea_client.images", "fovea_client.agent")


def test_the_core_needs_nothing_but_the_standard_library(tmp_path):
    """With site-packages off (-S) and only the package's own directory on the path: no Pillow, no
    numpy, no framework."""
    parent = os.path.dirname(os.path.dirname(os.path.abspath(fovea_client.__file__)))
    isolated = tmp_path / "only-fovea-client"
    isolated.mkdir()
    os.symlink(os.path.join(parent, "fovea_client"), isolated / "fovea_client")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import importlib\n"
            f"for name in {CORE!r}: importlib.import_module(name)\n"
            "import fovea_client.formats as f; assert len(f.FORMATS) == 9\n"
            "assert 'PIL' not in sys.modules and 'numpy' not in sys.modules\n"
            "try:\n    import PIL\nexcept ImportError:\n    print('stdlib only')")
    completed = subprocess.run([sys.executable, "-S", "-c", code, str(isolated)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "stdlib only"


def test_the_distribution_is_fovea_client_with_its_console_script(tmp_path):
    dist = distribution("fovea-client")
    assert dist.version == fovea_client.__version__
    scripts = {entry.name: entry.value for entry in dist.entry_points if entry.group == "console_scripts"}
    assert scripts == {"fovea-agent": "fovea_client.agent:main"}
    script = os.path.join(os.path.dirname(sys.executable), "fovea-agent")
    completed = subprocess.run([script, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert "--endpoint" in completed.stdout and "--format" in completed.stdout
