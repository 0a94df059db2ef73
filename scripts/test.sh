#!/usr/bin/env bash
# Sets up and runs the whole test suite: unit, oracle (Pillow/OpenCV) and end-to-end tests
# against a real daemon with real workers and seccomp filters.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh --test
swift build --build-tests
swift test --skip-build "$@"
