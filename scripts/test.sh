#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it.
#   - Debian's chromium (+ CJK fonts) for the end-to-end browser tests
#     (Playwright drives /usr/bin/chromium; never `playwright install`)
#   - a virtualenv in .venv with the project and its `test` extra
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k parse`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/python -m compileall -q src >/dev/null  # (the bytecode PYTHONDONTWRITEBYTECODE=1 never writes)

# pytest exits 5 when it collects nothing: that is a failure here too.
exec .venv/bin/python -m pytest "$@"
