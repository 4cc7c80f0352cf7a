#!/usr/bin/env bash
# Sets Flotilla up and runs the example stack on the embedded default (no Docker, no daemon to install):
# no Docker engine is installed or started (only the Docker tests need one: npm run test:ci).
# FLOTILLA_SETUP_DRY_RUN=1 prints each step instead of running it.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOTILLA_DOCKER=off FLOTILLA_BENCH=off bash scripts/setup.sh
if [ -n "${FLOTILLA_SETUP_DRY_RUN:-}" ]; then
  echo "quickstart: would run: bin/flotilla up -f examples/redis-app.yml --wait"
  exit 0
fi
bin/flotilla up -f examples/redis-app.yml --wait
bin/flotilla ps
echo
echo "Try: bin/flotilla logs heartbeat.0 | bin/flotilla service endpoints cache | bin/flotilla down redis-app"
