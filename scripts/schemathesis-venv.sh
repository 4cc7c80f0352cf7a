#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into .cache/fuzz-venv, once: the API fuzzing of npm run test:fuzz.
# Prints the path of its `schemathesis` program.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.32.5
venv=.cache/fuzz-venv
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
echo "$PWD/$venv/bin/schemathesis"
