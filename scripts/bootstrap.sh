#!/usr/bin/env bash
# Installs what Fovea needs on a fresh Debian/Ubuntu machine, skipping what is present:
#   system: libvips-dev, libjpeg62-turbo-dev, libseccomp-dev, pkg-config (build and run), python3 (the code tool)
#   the code tool's Python environment: .venv-code, pinned (scripts/setup-code-env.sh)
#   with --test: python3 pillow, opencv-python-headless, numpy (the oracle tests)
set -euo pipefail
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
pkg-config --exists vips 2>/dev/null || missing+=(libvips-dev)
pkg-config --exists libjpeg 2>/dev/null || missing+=(libjpeg62-turbo-dev)   # JPEG encoding (CJPEG)
pkg-config --exists libseccomp 2>/dev/null || missing+=(libseccomp-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v python3 >/dev/null || missing+=(python3 python3-pip python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_test" = 1 ]; then
    if ! python3 -c 'import PIL, cv2, numpy' 2>/dev/null; then
        echo "bootstrap: installing pillow, opencv-python-headless, numpy" >&2
        python3 -m pip install -q pillow opencv-python-headless numpy 2>/dev/null \
            || python3 -m pip install -q --break-system-packages pillow opencv-python-headless numpy
    fi
    # fovea replay's report in headless Chromium; systemd-socket-activate and systemd-analyze for
    # deploy/systemd (chromium pulls systemd in); the MCP Python SDK, pinned (scripts/setup-test-env.sh).
    if ! command -v chromium >/dev/null || ! command -v systemd-socket-activate >/dev/null; then
        echo "bootstrap: installing chromium, systemd" >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium systemd >/dev/null
    fi
    "$(dirname "$0")/setup-test-env.sh"
fi
"$(dirname "$0")/setup-code-env.sh"
command -v swift >/dev/null || { echo "bootstrap: Swift 6.3 is required (https://swift.org/install)" >&2; exit 1; }
