"""Shared fixtures: one template (real filters, real namespaces) for the run."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from driver import Driver  # noqa: E402


@pytest.fixture(scope="session")
def driver():
    if os.geteuid() != 0:
        pytest.fail("the code sandbox tests need root (the template builds namespaces as the daemon does)")
    d = Driver()
    yield d
    d.close()


@pytest.fixture
def child(driver):
    c = driver.fork("test")
    yield c
    if c.alive:
        c.kill()


@pytest.fixture(scope="session")
def witness(driver):
    """A session that must keep answering while others misbehave."""
    c = driver.fork("witness")
    r = c.run("w = 0")
    assert r["error"] is None
    yield c
    if c.alive:
        c.kill()


def still_fine(driver, witness) -> None:
    """The template forks and the witness session keeps its state."""
    r = witness.run("w += 1\nprint(w)")
    assert r["error"] is None and r["stdout"].strip().isdigit(), r.msg
    assert driver.alive()
    c = driver.fork("probe")
    try:
        assert c.run("print(6 * 7)")["stdout"] == "42\n"
    finally:
        c.kill()
