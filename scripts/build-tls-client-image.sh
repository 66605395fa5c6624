#!/usr/bin/env bash
# Builds a busybox image with Debian's openssl CLI added (no registry needed): busybox's own TLS client offers no
# signature_algorithms, which OpenSSL-based servers refuse, so in-pod HTTPS tests use `openssl s_client` instead.
# Usage: scripts/build-tls-client-image.sh [image] (default skiff/busybox-tls:test).
set -euo pipefail
IMAGE="${1:-skiff/busybox-tls:test}"
BASE="${SKIFF_TLS_BASE:-skiff/busybox:test}"
here="$(cd "$(dirname "$0")" && pwd)"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
docker image inspect "$BASE" >/dev/null 2>&1 || "$here/build-busybox-image.sh" "$BASE"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/skiff/tls-debs"
mkdir -p "$cache"
for pkg in openssl libssl3 libc6; do
  if ! ls "$cache"/"${pkg}"_*.deb >/dev/null 2>&1; then
    (cd "$cache" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$pkg" >/dev/null; }; })
  fi
done

root=$(mktemp -d)
trap 'rm -rf "$root"; docker rm -f "${cid:-}" >/dev/null 2>&1 || true' EXIT
for deb in "$cache"/*.deb; do dpkg -x "$deb" "$root/pkg"; done
mkdir -p "$root/img"
cid=$(docker create "$BASE" sh)
docker export "$cid" | tar -C "$root/img" -x
mkdir -p "$root/img/lib/x86_64-linux-gnu" "$root/img/lib64" "$root/img/usr/lib/ssl"
cp "$root/pkg/usr/bin/openssl" "$root/img/bin/openssl"
for lib in libssl.so.3 libcrypto.so.3 libc.so.6; do cp -L "$root/pkg/lib/x86_64-linux-gnu/$lib" "$root/pkg/usr/lib/x86_64-linux-gnu/$lib" "$root/img/lib/x86_64-linux-gnu/" 2>/dev/null || true; done
cp -L "$root/pkg/lib64/ld-linux-x86-64.so.2" "$root/img/lib64/" 2>/dev/null || cp -L "$root/pkg/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$root/img/lib64/"
touch "$root/img/usr/lib/ssl/openssl.cnf"
tar -C "$root/img" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$IMAGE" >/dev/null
echo "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE") bytes)"
