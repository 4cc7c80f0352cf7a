#!/usr/bin/env bash
# Sets Flotilla up and runs the example stack on the embedded default (no Docker, no daemon to install).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bin/flotilla up -f examples/redis-app.yml --wait
bin/flotilla ps
echo
echo "Try: bin/flotilla logs heartbeat.0 | bin/flotilla service endpoints cache | bin/flotilla down redis-app"
