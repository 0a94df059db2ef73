#!/usr/bin/env bash
# Create (or update) the end-to-end tests' own Python environment: the official MCP Python SDK
# and jsonschema, pinned in Tests/FoveaEndToEndTests/Python/requirements.txt (McpSdkTests,
# ToolFormatCommandTests). scripts/bootstrap.sh --test runs it.
#
#   scripts/setup-test-env.sh [VENV_DIR]        default: .venv-tests in the repository root
#
# Idempotent and fast when nothing changed: the venv keeps a copy of the requirements it was
# made from (VENV_DIR/requirements.txt, which the tests compare too) and pip runs only when
# they differ. About 20 s of pip on a fresh machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-tests}"
REQ="$ROOT/Tests/FoveaEndToEndTests/Python/requirements.txt"
PYTHON="${PYTHON:-python3}"

if [[ -x "$VENV/bin/python" && -f "$VENV/requirements.txt" ]] && cmp -s "$REQ" "$VENV/requirements.txt"; then
    echo "setup-test-env: $VENV is up to date"
    exit 0
fi
rm -rf "$VENV"
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"   # Debian ships venv apart from python3: install it when we may
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null \
        || { echo "setup-test-env: $PYTHON -m venv failed; install python3-venv and retry" >&2; exit 1; }
    ver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv "python${ver}-venv" >/dev/null
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
"$VENV/bin/python" -c 'import mcp, jsonschema; from importlib.metadata import version; print("setup-test-env: mcp", version("mcp"), "jsonschema", version("jsonschema"))'
cp "$REQ" "$VENV/requirements.txt"
echo "setup-test-env: ready: $VENV"
