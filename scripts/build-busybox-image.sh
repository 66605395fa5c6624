#!/usr/bin/env bash
# Builds a tiny image from Debian's busybox-static (no registry needed) and tags it with every
# name given, e.g. `scripts/build-busybox-image.sh skiff/sample-web:1 skiff/busybox:test`.
# Used by the sample app and by tests that run pods.
set -euo pipefail
[ $# -gt 0 ] || set -- skiff/busybox:latest

if docker image inspect "$1" >/dev/null 2>&1; then
  for tag in "${@:2}"; do docker tag "$1" "$tag"; done
  exit 0
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/skiff"
mkdir -p "$cache"
deb=$(ls "$cache"/busybox-static_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$cache" && { apt-get download busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get download busybox-static >/dev/null; }; })
  deb=$(ls "$cache"/busybox-static_*.deb | head -1)
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root/pkg"
mkdir -p "$root/img/bin" "$root/img/tmp" "$root/img/www" "$root/img/etc"
cp "$root/pkg/bin/busybox" "$root/img/bin/busybox"
for applet in $("$root/img/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/img/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/img/etc/passwd"
echo '<h1>Hello from skiff</h1>' > "$root/img/www/index.html"
tar -C "$root/img" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$1" >/dev/null
for tag in "${@:2}"; do docker tag "$1" "$tag"; done
echo "built $* ($(docker image inspect -f '{{.Size}}' "$1") bytes)"
