#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit, oracle (Pillow/OpenCV) and end-to-end tests
# against a real daemon with real workers and seccomp filters. Tests build optimised (kernels
# in debug builds run ~100x slower) in their own build folder, .build-tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test
flags=(-c release --scratch-path .build-tests -Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests
swift test "${flags[@]}" --skip-build "$@"
