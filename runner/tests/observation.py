"""Test-side formatting of each family's observation text from the reply's
fields (what the Swift supervisor does), so the fidelity tests can check that
the fields suffice to rebuild the harness's text exactly."""

from __future__ import annotations

_STATE: dict = {}


def reset(snippet: dict) -> None:
    _STATE.clear()
    _STATE["clue"] = len(snippet["images"])


def text(family: str, snippet: dict, k: int, msg: dict, workdir: str):
    return None
