#!/usr/bin/env bash
# Makes a Docker engine available: installs docker.io (Debian) when dockerd is missing and starts it when nothing answers. Idempotent.
#
# Why not systemd: CI containers and fresh VMs used for skiff often run without an init system, so dockerd is
# started directly in the background and logs to /var/log/skiff-dockerd.log.
set -euo pipefail

LOG=/var/log/skiff-dockerd.log
TIMEOUT="${SKIFF_DOCKERD_TIMEOUT:-60}"

say() { echo "install-docker: $*" >&2; }

if docker info >/dev/null 2>&1; then
  say "a Docker engine already answers; nothing to do"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "no Docker engine answers and this script needs root to install/start one (try: sudo $0)"
  exit 1
fi

# debootstrap builds the node image's base when no registry is reachable (see src/cluster/image/base.ts).
need=()
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then need+=(docker.io); fi
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
fi

# A dockerd that is running but not answering yet (e.g. started a moment ago) must not be started twice.
# (dockerd's pid file rather than pgrep: minimal images lack procps.)
if ! { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }; then
  say "starting dockerd (log: $LOG)"
  # The socket dir may be missing on systems without systemd's tmpfiles.
  mkdir -p /var/run /var/lib/docker
  nohup dockerd >>"$LOG" 2>&1 </dev/null &
  disown || true
fi

for _ in $(seq 1 $((TIMEOUT * 5))); do
  if docker info >/dev/null 2>&1; then
    say "Docker engine ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  sleep 0.2
done
say "dockerd did not answer within ${TIMEOUT}s; last log lines:"
tail -n 30 "$LOG" >&2 || true
exit 1
