# Build settings for QEMU virt.
BOARD_CFLAGS := -mcpu=cortex-a72
QEMU_MACHINE := virt,virtualization=on,gic-version=2
QEMU_CPU := cortex-a72
QEMU_SMP := 4
QEMU_MEM := 2G
