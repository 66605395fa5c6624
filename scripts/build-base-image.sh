#!/usr/bin/env bash
# Builds a Debian bookworm base image without a registry (debootstrap + docker import), for machines where `docker pull` fails.
set -euo pipefail

IMAGE="${1:-skiff/debian-base:bookworm}"
MIRROR="${SKIFF_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE already present"
  exit 0
fi

# debootstrap is the only registry-free way to get a root filesystem; install it on demand.
if ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "debootstrap is missing; run as root or: sudo apt-get install -y debootstrap" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi

DIR="$(mktemp -d /tmp/skiff-rootfs.XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
start=$(date +%s)
debootstrap --variant=minbase bookworm "$DIR" "$MIRROR"
# apt caches and lists only bloat the image; the node Dockerfile runs apt-get update itself.
rm -rf "$DIR"/var/cache/apt/archives/*.deb "$DIR"/var/lib/apt/lists/*
tar -C "$DIR" -c . | docker import - "$IMAGE"
echo "built $IMAGE in $(( $(date +%s) - start ))s"
