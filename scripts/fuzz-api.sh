#!/usr/bin/env bash
# API fuzzing (part of npm run test:fuzz): schemathesis over the OpenAPI document a real daemon
# serves, as a tenant admin and as the cluster admin, while /v1/health is probed every 10 ms
# (scripts/fuzz-api-round.sh). Any 5xx, any answer that breaks its own schema, or fewer than 2,000
# requests a role fails at once. A round in which /v1/health was once slower than 100 ms is run
# again, up to three rounds: this 2-core machine is shared, and a daemon that does block its event
# loop is slow in every round.
set -uo pipefail
cd "$(dirname "$0")/.."
for round in 1 2 3; do
  bash scripts/fuzz-api-round.sh
  status=$?
  [ "$status" -eq 2 ] || exit "$status"
  echo "fuzz-api: round $round: /v1/health was once slower than 100 ms; another round"
done
echo "fuzz-api: FAILED: /v1/health was slower than 100 ms in every round"
exit 1
