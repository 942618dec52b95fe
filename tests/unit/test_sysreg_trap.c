/* Host tests for arch/aarch64/sysreg_trap: EC 0x18 decoding, classification of
 * every trapped register family and each line of the ID-register policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/esr.h"
#include "arch/aarch64/sysreg_trap.h"

#define ENC SYSREG_ENCODE

/* ISS of a trapped MSR/MRS, Arm ARM "ISS encoding for an exception from MSR,
 * MRS, or System instruction execution in AArch64 state". */
static uint64_t sys64_esr(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2,
			  unsigned rt, bool read)
{
	return ((uint64_t)ESR_EC_SYS64 << 26) | (1u << 25) | (op0 << 20) | (op2 << 17) |
	       (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | (read ? 1 : 0);
}

static uint64_t field(unsigned shift, unsigned width)
{
	return (width >= 64 ? ~0ULL : ((1ULL << width) - 1)) << shift;
}

static void test_decode(void **state)
{
	struct sysreg_access a, before;

	/* mrs x3, ID_AA64ZFR0_EL1 (S3_0_C0_C4_4) */
	assert_true(sysreg_decode(0x62380069, &a));
	assert_int_equal(a.op0, 3);
	assert_int_equal(a.op1, 0);
	assert_int_equal(a.crn, 0);
	assert_int_equal(a.crm, 4);
	assert_int_equal(a.op2, 4);
	assert_int_equal(a.rt, 3);
	assert_true(a.read);
	assert_int_equal(a.encoding, SYSREG_ID_AA64ZFR0_EL1);

	/* msr oslar_el1, xzr */
	assert_true(sysreg_decode(0x622807E0, &a));
	assert_int_equal(a.encoding, SYSREG_OSLAR_EL1);
	assert_int_equal(a.rt, 31);
	assert_false(a.read);

	/* mrs x30, pmccfiltr_el0: every field at its largest in one place. */
	assert_true(sysreg_decode(sys64_esr(3, 3, 14, 15, 7, 30, true), &a));
	assert_int_equal(a.encoding, SYSREG_PMCCFILTR_EL0);
	assert_int_equal(a.op1, 3);
	assert_int_equal(a.crn, 14);
	assert_int_equal(a.crm, 15);
	assert_int_equal(a.op2, 7);
	assert_int_equal(a.rt, 30);

	/* Packing round-trips through the accessor macros. */
	assert_int_equal(SYSREG_OP0(a.encoding), 3);
	assert_int_equal(SYSREG_OP1(a.encoding), 3);
	assert_int_equal(SYSREG_CRN(a.encoding), 14);
	assert_int_equal(SYSREG_CRM(a.encoding), 15);
	assert_int_equal(SYSREG_OP2(a.encoding), 7);

	/* Other classes are refused and leave the output alone. */
	memset(&a, 0x5A, sizeof(a));
	before = a;
	assert_false(sysreg_decode(0x93810007, &a));
	assert_false(sysreg_decode(0x5A000000, &a));
	assert_memory_equal(&a, &before, sizeof(a));
}

static void test_classify(void **state)
{
	static const struct {
		uint32_t enc;
		enum sysreg_class want;
	} cases[] = {
		/* ID space, including unallocated encodings and MIDR/MPIDR. */
		{ SYSREG_ID_AA64PFR0_EL1, SYSREG_CLASS_ID },
		{ SYSREG_ID_AA64MMFR3_EL1, SYSREG_CLASS_ID },
		{ ENC(3, 0, 0, 7, 7), SYSREG_CLASS_ID },
		{ SYSREG_MIDR_EL1, SYSREG_CLASS_ID },
		{ ENC(3, 0, 0, 8, 0), SYSREG_CLASS_UNKNOWN },
		{ ENC(3, 1, 0, 0, 1), SYSREG_CLASS_UNKNOWN },	/* CLIDR_EL1 */
		{ ENC(3, 3, 0, 0, 1), SYSREG_CLASS_UNKNOWN },	/* CTR_EL0 */
		/* OS lock and MDSCR keep state. */
		{ SYSREG_OSLAR_EL1, SYSREG_CLASS_OSLOCK },
		{ SYSREG_OSLSR_EL1, SYSREG_CLASS_OSLOCK },
		{ SYSREG_MDSCR_EL1, SYSREG_CLASS_MDSCR },
		/* Debug: breakpoints, watchpoints, OSDLR, DBGPRCR, claim, DCC, trace. */
		{ SYSREG_OSDLR_EL1, SYSREG_CLASS_DEBUG_RAZ_WI },
		{ ENC(2, 0, 0, 0, 4), SYSREG_CLASS_DEBUG_RAZ_WI },	/* DBGBVR0_EL1 */
		{ ENC(2, 0, 0, 15, 7), SYSREG_CLASS_DEBUG_RAZ_WI },	/* DBGWCR15_EL1 */
		{ ENC(2, 0, 0, 2, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* MDCCINT_EL1 */
		{ ENC(2, 0, 1, 0, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* MDRAR_EL1 */
		{ ENC(2, 0, 1, 4, 4), SYSREG_CLASS_DEBUG_RAZ_WI },	/* DBGPRCR_EL1 */
		{ ENC(2, 0, 7, 8, 6), SYSREG_CLASS_DEBUG_RAZ_WI },	/* DBGCLAIMSET_EL1 */
		{ ENC(2, 0, 7, 14, 6), SYSREG_CLASS_DEBUG_RAZ_WI },	/* DBGAUTHSTATUS_EL1 */
		{ ENC(2, 3, 0, 1, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* MDCCSR_EL0 */
		{ ENC(2, 1, 0, 1, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* TRCPRGCTLR */
		{ SYSREG_TRFCR_EL1, SYSREG_CLASS_DEBUG_RAZ_WI },
		{ ENC(3, 0, 9, 9, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* PMSCR_EL1 (SPE) */
		{ ENC(3, 0, 9, 10, 7), SYSREG_CLASS_DEBUG_RAZ_WI },	/* PMBIDR_EL1 */
		{ ENC(3, 0, 9, 11, 0), SYSREG_CLASS_DEBUG_RAZ_WI },	/* TRBLIMITR_EL1 */
		/* PMU */
		{ SYSREG_PMCR_EL0, SYSREG_CLASS_PMU_RAZ_WI },
		{ ENC(3, 3, 9, 12, 7), SYSREG_CLASS_PMU_RAZ_WI },	/* PMCEID1_EL0 */
		{ ENC(3, 3, 9, 13, 0), SYSREG_CLASS_PMU_RAZ_WI },	/* PMCCNTR_EL0 */
		{ SYSREG_PMUSERENR_EL0, SYSREG_CLASS_PMU_RAZ_WI },
		{ ENC(3, 3, 9, 14, 3), SYSREG_CLASS_PMU_RAZ_WI },	/* PMOVSSET_EL0 */
		{ ENC(3, 3, 14, 8, 0), SYSREG_CLASS_PMU_RAZ_WI },	/* PMEVCNTR0_EL0 */
		{ ENC(3, 3, 14, 11, 6), SYSREG_CLASS_PMU_RAZ_WI },	/* PMEVCNTR30_EL0 */
		{ ENC(3, 3, 14, 12, 0), SYSREG_CLASS_PMU_RAZ_WI },	/* PMEVTYPER0_EL0 */
		{ SYSREG_PMCCFILTR_EL0, SYSREG_CLASS_PMU_RAZ_WI },
		{ SYSREG_PMINTENSET_EL1, SYSREG_CLASS_PMU_RAZ_WI },
		{ SYSREG_PMINTENCLR_EL1, SYSREG_CLASS_PMU_RAZ_WI },
		{ SYSREG_PMMIR_EL1, SYSREG_CLASS_PMU_RAZ_WI },
		{ ENC(3, 3, 9, 11, 0), SYSREG_CLASS_UNKNOWN },	/* below PMCR's CRm */
		{ ENC(3, 3, 9, 15, 0), SYSREG_CLASS_UNKNOWN },
		{ ENC(3, 0, 9, 14, 0), SYSREG_CLASS_UNKNOWN },
		/* Timers: only the EL1 physical timer is trapped on purpose. */
		{ SYSREG_CNTP_TVAL_EL0, SYSREG_CLASS_CNTP },
		{ SYSREG_CNTP_CTL_EL0, SYSREG_CLASS_CNTP },
		{ SYSREG_CNTP_CVAL_EL0, SYSREG_CLASS_CNTP },
		{ ENC(3, 3, 14, 2, 3), SYSREG_CLASS_UNKNOWN },
		{ ENC(3, 3, 14, 3, 1), SYSREG_CLASS_UNKNOWN },	/* CNTV_CTL_EL0 */
		{ ENC(3, 3, 14, 0, 0), SYSREG_CLASS_UNKNOWN },	/* CNTFRQ_EL0 */
		/* ACTLR and the IMPLEMENTATION DEFINED space. */
		{ SYSREG_ACTLR_EL1, SYSREG_CLASS_ACTLR },
		{ ENC(3, 0, 1, 0, 0), SYSREG_CLASS_UNKNOWN },	/* SCTLR_EL1 */
		{ ENC(3, 1, 15, 2, 0), SYSREG_CLASS_IMPDEF },	/* Cortex-A72 CPUACTLR_EL1 */
		{ ENC(3, 0, 11, 0, 0), SYSREG_CLASS_IMPDEF },
		{ ENC(3, 7, 15, 15, 7), SYSREG_CLASS_IMPDEF },
		{ ENC(1, 0, 11, 0, 0), SYSREG_CLASS_UNKNOWN },	/* op0=1: instructions */
		{ ENC(0, 3, 3, 0, 0), SYSREG_CLASS_UNKNOWN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sysreg_class got = sysreg_classify(cases[i].enc);

		if (got != cases[i].want) {
			print_error("S%u_%u_C%u_C%u_%u: class %s, want %s\n",
				    SYSREG_OP0(cases[i].enc), SYSREG_OP1(cases[i].enc),
				    SYSREG_CRN(cases[i].enc), SYSREG_CRM(cases[i].enc),
				    SYSREG_OP2(cases[i].enc), sysreg_class_name(got),
				    sysreg_class_name(cases[i].want));
			fail();
		}
		assert_int_equal(sysreg_is_debug_or_pmu_raz_wi(cases[i].enc),
				 cases[i].want == SYSREG_CLASS_DEBUG_RAZ_WI ||
					 cases[i].want == SYSREG_CLASS_PMU_RAZ_WI);
	}
	for (int c = SYSREG_CLASS_UNKNOWN; c <= SYSREG_CLASS_CNTP; c++)
		assert_non_null(sysreg_class_name((enum sysreg_class)c));
}

static void test_os_lock(void **state)
{
	/* OSLM = 0b10 is bit 3 set, bit 0 clear; OSLK is bit 1; nTT (bit 2) RAZ. */
	assert_int_equal(sysreg_oslsr_value(false), 0x8);
	assert_int_equal(sysreg_oslsr_value(true), 0xA);
	assert_true(sysreg_oslar_locks(1));
	assert_false(sysreg_oslar_locks(0));
	assert_false(sysreg_oslar_locks(0xFFFFFFFFFFFFFFFEULL));
}

/* Independent restatement of the policy: the fields each register must read
 * as zero, written from the brief rather than from the table. */
static const struct {
	uint32_t enc;
	uint64_t hidden;
} expected_hidden[] = {
	/* SVE[35:32], RAS[31:28], MPAM[43:40], AMU[47:44] */
	{ SYSREG_ID_AA64PFR0_EL1, 0xFULL << 32 | 0xFULL << 28 | 0xFULL << 40 | 0xFULL << 44 },
	/* MTE[11:8], RAS_frac[15:12], MPAM_frac[19:16], SME[27:24] */
	{ SYSREG_ID_AA64PFR1_EL1, 0xFULL << 8 | 0xFULL << 12 | 0xFULL << 16 | 0xFULL << 24 },
	/* MTEPERM, MTESTOREONLY, MTEFAR */
	{ SYSREG_ID_AA64PFR2_EL1, 0xFFFULL },
	{ SYSREG_ID_AA64ZFR0_EL1, ~0ULL },
	{ SYSREG_ID_AA64SMFR0_EL1, ~0ULL },
	/* TraceVer[7:4], PMUVer[11:8], PMSVer[35:32], TraceFilt[43:40], TraceBuffer[47:44] */
	{ SYSREG_ID_AA64DFR0_EL1,
	  0xFULL << 4 | 0xFULL << 8 | 0xFULL << 32 | 0xFULL << 40 | 0xFULL << 44 },
	/* AMU[23:20], RAS[31:28] */
	{ SYSREG_ID_PFR0_EL1, 0xFULL << 20 | 0xFULL << 28 },
	/* RAS_frac[11:8] */
	{ SYSREG_ID_PFR2_EL1, 0xFULL << 8 },
	/* CopTrc[15:12], PerfMon[27:24], TraceFilt[31:28] */
	{ SYSREG_ID_DFR0_EL1, 0xFULL << 12 | 0xFULL << 24 | 0xFULL << 28 },
};

static uint64_t expected_hidden_mask(uint32_t enc)
{
	for (size_t i = 0; i < sizeof(expected_hidden) / sizeof(expected_hidden[0]); i++) {
		if (expected_hidden[i].enc == enc)
			return expected_hidden[i].hidden;
	}
	return 0;
}

static void test_id_sanitize_allocated(void **state)
{
	static const uint64_t patterns[] = { ~0ULL, 0, 0x1111111111111111ULL,
					     0x0123456789ABCDEFULL, 0xF0F0F0F0F0F0F0F0ULL };
	unsigned allocated = 0;

	/* Walk the whole ID space so no allocated register escapes the check. */
	for (unsigned crm = 0; crm <= 7; crm++) {
		for (unsigned op2 = 0; op2 <= 7; op2++) {
			uint32_t enc = ENC(3, 0, 0, crm, op2);

			if (!id_reg_is_allocated(enc) || enc == SYSREG_MPIDR_EL1)
				continue;
			allocated++;
			for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
				uint64_t out = 0xDEAD;

				assert_true(id_reg_sanitize(enc, patterns[p], &out));
				assert_int_equal(out, patterns[p] & ~expected_hidden_mask(enc));
			}
		}
	}
	/* MIDR, REVIDR and the 38 registers allocated in CRm 1..7. */
	assert_int_equal(allocated, 40);

	/* Features outside the policy stay visible, e.g. EL2/EL3 support,
	 * DoubleLock, DebugVer, and all of ISAR0/MMFR0. */
	uint64_t out;
	assert_true(id_reg_sanitize(SYSREG_ID_AA64PFR0_EL1, 0x1122, &out));
	assert_int_equal(out, 0x1122);
	assert_true(id_reg_sanitize(SYSREG_ID_AA64DFR0_EL1, 0xF00000006ULL << 4 | 0x6, &out));
	assert_int_equal(out, (0xF00000006ULL << 4 | 0x6) & ~(0xFULL << 4) & ~(0xFULL << 32));
}

static void test_id_sanitize_unallocated_and_outside(void **state)
{
	static const uint32_t unallocated[] = {
		ENC(3, 0, 0, 0, 1), ENC(3, 0, 0, 0, 7), ENC(3, 0, 0, 3, 3), ENC(3, 0, 0, 3, 7),
		ENC(3, 0, 0, 4, 3), ENC(3, 0, 0, 4, 6), ENC(3, 0, 0, 4, 7), ENC(3, 0, 0, 5, 2),
		ENC(3, 0, 0, 5, 3), ENC(3, 0, 0, 5, 6), ENC(3, 0, 0, 6, 3), ENC(3, 0, 0, 6, 7),
		ENC(3, 0, 0, 7, 4), ENC(3, 0, 0, 7, 7),
	};
	static const uint32_t outside[] = {
		ENC(3, 0, 0, 8, 0), ENC(3, 1, 0, 0, 0), ENC(2, 0, 0, 4, 0), ENC(3, 0, 1, 0, 0),
		SYSREG_MPIDR_EL1,
	};
	uint64_t out;

	for (size_t i = 0; i < sizeof(unallocated) / sizeof(unallocated[0]); i++) {
		out = 0xDEAD;
		assert_false(id_reg_is_allocated(unallocated[i]));
		assert_true(id_reg_sanitize(unallocated[i], ~0ULL, &out));
		assert_int_equal(out, 0);
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		out = 0xDEAD;
		assert_false(id_reg_sanitize(outside[i], ~0ULL, &out));
		assert_int_equal(out, 0xDEAD);
	}
	/* MIDR passes through (the guest sees the real core, as VPIDR would). */
	assert_true(id_reg_sanitize(SYSREG_MIDR_EL1, 0x410FD083, &out));
	assert_int_equal(out, 0x410FD083);
}

static void test_policy_table_well_formed(void **state)
{
	size_t count;
	const struct id_reg_field_policy *t = id_reg_policy_table(&count);

	assert_true(count > 0);
	for (size_t i = 0; i < count; i++) {
		uint64_t out;

		assert_true(id_reg_is_allocated(t[i].encoding));
		assert_true(t[i].width > 0 && t[i].shift + t[i].width <= 64);
		assert_int_equal(t[i].value & ~field(0, t[i].width), 0);
		assert_non_null(t[i].feature);
		/* Every line takes effect: with all-ones hardware the field reads
		 * as the forced value. */
		assert_true(id_reg_sanitize(t[i].encoding, ~0ULL, &out));
		assert_int_equal((out & field(t[i].shift, t[i].width)) >> t[i].shift, t[i].value);
		/* ... and is part of the independent expectation above. */
		assert_int_equal(expected_hidden_mask(t[i].encoding) & field(t[i].shift, t[i].width),
				 field(t[i].shift, t[i].width));
	}
}

static void test_id_access_policy(void **state)
{
	struct sysreg_access a;
	uint64_t v = 0xDEAD;

	/* mrs x0, ID_AA64PFR0_EL1 on a core with SVE: emulated, SVE hidden. */
	assert_true(sysreg_decode(sys64_esr(3, 0, 0, 4, 0, 0, true), &a));
	assert_int_equal(sysreg_id_access(&a, 0x0000000100000011ULL, &v), SYSREG_EMULATED);
	assert_int_equal(v, 0x11);

	/* mrs x1, ID_AA64ZFR0_EL1 (Linux 6.1 reads it unconditionally) */
	assert_true(sysreg_decode(sys64_esr(3, 0, 0, 4, 4, 1, true), &a));
	assert_int_equal(sysreg_id_access(&a, ~0ULL, &v), SYSREG_EMULATED);
	assert_int_equal(v, 0);

	/* Writes to ID registers are UNDEFINED and produce no value. */
	v = 0xDEAD;
	assert_true(sysreg_decode(sys64_esr(3, 0, 0, 4, 0, 0, false), &a));
	assert_int_equal(sysreg_id_access(&a, 0, &v), SYSREG_UNDEF);
	assert_int_equal(v, 0xDEAD);
	/* MPIDR and non-ID registers are not this policy's to answer. */
	assert_true(sysreg_decode(sys64_esr(3, 0, 0, 0, 5, 0, true), &a));
	assert_int_equal(sysreg_id_access(&a, 0, &v), SYSREG_UNDEF);
	assert_true(sysreg_decode(sys64_esr(3, 0, 1, 0, 0, 0, true), &a));
	assert_int_equal(sysreg_id_access(&a, 0, &v), SYSREG_UNDEF);
	assert_int_equal(v, 0xDEAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_os_lock),
		cmocka_unit_test(test_id_sanitize_allocated),
		cmocka_unit_test(test_id_sanitize_unallocated_and_outside),
		cmocka_unit_test(test_policy_table_well_formed),
		cmocka_unit_test(test_id_access_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
