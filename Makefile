# HyperBerry build. `make run` and `make test` are the two commands a user needs;
# both install missing Debian packages first (tools/setup.sh).
BOARD ?= qemu-virt
DEBUG ?= 0
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

BUILD := build/$(BOARD)
CROSS ?= aarch64-linux-gnu-
CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
NM := $(CROSS)nm
HOSTCC ?= gcc
PYTHON := /usr/bin/python3

GIT_VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)

include boards/$(BOARD)/board.mk

# -mstrict-align everywhere: the primary core parses the DTB and builds page
# tables before its MMU is on, when every access is Device-type and an
# unaligned one faults. Exit paths touch only aligned structures, so it costs
# nothing measurable there.
TARGET_CFLAGS := -std=c11 -O2 -g -ffreestanding -nostdlib -fno-builtin \
	-mgeneral-regs-only -mstrict-align -mno-outline-atomics -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-Wall -Wextra -Werror -Wno-unused-parameter -I. -Iboards/$(BOARD) \
	-DHB_VERSION='"$(GIT_VERSION)"' -DHB_BOARD='"$(BOARD)"' $(BOARD_CFLAGS)
ifeq ($(DEBUG),1)
TARGET_CFLAGS += -DHB_DEBUG
endif
# x9-x15 and x18 are never used by hypervisor code, so a guest's values of
# them survive a fast exit in the registers themselves and the exit entry
# (arch/aarch64/guest_entry.S) need not save them: see docs/architecture.md.
# Every object of the hypervisor is built with this (there is no libgcc or
# other foreign code in the link); the hand-written assembly that C calls
# keeps to x0-x8. Host builds (unit tests, fuzzing) and guests do not use it.
# x16/x17 cannot be among them: GCC's prologues use them as scratch whatever
# -ffixed says.
HYP_FIXED_REGS := -ffixed-x9 -ffixed-x10 -ffixed-x11 -ffixed-x12 -ffixed-x13 -ffixed-x14 \
	-ffixed-x15 -ffixed-x18
TARGET_CFLAGS += $(HYP_FIXED_REGS)
TARGET_ASFLAGS := $(TARGET_CFLAGS) -D__ASSEMBLY__

# Every .c/.S under these folders is part of the hypervisor.
HYP_DIRS := arch/aarch64 core lib vdev drivers boards/$(BOARD)
# The virtio module (transport, backends, VM switch, physical disk driver):
# VIRTIO=0 builds without it, and a configuration with virtio devices is
# then refused. A board may default it off in its board.mk.
VIRTIO ?= 1
VIRTIO_SRCS := vdev/virtio_mmio.c vdev/virtq.c drivers/virtio_disk.c $(wildcard vdev/virtio/*.c)
HYP_SRCS := $(filter-out $(VIRTIO_SRCS),$(sort $(foreach d,$(HYP_DIRS),$(wildcard $(d)/*.c $(d)/*.S))))
ifeq ($(VIRTIO),1)
HYP_SRCS += $(VIRTIO_SRCS)
TARGET_CFLAGS += -DHB_VIRTIO
endif
HYP_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(HYP_SRCS))

.PHONY: size
size: hyp
	$(Q)tools/size.sh $(BUILD)

.PHONY: all run test unit integration bench setup clean lint help hyp guests image fuzz fuzz-smoke linux-kit sdcard soak
all: hyp guests
hyp: $(BUILD)/hyperberry.bin

## make run            build, then boot HyperBerry with configs/default.dts in QEMU (Ctrl-] x quits)
## make test           every test: host unit tests, then QEMU integration tests
## make size           code and data size of the core and of the virtio module, apart
## make bench          exit-path, Linux-boot and virtio benchmarks (QEMU -icount): build/bench/*.csv
## make unit           host unit tests only (cmocka, ASan+UBSan)
## make integration    QEMU integration tests only (pytest)
## make DEBUG=1 ...    build with assertions (DCHECK) enabled
## make BOARD=<board>  choose a board (boards/*); default qemu-virt
# A board.mk may name another QEMU binary and extra options (boards/rpi4).
QEMU ?= qemu-system-aarch64
# -echr: QEMU's own escape becomes Ctrl-] (Ctrl-] x quits), so Ctrl-A reaches
# HyperBerry's console multiplexer.
QEMU_BASE := $(QEMU) -M $(QEMU_MACHINE) -cpu $(QEMU_CPU) -smp $(QEMU_SMP) -m $(QEMU_MEM) -nographic -echr 0x1d \
	$(QEMU_EXTRA)
export QEMU_BASE

# A board may name its own default configuration (boards/rpi4: configs/rpi4.dts).
CONFIG ?= $(or $(BOARD_CONFIG),configs/default.dts)
# Hypervisor command line; VM prefixes are coloured on an interactive terminal.
APPEND ?= $(if $(shell test -t 0 && echo tty),hb.color=1)
IMAGE := $(BUILD)/$(basename $(notdir $(CONFIG))).img

## make image CONFIG=configs/x.dts   pack hypervisor + configuration + guest images into one bootable image
image: all $(if $(findstring build/linux,$(shell cat $(CONFIG) 2>/dev/null)),linux-kit)
	$(Q)$(PYTHON) tools/mkimage.py --hyp $(BUILD)/hyperberry.bin --elf $(BUILD)/hyperberry.elf \
		--config $(CONFIG) --out $(IMAGE)

## make BOARD=rpi4 sdcard   boot folder for a Raspberry Pi 4 SD card in build/rpi4/sdcard/ (firmware named, not shipped)
# The board's boards/<b>/sdcard/ folder (config.txt, README.md) plus the packed
# image as hyperberry.img; boards without that folder have no SD card.
sdcard:
	$(Q)test -d boards/$(BOARD)/sdcard || { echo "make sdcard: board $(BOARD) boots from no SD card (try BOARD=rpi4)" >&2; exit 1; }
	$(Q)$(MAKE) --no-print-directory image
	$(Q)rm -rf $(BUILD)/sdcard && mkdir -p $(BUILD)/sdcard
	$(Q)cp boards/$(BOARD)/sdcard/* $(BUILD)/sdcard/
	$(Q)cp $(IMAGE) $(BUILD)/sdcard/hyperberry.img
	@echo "  SDCARD  $(BUILD)/sdcard/ ($(notdir $(CONFIG))): add the firmware files its README.md names"

## make linux-kit      Debian arm64 kernel + busybox initramfs + guest DTBs into build/linux/ (cached)
linux-kit:
	$(Q)tools/setup.sh build linux
	$(Q)tools/linux-kit.sh --config=$(CONFIG)

# A configuration that gives VMs slices of a physical disk (`disk = <...>`)
# gets QEMU's virtio-blk drive DISK, made once by tools/mkdisk.sh and kept.
DISK ?= build/disk.img
QEMU_DISK = -drive file=$(DISK),if=none,format=raw,id=hbdisk -device virtio-blk-device,drive=hbdisk \
	-global virtio-mmio.force-legacy=false
USES_DISK = $(shell grep -qE '^[[:space:]]*disk[[:space:]]*=' $(CONFIG) 2>/dev/null && echo y)

run:
	$(Q)tools/setup.sh build run linux $(BOARD_SETUP)
	$(Q)$(MAKE) --no-print-directory image $(if $(QEMU_DTB),linux-kit)
	$(Q)$(if $(USES_DISK),tools/mkdisk.sh $(DISK))
	$(QEMU_BASE) -kernel $(IMAGE) $(if $(USES_DISK),$(QEMU_DISK)) -append "$(APPEND)"

bench:
	$(Q)tools/setup.sh build run test linux
	$(Q)$(MAKE) --no-print-directory all linux-kit
	$(Q)$(PYTHON) tools/bench.py --build $(BUILD)
	$(Q)$(PYTHON) tools/bench.py --build $(BUILD) --linux
	$(Q)$(PYTHON) tools/bench_virtio.py --build $(BUILD)

## make soak           20 minutes of Linux VMs under CPU, virtio-blk and virtio-net load (not in make test)
soak:
	$(Q)tools/setup.sh build run test linux
	$(Q)$(PYTHON) tools/soak.py $(if $(MINUTES),--minutes $(MINUTES))

## make lint           cppcheck and gcc -fanalyzer over the hypervisor sources (CI runs it)
lint:
	$(Q)tools/setup.sh build lint
	$(Q)tools/lint.sh

## make fuzz           run every libFuzzer target for FUZZ_SECONDS (default 60) each
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
fuzz:
	$(Q)tools/setup.sh fuzz
	$(Q)tools/fuzz.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# `make test` replays each fuzz target over its committed corpus plus a few
# seconds of new inputs.
fuzz-smoke:
	$(Q)tools/fuzz.sh build/fuzz 5 $(FUZZ_TARGETS)

test:
	$(Q)tools/setup.sh build run test fuzz linux rpi4
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MAKE) --no-print-directory integration

integration:
	$(Q)HB_BUILD=$(BUILD) HB_GUEST_DIR=build/guests $(PYTHON) -m pytest -v tests/integration

-include guests/guests.mk

help:
	@sed -n 's/^## //p' Makefile

setup:
	$(Q)tools/setup.sh $(SETUP_NEEDS)

$(BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TARGET_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TARGET_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/linker.ld: arch/aarch64/linker.ld.in boards/$(BOARD)/board.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -I. -Iboards/$(BOARD) -D__ASSEMBLY__ -D__LINKER__ $< -o $@

# Two links: the first finds the text symbols, the second embeds them for
# backtraces. The symbol table sits after .data, so code addresses do not move.
$(BUILD)/hyperberry.pass1.elf: $(HYP_OBJS) $(BUILD)/linker.ld $(BUILD)/obj/symbols-empty.o
	$(Q)$(LD) -nostdlib -static --no-warn-rwx-segments -T $(BUILD)/linker.ld $(HYP_OBJS) $(BUILD)/obj/symbols-empty.o -o $@

$(BUILD)/obj/symbols-empty.o: tools/gen_symbols.py
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) tools/gen_symbols.py /dev/null > $(BUILD)/obj/symbols-empty.S
	$(Q)$(CC) $(TARGET_ASFLAGS) -c $(BUILD)/obj/symbols-empty.S -o $@

$(BUILD)/obj/symbols.o: $(BUILD)/hyperberry.pass1.elf tools/gen_symbols.py
	$(Q)$(NM) -n $< | $(PYTHON) tools/gen_symbols.py - > $(BUILD)/obj/symbols.S
	$(Q)$(CC) $(TARGET_ASFLAGS) -c $(BUILD)/obj/symbols.S -o $@

$(BUILD)/hyperberry.elf: $(HYP_OBJS) $(BUILD)/linker.ld $(BUILD)/obj/symbols.o
	@echo "  LD      $@"
	$(Q)$(LD) -nostdlib -static --no-warn-rwx-segments -T $(BUILD)/linker.ld $(HYP_OBJS) $(BUILD)/obj/symbols.o \
		-Map $(BUILD)/hyperberry.map -o $@
	$(Q)$(NM) -n $(BUILD)/hyperberry.pass1.elf | grep ' [tT] ' > $(BUILD)/pass1.syms
	$(Q)$(NM) -n $@ | grep ' [tT] ' > $(BUILD)/pass2.syms
	$(Q)cmp -s $(BUILD)/pass1.syms $(BUILD)/pass2.syms || { echo "symbol table moved code"; exit 1; }
	$(Q)$(PYTHON) tools/check_fixed_regs.py $(CROSS)objdump $@ || { rm -f $@; exit 1; }

$(BUILD)/hyperberry.bin: $(BUILD)/hyperberry.elf
	$(Q)$(OBJCOPY) -O binary $< $@
	@echo "  IMAGE   $@"

# The exit path's C files drop frame records: each is a few instructions on
# every guest exit, and a backtrace through them is never needed (a fault
# there is reported with ELR and registers anyway).
EXIT_PATH_OBJS := $(addprefix $(BUILD)/obj/,core/exit.c.o core/smccc.c.o core/psci.c.o \
	arch/aarch64/mmio_decode.c.o core/mmio.c.o core/irq.c.o vdev/vuart.c.o vdev/vuart_pl011.c.o \
	vdev/vgic.c.o vdev/vgic_lr.c.o vdev/vgic_dev.c.o)
$(EXIT_PATH_OBJS): TARGET_CFLAGS += -fomit-frame-pointer

# Flags live here: a change to them rebuilds everything.
$(HYP_OBJS): Makefile boards/$(BOARD)/board.mk

-include $(HYP_OBJS:.o=.d)

# ---------------------------------------------------------------- host unit tests
# Each tests/unit/<name>.mk adds <name> to UNIT_TESTS and sets <name>_SRCS
# (and optionally <name>_LIBS). They build with ASan and UBSan.
UNIT_TESTS :=
include $(sort $(wildcard tests/unit/*.mk))
HOST_CFLAGS := -std=c11 -g -O1 -DHB_HOST -D_DEFAULT_SOURCE -I. -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
UNIT_BINS := $(patsubst %,build/host/test_%,$(UNIT_TESTS))

.SECONDEXPANSION:
build/host/test_%: $$($$*_SRCS) $(wildcard lib/*.h core/*.h arch/aarch64/*.h vdev/*.h vdev/virtio/*.h drivers/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $($*_SRCS) -o $@ -lcmocka $($*_LIBS)

unit: $(UNIT_BINS)
	$(Q)fail=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || fail=1; done; exit $$fail

clean:
	rm -rf build
