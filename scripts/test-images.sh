#!/usr/bin/env bash
# Builds, once per machine, the runtime images the Docker tests run (the Debian base, Redis,
# ZooKeeper, Kafka 3.9), through the real CLI with a throwaway home, so that test files running side
# by side never build the same image twice. The jars come from the tests' shared artifact cache.
# Without a Docker engine it does nothing: the Docker tests then skip, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! curl -fsS --max-time 3 --unix-socket "$(sock=${DOCKER_HOST:-unix:///var/run/docker.sock}; echo "${sock#unix://}")" http://localhost/_ping >/dev/null 2>&1 &&
  ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  echo "test-images: no Docker engine answers; nothing to build"
  exit 0
fi

home=$(mktemp -d -t flotilla-images-XXXXXX)
export FLOTILLA_HOME="$home" FLOTILLA_LISTEN=127.0.0.1:0 FLOTILLA_DNS_LISTEN=127.0.0.1:0
export FLOTILLA_ARTIFACTS="${FLOTILLA_ARTIFACTS:-${TMPDIR:-/tmp}/flotilla-test-artifacts}"
# The home's default tenant has a Unix user and the home a firewall chain (as root): they go with it.
trap 'bin/flotilla daemon stop >/dev/null 2>&1 || true; node scripts/forget-home.mjs "$home" || true; rm -rf "$home"' EXIT
start=$(date +%s)
bin/flotilla images build redis zookeeper kafka@3.9.1
echo "test-images: done in $(($(date +%s) - start)) s"
