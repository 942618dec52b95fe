#!/bin/sh
# Installs, from Debian's archive only, the packages a make target needs.
# Idempotent: does nothing when everything is present. Usage: setup.sh GROUP...
# Groups: build run test fuzz lint linux
set -e

pkgs_build="make gcc libc6-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu device-tree-compiler python3"
pkgs_run="qemu-system-arm"
pkgs_test="libcmocka-dev libfdt-dev python3-pytest python3-pexpect"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_lint="cppcheck"
pkgs_linux="cpio gzip kmod dpkg e2fsprogs"

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
[ -z "$missing" ] && exit 0

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
echo "HyperBerry set-up: done"
