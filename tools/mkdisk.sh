#!/bin/bash
# Makes the physical disk QEMU gives HyperBerry (configs/virtio.dts): three 64 MiB slices, each an empty ext4
# file system. Leaves an existing disk alone (its data is meant to persist); --force remakes it.
# Usage: tools/mkdisk.sh [--force] [OUT]   (default OUT: build/disk.img)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
force=0
[ "${1:-}" = --force ] && { force=1; shift; }
out=${1:-$ROOT/build/disk.img}
slice=$ROOT/build/linux/ext4-64m.img
if [ -f "$out" ] && [ $force = 0 ]; then
	exit 0
fi
[ -f "$slice" ] || { echo "mkdisk: $slice is missing: run make linux-kit first" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cat "$slice" "$slice" "$slice" > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkdisk: $out: 3 x 64 MiB ext4 slices"
