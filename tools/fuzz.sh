#!/bin/sh
# Builds and runs libFuzzer targets (clang, ASan, UBSan).
# Usage: fuzz.sh OUTDIR SECONDS TARGET...
# Each target replays its committed corpus (tests/fuzz/corpus/<name>/) first,
# then explores for SECONDS. A crash fails the run and leaves the input in
# OUTDIR/<target>/ to be turned into a regression test.
set -e
out=$1; seconds=$2; shift 2

srcs_for() {
	case "$1" in
	fuzz_fdt) echo "lib/fdt.c" ;;
	fuzz_config) echo "core/config.c core/config_devices.c core/config_virtio.c core/package.c lib/fdt.c lib/fmt.c" ;;
	fuzz_mmio_decode) echo "arch/aarch64/mmio_decode.c arch/aarch64/esr.c arch/aarch64/sysreg_trap.c lib/fmt.c" ;;
	fuzz_vuart) echo "vdev/vuart_pl011.c" ;;
	fuzz_vgic) echo "vdev/vgic.c vdev/vgic_lr.c" ;;
	fuzz_virtq) echo "vdev/virtq.c" ;;
	fuzz_virtio_dev) echo "vdev/virtio/virtio_blk.c vdev/virtio/virtio_net.c vdev/virtio/vswitch.c vdev/virtio_mmio.c vdev/virtq.c" ;;
	fuzz_smccc) echo "core/smccc.c core/psci.c" ;;
	*) echo "fuzz.sh: no source list for $1 (add it here)" >&2; return 1 ;;
	esac
}

mkdir -p "$out"
failed=0
for t in "$@"; do
	srcs=$(srcs_for "$t")
	bin="$out/$t"
	# shellcheck disable=SC2086
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-DHB_HOST -D_DEFAULT_SOURCE -I. "tests/fuzz/$t.c" $srcs -o "$bin"
	corpus="$out/corpus-$t"
	mkdir -p "$corpus" "$out/crashes-$t"
	seed="tests/fuzz/corpus/${t#fuzz_}"
	[ -d "$seed" ] && cp -r "$seed/." "$corpus/"
	if "$bin" -max_total_time="$seconds" -print_final_stats=0 \
		-artifact_prefix="$out/crashes-$t/" "$corpus" >"$out/$t.log" 2>&1; then
		echo "fuzz $t: ok ($(ls "$corpus" | wc -l) corpus inputs, ${seconds}s)"
	else
		echo "fuzz $t: FAILED, see $out/$t.log and $out/crashes-$t/"
		tail -20 "$out/$t.log"
		failed=1
	fi
done
exit $failed
