#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the docker driver and its tests:
#   1. DOCKER_HOST's engine (or /var/run/docker.sock) answers: done.
#   2. dockerd is missing: install docker.io (and debootstrap, which builds the base image) from Debian.
#   3. start dockerd in the background, detached from this shell (setsid nohup), and wait up to 60 s.
# When no engine can be had, it prints a loud warning that the Docker tests will be skipped, and why,
# and exits 0: Docker is optional, so setup must not fail for it. Safe to run again.
set -uo pipefail

LOG_NAME=flotilla-dockerd.log
WAIT_SECONDS=60

say() { echo "docker-engine: $*"; }

warn_and_exit() {
  {
    echo
    echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    echo '!!! NO DOCKER ENGINE: the Docker driver tests and image tests will be SKIPPED.'
    while [ $# -gt 0 ]; do
      echo "!!! $1"
      shift
    done
    echo '!!! Flotilla itself works without Docker (the process driver is the default).'
    echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
    echo
  } >&2
  exit 0
}

# Where the engine should answer: DOCKER_HOST as the docker CLI reads it, else the default socket.
socket=/var/run/docker.sock
tcp=""
case "${DOCKER_HOST:-}" in
  "") ;;
  unix://*) socket="${DOCKER_HOST#unix://}" ;;
  tcp://*) tcp="${DOCKER_HOST#tcp://}" ;;
  *) warn_and_exit "why: DOCKER_HOST=${DOCKER_HOST} is neither unix:// nor tcp://." "fix: unset DOCKER_HOST or correct it." ;;
esac

answers() {
  if [ -n "$tcp" ]; then
    curl -fsS --max-time 3 "http://${tcp}/_ping" >/dev/null 2>&1 && return 0
  elif [ -S "$socket" ]; then
    curl -fsS --max-time 3 --unix-socket "$socket" http://localhost/_ping >/dev/null 2>&1 && return 0
  fi
  # Without curl, the docker CLI's server part says the same.
  command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

if answers; then
  say "an engine answers at ${DOCKER_HOST:-unix://$socket}"
  exit 0
fi

if [ -n "$tcp" ]; then
  warn_and_exit "why: DOCKER_HOST=${DOCKER_HOST} does not answer, and this script starts only local engines." \
    "fix: start the engine at that address, or unset DOCKER_HOST to use a local one."
fi

# The socket exists but refuses us: an engine runs, and we may not talk to it.
if [ -S "$socket" ] && [ ! -w "$socket" ]; then
  warn_and_exit "why: ${socket} exists but $(id -un) may not write to it." \
    "fix: sudo usermod -aG docker $(id -un), then log in again (or run the tests as root)."
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    warn_and_exit "why: no engine answers at ${socket}, and starting one needs root (no password-less sudo here)." \
      "fix: sudo dockerd &   (or run: sudo bash scripts/docker-engine.sh)"
  fi
fi

find_dockerd() { PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin" command -v dockerd 2>/dev/null; }

dockerd_bin=$(find_dockerd)
if [ -z "$dockerd_bin" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    warn_and_exit "why: dockerd is not installed and there is no apt-get to install it." \
      "fix: install Docker Engine for this system, start it, and run setup again."
  fi
  say "installing docker.io and debootstrap from Debian"
  if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
    ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null; then
    warn_and_exit "why: apt-get install docker.io failed (see above)." \
      "fix: sudo apt-get install -y docker.io debootstrap, then run this script again."
  fi
  dockerd_bin=$(find_dockerd)
  [ -n "$dockerd_bin" ] || warn_and_exit "why: docker.io installed, but no dockerd was found on PATH or in /usr/sbin."
fi

# Where dockerd logs: /var/log when we may write there, else TMPDIR (the redirection is ours).
log=/var/log/$LOG_NAME
if ! { [ -w /var/log ] || [ -w "$log" ]; }; then log="${TMPDIR:-/tmp}/$LOG_NAME"; fi

# A dockerd that is still starting (an earlier run of this script, a service manager): wait for it
# rather than start a second one on the same socket.
pidfile=/var/run/docker.pid
args=()
if [ "$socket" != /var/run/docker.sock ]; then
  pidfile="${socket}.pid"
  args=(-H "unix://$socket" --pidfile "$pidfile")
fi
running=""
started=""
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile" 2>/dev/null)
  if [ -n "$pid" ] && [ -d "/proc/$pid" ]; then running=$pid; fi
fi

if [ -n "$running" ]; then
  say "dockerd (pid $running) is running; waiting for it to answer"
else
  say "starting $dockerd_bin (log: $log)"
  # setsid: a session of its own, so the engine outlives this shell, its terminal and CI's step.
  setsid nohup "${SUDO[@]}" "$dockerd_bin" "${args[@]}" >>"$log" 2>&1 </dev/null &
  started=$!
  # Who started it: CI stops the engine it started once its run is over (.ci/run).
  echo "$started" >"${TMPDIR:-/tmp}/flotilla-dockerd.started"
fi

for _ in $(seq 1 "$WAIT_SECONDS"); do
  if answers; then
    say "the engine answers at unix://$socket"
    exit 0
  fi
  # A dockerd that exited (no iptables, no cgroups, a busy data root) will not answer: say why now.
  if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then break; fi
  sleep 1
done

if [ -S "$socket" ] && [ ! -w "$socket" ]; then
  warn_and_exit "why: dockerd runs, but $(id -un) may not write to ${socket}." \
    "fix: sudo usermod -aG docker $(id -un), then log in again (or run the tests as root)."
fi
# The lines that say why, when dockerd wrote any; else the end of its log.
last=$(grep -E 'failed to start|level=(fatal|error)' "$log" 2>/dev/null | tail -n 3)
[ -n "$last" ] || last=$(tail -n 5 "$log" 2>/dev/null)
last=$(sed 's/^/    /' <<<"$last")
how="did not answer within ${WAIT_SECONDS} s"
if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then how="exited"; fi
warn_and_exit "why: dockerd ${how} (socket ${socket}). Its log ($log) says:" \
  "$last" \
  "fix: read $log; in a container, dockerd needs --privileged (or use DOCKER_HOST to reach the host's engine)."
