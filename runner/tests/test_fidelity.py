"""Every corpus snippet in a sandboxed child against its reference
(Tests/CodeFidelity): stdout, stderr, result, error type and message, the
number, sizes, modes and pixels of the images, and the observation text
rebuilt from the reply's fields (tests/observation.py)."""

from __future__ import annotations

import pytest

import corpus
import fidelity


@pytest.mark.parametrize("snippet", corpus.snippets(), ids=lambda s: s["id"])
def test_snippet_matches_reference(driver, snippet):
    assert fidelity.run_snippet(driver, snippet) == []
