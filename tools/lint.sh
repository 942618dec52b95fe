#!/bin/sh
# Static analysis of the hypervisor sources: cppcheck, then GCC's -fanalyzer
# with the exact target flags of the Makefile. Exits non-zero on any finding.
# Usage: tools/lint.sh [FILE.c...]   (default: every .c of the hypervisor)
# Environment: BOARD (default qemu-virt), CROSS (default aarch64-linux-gnu-).
set -u
cd "$(dirname "$0")/.." || exit 2

board=${BOARD:-qemu-virt}
cross=${CROSS:-aarch64-linux-gnu-}
hyp_dirs="arch/aarch64 core lib vdev drivers boards/$board"

if [ $# -gt 0 ]; then
	srcs="$*"
else
	# Same folders as the Makefile's HYP_DIRS.
	srcs=$(for d in $hyp_dirs; do ls "$d"/*.c 2>/dev/null; done | sort)
fi
[ -n "$srcs" ] || { echo "lint: no sources" >&2; exit 2; }
for tool in cppcheck "${cross}gcc" make; do
	command -v "$tool" >/dev/null || { echo "lint: '$tool' is missing (tools/setup.sh lint build)" >&2; exit 2; }
done

status=0

# ---- cppcheck. Only the configuration the target builds (the host/unit-test
# branches under HB_HOST are checked by the sanitizer builds instead).
# Suppressions, each unavoidable:
#  missingIncludeSystem: there are no system headers in a freestanding build;
#  unusedFunction: whole-program only, and many functions are called from asm;
#  checkersReport: cppcheck's own statistics, not a finding.
echo "== cppcheck ($(cppcheck --version))"
# shellcheck disable=SC2086
if ! cppcheck --std=c11 --language=c --platform=unix64 \
	--enable=warning,portability,performance --inline-suppr --quiet \
	--error-exitcode=1 --max-configs=1 \
	--suppress=missingIncludeSystem --suppress=unusedFunction --suppress=checkersReport \
	-I. -Iboards/"$board" -D__aarch64__ -D__GNUC__=12 \
	-DHB_VERSION='"lint"' -DHB_BOARD='"lint"' \
	--template='{file}:{line}: cppcheck {severity} [{id}]: {message}' \
	$srcs; then
	status=1
fi

# ---- gcc -fanalyzer, with the Makefile's own TARGET_CFLAGS so the two can
# never disagree. -Werror in those flags turns every analyzer warning into a
# failed compile.
# shellcheck disable=SC2016 # $(TARGET_CFLAGS) is for make, not the shell
cflags=$(make -s --no-print-directory BOARD="$board" CROSS="$cross" \
	--eval='lint-print-cflags: ; @echo $(TARGET_CFLAGS)' lint-print-cflags) || {
	echo "lint: could not read TARGET_CFLAGS from the Makefile" >&2
	exit 2
}
echo "== ${cross}gcc -fanalyzer"
for f in $srcs; do
	# shellcheck disable=SC2086
	if ! "${cross}gcc" $cflags -fanalyzer -fdiagnostics-plain-output -c "$f" -o /dev/null; then
		status=1
	fi
done

if [ $status -eq 0 ]; then
	echo "lint: no findings"
else
	echo "lint: FINDINGS above" >&2
fi
exit $status
