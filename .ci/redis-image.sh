#!/usr/bin/env bash
# Builds the Redis image the Testcontainers tests pin, from this machine's own redis-server (no
# registry is needed or reached): the binaries, their shared libraries, a static busybox as
# /bin/sh, and a one-line /etc/passwd, imported as one layer. About 20 MB, a few seconds.
#   .ci/redis-image.sh [image-name]      (default: ratewarden-test/redis:7)
set -euo pipefail
image="${1:-ratewarden-test/redis:7}"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/bin" "$root/etc" "$root/data" "$root/tmp"
for binary in redis-server redis-cli; do
  cp -L "$(command -v "$binary")" "$root/bin/$binary"
done
for binary in "$root/bin/redis-server" "$root/bin/redis-cli"; do
  ldd "$binary" | awk '/=> \// {print $3} /^\s*\/lib/ {print $1}' | while read -r library; do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
done
busybox=/bin/busybox   # Debian's busybox-static: no shared libraries to bring along
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$busybox is not a static binary: install Debian's busybox-static" >&2
  exit 1
fi
cp -L "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
echo 'root:x:0:0:root:/data:/bin/sh' > "$root/etc/passwd"

tar -C "$root" -c . | docker import \
  --change 'WORKDIR /data' \
  --change 'EXPOSE 6379' \
  --change 'CMD ["/bin/redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]' \
  - "$image" >/dev/null
echo "built $image ($(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'))"
