"""Sessions: state persists within one, never leaks between two, a killed
child's session is gone, deadlines."""

from __future__ import annotations

import time

from conftest import still_fine


def test_state_persists_within_a_session(child):
    assert child.run("x = 41\nimport math")["freshSession"] is True
    r = child.run("x + 1")
    assert r["result"] == "42" and r["freshSession"] is False
    assert child.run("print(math.pi > 3)")["stdout"] == "True\n"


def test_nothing_leaks_between_sessions(driver):
    a, b = driver.fork("a"), driver.fork("b")
    try:
        a.run("secret = 'a-only'\nopen('note.txt', 'w').write('a')\nimport matplotlib.pyplot as plt\n"
              "plt.rcParams['lines.linewidth'] = 7")
        r = b.run("import os, matplotlib\nprint('secret' in globals(), os.listdir('.'), "
                  "matplotlib.rcParams['lines.linewidth'], os.getpid())")
        assert r["stdout"] == "False ['.tmp'] 1.5 1\n", r["stdout"]
        assert a.hello["uid"] != b.hello["uid"]
        assert a.run("print(secret, os.listdir('.') if 'os' in dir() else open('note.txt').read())")["stdout"] == "a-only a\n"
    finally:
        a.kill()
        b.kill()


def test_a_killed_session_is_gone(driver, witness):
    a = driver.fork("same-id")
    a.run("kept = 1")
    assert "killed by signal 9" in a.kill()
    a2 = driver.fork("same-id")
    try:
        r = a2.run("print(kept)")
        assert r["error"]["type"] == "NameError" and r["freshSession"] is True
    finally:
        a2.kill()
    still_fine(driver, witness)


def test_soft_deadline_resets_the_session(child):
    child.run("counter = 5", "r1v4")
    r = child.run("while True:\n    counter += 1", "r1v4", timeout=0.5)
    assert r["error"]["type"] == "TimeoutError"
    assert r["error"]["message"] == "code ran longer than 0.5 s and was stopped; the session's variables are gone"
    r = child.run("print('counter' in dir())", "r1v4")
    assert r["stdout"] == "False\n" and r["freshSession"] is True


def test_hard_deadline_kills_only_that_child(driver, witness):
    c = driver.fork("busy")
    t0 = time.monotonic()
    # One C call: SIGALRM cannot interrupt it, so the supervisor's deadline does.
    r = c.run("import numpy as np\nwhile True:\n    np.linalg.svd(np.random.rand(600, 600))", "plain", timeout=0,
              deadline=2.0)
    assert r.killed == "deadline" and time.monotonic() - t0 < 5
    still_fine(driver, witness)


def test_conventions_are_fixed_per_session(child):
    child.run("print(1)", "pyvision")
    r = child.run("print(1)", "r1v4")
    assert r["error"]["type"] == "ValueError" and "pyvision" in r["error"]["message"]


def test_exit_is_an_error_not_a_death(child):
    r = child.run("import sys\nprint('bye')\nsys.exit(3)")
    assert r["error"]["type"] == "SystemExit" and r["stdout"] == "bye\n"
    assert child.run("print('still here')")["stdout"] == "still here\n"


def test_pyvision_worker_death_then_timeouts(child):
    r = child.run("raise SystemExit(0)", "pyvision")
    assert r["error"]["type"] == "SystemExit" and r["harness"]["workerDied"]
    assert child.run("print(1)", "pyvision")["error"]["message"] == "Execution timeout"
