/* Host tests for arch/aarch64/esr: class and fault-status names, field macros
 * and the one-line description, checked on syndromes built from the Arm ARM layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/esr.h"

static uint64_t make_esr(unsigned ec, bool il32, uint32_t iss)
{
	return ((uint64_t)ec << 26) | (il32 ? (1u << 25) : 0) | iss;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle)) {
		print_error("\"%s\" does not contain \"%s\"\n", haystack, needle);
		fail();
	}
}

static void test_field_macros(void **state)
{
	/* ldr w1, [x0] faulting at Stage-2, translation level 3 (reasoned from
	 * the DABT ISS layout: ISV | SAS=2 | SRT=1 | DFSC=7). */
	uint64_t esr = 0x93810007;

	assert_int_equal(ESR_EC(esr), ESR_EC_DABT_LOW);
	assert_true(esr & ESR_IL);
	assert_int_equal(ESR_ISS(esr), 0x1810007);
	assert_true(esr & ESR_ISV);
	assert_int_equal(ESR_SAS(esr), 2);
	assert_int_equal(ESR_SRT(esr), 1);
	assert_false(esr & ESR_WNR);
	assert_int_equal(ESR_FSC(esr), 0x07);
	assert_int_equal(ESR_ISS2(esr), 0);
	assert_int_equal(ESR_ISS2(esr | (0xabcdefULL << 32)), 0xabcdef);
	/* ISS2 must not leak into ISS, nor bits above 55 into ISS2. */
	assert_int_equal(ESR_ISS(esr | (0xffULL << 32)), 0x1810007);
	assert_int_equal(ESR_ISS2(0xff00000000000000ULL), 0);
	assert_int_equal(ESR_EC(0xfc000000), 0x3f);
	assert_int_equal(ESR_EC(0x03ffffff), 0);

	/* SYS64: mrs x3, S3_0_C0_C4_4 -> op0 3, op2 4, op1 0, CRn 0, Rt 3, CRm 4, read. */
	esr = make_esr(ESR_EC_SYS64, true, (3u << 20) | (4u << 17) | (3u << 5) | (4u << 1) | 1);
	assert_int_equal(esr, 0x62380069);
	assert_int_equal(ESR_SYS64_OP0(esr), 3);
	assert_int_equal(ESR_SYS64_OP2(esr), 4);
	assert_int_equal(ESR_SYS64_OP1(esr), 0);
	assert_int_equal(ESR_SYS64_CRN(esr), 0);
	assert_int_equal(ESR_SYS64_RT(esr), 3);
	assert_int_equal(ESR_SYS64_CRM(esr), 4);
	assert_true(esr & ESR_SYS64_READ);

	assert_int_equal(ESR_IMM16(make_esr(ESR_EC_HVC64, true, 0x1234)), 0x1234);
	assert_int_equal(ESR_WFX_TI(make_esr(ESR_EC_WFX, true, 1)), 1);
}

static void test_ec_names(void **state)
{
	static const struct {
		unsigned ec;
		const char *name;
	} known[] = {
		{ 0x00, "unknown reason" }, { 0x01, "WFI/WFE" },
		{ 0x03, "AArch32 MCR/MRC (CP15)" }, { 0x07, "SVE/SIMD/FP access" },
		{ 0x0E, "illegal execution state" }, { 0x12, "AArch32 HVC" },
		{ 0x15, "SVC" }, { 0x16, "HVC" }, { 0x17, "SMC" },
		{ 0x18, "MSR/MRS/system instruction" }, { 0x19, "SVE access" },
		{ 0x20, "instruction abort, lower EL" }, { 0x21, "instruction abort, same EL" },
		{ 0x22, "PC alignment fault" }, { 0x24, "data abort, lower EL" },
		{ 0x25, "data abort, same EL" }, { 0x26, "SP alignment fault" },
		{ 0x28, "AArch32 floating-point exception" }, { 0x2C, "floating-point exception" },
		{ 0x2F, "SError" }, { 0x30, "breakpoint, lower EL" }, { 0x33, "software step, same EL" },
		{ 0x34, "watchpoint, lower EL" }, { 0x38, "AArch32 BKPT" }, { 0x3C, "BRK" },
	};
	static const unsigned allocated[] = {
		0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x0E,
		0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1D, 0x1F,
		0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x2C, 0x2D, 0x2F,
		0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x3A, 0x3C,
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_string_equal(esr_ec_name(known[i].ec), known[i].name);

	/* Every one of the 64 classes has a name; exactly the unallocated ones
	 * are "reserved EC". */
	for (unsigned ec = 0; ec < 64; ec++) {
		bool is_allocated = false;

		for (size_t i = 0; i < sizeof(allocated) / sizeof(allocated[0]); i++)
			is_allocated |= allocated[i] == ec;
		assert_non_null(esr_ec_name(ec));
		if (is_allocated)
			assert_string_not_equal(esr_ec_name(ec), "reserved EC");
		else
			assert_string_equal(esr_ec_name(ec), "reserved EC");
	}
	assert_string_equal(esr_ec_name(64), "reserved EC");
	assert_string_equal(esr_ec_name(~0u), "reserved EC");
}

static void test_fsc_names(void **state)
{
	assert_string_equal(esr_fsc_name(0x04), "translation fault, level 0");
	assert_string_equal(esr_fsc_name(0x07), "translation fault, level 3");
	assert_string_equal(esr_fsc_name(0x2B), "translation fault, level -1");
	assert_string_equal(esr_fsc_name(0x09), "access flag fault, level 1");
	assert_string_equal(esr_fsc_name(0x0F), "permission fault, level 3");
	assert_string_equal(esr_fsc_name(0x00), "address size fault, level 0");
	assert_string_equal(esr_fsc_name(0x29), "address size fault, level -1");
	assert_string_equal(esr_fsc_name(0x10), "synchronous external abort");
	assert_string_equal(esr_fsc_name(0x15), "synchronous external abort on TTW, level 1");
	assert_string_equal(esr_fsc_name(0x21), "alignment fault");
	assert_string_equal(esr_fsc_name(0x30), "TLB conflict abort");
	assert_string_equal(esr_fsc_name(0x31), "unsupported atomic hardware update fault");
	/* Unallocated codes and out-of-range values. */
	assert_string_equal(esr_fsc_name(0x19), "reserved FSC");
	assert_string_equal(esr_fsc_name(0x20), "reserved FSC");
	assert_string_equal(esr_fsc_name(0x3F), "reserved FSC");
	assert_string_equal(esr_fsc_name(0x40), "reserved FSC");
	assert_string_equal(esr_fsc_name(~0u), "reserved FSC");

	assert_true(esr_fsc_is_translation(0x04) && esr_fsc_is_translation(0x07));
	assert_true(esr_fsc_is_translation(0x2B));
	assert_false(esr_fsc_is_translation(0x08) || esr_fsc_is_translation(0x03));
	assert_true(esr_fsc_is_access_flag(0x08) && esr_fsc_is_access_flag(0x0B));
	assert_false(esr_fsc_is_access_flag(0x0C));
	assert_true(esr_fsc_is_permission(0x0C) && esr_fsc_is_permission(0x0F));
	assert_false(esr_fsc_is_permission(0x10) || esr_fsc_is_permission(0x0B));
}

static void test_describe_data_abort(void **state)
{
	char buf[256];
	/* str x2, [x1]: ISV SAS=3 SRT=2 SF WnR, permission fault level 3. */
	uint64_t esr = 0x93C2804F;
	int n = esr_describe(esr, buf, sizeof(buf));

	assert_int_equal(n, (int)strlen(buf));
	assert_contains(buf, "data abort, lower EL (EC 0x24, IL32):");
	assert_contains(buf, "permission fault, level 3 (DFSC 0x0f)");
	assert_contains(buf, "WnR=1 CM=0 S1PTW=0 FnV=0 EA=0 ISV=1");
	assert_contains(buf, "SAS=8B SSE=0 SRT=2 SF=1 AR=0");
	/* The crash report prints it in a 160-character buffer. */
	assert_true(n < 160);

	/* Without ISV the syndrome fields are not printed (they are RES0). */
	esr_describe(0x92000087, buf, sizeof(buf));
	assert_contains(buf, "translation fault, level 3 (DFSC 0x07)");
	assert_contains(buf, "S1PTW=1");
	assert_contains(buf, "ISV=0");
	assert_null(strstr(buf, "SAS="));

	/* Instruction abort: IFSC, no data-only fields. */
	esr_describe(make_esr(ESR_EC_IABT_LOW, true, 0x10 | (1u << 9)), buf, sizeof(buf));
	assert_contains(buf, "instruction abort, lower EL");
	assert_contains(buf, "synchronous external abort (IFSC 0x10)");
	assert_contains(buf, "EA=1");
	assert_null(strstr(buf, "WnR"));
	assert_null(strstr(buf, "ISV"));
}

static void test_describe_other_classes(void **state)
{
	char buf[256];

	/* msr oslar_el1, xzr */
	esr_describe(0x622807E0, buf, sizeof(buf));
	assert_contains(buf, "MSR/MRS/system instruction (EC 0x18, IL32):");
	assert_contains(buf, "MSR S2_0_C1_C0_4, xzr");
	assert_contains(buf, "op0=2 op1=0 CRn=1 CRm=0 op2=4 Rt=31 write");

	esr_describe(0x62380069, buf, sizeof(buf));
	assert_contains(buf, "MRS x3, S3_0_C0_C4_4");
	assert_contains(buf, "Rt=3 read");
	esr_describe(make_esr(ESR_EC_SYS64, true, (3u << 20) | (27u << 5) | 1), buf, sizeof(buf));
	assert_contains(buf, "MRS x27, S3_0_C0_C0_0");

	esr_describe(make_esr(ESR_EC_HVC64, true, 0xbeef), buf, sizeof(buf));
	assert_string_equal(buf, "HVC (EC 0x16, IL32): imm16=0xbeef");
	esr_describe(make_esr(ESR_EC_SVC32, false, 0x12), buf, sizeof(buf));
	assert_string_equal(buf, "AArch32 SVC (EC 0x11, IL16): imm16=0x0012");
	esr_describe(make_esr(ESR_EC_BRK64, true, 0x800), buf, sizeof(buf));
	assert_string_equal(buf, "BRK (EC 0x3c, IL32): comment=0x0800");
	esr_describe(make_esr(ESR_EC_WFX, true, 1), buf, sizeof(buf));
	assert_string_equal(buf, "WFI/WFE (EC 0x01, IL32): WFE");
	esr_describe(make_esr(ESR_EC_WFX, true, 2), buf, sizeof(buf));
	assert_contains(buf, "WFIT");
	esr_describe(make_esr(ESR_EC_SERROR, true, (2u << 10) | (1u << 9) | 0x11), buf,
		     sizeof(buf));
	assert_string_equal(buf, "SError (EC 0x2f, IL32): AET=2 EA=1 DFSC 0x11");
	esr_describe(make_esr(ESR_EC_SERROR, true, (1u << 24) | 0x123456), buf, sizeof(buf));
	assert_contains(buf, "IMPLEMENTATION DEFINED syndrome 0x123456");
	esr_describe(make_esr(ESR_EC_UNKNOWN, true, 0), buf, sizeof(buf));
	assert_string_equal(buf, "unknown reason (EC 0x00, IL32): ISS=0x0000000");
	esr_describe(make_esr(0x3F, true, 0x1ffffff) | (0x42ULL << 32), buf, sizeof(buf));
	assert_string_equal(buf, "reserved EC (EC 0x3f, IL32): ISS=0x1ffffff ISS2=0x000042");
}

static void test_describe_truncation(void **state)
{
	char full[256], small[17];
	uint64_t esr = 0x93C2804F;
	int n = esr_describe(esr, full, sizeof(full));

	memset(small, 'Z', sizeof(small));
	assert_int_equal(esr_describe(esr, small, 16), n);
	assert_int_equal(strlen(small), 15);
	assert_memory_equal(small, full, 15);
	assert_int_equal(small[16], 'Z');	/* nothing written past size */

	assert_int_equal(esr_describe(esr, NULL, 0), n);
	memset(small, 'Z', sizeof(small));
	assert_int_equal(esr_describe(esr, small, 1), n);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'Z');

	/* Every size between gives a prefix of the full line. */
	for (size_t size = 1; size <= (size_t)n + 1; size++) {
		char part[256];

		assert_int_equal(esr_describe(esr, part, size), n);
		assert_int_equal(strlen(part), size - 1 < (size_t)n ? size - 1 : (size_t)n);
		assert_memory_equal(part, full, strlen(part));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_macros),
		cmocka_unit_test(test_ec_names),
		cmocka_unit_test(test_fsc_names),
		cmocka_unit_test(test_describe_data_abort),
		cmocka_unit_test(test_describe_other_classes),
		cmocka_unit_test(test_describe_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
