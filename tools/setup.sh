#!/bin/sh
# Installs, from Debian's archive only, the packages a make target needs.
# Idempotent: does nothing when everything is present. Usage: setup.sh GROUP...
# Groups: build run test fuzz lint linux rpi4
#   rpi4: a QEMU with the raspi4b machine (>= 9.0). Debian 12's own QEMU (7.2)
#   lacks it, so bookworm-backports' qemu-system-arm is unpacked into
#   build/tools/qemu-backports/ and used for BOARD=rpi4 only; the system QEMU
#   that every other test and `make bench` use stays as it is
#   (docs/boards/rpi4.md says why).
# `setup.sh --qemu-rpi4` prints the QEMU binary to use for raspi4b, or fails.
set -e

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QEMU_PRIVATE=$ROOT/build/tools/qemu-backports
BACKPORTS_URI=http://deb.debian.org/debian

has_raspi4b() { "$1" -M help 2>/dev/null | grep -qw raspi4b; }

qemu_rpi4() {
	if has_raspi4b qemu-system-aarch64; then
		echo qemu-system-aarch64
	elif has_raspi4b "$QEMU_PRIVATE/usr/bin/qemu-system-aarch64"; then
		echo "$QEMU_PRIVATE/usr/bin/qemu-system-aarch64"
	else
		return 1
	fi
}

# Downloads qemu-system-arm from bookworm-backports with a private apt
# configuration (its own source list, package lists and cache under
# build/tools/apt), so the system's apt sources and packages are untouched,
# and unpacks it. Its libraries are those of Debian 12's own qemu-system-arm
# (installed by the `run` group); ldd proves they resolve. It finds the system
# QEMU's loadable modules, which belong to another build: run it with
# `-audio none` (the audio module aborts it; the UI one only warns).
install_private_qemu() {
	apt_dir=$ROOT/build/tools/apt
	rm -rf "$apt_dir" "$QEMU_PRIVATE.tmp"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$apt_dir/deb"
	echo "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $BACKPORTS_URI bookworm-backports main" \
		> "$apt_dir/sources.list"
	set -- -q=2 -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/parts" \
		-o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
	# As root apt would hand the download to the _apt user, who cannot write here.
	[ "$(id -u)" = 0 ] && set -- "$@" -o APT::Sandbox::User=root
	echo "HyperBerry set-up: the system QEMU has no raspi4b machine; fetching qemu-system-arm from bookworm-backports"
	apt-get "$@" update || { echo "setup.sh: apt-get update of bookworm-backports failed" >&2; return 1; }
	(cd "$apt_dir/deb" && apt-get "$@" download qemu-system-arm/bookworm-backports) ||
		{ echo "setup.sh: downloading qemu-system-arm from bookworm-backports failed" >&2; return 1; }
	dpkg-deb -x "$apt_dir"/deb/qemu-system-arm_*.deb "$QEMU_PRIVATE.tmp"
	missing=$(ldd "$QEMU_PRIVATE.tmp/usr/bin/qemu-system-aarch64" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p')
	if [ -n "$missing" ]; then
		echo "setup.sh: the backports QEMU needs libraries Debian 12 does not have here:" $missing >&2
		rm -rf "$QEMU_PRIVATE.tmp"
		return 1
	fi
	rm -rf "$QEMU_PRIVATE"
	mv "$QEMU_PRIVATE.tmp" "$QEMU_PRIVATE"
	rm -rf "$apt_dir"
	has_raspi4b "$QEMU_PRIVATE/usr/bin/qemu-system-aarch64" || { echo "setup.sh: unpacked QEMU has no raspi4b" >&2; return 1; }
	echo "HyperBerry set-up: $("$QEMU_PRIVATE/usr/bin/qemu-system-aarch64" --version | head -n 1) in $QEMU_PRIVATE (BOARD=rpi4 only)"
}

if [ "${1:-}" = --qemu-rpi4 ]; then
	qemu_rpi4
	exit
fi

pkgs_build="make gcc libc6-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu device-tree-compiler python3"
pkgs_run="qemu-system-arm"
pkgs_test="libcmocka-dev libfdt-dev python3-pytest python3-pexpect"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_lint="cppcheck"
pkgs_linux="cpio gzip kmod dpkg e2fsprogs"
# The private QEMU reuses the system QEMU's libraries; see install_private_qemu.
pkgs_rpi4="qemu-system-arm apt dpkg"

want=""
for group in "$@"; do
	eval "list=\$pkgs_$group"
	[ -n "$list" ] || { echo "setup.sh: unknown group '$group'" >&2; exit 2; }
	want="$want $list"
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
	fi
done
ensure_rpi4() {
	case " $* " in *" rpi4 "*) ;; *) return 0 ;; esac
	qemu_rpi4 >/dev/null || install_private_qemu
}

if [ -z "$missing" ]; then
	ensure_rpi4 "$@"
	exit
fi

if [ "$(id -u)" != 0 ]; then
	echo "HyperBerry needs these Debian packages:$missing" >&2
	echo "Install them as root:  apt-get install$missing" >&2
	exit 1
fi
echo "HyperBerry set-up: installing from Debian's archive:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
ensure_rpi4 "$@"
echo "HyperBerry set-up: done"
