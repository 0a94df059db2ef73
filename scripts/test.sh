#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit, oracle (Pillow/OpenCV) and end-to-end tests
# against a real daemon with real workers and seccomp filters, then the code tool's Python
# side: the runner in its real sandbox (runner/tests) and the family references
# (Tests/CodeFidelity), each libFuzzer target for 10 s (scripts/fuzz.sh), and the Python package
# fovea-client in its own venv (clients/python/run_tests.sh). Tests build optimised (kernels in debug builds run ~100x slower) in
# their own build folder, .build-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test
flags=(-c release --scratch-path .build-tests -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
# The run's output is long and CI shows its end: failures are repeated there.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test "${flags[@]}" --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ $# -eq 0 ]; then
    # The runner's own tests compile the code policies with this build's `fovea policy --bpf`.
    FOVEA_BIN="$PWD/.build-tests/release/fovea" .venv-code/bin/python -m pytest -q -p no:cacheprovider \
        runner/tests Tests/CodeFidelity/test_references.py 2>&1 | tee -a "$log"
    python_status=${PIPESTATUS[0]}
    [ "$status" != 0 ] || status=$python_status
    # Each libFuzzer target for a short bounded time (a 10-minute run: scripts/fuzz.sh --seconds 600).
    scripts/fuzz.sh --seconds 10 2>&1 | grep -v '^\[' | tee -a "$log"
    fuzz_status=${PIPESTATUS[0]}
    [ "$status" != 0 ] || status=$fuzz_status
    # The fovea-client package (clients/python) in its own venv, against this build.
    clients/python/run_tests.sh -q 2>&1 | tee -a "$log"
    client_status=${PIPESTATUS[0]}
    [ "$status" != 0 ] || status=$client_status
fi
set -e
if [ "$status" != 0 ]; then
    echo "=== test.sh: the run failed (exit $status); its failures again:"
    # Failure lines with their "↳" comments; crashes and XCTest failures too (the first 150 lines:
    # awk stops itself, as `| head` would make it die of SIGPIPE and set -o pipefail report 141).
    awk '/✘|Fatal error|error: |Test Case .* failed|[Ss]ignal [0-9]+|Exited with|^FAILED |^ERROR / { print; more = 1; if (++n >= 150) exit; next }
         more && /^[[:space:]]*↳/ { print; if (++n >= 150) exit; next } { more = 0 }' "$log"
fi
exit "$status"
