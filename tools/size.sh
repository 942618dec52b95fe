#!/bin/bash
# Prints the hypervisor's size in two parts: the core (everything but virtio) and the virtio module
# (transport, rings, backends, VM switch, physical disk driver), from the objects of a build.
# Usage: tools/size.sh BUILD_DIR   (e.g. build/qemu-virt)
set -eu
obj=${1:?usage: tools/size.sh BUILD_DIR}/obj
size=${CROSS:-aarch64-linux-gnu-}size
mapfile -t all < <(find "$obj" -name '*.o' | sort)
virtio=() core=()
for o in "${all[@]}"; do
	case "$o" in
	*/vdev/virtio/* | */vdev/virtio_mmio.c.o | */vdev/virtq.c.o | */drivers/virtio_disk.c.o) virtio+=("$o") ;;
	*) core+=("$o") ;;
	esac
done
total() { [ $# -gt 0 ] && "$size" -t "$@" | tail -1 | awk '{printf "%8d %8d %8d", $1, $2, $3}' || printf '%8d %8d %8d' 0 0 0; }
printf '%-8s %8s %8s %8s\n' part text data bss
printf '%-8s %s\n' core "$(total "${core[@]}")"
printf '%-8s %s\n' virtio "$(total "${virtio[@]}")"
