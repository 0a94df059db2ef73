#!/usr/bin/env bash
# Sets up, builds (release) and runs the daemon; extra arguments go to `fovea serve`.
# Try it from another terminal:  .build/release/fovea call zoom --image photo.jpg --bbox 400,300,600,500
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
swift build -c release --product fovea
exec .build/release/fovea serve "$@"
