#!/usr/bin/env bash
# Runs the fovea-client package's tests (clients/python/tests) against a real daemon, in a virtual
# environment of their own: clients/python/.venv-client with requirements-test.txt (every package
# pinned in requirements-lock.txt), verl's light install (requirements-verl.txt, --no-deps: no
# torch) and the package, installed by pip from a copy of clients/python as a user would
# (`pip install ./clients/python`).
#
#   clients/python/run_tests.sh [PYTEST ARGS...]     (test paths relative to clients/python)
#
#   FOVEA_BIN          the daemon (default: the repository's .build-tests/release/fovea, which
#                      scripts/test.sh builds). It finds the code tool's Python as usual: .venv-code
#                      of the repository it was built in, which this script makes
#                      (scripts/setup-code-env.sh) when FOVEA_BIN is not given.
#   FOVEA_CLIENT_VENV  the environment (default: clients/python/.venv-client)
#   PYTHON             the Python that makes it (default: python3)
#
# Idempotent and quick the second time: the environment records the hash of the requirement files,
# pyproject.toml and the Python's version, and pip installs requirements only when it changed. The
# package is reinstalled on every run (--no-deps --no-index: no network), so the tests see the
# current source. Every test must run: a skipped test fails the run (--no-skips).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${FOVEA_CLIENT_VENV:-$HERE/.venv-client}"
PYTHON="${PYTHON:-python3}"
BIN="${FOVEA_BIN:-$ROOT/.build-tests/release/fovea}"
STAMP="$VENV/.fovea-client-requirements.sha256"
# --no-compile: no .pyc for all of ray and transformers; what the tests import compiles as it loads
pip_install() { "$VENV/bin/python" -m pip --disable-pip-version-check --quiet install --no-compile "$@"; }

if [[ ! -x "$BIN" ]]; then
    echo "run_tests.sh: no daemon at $BIN: build it (swift build -c release --scratch-path .build-tests" \
         "-Xswiftc -enable-testing, as scripts/test.sh does) or set FOVEA_BIN" >&2
    exit 1
fi
if [[ -z "${FOVEA_BIN:-}" ]]; then
    "$ROOT/scripts/setup-code-env.sh" >&2   # the repository's .venv-code: up to date is a no-op
fi

started=$SECONDS
want="$( { cat "$HERE/requirements-test.txt" "$HERE/requirements-lock.txt" "$HERE/requirements-verl.txt" "$HERE/pyproject.toml"
           "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]]; then
    echo "run_tests.sh: $VENV is up to date" >&2
else
    if [[ -x "$VENV/bin/python" ]] && ! cmp -s <("$VENV/bin/python" -c 'import sys; print(sys.version)') \
                                             <("$PYTHON" -c 'import sys; print(sys.version)'); then
        rm -rf "$VENV"   # made by another Python
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then   # Debian ships venv apart
                echo "run_tests.sh: python3 -m venv failed; installing python3-venv" >&2
                apt-get update -qq
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
                "$PYTHON" -m venv "$VENV"
            else
                echo "run_tests.sh: $PYTHON -m venv failed: install python3-venv" >&2
                exit 1
            fi
        fi
    fi
    echo "run_tests.sh: installing the pinned test requirements into $VENV" >&2
    rm -f "$STAMP"
    # The lock as it is (no resolving), then verl without its requirements (torch, wandb, ...).
    pip_install --no-deps -r "$HERE/requirements-lock.txt"
    pip_install --no-deps -r "$HERE/requirements-verl.txt"
    # pip check, less verl's own requirements, which are left out on purpose
    broken="$("$VENV/bin/python" -m pip --disable-pip-version-check check 2>&1 | grep -v -e '^verl ' -e '^No broken requirements' || true)"
    if [[ -n "$broken" ]]; then   # the lock lacks something this Python needs: let pip resolve it
        echo "run_tests.sh: the lock does not fit this Python ($broken); resolving" >&2
        pip_install -r "$HERE/requirements-test.txt" -c "$HERE/requirements-lock.txt"
    fi
    "$VENV/bin/python" -c 'import importlib.util, qwen_agent, PIL, pytest; assert importlib.util.find_spec("verl")' \
        || { echo "run_tests.sh: the test requirements did not install" >&2; exit 1; }
    echo "$want" > "$STAMP"
fi

# The package from a copy of its source, so the build leaves nothing in clients/python.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/src" "$work/run"
cp -r "$HERE/pyproject.toml" "$HERE/README.md" "$HERE/fovea_client" "$work/src/"
pip_install --no-deps --no-build-isolation --no-index --force-reinstall "$work/src"
installed="$(cd "$work/run" && "$VENV/bin/python" -c 'import fovea_client; print(fovea_client.__file__)')"
[[ "$installed" == "$VENV"/* ]] || { echo "run_tests.sh: fovea_client comes from $installed, not $VENV" >&2; exit 1; }
echo "run_tests.sh: environment ready in $((SECONDS - started)) s" >&2

# pytest's own script, not python -m pytest, and pyproject.toml's --import-mode=importlib: neither the
# working directory (clients/python, where pyproject.toml's testpaths and test paths given as
# arguments work) nor the tests' directories go on sys.path before the installed package.
cd "$HERE"
FOVEA_BIN="$BIN" "$VENV/bin/pytest" -p no:cacheprovider --no-skips "$@"
