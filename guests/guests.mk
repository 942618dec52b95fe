# Builds the bare-metal test guests: build/guests/<name>.bin (arm64 Image) and
# .elf. Included by the top Makefile, or standalone: make -f guests/guests.mk
guests_mk_prev_goal := $(.DEFAULT_GOAL)
guests_comma := ,

GUEST_CROSS ?= $(if $(CROSS),$(CROSS),aarch64-linux-gnu-)
GUEST_CC := $(GUEST_CROSS)gcc
GUEST_OBJCOPY := $(GUEST_CROSS)objcopy
GUEST_OUT ?= build/guests
GUEST_Q := $(if $(filter 1,$(V)),,@)

# Test files that use FP/SIMD registers are built without -mgeneral-regs-only.
GUEST_FP_TESTS := fpsimd

GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -nostdlib -fno-builtin -mstrict-align \
	-mcpu=cortex-a72 -fno-stack-protector -fno-pic -fno-pie -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Wno-unused-parameter -I.
GUEST_ASFLAGS := $(GUEST_CFLAGS) -mgeneral-regs-only -D__ASSEMBLY__
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-T,guests/lib/guest.ld \
	$(if $(shell $(GUEST_CC) -Wl,--help 2>/dev/null | grep -e --no-warn-rwx-segments),-Wl$(guests_comma)--no-warn-rwx-segments)

GUEST_NAMES := $(sort $(basename $(notdir $(wildcard guests/tests/*.c))))
GUEST_BINS := $(patsubst %,$(GUEST_OUT)/%.bin,$(GUEST_NAMES))
GUEST_ELFS := $(patsubst %,$(GUEST_OUT)/%.elf,$(GUEST_NAMES))

# The runtime plus the hypervisor's own formatter, DT reader and string code.
GUEST_RT_SRCS := $(wildcard guests/lib/*.S guests/lib/*.c) lib/fmt.c lib/fdt.c lib/string.c
GUEST_RT_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(GUEST_RT_SRCS))
GUEST_HDRS := $(wildcard guests/lib/*.h) lib/types.h lib/fmt.h lib/fdt.h lib/string.h

.PHONY: guests guests-clean
guests: $(GUEST_BINS)

$(GUEST_OUT)/obj/%.c.o: %.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(GUEST_Q)$(GUEST_CC) $(GUEST_CFLAGS) \
		$(if $(filter $(GUEST_FP_TESTS),$(basename $(notdir $<))),,-mgeneral-regs-only) -c $< -o $@

$(GUEST_OUT)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(GUEST_Q)$(GUEST_CC) $(GUEST_ASFLAGS) -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/obj/guests/tests/%.c.o $(GUEST_RT_OBJS) guests/lib/guest.ld
	@echo "  GUEST   $@"
	$(GUEST_Q)$(GUEST_CC) $(GUEST_LDFLAGS) $< $(GUEST_RT_OBJS) -lgcc -o $@

$(GUEST_OUT)/%.bin: $(GUEST_OUT)/%.elf
	$(GUEST_Q)$(GUEST_OBJCOPY) -O binary $< $@

guests-clean:
	rm -rf $(GUEST_OUT)

.SECONDARY: $(GUEST_ELFS) $(GUEST_RT_OBJS) $(patsubst %,$(GUEST_OUT)/obj/guests/tests/%.c.o,$(GUEST_NAMES))

# Standalone, `guests` is the default goal; included, leave the parent's alone.
ifeq ($(firstword $(MAKEFILE_LIST)),$(lastword $(MAKEFILE_LIST)))
.DEFAULT_GOAL := guests
else
.DEFAULT_GOAL := $(guests_mk_prev_goal)
endif
