# Build settings for the Raspberry Pi 4 and QEMU's raspi4b (needs QEMU >= 9.0;
# `tools/setup.sh rpi4` provides one, see docs/boards/rpi4.md).
BOARD_CFLAGS := -mcpu=cortex-a72
QEMU_MACHINE := raspi4b
QEMU_CPU := cortex-a72
QEMU_SMP := 4
QEMU_MEM := 2G
# The system QEMU when it knows raspi4b, else the private one setup.sh unpacked;
# asked when the recipe runs, after `make run` has called setup.sh.
QEMU := $$(tools/setup.sh --qemu-rpi4 || echo qemu-system-aarch64)
# raspi4b builds no DTB of its own: it gets Debian's bcm2711-rpi-4-b.dtb from
# the Linux kit, like the firmware passes the one on the SD card.
# Multi-threaded TCG although the host may have 2 cores: with thread=single a
# guest that spins (the console guest polls its UART every 1 ms) starved the
# Linux VM completely (no progress in 150 s), while MTTCG boots configs/rpi4.dts
# to the Linux prompt in about 20 s. HyperBerry parks idle cores in WFI, so
# the spinning secondaries that make MTTCG slow under the firmware's loop are
# gone once it runs. -audio none: see tools/setup.sh.
QEMU_DTB := build/linux/bcm2711-rpi-4-b.dtb
QEMU_EXTRA := -accel tcg,thread=multi -audio none -dtb $(QEMU_DTB)
# tools/setup.sh group that provides that QEMU.
BOARD_SETUP := rpi4
# `make BOARD=rpi4 run` and `sdcard` pack this configuration unless CONFIG= says otherwise.
BOARD_CONFIG := configs/rpi4.dts
