/* Turns a Stage-2 data abort (ESR/FAR/HPFAR) into the MMIO access the guest
 * attempted, and moves data between that access and the guest's registers. */
#ifndef HB_ARCH_MMIO_DECODE_H
#define HB_ARCH_MMIO_DECODE_H

#include "arch/aarch64/esr.h"
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

const char *mmio_decode_result_name(enum mmio_decode_result r);

/* The decode and data-movement helpers are inline: they sit on every MMIO
 * exit, and inlined into the handler the struct never reaches memory. */

/* HPFAR_EL2.FIPA is IPA[51:12] in bits [43:4] (bits [43:40] are RES0 without
 * FEAT_LPA, so taking them costs nothing). Bit 63 (NS) is not address. */
#define HPFAR_FIPA_MASK GENMASK(43, 4)

/* Only faults that Stage-2 raised because the IPA has no (or a restricted)
 * mapping are MMIO candidates; external aborts, TLB conflicts and the like are
 * hardware or hypervisor errors that emulation would hide. */
static inline bool mmio_is_stage2_mapping_fault(unsigned fsc)
{
	return esr_fsc_is_translation(fsc) || esr_fsc_is_access_flag(fsc) ||
	       esr_fsc_is_permission(fsc);
}

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
static inline enum mmio_decode_result mmio_decode(uint64_t esr, uint64_t far, uint64_t hpfar,
						 struct mmio_access *out)
{
	/* The common case in one test: ISV set, S1PTW, CM and FnV clear, and a
	 * translation, access flag or permission fault at level 0-3 (FSC
	 * 0b0001xx-0b0011xx). Everything else is classified in order below:
	 * S1PTW and CM aborts also have ISV=0, and reporting them by their real
	 * cause makes the log say what the guest did. */
	if (ESR_EC(esr) != ESR_EC_DABT_LOW)
		return MMIO_DECODE_NOT_DABT;
	if ((esr & (ESR_ISV | ESR_S1PTW | ESR_CM | ESR_FNV | 0x30)) != ESR_ISV || !(esr & 0xc)) {
		if (!mmio_is_stage2_mapping_fault(ESR_FSC(esr)))
			return MMIO_DECODE_NOT_S2_FAULT;
		if (esr & ESR_S1PTW)
			return MMIO_DECODE_S1PTW;
		if (esr & ESR_CM)
			return MMIO_DECODE_CACHE_OP;
		if (esr & ESR_FNV)
			return MMIO_DECODE_FAR_INVALID;
		if (!(esr & ESR_ISV))
			return MMIO_DECODE_NO_ISV;
	}

	out->ipa = ((hpfar & HPFAR_FIPA_MASK) << 8) | (far & (PAGE_SIZE - 1));
	out->size = (uint8_t)(1u << ESR_SAS(esr));
	out->write = esr & ESR_WNR;
	out->sign_extend = esr & ESR_SSE;
	out->sixty_four = esr & ESR_SF;
	out->reg = (uint8_t)ESR_SRT(esr);
	out->acq_rel = esr & ESR_AR;
	return MMIO_DECODE_OK;
}

static inline uint64_t mmio_size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* The value a load must place in its destination register, from the raw
 * bytes the device returned (low a->size bytes of raw are used): sign- or
 * zero-extended to 64 bits for Xt, to 32 bits with the upper half zero for Wt. */
static inline uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	/* Shifting the access to the top of the register and back drops the
	 * bytes above it; `sign` is then the access's top bit, and
	 * (v ^ sign) - sign sign-extends from it without relying on
	 * implementation-defined signed shifts. Branch-free: it runs on every
	 * MMIO load. (& 63 is what the shifter does anyway; it keeps size 0
	 * defined.) */
	unsigned shift = (64 - 8u * a->size) & 63;
	uint64_t value = (raw << shift) >> shift;
	uint64_t sign = (1ULL << 63) >> shift;

	if (a->sign_extend)
		value = (value ^ sign) - sign;
	/* A W destination always has its upper half cleared, sign-extended or not
	 * (LDRSB Wt gives a 32-bit result). */
	if (!a->sixty_four)
		value &= 0xffffffffULL;
	return value;
}

/* Completes a load: writes the extended value into gpr[a->reg], or discards it
 * when the destination is XZR. gpr holds X0..X30 (31 entries). */
static inline void mmio_load_to_gpr(const struct mmio_access *a, uint64_t gpr[31], uint64_t raw)
{
	if (a->reg >= MMIO_REG_XZR)
		return;
	gpr[a->reg] = mmio_load_value(a, raw);
}

/* The data a store writes, masked to the access size. Takes the whole register
 * file so XZR (reg 31, not an entry of gpr) reads as zero without the caller
 * having to remember; gpr holds X0..X30. */
static inline uint64_t mmio_store_value(const struct mmio_access *a, const uint64_t gpr[31])
{
	if (a->reg >= MMIO_REG_XZR)
		return 0;
	return gpr[a->reg] & mmio_size_mask(a->size);
}

#endif
