/* Pure policy for trapped system registers: what an EC 0x18 syndrome names,
 * which trap class it belongs to, and what the guest sees in the ID registers. */
#include "arch/aarch64/sysreg_trap.h"
#include "arch/aarch64/esr.h"

bool sysreg_decode(uint64_t esr, struct sysreg_access *out)
{
	if (ESR_EC(esr) != ESR_EC_SYS64)
		return false;
	out->op0 = (uint8_t)ESR_SYS64_OP0(esr);
	out->op1 = (uint8_t)ESR_SYS64_OP1(esr);
	out->crn = (uint8_t)ESR_SYS64_CRN(esr);
	out->crm = (uint8_t)ESR_SYS64_CRM(esr);
	out->op2 = (uint8_t)ESR_SYS64_OP2(esr);
	out->rt = (uint8_t)ESR_SYS64_RT(esr);
	out->read = esr & ESR_SYS64_READ;
	out->encoding = SYSREG_ENCODE(out->op0, out->op1, out->crn, out->crm, out->op2);
	return true;
}

static bool is_id_space(uint32_t enc)
{
	return SYSREG_OP0(enc) == 3 && SYSREG_OP1(enc) == 0 && SYSREG_CRN(enc) == 0 &&
	       SYSREG_CRM(enc) <= 7;
}

/* PMU registers trapped by MDCR_EL2.TPM/TPMCR: PMCR..PMOVSSET (CRn=9
 * CRm=12..14), PMEVCNTR<n>/PMEVTYPER<n>/PMCCFILTR (CRn=14 CRm=8..15) and the
 * EL1-only interrupt enables and PMMIR. */
static bool is_pmu(uint32_t enc)
{
	unsigned crn = SYSREG_CRN(enc), crm = SYSREG_CRM(enc);

	if (SYSREG_OP0(enc) != 3)
		return false;
	if (SYSREG_OP1(enc) == 3) {
		return (crn == 9 && crm >= 12 && crm <= 14) || (crn == 14 && crm >= 8);
	}
	return enc == SYSREG_PMINTENSET_EL1 || enc == SYSREG_PMINTENCLR_EL1 ||
	       enc == SYSREG_PMMIR_EL1;
}

/* op0=3 registers of features hidden in the ID registers that belong with
 * debug: TRFCR_EL1 (trace filter), SPE (CRn=9 CRm=9,10), TRBE (CRn=9 CRm=11). */
static bool is_trace_or_profiling(uint32_t enc)
{
	unsigned crm = SYSREG_CRM(enc);

	if (enc == SYSREG_TRFCR_EL1)
		return true;
	return SYSREG_OP0(enc) == 3 && SYSREG_OP1(enc) == 0 && SYSREG_CRN(enc) == 9 &&
	       crm >= 9 && crm <= 11;
}

enum sysreg_class sysreg_classify(uint32_t enc)
{
	if (is_id_space(enc))
		return SYSREG_CLASS_ID;
	if (enc == SYSREG_OSLAR_EL1 || enc == SYSREG_OSLSR_EL1)
		return SYSREG_CLASS_OSLOCK;
	if (enc == SYSREG_MDSCR_EL1)
		return SYSREG_CLASS_MDSCR;
	/* op0=0b10 is the whole debug and trace register space (breakpoints,
	 * watchpoints, DCC, OS double lock, claim tags, trace unit). */
	if (SYSREG_OP0(enc) == 2 || is_trace_or_profiling(enc))
		return SYSREG_CLASS_DEBUG_RAZ_WI;
	if (is_pmu(enc))
		return SYSREG_CLASS_PMU_RAZ_WI;
	if (enc == SYSREG_ACTLR_EL1)
		return SYSREG_CLASS_ACTLR;
	if (enc >= SYSREG_CNTP_TVAL_EL0 && enc <= SYSREG_CNTP_CVAL_EL0)
		return SYSREG_CLASS_CNTP;
	if (SYSREG_OP0(enc) == 3 && (SYSREG_CRN(enc) == 11 || SYSREG_CRN(enc) == 15))
		return SYSREG_CLASS_IMPDEF;
	return SYSREG_CLASS_UNKNOWN;
}

const char *sysreg_class_name(enum sysreg_class c)
{
	switch (c) {
	case SYSREG_CLASS_UNKNOWN:
		return "unknown";
	case SYSREG_CLASS_ID:
		return "ID register";
	case SYSREG_CLASS_DEBUG_RAZ_WI:
		return "debug/trace (RAZ/WI)";
	case SYSREG_CLASS_PMU_RAZ_WI:
		return "PMU (RAZ/WI)";
	case SYSREG_CLASS_OSLOCK:
		return "OS lock";
	case SYSREG_CLASS_MDSCR:
		return "MDSCR_EL1";
	case SYSREG_CLASS_IMPDEF:
		return "IMPLEMENTATION DEFINED";
	case SYSREG_CLASS_ACTLR:
		return "ACTLR_EL1";
	case SYSREG_CLASS_CNTP:
		return "EL1 physical timer";
	}
	return "unknown";
}

bool sysreg_is_debug_or_pmu_raz_wi(uint32_t encoding)
{
	enum sysreg_class c = sysreg_classify(encoding);

	return c == SYSREG_CLASS_DEBUG_RAZ_WI || c == SYSREG_CLASS_PMU_RAZ_WI;
}

uint64_t sysreg_oslsr_value(bool os_lock_locked)
{
	return SYSREG_OSLSR_OSLM_IMPLEMENTED | (os_lock_locked ? SYSREG_OSLSR_OSLK : 0);
}

/* ---------------------------------------------------------------- ID registers */

static const uint32_t allocated_id_regs[] = {
	SYSREG_MIDR_EL1, SYSREG_MPIDR_EL1, SYSREG_REVIDR_EL1,
	SYSREG_ID_PFR0_EL1, SYSREG_ID_PFR1_EL1, SYSREG_ID_DFR0_EL1, SYSREG_ID_AFR0_EL1,
	SYSREG_ID_MMFR0_EL1, SYSREG_ID_MMFR1_EL1, SYSREG_ID_MMFR2_EL1, SYSREG_ID_MMFR3_EL1,
	SYSREG_ID_ISAR0_EL1, SYSREG_ID_ISAR1_EL1, SYSREG_ID_ISAR2_EL1, SYSREG_ID_ISAR3_EL1,
	SYSREG_ID_ISAR4_EL1, SYSREG_ID_ISAR5_EL1, SYSREG_ID_MMFR4_EL1, SYSREG_ID_ISAR6_EL1,
	SYSREG_MVFR0_EL1, SYSREG_MVFR1_EL1, SYSREG_MVFR2_EL1,
	SYSREG_ID_PFR2_EL1, SYSREG_ID_DFR1_EL1, SYSREG_ID_MMFR5_EL1,
	SYSREG_ID_AA64PFR0_EL1, SYSREG_ID_AA64PFR1_EL1, SYSREG_ID_AA64PFR2_EL1,
	SYSREG_ID_AA64ZFR0_EL1, SYSREG_ID_AA64SMFR0_EL1,
	SYSREG_ID_AA64DFR0_EL1, SYSREG_ID_AA64DFR1_EL1,
	SYSREG_ID_AA64AFR0_EL1, SYSREG_ID_AA64AFR1_EL1,
	SYSREG_ID_AA64ISAR0_EL1, SYSREG_ID_AA64ISAR1_EL1, SYSREG_ID_AA64ISAR2_EL1,
	SYSREG_ID_AA64MMFR0_EL1, SYSREG_ID_AA64MMFR1_EL1, SYSREG_ID_AA64MMFR2_EL1,
	SYSREG_ID_AA64MMFR3_EL1,
};

/*
 * What the guest must not believe it has. Every line forces one field; a
 * feature is hidden by all of its lines together. Value 0 means "not
 * implemented" for every field below (none is a signed field such as FP).
 */
static const struct id_reg_field_policy id_policy[] = {
	/* SVE: the world switch saves only the FP/SIMD registers, not the Z/P/FFR
	 * state, and CPTR_EL2.TZ traps SVE, so a guest using it would UNDEF. */
	{ SYSREG_ID_AA64PFR0_EL1, 32, 4, 0, "SVE" },
	{ SYSREG_ID_AA64ZFR0_EL1, 0, 64, 0, "SVE" },
	/* SME: same reason, plus streaming mode and ZA state. */
	{ SYSREG_ID_AA64PFR1_EL1, 24, 4, 0, "SME" },
	{ SYSREG_ID_AA64SMFR0_EL1, 0, 64, 0, "SME" },
	/* AMU: activity monitors count the host's cycles and are not context
	 * switched; Linux would otherwise program AMUSERENR at boot. */
	{ SYSREG_ID_AA64PFR0_EL1, 44, 4, 0, "AMU" },
	{ SYSREG_ID_PFR0_EL1, 20, 4, 0, "AMU" },
	/* MPAM: partitioning IDs are a host resource; MPAM registers are not
	 * virtualized. */
	{ SYSREG_ID_AA64PFR0_EL1, 40, 4, 0, "MPAM" },
	{ SYSREG_ID_AA64PFR1_EL1, 16, 4, 0, "MPAM" },
	/* RAS: errors are taken by the hypervisor, which has no way to forward
	 * them in the form the guest's RAS code expects (error records, DISR,
	 * ESB), so the guest must not enable IESB or read error records. */
	{ SYSREG_ID_AA64PFR0_EL1, 28, 4, 0, "RAS" },
	{ SYSREG_ID_AA64PFR1_EL1, 12, 4, 0, "RAS" },
	{ SYSREG_ID_PFR0_EL1, 28, 4, 0, "RAS" },
	{ SYSREG_ID_PFR2_EL1, 8, 4, 0, "RAS" },
	/* MTE: Stage-2 maps guest RAM without tag storage guarantees and the tag
	 * registers are not switched. PFR2[11:0] are MTE4 extensions. */
	{ SYSREG_ID_AA64PFR1_EL1, 8, 4, 0, "MTE" },
	{ SYSREG_ID_AA64PFR2_EL1, 0, 12, 0, "MTE" },
	/* PMU: accesses trap (MDCR_EL2.TPM/TPMCR) and read as zero; the guest
	 * must not find a PMU it would program in vain. */
	{ SYSREG_ID_AA64DFR0_EL1, 8, 4, 0, "PMU" },
	{ SYSREG_ID_DFR0_EL1, 24, 4, 0, "PMU" },
	/* SPE: profiling buffers write to memory behind Stage-2's back. */
	{ SYSREG_ID_AA64DFR0_EL1, 32, 4, 0, "SPE" },
	/* TRBE: the trace buffer writes to memory behind Stage-2's back. */
	{ SYSREG_ID_AA64DFR0_EL1, 44, 4, 0, "TRBE" },
	/* Trace unit and trace filter: trace registers trap (CPTR_EL2.TTA) and are
	 * RAZ/WI. ID_DFR0.CopTrc/TraceFilt are the AArch32 view of the same. */
	{ SYSREG_ID_AA64DFR0_EL1, 4, 4, 0, "trace" },
	{ SYSREG_ID_AA64DFR0_EL1, 40, 4, 0, "trace" },
	{ SYSREG_ID_DFR0_EL1, 12, 4, 0, "trace" },
	{ SYSREG_ID_DFR0_EL1, 28, 4, 0, "trace" },
};

const struct id_reg_field_policy *id_reg_policy_table(size_t *count)
{
	*count = ARRAY_SIZE(id_policy);
	return id_policy;
}

bool id_reg_is_allocated(uint32_t encoding)
{
	for (size_t i = 0; i < ARRAY_SIZE(allocated_id_regs); i++) {
		if (allocated_id_regs[i] == encoding)
			return true;
	}
	return false;
}

static uint64_t field_mask(unsigned shift, unsigned width)
{
	uint64_t ones = width >= 64 ? ~0ULL : (1ULL << width) - 1;

	return ones << shift;
}

bool id_reg_sanitize(uint32_t encoding, uint64_t hw_value, uint64_t *out)
{
	uint64_t value = hw_value;

	if (!is_id_space(encoding) || encoding == SYSREG_MPIDR_EL1)
		return false;
	if (!id_reg_is_allocated(encoding)) {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(id_policy); i++) {
		const struct id_reg_field_policy *p = &id_policy[i];
		uint64_t mask = field_mask(p->shift, p->width);

		if (p->encoding != encoding)
			continue;
		value = (value & ~mask) | ((p->value << p->shift) & mask);
	}
	*out = value;
	return true;
}

enum sysreg_policy_result sysreg_id_access(const struct sysreg_access *a, uint64_t hw_value,
					   uint64_t *read_value)
{
	if (!a->read)
		return SYSREG_UNDEF;
	if (!id_reg_sanitize(a->encoding, hw_value, read_value))
		return SYSREG_UNDEF;
	return SYSREG_EMULATED;
}
