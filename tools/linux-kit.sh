#!/bin/bash
# Builds the Linux guest kit from Debian's archive only: kernel Image, busybox initramfs and guest DTBs, all
# cached in build/linux/ (a second run downloads nothing). See docs/linux-guest.md.
#
# Usage:
#   tools/linux-kit.sh [--bootargs=EXTRA] [--kaslr-seed=HEX | --nokaslr] [--config=configs/X.dts]...
#       Fetch (once), then rebuild Image, initramfs.cpio.gz, guest-native.dtb and one guest-<x>.dtb for every VM
#       of the configurations (default configs/linux.dts) whose `dtb` is build/linux/guest-<x>.dtb.
#   tools/linux-kit.sh dtb OUT.dtb --ram=BASE,SIZE --cpus=N [--initrd=IPA,SIZE] [--bootargs=EXTRA]
#       [--kaslr-seed=HEX | --nokaslr]
#       Only write one guest DTB with these parameters.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/linux
PIN=$ROOT/tools/linux-kernel.pin
TEMPLATE=$ROOT/tools/linux-guest.dts.in

# Wanted modules in the order /init loads them; depmod's dependencies are added in front of each.
MODULES="virtio_mmio virtio_blk failover net_failover virtio_net crc32c_generic crc16 mbcache jbd2 ext4"
# Applets the kit relies on; every other applet of Debian's binary gets a link too.
APPLETS="sh ash ls cat echo mount umount mkdir mknod grep sed awk head tail wc sync poweroff reboot sleep dd
	md5sum sha256sum nc ip ifconfig ping uname dmesg insmod modprobe rmmod lsmod modinfo depmod ps kill top free
	df cut tr seq yes timeout true false test [ chmod ln rm cp mv touch setsid cttyhack nproc stty hexdump vi"
# "HyperBer": any fixed value makes boots repeatable; the kernel wipes it after use.
DEFAULT_KASLR_SEED=0x4879706572426572
BASE_BOOTARGS="console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init"

say() { echo "linux-kit: $*"; }
die() { echo "linux-kit: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- guest DTB

# Two DT cells "<hi> <lo>" of a 64-bit number.
cells64() { printf '0x%x 0x%08x' $(( ($1 >> 32) & 0xffffffff )) $(( $1 & 0xffffffff )); }

# make_dtb OUT NAME RAM_BASE RAM_SIZE CPUS INITRD_IPA INITRD_SIZE EXTRA_BOOTARGS KASLR_SEED [DEVICE_NODES]
# INITRD_SIZE 0 leaves the initrd range out (QEMU's -initrd adds it); KASLR_SEED "" means nokaslr.
# DEVICE_NODES: DT text of the VM's virtio devices (virtio_nodes).
make_dtb() {
	local out=$1 name=$2 ram_base=$3 ram_size=$4 cpus=$5 initrd_ipa=$6 initrd_size=$7 extra=$8 seed=$9
	local devices=${10:-}
	(( cpus >= 1 && cpus <= 8 )) || die "$out: $cpus vCPUs: GICv2 allows 1 to 8"
	(( ram_size > 0 && ram_base % 0x200000 == 0 && ram_size % 0x200000 == 0 )) ||
		die "$out: RAM [$ram_base, +$ram_size) must be non-empty and 2 MiB aligned"
	case "$extra" in *'"'* | *\\*) die "bootargs may not contain quotes or backslashes" ;; esac

	local bootargs="$BASE_BOOTARGS" chosen="" cpu_nodes="" n words
	[ -z "$seed" ] && case " $extra " in *" nokaslr "*) ;; *) extra="$extra nokaslr" ;; esac
	read -r -a words <<<"$extra"
	extra="${words[*]}"
	[ -n "$extra" ] && bootargs="$bootargs $extra"
	if (( initrd_size > 0 )); then
		(( initrd_ipa >= ram_base && initrd_ipa + initrd_size <= ram_base + ram_size )) ||
			die "$out: initrd [$(printf 0x%x "$initrd_ipa"), +$initrd_size) is not inside the RAM"
		chosen+=$'\t\t'"linux,initrd-start = <$(cells64 "$initrd_ipa")>;"$'\n'
		chosen+=$'\t\t'"linux,initrd-end = <$(cells64 $((initrd_ipa + initrd_size)))>;"$'\n'
	fi
	[ -n "$seed" ] && chosen+=$'\t\t'"kaslr-seed = <$(cells64 "$seed")>;"$'\n'
	for ((n = 0; n < cpus; n++)); do
		# reg = MPIDR Aff0, which is what HyperBerry gives vCPU n.
		cpu_nodes+=$'\t\tcpu@'"$n"$' {\n\t\t\tdevice_type = "cpu";\n\t\t\tcompatible = "arm,cortex-a72";\n'
		cpu_nodes+=$'\t\t\treg = <'"$n"$'>;\n\t\t\tenable-method = "psci";\n\t\t};\n'
	done

	local dts
	dts=$(<"$TEMPLATE")
	dts=${dts//@VM_NAME@/$name}
	dts=${dts//@BOOTARGS@/$bootargs}
	dts=${dts//@CHOSEN_EXTRA@/$chosen}
	dts=${dts//@MEMORY_UNIT@/$(printf %x "$ram_base")}
	dts=${dts//@MEMORY_REG@/$(cells64 "$ram_base") $(cells64 "$ram_size")}
	dts=${dts//@CPU_NODES@/$cpu_nodes}
	dts=${dts//@DEVICE_NODES@/$devices}
	# GICv2 PPI flags carry a mask of the CPUs the PPI is wired to, like QEMU writes them.
	dts=${dts//@TIMER_FLAGS@/$(printf '0x%x' $(( (((1 << cpus) - 1) << 8) | 4 )))}
	mkdir -p "$(dirname "$out")"
	printf '%s\n' "$dts" > "${out%.dtb}.dts"
	dtc -q -I dts -O dtb -o "$out" "${out%.dtb}.dts" || die "dtc failed on ${out%.dtb}.dts"
	say "$(basename "$out"): $cpus CPUs, RAM $(printf '0x%x+0x%x' "$ram_base" "$ram_size")$( ((initrd_size > 0)) &&
		printf ', initrd 0x%x+0x%x' "$initrd_ipa" "$initrd_size"), bootargs \"$bootargs\"$([ -n "$seed" ] &&
		echo ", kaslr-seed $seed")"
}

# Parses the options shared by both modes into EXTRA_BOOTARGS / KASLR_SEED; leaves the rest in REST.
EXTRA_BOOTARGS="" KASLR_SEED=$DEFAULT_KASLR_SEED CONFIGS=() REST=()
parse_common() {
	local a
	for a in "$@"; do
		case "$a" in
		--bootargs=*) EXTRA_BOOTARGS=${a#*=} ;;
		--kaslr-seed=*) KASLR_SEED=${a#*=}; [[ $KASLR_SEED =~ ^(0x[0-9a-fA-F]{1,16}|[0-9]+)$ ]] ||
			die "--kaslr-seed wants a 64-bit number" ;;
		--nokaslr) KASLR_SEED="" ;;
		--config=*) CONFIGS+=("${a#*=}") ;;
		*) REST+=("$a") ;;
		esac
	done
	case " $EXTRA_BOOTARGS " in *" nokaslr "*) KASLR_SEED="" ;; esac
}

if [ "${1:-}" = dtb ]; then
	[ $# -ge 2 ] || die "usage: $0 dtb OUT.dtb --ram=BASE,SIZE --cpus=N [--initrd=IPA,SIZE] [...]"
	out=$2; shift 2
	parse_common "$@"
	ram="" cpus=1 initrd="0,0"
	for a in "${REST[@]}"; do
		case "$a" in
		--ram=*,*) ram=${a#*=} ;;
		--cpus=*) cpus=${a#*=} ;;
		--initrd=*,*) initrd=${a#*=} ;;
		*) die "unknown option '$a'" ;;
		esac
	done
	[ -n "$ram" ] || die "dtb: --ram=BASE,SIZE is required"
	make_dtb "$out" "$(basename "${out%.dtb}")" $((${ram%,*})) $((${ram#*,})) $((cpus)) \
		$((${initrd%,*})) $((${initrd#*,})) "$EXTRA_BOOTARGS" "$KASLR_SEED"
	exit 0
fi

parse_common "$@"
[ ${#REST[@]} -eq 0 ] || die "unknown option '${REST[0]}' (see the usage at the top of $0)"
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(configs/linux.dts)
for tool in apt-cache apt-get dpkg dpkg-deb depmod cpio gzip dtc fdtget mkfs.ext4; do
	command -v "$tool" >/dev/null || die "'$tool' is missing: run tools/setup.sh linux build (as root)"
done
started=$(date +%s)
mkdir -p "$OUT/debs"

# ---------------------------------------------------------------- resolve and download

pin_get() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }
pinned_pkg=$(pin_get "$PIN" package) pinned_ver=$(pin_get "$PIN" version)

# One `apt-cache policy` answers every question below: apt keeps no binary cache in some containers, so each
# apt-cache call costs seconds.
POLICY=""
read_policy() {
	POLICY=$(apt-cache policy linux-image-arm64:arm64 busybox-static:arm64 ${pinned_pkg:+"$pinned_pkg:arm64"} \
		2>/dev/null || true)
}
# candidate PKG: the version apt would download, empty when none.
candidate() {
	awk -v pkg="$1:" '/^[^ ]/ { in_pkg = ($1 == pkg) } in_pkg && $1 == "Candidate:" && $2 != "(none)" { print $2 }' \
		<<<"$POLICY"
}
# offers PKG VERSION: apt can still download exactly this version.
offers() {
	awk -v pkg="$1:" -v ver="$2" '/^[^ ]/ { in_pkg = ($1 == pkg) }
		in_pkg && ($1 == ver || ($1 == "***" && $2 == ver)) { found = 1 } END { exit !found }' <<<"$POLICY"
}

read_policy
if [ -z "$(candidate linux-image-arm64:arm64)" ] || [ -z "$(candidate busybox-static:arm64)" ]; then
	if [ -s "$OUT/KERNEL_VERSION" ] && [ -s "$OUT/BUSYBOX_VERSION" ]; then
		say "apt offers no arm64 packages: using the cached downloads"
	else
		[ "$(id -u)" = 0 ] ||
			die "apt has no arm64 package lists; as root run: dpkg --add-architecture arm64 && apt-get update"
		say "apt has no arm64 package lists yet: running 'dpkg --add-architecture arm64' and 'apt-get update'"
		dpkg --add-architecture arm64
		apt-get update -qq
		read_policy
		for p in linux-image-arm64:arm64 busybox-static:arm64; do
			[ -n "$(candidate $p)" ] || die "$p is still not downloadable after apt-get update"
		done
	fi
fi

if [ -n "$(candidate linux-image-arm64:arm64)" ]; then
	# The pin wins while Debian still offers it; otherwise take what the metapackage points at, loudly.
	if [ -n "$pinned_pkg" ] && offers "$pinned_pkg:arm64" "$pinned_ver"; then
		kernel_pkg=$pinned_pkg kernel_ver=$pinned_ver
	else
		kernel_pkg=$(apt-cache depends linux-image-arm64:arm64 |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\)\(:arm64\)\{0,1\}$/\1/p' | head -n 1)
		[ -n "$kernel_pkg" ] || die "cannot resolve the kernel package linux-image-arm64:arm64 depends on"
		POLICY=$(apt-cache policy "$kernel_pkg:arm64" busybox-static:arm64 2>/dev/null || true)
		kernel_ver=$(candidate "$kernel_pkg:arm64")
	fi
	busybox_ver=$(candidate busybox-static:arm64)
else
	kernel_pkg=$(pin_get "$OUT/KERNEL_VERSION" package) kernel_ver=$(pin_get "$OUT/KERNEL_VERSION" version)
	busybox_ver=$(pin_get "$OUT/BUSYBOX_VERSION" version)
fi
if [ -z "$kernel_ver" ] || [ -z "$busybox_ver" ]; then
	die "no downloadable version of $kernel_pkg or busybox-static"
fi
kernel_release=${kernel_pkg#linux-image-}
if [ -n "$pinned_pkg" ] && [ "$kernel_pkg $kernel_ver" != "$pinned_pkg $pinned_ver" ]; then
	say "*** kernel changed from pinned $pinned_pkg $pinned_ver to $kernel_pkg $kernel_ver ***"
	say "*** boot-test it, then update tools/linux-kernel.pin ***"
fi

# fetch PACKAGE VERSION: prints the cached .deb, downloading it first when it is not there yet.
fetch() {
	local deb="$OUT/debs/${1}_${2//:/%3a}_arm64.deb" tmp
	if [ ! -s "$deb" ]; then
		[ "$(id -u)" = 0 ] || die "downloading $1 needs root (apt-get download)"
		echo "linux-kit: downloading $1:arm64 $2" >&2
		tmp=$(mktemp -d "$OUT/debs/.dl.XXXXXX")
		# apt drops privileges to _apt for the download when it can write there.
		chown _apt "$tmp" 2>/dev/null || true
		(cd "$tmp" && apt-get download -q=2 "$1:arm64=$2") >&2 || { rm -rf "$tmp"; die "apt-get download $1 failed"; }
		mv "$tmp"/*.deb "$deb"
		rm -rf "$tmp"
	fi
	echo "$deb"
}

# unpack DEB DIR: dpkg-deb -x once per .deb (a stamp records which one DIR holds).
unpack() {
	[ "$(cat "$2/.from" 2>/dev/null)" = "$(basename "$1")" ] && return 0
	say "unpacking $(basename "$1")"
	rm -rf "$2"
	mkdir -p "$2"
	dpkg-deb -x "$1" "$2"
	basename "$1" > "$2/.from"
}

kernel_deb=$(fetch "$kernel_pkg" "$kernel_ver")
busybox_deb=$(fetch busybox-static "$busybox_ver")
# Only the current pair stays cached: each superseded kernel would keep 60 MB.
find "$OUT/debs" -maxdepth 1 -name '*.deb' ! -path "$kernel_deb" ! -path "$busybox_deb" -print -delete |
	sed 's,.*/,linux-kit: removed the superseded ,'
unpack "$kernel_deb" "$OUT/kernel"
unpack "$busybox_deb" "$OUT/busybox"
printf 'package=%s\nversion=%s\nrelease=%s\n' "$kernel_pkg" "$kernel_ver" "$kernel_release" > "$OUT/KERNEL_VERSION"
printf 'package=busybox-static\nversion=%s\n' "$busybox_ver" > "$OUT/BUSYBOX_VERSION"
say "kernel $kernel_pkg $kernel_ver (release $kernel_release), busybox-static $busybox_ver"

# ---------------------------------------------------------------- Image

vmlinuz=$OUT/kernel/boot/vmlinuz-$kernel_release
[ -f "$vmlinuz" ] || die "$kernel_deb has no boot/vmlinuz-$kernel_release"
# Debian's arm64 vmlinuz is already a raw Image (an EFI stub with the arm64 header), not a compressed file.
[ "$(od -An -c -j 56 -N 4 "$vmlinuz" | tr -d ' ')" = 'ARMd' ] || die "$vmlinuz is not an arm64 Image"
cp "$vmlinuz" "$OUT/Image.tmp" && mv "$OUT/Image.tmp" "$OUT/Image"
header_u64() { od -An -t u8 -j "$1" -N 8 "$OUT/Image" | tr -d ' '; }
say "Image: $(stat -c %s "$OUT/Image") bytes, text_offset $(header_u64 8), image_size $(header_u64 16)"
# The Raspberry Pi 4's own DTB, from the same package: QEMU's raspi4b (BOARD=rpi4) boots HyperBerry with it, as
# the firmware would pass it on the board.
cp "$OUT/kernel/usr/lib/linux-image-$kernel_release/broadcom/bcm2711-rpi-4-b.dtb" "$OUT/bcm2711-rpi-4-b.dtb" ||
	die "$kernel_deb has no broadcom/bcm2711-rpi-4-b.dtb"

# ---------------------------------------------------------------- initramfs

stage=$OUT/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,etc,proc,sys,tmp,root,mnt,run,usr}
ln -s bin "$stage/sbin"
ln -s ../bin "$stage/usr/bin"
ln -s ../bin "$stage/usr/sbin"
cp "$OUT/busybox/bin/busybox" "$stage/bin/busybox"
mknod -m 600 "$stage/dev/console" c 5 1 || die "mknod /dev/console failed: run as root"

# An arm64 busybox cannot run here for --list, so read its applet table: the sorted, NUL-separated names
# that start with "[" and "[[".
applets=$(LC_ALL=C tr '\0' '\n' < "$stage/bin/busybox" | LC_ALL=C awk '
	on { if ($0 ~ /^[!-~]+$/) { print; next } exit }
	prev == "[" && $0 == "[[" { on = 1; print prev; print }
	{ prev = $0 }')
if [ -z "$applets" ]; then
	say "warning: busybox applet table not found; linking only the fixed applet list"
	applets=$APPLETS
fi
missing=$(awk 'NR == FNR { have[$0] = 1; next } { for (i = 1; i <= NF; i++) if (!($i in have)) printf " %s", $i }' \
	<(echo "$applets") <(echo "$APPLETS"))
[ -z "$missing" ] || die "Debian's busybox lacks applets the kit needs:$missing"
# One process for ~270 links: a fork per `ln` costs seconds in some containers.
grep -vxE 'busybox|linuxrc|.*/.*' <<<"$applets" | python3 -c '
import os, sys
for name in sys.stdin.read().split():
	os.symlink("busybox", os.path.join(sys.argv[1], name))' "$stage/bin"

# Modules: each wanted one after its dependencies, as modules.dep lists them (deepest last).
kmods=$OUT/kernel/lib/modules/$kernel_release
if [ ! -s "$kmods/modules.dep" ] || [ "$kmods/modules.dep" -ot "$OUT/kernel/.from" ]; then
	depmod -b "$OUT/kernel" "$kernel_release"
fi
order=""
for m in $MODULES; do
	line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$kmods/modules.dep") || die "module $m is not in $kernel_pkg"
	deps=$(tr ' ' '\n' <<<"${line#*:}" | tac)
	for path in $deps "${line%%:*}"; do
		case " $order " in *" $path "*) ;; *) order="$order $path" ;; esac
	done
done
smods=$stage/lib/modules/$kernel_release
for path in $order; do
	mkdir -p "$smods/$(dirname "$path")"
	cp "$kmods/$path" "$smods/$path"
	echo "$path"
done > "$stage/etc/modules-load-order"
cp "$kmods/modules.order" "$kmods/modules.builtin" "$kmods/modules.builtin.modinfo" "$smods/"
depmod -b "$stage" "$kernel_release"

cat > "$stage/init" <<'EOF'
#!/bin/sh
# PID 1 of the HyperBerry Linux kit: mount the basics, load the kit's modules, print the marker, give a shell.
export PATH=/bin HOME=/root TERM=vt100
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
release=$(uname -r)
# Loading fails harmlessly where no device needs the driver; the order file already respects dependencies.
while read -r module; do
	insmod "/lib/modules/$release/$module" || echo "init: insmod $module failed"
done < /etc/modules-load-order
hostname hyperberry
echo "HYPERBERRY-LINUX-READY kernel=$release cpus=$(nproc)"
# cttyhack reopens the real console (ttyAMA0) as a controlling terminal, so Ctrl-C and job control work.
exec setsid cttyhack sh -l
EOF
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
printf 'root:x:0:\n' > "$stage/etc/group"
printf 'PS1='"'"'\\h:\\w# '"'"'\n' > "$stage/etc/profile"

# Reproducible archive: fixed modes, owners, times and inode numbers; names sorted.
epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$vmlinuz")}
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
chmod 755 "$stage/init" "$stage/bin/busybox"
chmod 1777 "$stage/tmp"
chmod 700 "$stage/root"
find "$stage" -exec touch -h -d "@$epoch" {} +
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --quiet -o -H newc -R 0:0 --reproducible) | gzip -9 -n > "$OUT/initramfs.cpio.gz.tmp"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
say "initramfs.cpio.gz: $(stat -c %s "$OUT/initramfs.cpio.gz") bytes, sha256 $(sha256sum < "$OUT/initramfs.cpio.gz" | cut -c1-16)…," \
	"modules:$(sed 's,.*/,,; s,\.ko.*,,' "$stage/etc/modules-load-order" | tr '\n' ' ')"

# ---------------------------------------------------------------- disk image

# An empty ext4 file system for virtio-blk disks, made here by Debian's e2fsprogs so the guests need no mkfs.
# Fixed UUID, hash seed and time make it reproducible.
disk=$OUT/ext4-64m.img
if [ ! -s "$disk" ]; then
	rm -f "$disk.tmp"
	E2FSPROGS_FAKE_TIME=$epoch mkfs.ext4 -q -F -b 4096 -L hbdisk -U 48425259-4265-7272-7944-69736b000001 \
		-E hash_seed=48425259-4265-7272-7944-69736b000002,lazy_itable_init=0,lazy_journal_init=0 \
		"$disk.tmp" 64M >/dev/null || die "mkfs.ext4 failed"
	mv "$disk.tmp" "$disk"
fi
say "ext4-64m.img: $(stat -c %s "$disk") bytes, empty ext4"

# ---------------------------------------------------------------- guest DTBs

initrd_size=$(stat -c %s "$OUT/initramfs.cpio.gz")
# Native QEMU (no EL2: QEMU answers PSCI on HVC) with -m 256M; QEMU's -initrd fills in the initrd range.
make_dtb "$OUT/guest-native.dtb" native $((0x40000000)) $((256 << 20)) 2 0 0 "$EXTRA_BOOTARGS" "$KASLR_SEED"

# cell_u64 DTB NODE PROP INDEX: the 64-bit number made of cells INDEX and INDEX+1.
cell_u64() {
	local c
	read -r -a c <<<"$(fdtget -t x "$1" "$2" "$3")"
	echo $(( (0x${c[$4]} << 32) | 0x${c[$4 + 1]} ))
}
# virtio_nodes DTB VM_NODE: a virtio,mmio node per virtio-blk@/virtio-net@ child of the VM in the configuration.
# dma-coherent: the backends read guest memory through cacheable mappings, so the guest needs no cache
# maintenance for its rings and buffers.
virtio_nodes() {
	local dev ipa irq text=""
	for dev in $(fdtget -l "$1" "$2"); do
		case "$dev" in virtio-blk* | virtio-net*) ;; *) continue ;; esac
		ipa=$(cell_u64 "$1" "$2/$dev" ipa 0)
		irq=$(fdtget -t u "$1" "$2/$dev" interrupt)
		text+=$'\t'"virtio_mmio@$(printf %x "$ipa") {"$'\n\t\t'"compatible = \"virtio,mmio\";"$'\n'
		text+=$'\t\t'"reg = <$(cells64 "$ipa") 0x0 0x200>;"$'\n'
		text+=$'\t\t'"interrupts = <0 $((irq - 32)) 4>;"$'\n\t\tdma-coherent;\n\t};\n'
	done
	printf '%s' "$text"
}
for config in "${CONFIGS[@]}"; do
	[ -f "$ROOT/$config" ] || [ -f "$config" ] || die "no configuration $config"
	[ -f "$config" ] || config=$ROOT/$config
	blob=$(mktemp)
	dtc -q -I dts -O dtb -o "$blob" "$config" || die "dtc failed on $config"
	for vm in $(fdtget -l "$blob" /vms); do
		node=/vms/$vm
		dtb=$(fdtget -t s "$blob" "$node" dtb 2>/dev/null) || continue
		case "$dtb" in build/linux/guest-*.dtb | "$OUT"/guest-*.dtb) ;; *) continue ;; esac
		initrd_ipa=0 size=0
		if initrd=$(fdtget -t s "$blob" "$node" initrd 2>/dev/null); then
			initrd_ipa=$(cell_u64 "$blob" "$node" initrd-ipa 0)
			case "$initrd" in /*) ;; *) initrd=$ROOT/$initrd ;; esac
			[ -f "$initrd" ] || die "$config: vm $vm: initrd $initrd does not exist"
			size=$(stat -c %s "$initrd")
		fi
		make_dtb "$ROOT/${dtb#"$ROOT"/}" "$vm" "$(cell_u64 "$blob" "$node" ram 0)" \
			"$(cell_u64 "$blob" "$node" ram 2)" "$(fdtget -t u "$blob" "$node" vcpus)" \
			"$initrd_ipa" "$size" "$EXTRA_BOOTARGS" "$KASLR_SEED" "$(virtio_nodes "$blob" "$node")"
	done
	rm -f "$blob"
done

say "done in $(( $(date +%s) - started )) s; kernel $(tr '\n' ' ' < "$OUT/KERNEL_VERSION")"
