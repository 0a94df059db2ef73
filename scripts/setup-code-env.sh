#!/usr/bin/env bash
# Create (or update) the Python environment the code tool's interpreters run in.
#
#   scripts/setup-code-env.sh [VENV_DIR]        default: .venv-code in the repository root
#
# Idempotent and fast when nothing changed: the venv records the hash of
# runner/requirements.txt (and of the interpreter) in VENV_DIR/.fovea-requirements.sha256
# and pip runs only when it differs. Works on a fresh Debian 12: when `python3 -m venv`
# fails (Debian ships venv separately) and we are root, python3-venv is installed with apt-get.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-code}"
REQ="$ROOT/runner/requirements.txt"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.fovea-requirements.sha256"

# The interpreters run as uids of their own (docs/SANDBOX.md): the environment and the runner must be
# readable by every user even when this checkout was made under a umask such as 077.
share_with_sandbox_uids() {
    chmod -R go+rX "$VENV" "$ROOT/runner" 2>/dev/null \
        || echo "setup-code-env: warning: could not make every file under $VENV and runner/ readable by other users; the code tool's template names any it cannot use" >&2
}

command -v "$PYTHON" >/dev/null || { echo "setup-code-env: $PYTHON not found (install python3)" >&2; exit 1; }
want="$( { cat "$REQ"; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    share_with_sandbox_uids
    echo "setup-code-env: $VENV is up to date"
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/tmp/setup-code-env.$$; then
        rm -rf "$VENV"
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            ver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            echo "setup-code-env: python3 -m venv failed; installing python3-venv" >&2
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv "python${ver}-venv" \
                || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
            "$PYTHON" -m venv "$VENV"
        else
            cat /tmp/setup-code-env.$$ >&2
            echo "setup-code-env: install python3-venv (apt-get install python3-venv) and retry" >&2
            rm -f /tmp/setup-code-env.$$
            exit 1
        fi
    fi
    rm -f /tmp/setup-code-env.$$
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
"$VENV/bin/python" - <<'PY'
import cv2, IPython, matplotlib, numpy, PIL, scipy, skimage, sklearn, autopep8, cloudpickle, matplotlib_inline
print("setup-code-env: numpy", numpy.__version__, "Pillow", PIL.__version__, "matplotlib", matplotlib.__version__,
      "OpenCV", cv2.__version__, "SciPy", scipy.__version__, "scikit-image", skimage.__version__,
      "scikit-learn", sklearn.__version__, "IPython", IPython.__version__)
PY
echo "$want" > "$STAMP"
share_with_sandbox_uids
echo "setup-code-env: ready: $VENV"
