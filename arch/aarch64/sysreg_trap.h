/* Trapped MSR/MRS/system instructions (EC 0x18): ISS decoding, classification
 * of the registers HyperBerry traps, and the ID-register sanitising policy. */
#ifndef HB_ARCH_SYSREG_TRAP_H
#define HB_ARCH_SYSREG_TRAP_H

#include "lib/types.h"

/* Packed (op0, op1, CRn, CRm, op2) key. Fields are in the Arm ARM's table
 * order, so "all of op0=3 op1=0 CRn=0" is one contiguous range of keys. */
#define SYSREG_ENCODE(op0, op1, crn, crm, op2)                                       \
	((uint32_t)(((unsigned)(op0) << 14) | ((unsigned)(op1) << 11) |              \
		    ((unsigned)(crn) << 7) | ((unsigned)(crm) << 3) | (unsigned)(op2)))
#define SYSREG_OP0(enc)		(((enc) >> 14) & 3u)
#define SYSREG_OP1(enc)		(((enc) >> 11) & 7u)
#define SYSREG_CRN(enc)		(((enc) >> 7) & 0xfu)
#define SYSREG_CRM(enc)		(((enc) >> 3) & 0xfu)
#define SYSREG_OP2(enc)		((enc) & 7u)

/* Identification registers (op0=3 op1=0 CRn=0), allocated up to Armv8.9. */
#define SYSREG_MIDR_EL1		SYSREG_ENCODE(3, 0, 0, 0, 0)
#define SYSREG_MPIDR_EL1	SYSREG_ENCODE(3, 0, 0, 0, 5)
#define SYSREG_REVIDR_EL1	SYSREG_ENCODE(3, 0, 0, 0, 6)
#define SYSREG_ID_PFR0_EL1	SYSREG_ENCODE(3, 0, 0, 1, 0)
#define SYSREG_ID_PFR1_EL1	SYSREG_ENCODE(3, 0, 0, 1, 1)
#define SYSREG_ID_DFR0_EL1	SYSREG_ENCODE(3, 0, 0, 1, 2)
#define SYSREG_ID_AFR0_EL1	SYSREG_ENCODE(3, 0, 0, 1, 3)
#define SYSREG_ID_MMFR0_EL1	SYSREG_ENCODE(3, 0, 0, 1, 4)
#define SYSREG_ID_MMFR1_EL1	SYSREG_ENCODE(3, 0, 0, 1, 5)
#define SYSREG_ID_MMFR2_EL1	SYSREG_ENCODE(3, 0, 0, 1, 6)
#define SYSREG_ID_MMFR3_EL1	SYSREG_ENCODE(3, 0, 0, 1, 7)
#define SYSREG_ID_ISAR0_EL1	SYSREG_ENCODE(3, 0, 0, 2, 0)
#define SYSREG_ID_ISAR1_EL1	SYSREG_ENCODE(3, 0, 0, 2, 1)
#define SYSREG_ID_ISAR2_EL1	SYSREG_ENCODE(3, 0, 0, 2, 2)
#define SYSREG_ID_ISAR3_EL1	SYSREG_ENCODE(3, 0, 0, 2, 3)
#define SYSREG_ID_ISAR4_EL1	SYSREG_ENCODE(3, 0, 0, 2, 4)
#define SYSREG_ID_ISAR5_EL1	SYSREG_ENCODE(3, 0, 0, 2, 5)
#define SYSREG_ID_MMFR4_EL1	SYSREG_ENCODE(3, 0, 0, 2, 6)
#define SYSREG_ID_ISAR6_EL1	SYSREG_ENCODE(3, 0, 0, 2, 7)
#define SYSREG_MVFR0_EL1	SYSREG_ENCODE(3, 0, 0, 3, 0)
#define SYSREG_MVFR1_EL1	SYSREG_ENCODE(3, 0, 0, 3, 1)
#define SYSREG_MVFR2_EL1	SYSREG_ENCODE(3, 0, 0, 3, 2)
#define SYSREG_ID_PFR2_EL1	SYSREG_ENCODE(3, 0, 0, 3, 4)
#define SYSREG_ID_DFR1_EL1	SYSREG_ENCODE(3, 0, 0, 3, 5)
#define SYSREG_ID_MMFR5_EL1	SYSREG_ENCODE(3, 0, 0, 3, 6)
#define SYSREG_ID_AA64PFR0_EL1	SYSREG_ENCODE(3, 0, 0, 4, 0)
#define SYSREG_ID_AA64PFR1_EL1	SYSREG_ENCODE(3, 0, 0, 4, 1)
#define SYSREG_ID_AA64PFR2_EL1	SYSREG_ENCODE(3, 0, 0, 4, 2)
#define SYSREG_ID_AA64ZFR0_EL1	SYSREG_ENCODE(3, 0, 0, 4, 4)
#define SYSREG_ID_AA64SMFR0_EL1	SYSREG_ENCODE(3, 0, 0, 4, 5)
#define SYSREG_ID_AA64DFR0_EL1	SYSREG_ENCODE(3, 0, 0, 5, 0)
#define SYSREG_ID_AA64DFR1_EL1	SYSREG_ENCODE(3, 0, 0, 5, 1)
#define SYSREG_ID_AA64AFR0_EL1	SYSREG_ENCODE(3, 0, 0, 5, 4)
#define SYSREG_ID_AA64AFR1_EL1	SYSREG_ENCODE(3, 0, 0, 5, 5)
#define SYSREG_ID_AA64ISAR0_EL1	SYSREG_ENCODE(3, 0, 0, 6, 0)
#define SYSREG_ID_AA64ISAR1_EL1	SYSREG_ENCODE(3, 0, 0, 6, 1)
#define SYSREG_ID_AA64ISAR2_EL1	SYSREG_ENCODE(3, 0, 0, 6, 2)
#define SYSREG_ID_AA64MMFR0_EL1	SYSREG_ENCODE(3, 0, 0, 7, 0)
#define SYSREG_ID_AA64MMFR1_EL1	SYSREG_ENCODE(3, 0, 0, 7, 1)
#define SYSREG_ID_AA64MMFR2_EL1	SYSREG_ENCODE(3, 0, 0, 7, 2)
#define SYSREG_ID_AA64MMFR3_EL1	SYSREG_ENCODE(3, 0, 0, 7, 3)

/* Debug, OS lock, PMU, timer and auxiliary control registers classified below. */
#define SYSREG_MDSCR_EL1	SYSREG_ENCODE(2, 0, 0, 2, 2)
#define SYSREG_OSLAR_EL1	SYSREG_ENCODE(2, 0, 1, 0, 4)
#define SYSREG_OSLSR_EL1	SYSREG_ENCODE(2, 0, 1, 1, 4)
#define SYSREG_OSDLR_EL1	SYSREG_ENCODE(2, 0, 1, 3, 4)
#define SYSREG_ACTLR_EL1	SYSREG_ENCODE(3, 0, 1, 0, 1)
#define SYSREG_TRFCR_EL1	SYSREG_ENCODE(3, 0, 1, 2, 1)
#define SYSREG_PMINTENSET_EL1	SYSREG_ENCODE(3, 0, 9, 14, 1)
#define SYSREG_PMINTENCLR_EL1	SYSREG_ENCODE(3, 0, 9, 14, 2)
#define SYSREG_PMMIR_EL1	SYSREG_ENCODE(3, 0, 9, 14, 6)
#define SYSREG_PMCR_EL0		SYSREG_ENCODE(3, 3, 9, 12, 0)
#define SYSREG_PMUSERENR_EL0	SYSREG_ENCODE(3, 3, 9, 14, 0)
#define SYSREG_PMCCFILTR_EL0	SYSREG_ENCODE(3, 3, 14, 15, 7)
#define SYSREG_CNTP_TVAL_EL0	SYSREG_ENCODE(3, 3, 14, 2, 0)
#define SYSREG_CNTP_CTL_EL0	SYSREG_ENCODE(3, 3, 14, 2, 1)
#define SYSREG_CNTP_CVAL_EL0	SYSREG_ENCODE(3, 3, 14, 2, 2)

/* OS lock: OSLSR_EL1.OSLM = 0b10 (bits 3 and 0) means "OS lock implemented". */
#define SYSREG_OSLSR_OSLM_IMPLEMENTED	BIT(3)
#define SYSREG_OSLSR_OSLK		BIT(1)
#define SYSREG_OSLAR_OSLK		BIT(0)

struct sysreg_access {
	uint8_t op0, op1, crn, crm, op2;
	uint8_t rt;		/* 0..30, 31 = XZR */
	bool read;		/* MRS (or SYSL); false for MSR (or SYS) */
	uint32_t encoding;	/* SYSREG_ENCODE() of the five fields */
};

/* Decodes the ISS of an EC 0x18 syndrome; false (and *out untouched) for any
 * other exception class. */
bool sysreg_decode(uint64_t esr, struct sysreg_access *out);

enum sysreg_class {
	SYSREG_CLASS_UNKNOWN,		/* not something HyperBerry traps on purpose */
	SYSREG_CLASS_ID,		/* op0=3 op1=0 CRn=0 CRm=0..7 (TID3): id_reg_sanitize() */
	SYSREG_CLASS_DEBUG_RAZ_WI,	/* debug/trace/profiling (TDA, TDOSA, TDRA, TTA) */
	SYSREG_CLASS_PMU_RAZ_WI,	/* PMU (TPM, TPMCR) */
	SYSREG_CLASS_OSLOCK,		/* OSLAR_EL1 / OSLSR_EL1: per-vCPU OSLK bit */
	SYSREG_CLASS_MDSCR,		/* MDSCR_EL1: per-vCPU stored value */
	SYSREG_CLASS_IMPDEF,		/* op0=3 CRn=11 or 15 (TIDCP) */
	SYSREG_CLASS_ACTLR,		/* ACTLR_EL1 (TACR) */
	SYSREG_CLASS_CNTP,		/* CNTP_TVAL/CTL/CVAL_EL0: EL1 physical timer */
};

enum sysreg_class sysreg_classify(uint32_t encoding);
const char *sysreg_class_name(enum sysreg_class c);

/* True for the registers whose whole emulation is read-as-zero, write-ignored
 * (classes DEBUG_RAZ_WI and PMU_RAZ_WI). False for OSLAR/OSLSR and MDSCR_EL1,
 * which keep per-vCPU state. */
bool sysreg_is_debug_or_pmu_raz_wi(uint32_t encoding);

/* OSLSR_EL1 as the guest must read it: OS lock implemented, OSLK as the last
 * OSLAR_EL1 write left it. Architecturally OSLK is 1 after a cold reset; Linux
 * clears it at boot. */
uint64_t sysreg_oslsr_value(bool os_lock_locked);

/* OSLK state after a write of value to OSLAR_EL1. */
static inline bool sysreg_oslar_locks(uint64_t value)
{
	return value & SYSREG_OSLAR_OSLK;
}

enum sysreg_policy_result {
	SYSREG_EMULATED,	/* done: for a read, the value to put in Rt is set */
	SYSREG_UNDEF,		/* inject an UNDEFINED exception into the guest */
};

/* True when the encoding is an allocated ID register, i.e. one whose hardware
 * value the caller must read before calling id_reg_sanitize(). */
bool id_reg_is_allocated(uint32_t encoding);

/*
 * For op0=3 op1=0 CRn=0 CRm=0..7: returns true with *out = the value the guest
 * must see. Allocated registers read their hardware value with the features
 * HyperBerry does not virtualize hidden; unallocated encodings read as zero
 * (Linux reads several unconditionally). hw_value is ignored for those.
 * Returns false outside that space and for MPIDR_EL1, whose guest value is the
 * per-vCPU VMPIDR_EL2 (not a sanitised hardware value).
 */
bool id_reg_sanitize(uint32_t encoding, uint64_t hw_value, uint64_t *out);

/* The ID policy applied to a decoded access: reads are emulated through
 * id_reg_sanitize(); writes (ID registers are read-only) and encodings it
 * refuses are UNDEF. */
enum sysreg_policy_result sysreg_id_access(const struct sysreg_access *a, uint64_t hw_value,
					   uint64_t *read_value);

/* One line of the ID-register policy: field [shift, shift+width) of register
 * encoding reads as value. Exposed for boot logging and tests. */
struct id_reg_field_policy {
	uint32_t encoding;
	uint8_t shift;
	uint8_t width;
	uint64_t value;
	const char *feature;
};

const struct id_reg_field_policy *id_reg_policy_table(size_t *count);

#endif
