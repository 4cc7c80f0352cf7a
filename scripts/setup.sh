#!/usr/bin/env bash
# Installs what Flotilla and its tests need on a fresh Debian machine, then builds.
# Safe to run again: each step is skipped when already done.
#   FLOTILLA_DOCKER=off          no Docker engine, no debootstrap (the embedded default needs neither)
#   FLOTILLA_SETUP_DRY_RUN=1     print each step instead of running it
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  if [ -n "${FLOTILLA_SETUP_DRY_RUN:-}" ]; then
    echo "setup: would run: $*"
  else
    "$@"
  fi
}
docker_wanted() { [ "${FLOTILLA_DOCKER:-}" != "off" ]; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The API fuzzing (npm run test:fuzz) installs schemathesis into a venv (scripts/schemathesis-venv.sh).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
# Data folder sizes (root): an ext4 image per tenant, made, checked and grown by e2fsprogs.
PATH="$PATH:/usr/sbin:/sbin" command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
# The tests send large bodies with curl, as scripts do.
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The failure lab's clock skew preloads Debian's libfaketime into a process task; its tc and mount
# faults use iproute2 and util-linux (losetup, mount), present on most systems already.
ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1 || missing+=(libfaketime)
command -v tc >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v tc >/dev/null 2>&1 || missing+=(iproute2)
# The DNS benchmark (npm run bench -- dns, and its smoke run) measures with dnsperf next to dnsmasq.
# Tools only the tests and benchmarks use (scripts/quickstart.sh sets FLOTILLA_BENCH=off): the web
# console's end-to-end tests drive Debian's Chromium (never a downloaded browser).
if [ "${FLOTILLA_BENCH:-}" != "off" ]; then
  command -v dnsperf >/dev/null 2>&1 || missing+=(dnsperf)
  PATH="$PATH:/usr/sbin:/sbin" command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
# Builds the Docker driver's base image (flotilla/base:bookworm); it lives in /usr/sbin.
if docker_wanted; then
  PATH="$PATH:/usr/sbin:/sbin" command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  # The pull tests and bench run a real registry on loopback (not as a service) with htpasswd auth.
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
fi
# The JVM packages (ZooKeeper, Kafka 4) need Java 17 or newer.
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi
# The failure lab's Kafka workload (src/lab/kafka/Workload.java) is compiled with javac at first use.
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} from Debian"
  step $SUDO apt-get update -qq
  step env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# better-sqlite3 builds from source here (its prebuilt download is unreachable): about 1.5 minutes.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  step npm ci --no-audit --no-fund
fi

# Docker is optional: without an engine the script warns loudly that the Docker tests will be
# skipped, and setup goes on. FLOTILLA_DOCKER=off skips it altogether.
if docker_wanted; then step bash scripts/docker-engine.sh; fi

step npm run build --silent
echo "setup: done"
