/* Turns a Stage-2 data abort (ESR/FAR/HPFAR) into the MMIO access the guest
 * attempted, and moves data between that access and the guest's registers. */
#ifndef HB_ARCH_MMIO_DECODE_H
#define HB_ARCH_MMIO_DECODE_H

#include "lib/types.h"

/* Register number 31 in a load/store syndrome is XZR/WZR, not SP. */
#define MMIO_REG_XZR 31

struct mmio_access {
	ipa_t ipa;
	uint8_t size;		/* bytes: 1, 2, 4 or 8 */
	bool write;
	bool sign_extend;	/* load sign-extends (LDRSB/LDRSH/LDRSW) */
	bool sixty_four;	/* destination is Xt (SF), else Wt */
	uint8_t reg;		/* 0..30, or MMIO_REG_XZR */
	bool acq_rel;		/* LDAR/STLR family: the emulation itself is ordered */
};

enum mmio_decode_result {
	MMIO_DECODE_OK,
	MMIO_DECODE_NOT_DABT,	/* EC is not "data abort from a lower EL" */
	MMIO_DECODE_NOT_S2_FAULT, /* not a translation/access flag/permission fault */
	MMIO_DECODE_S1PTW,	/* the guest's stage-1 walk touched a non-RAM IPA */
	MMIO_DECODE_CACHE_OP,	/* DC/IC/AT on the address: no data to move */
	MMIO_DECODE_FAR_INVALID, /* FnV: the page offset is unknown */
	MMIO_DECODE_NO_ISV,	/* no syndrome: writeback, LDP/STP, SIMD, exclusive, atomic */
};

/*
 * Decodes a data abort taken to EL2 from the guest. On MMIO_DECODE_OK *out
 * describes the access; on any other result *out is untouched.
 *   IPA = HPFAR_EL2.FIPA << 8 | FAR_EL2[11:0]: FAR is a guest virtual address
 *   once the guest MMU is on, so only its page offset is used.
 * Suggested handling of the refusals: CACHE_OP - skip the instruction (cache
 * maintenance of an emulated device has no effect); S1PTW, NO_ISV - the guest
 * did something no device model can emulate, report and stop the VM or inject
 * an external abort; the others mean the dispatcher called the wrong handler.
 */
enum mmio_decode_result mmio_decode(uint64_t esr, uint64_t far, uint64_t hpfar,
				    struct mmio_access *out);

const char *mmio_decode_result_name(enum mmio_decode_result r);

/* The value a load must place in its destination register, from the raw
 * bytes the device returned (low a->size bytes of raw are used): sign- or
 * zero-extended to 64 bits for Xt, to 32 bits with the upper half zero for Wt. */
uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw);

/* Completes a load: writes the extended value into gpr[a->reg], or discards it
 * when the destination is XZR. gpr holds X0..X30 (31 entries). */
void mmio_load_to_gpr(const struct mmio_access *a, uint64_t gpr[31], uint64_t raw);

/* The data a store writes, masked to the access size. Takes the whole register
 * file so XZR (reg 31, not an entry of gpr) reads as zero without the caller
 * having to remember; gpr holds X0..X30. */
uint64_t mmio_store_value(const struct mmio_access *a, const uint64_t gpr[31]);

#endif
