/* Stage-2 data abort to MMIO access: validates the syndrome, recovers the IPA
 * and applies the width/sign rules of the faulting load or store. */
#include "arch/aarch64/mmio_decode.h"
#include "arch/aarch64/esr.h"

/* HPFAR_EL2.FIPA is IPA[51:12] in bits [43:4] (bits [43:40] are RES0 without
 * FEAT_LPA, so taking them costs nothing). Bit 63 (NS) is not address. */
#define HPFAR_FIPA_MASK GENMASK(43, 4)

/* Only faults that Stage-2 raised because the IPA has no (or a restricted)
 * mapping are MMIO candidates; external aborts, TLB conflicts and the like are
 * hardware or hypervisor errors that emulation would hide. */
static bool is_stage2_mapping_fault(unsigned fsc)
{
	return esr_fsc_is_translation(fsc) || esr_fsc_is_access_flag(fsc) ||
	       esr_fsc_is_permission(fsc);
}

enum mmio_decode_result mmio_decode(uint64_t esr, uint64_t far, uint64_t hpfar,
				    struct mmio_access *out)
{
	/* Order matters: S1PTW and CM aborts also have ISV=0, and reporting them
	 * by their real cause makes the log say what the guest did. */
	if (ESR_EC(esr) != ESR_EC_DABT_LOW)
		return MMIO_DECODE_NOT_DABT;
	if (!is_stage2_mapping_fault(ESR_FSC(esr)))
		return MMIO_DECODE_NOT_S2_FAULT;
	if (esr & ESR_S1PTW)
		return MMIO_DECODE_S1PTW;
	if (esr & ESR_CM)
		return MMIO_DECODE_CACHE_OP;
	if (esr & ESR_FNV)
		return MMIO_DECODE_FAR_INVALID;
	if (!(esr & ESR_ISV))
		return MMIO_DECODE_NO_ISV;

	out->ipa = ((hpfar & HPFAR_FIPA_MASK) << 8) | (far & (PAGE_SIZE - 1));
	out->size = (uint8_t)(1u << ESR_SAS(esr));
	out->write = esr & ESR_WNR;
	out->sign_extend = esr & ESR_SSE;
	out->sixty_four = esr & ESR_SF;
	out->reg = (uint8_t)ESR_SRT(esr);
	out->acq_rel = esr & ESR_AR;
	return MMIO_DECODE_OK;
}

const char *mmio_decode_result_name(enum mmio_decode_result r)
{
	switch (r) {
	case MMIO_DECODE_OK:
		return "ok";
	case MMIO_DECODE_NOT_DABT:
		return "not a data abort from a lower EL";
	case MMIO_DECODE_NOT_S2_FAULT:
		return "not a stage-2 translation/access/permission fault";
	case MMIO_DECODE_S1PTW:
		return "stage-1 page table walk into non-RAM IPA";
	case MMIO_DECODE_CACHE_OP:
		return "cache maintenance on MMIO";
	case MMIO_DECODE_FAR_INVALID:
		return "FAR not valid";
	case MMIO_DECODE_NO_ISV:
		return "no instruction syndrome (unemulatable access)";
	}
	return "unknown result";
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

uint64_t mmio_load_value(const struct mmio_access *a, uint64_t raw)
{
	uint64_t value = raw & size_mask(a->size);

	if (a->sign_extend && a->size > 0 && a->size < 8) {
		uint64_t sign = 1ULL << (a->size * 8 - 1);

		/* (v ^ s) - s sign-extends v from bit s to all 64 bits without
		 * relying on implementation-defined signed shifts. */
		value = (value ^ sign) - sign;
	}
	/* A W destination always has its upper half cleared, sign-extended or not
	 * (LDRSB Wt gives a 32-bit result). */
	if (!a->sixty_four)
		value &= 0xffffffffULL;
	return value;
}

void mmio_load_to_gpr(const struct mmio_access *a, uint64_t gpr[31], uint64_t raw)
{
	if (a->reg >= MMIO_REG_XZR)
		return;
	gpr[a->reg] = mmio_load_value(a, raw);
}

uint64_t mmio_store_value(const struct mmio_access *a, const uint64_t gpr[31])
{
	if (a->reg >= MMIO_REG_XZR)
		return 0;
	return gpr[a->reg] & size_mask(a->size);
}
