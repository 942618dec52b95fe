/* Host tests for arch/aarch64/mmio_decode: syndromes of real load/store forms
 * (built from the Arm ARM's data abort ISS layout), refusals, IPA recovery and
 * the register-width rules of loads and stores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/aarch64/esr.h"
#include "arch/aarch64/mmio_decode.h"

/* Data abort ISS fields, Arm ARM "ISS encoding for an exception from a Data Abort". */
struct dabt {
	bool isv;
	unsigned sas;	/* 0 byte, 1 halfword, 2 word, 3 doubleword */
	bool sse, sf, ar, wnr, s1ptw, cm, fnv, ea;
	unsigned srt;
	unsigned dfsc;
};

static uint64_t dabt_esr(struct dabt d)
{
	uint64_t esr = ((uint64_t)ESR_EC_DABT_LOW << 26) | (1u << 25);

	esr |= (uint64_t)d.isv << 24 | (uint64_t)d.sas << 22 | (uint64_t)d.sse << 21;
	esr |= (uint64_t)d.srt << 16 | (uint64_t)d.sf << 15 | (uint64_t)d.ar << 14;
	esr |= (uint64_t)d.fnv << 10 | (uint64_t)d.ea << 9 | (uint64_t)d.cm << 8;
	esr |= (uint64_t)d.s1ptw << 7 | (uint64_t)d.wnr << 6 | d.dfsc;
	return esr;
}

/* The guest touches VA 0xffff000010000018, mapped by its stage 1 to IPA
 * 0x09000018 (QEMU virt's PL011 + 0x18, UARTFR). */
#define GUEST_VA	0xffff000010000018ULL
#define IPA		0x09000018ULL
#define HPFAR_OF(ipa)	(((ipa) >> 12) << 4)

static struct mmio_access decode_ok(uint64_t esr)
{
	struct mmio_access a;

	assert_int_equal(mmio_decode(esr, GUEST_VA, HPFAR_OF(IPA), &a), MMIO_DECODE_OK);
	assert_int_equal(a.ipa, IPA);
	return a;
}

static void test_builder_matches_hand_decoded_syndromes(void **state)
{
	/* Worked by hand from the field layout, as a check on the builder:
	 *   ldr w1, [x0]      ISV SAS=2 SRT=1 DFSC=7           -> 0x93810007
	 *   str x2, [x1]      ISV SAS=3 SRT=2 SF WnR           -> 0x93C28047
	 *   ldrsb x4, [x0]    ISV SAS=0 SSE SRT=4 SF           -> 0x93248007
	 *   ldar x2, [x0]     ISV SAS=3 SRT=2 SF AR            -> 0x93C2C007
	 *   str wzr, [x0]     ISV SAS=2 SRT=31 WnR             -> 0x939F0047 */
	assert_int_equal(dabt_esr((struct dabt){ .isv = 1, .sas = 2, .srt = 1, .dfsc = 7 }),
			 0x93810007);
	assert_int_equal(dabt_esr((struct dabt){ .isv = 1, .sas = 3, .srt = 2, .sf = 1, .wnr = 1,
						 .dfsc = 7 }),
			 0x93C28047);
	assert_int_equal(dabt_esr((struct dabt){ .isv = 1, .sas = 0, .sse = 1, .srt = 4, .sf = 1,
						 .dfsc = 7 }),
			 0x93248007);
	assert_int_equal(dabt_esr((struct dabt){ .isv = 1, .sas = 3, .srt = 2, .sf = 1, .ar = 1,
						 .dfsc = 7 }),
			 0x93C2C007);
	assert_int_equal(dabt_esr((struct dabt){ .isv = 1, .sas = 2, .srt = 31, .wnr = 1,
						 .dfsc = 7 }),
			 0x939F0047);
}

static void test_loads(void **state)
{
	struct mmio_access a;

	/* ldrb w3, [x0] */
	a = decode_ok(0x93030007);
	assert_int_equal(a.size, 1);
	assert_false(a.write);
	assert_false(a.sign_extend);
	assert_false(a.sixty_four);
	assert_int_equal(a.reg, 3);
	assert_false(a.acq_rel);

	/* ldrsb w4 / ldrsb x4 */
	a = decode_ok(dabt_esr((struct dabt){ .isv = 1, .sas = 0, .sse = 1, .srt = 4, .dfsc = 7 }));
	assert_true(a.sign_extend);
	assert_false(a.sixty_four);
	a = decode_ok(0x93248007);
	assert_int_equal(a.size, 1);
	assert_true(a.sign_extend);
	assert_true(a.sixty_four);
	assert_int_equal(a.reg, 4);

	/* ldrsh w5, [x0] -> 0x93650007 */
	a = decode_ok(0x93650007);
	assert_int_equal(a.size, 2);
	assert_true(a.sign_extend);
	assert_false(a.sixty_four);
	assert_int_equal(a.reg, 5);

	/* ldrsw x6, [x0] -> 0x93A68007 */
	a = decode_ok(0x93A68007);
	assert_int_equal(a.size, 4);
	assert_true(a.sign_extend);
	assert_true(a.sixty_four);
	assert_int_equal(a.reg, 6);

	/* ldr w1 and ldr x30 */
	a = decode_ok(0x93810007);
	assert_int_equal(a.size, 4);
	assert_false(a.sixty_four);
	a = decode_ok(dabt_esr((struct dabt){ .isv = 1, .sas = 3, .srt = 30, .sf = 1, .dfsc = 6 }));
	assert_int_equal(a.size, 8);
	assert_true(a.sixty_four);
	assert_int_equal(a.reg, 30);

	/* ldar x2, [x0] */
	a = decode_ok(0x93C2C007);
	assert_true(a.acq_rel);
	assert_false(a.write);
}

static void test_stores(void **state)
{
	struct mmio_access a;

	a = decode_ok(0x93C28047);	/* str x2, [x1] */
	assert_true(a.write);
	assert_int_equal(a.size, 8);
	assert_int_equal(a.reg, 2);

	/* strb w7 / strh w8 */
	a = decode_ok(dabt_esr((struct dabt){ .isv = 1, .sas = 0, .srt = 7, .wnr = 1, .dfsc = 7 }));
	assert_true(a.write);
	assert_int_equal(a.size, 1);
	a = decode_ok(dabt_esr((struct dabt){ .isv = 1, .sas = 1, .srt = 8, .wnr = 1, .dfsc = 7 }));
	assert_int_equal(a.size, 2);

	a = decode_ok(0x939F0047);	/* str wzr, [x0] */
	assert_true(a.write);
	assert_int_equal(a.reg, MMIO_REG_XZR);

	/* stlr w1, [x0] */
	a = decode_ok(dabt_esr((struct dabt){ .isv = 1, .sas = 2, .srt = 1, .ar = 1, .wnr = 1,
					      .dfsc = 7 }));
	assert_true(a.acq_rel);
	assert_true(a.write);
}

static void test_fault_kinds_accepted(void **state)
{
	/* Translation (all levels and -1), access flag, permission faults: the
	 * ways Stage-2 reports an IPA it does not map or maps read-only. */
	static const unsigned ok[] = { 0x04, 0x05, 0x06, 0x07, 0x2B, 0x08, 0x09, 0x0A, 0x0B,
				       0x0C, 0x0D, 0x0E, 0x0F };
	static const unsigned refused[] = { 0x00, 0x03, 0x10, 0x11, 0x14, 0x18, 0x21, 0x29,
					    0x30, 0x31, 0x34, 0x3F };
	struct mmio_access a;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t esr = dabt_esr((struct dabt){ .isv = 1, .sas = 2, .srt = 1, .dfsc = ok[i] });

		assert_int_equal(mmio_decode(esr, GUEST_VA, HPFAR_OF(IPA), &a), MMIO_DECODE_OK);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		uint64_t esr = dabt_esr((struct dabt){ .isv = 1, .sas = 2, .srt = 1,
						       .dfsc = refused[i] });

		assert_int_equal(mmio_decode(esr, GUEST_VA, HPFAR_OF(IPA), &a),
				 MMIO_DECODE_NOT_S2_FAULT);
	}
}

static void test_refusals_leave_output_untouched(void **state)
{
	static const struct {
		uint64_t esr;
		enum mmio_decode_result want;
	} cases[] = {
		/* ldp x0, x1, [x2]: no syndrome */
		{ 0x92000007, MMIO_DECODE_NO_ISV },
		/* stage-1 walk of the guest's page tables hit an unmapped IPA */
		{ 0x92000087, MMIO_DECODE_S1PTW },
		/* S1PTW wins over ISV: the real cause is the walk */
		{ 0x93810087, MMIO_DECODE_S1PTW },
		/* dc civac on a device page: CM=1, WnR=1, ISV=0 */
		{ 0x92000147, MMIO_DECODE_CACHE_OP },
		/* FnV: no page offset available */
		{ 0x93810407, MMIO_DECODE_FAR_INVALID },
		/* data abort at EL2 itself, and an instruction abort */
		{ 0x97810007, MMIO_DECODE_NOT_DABT },
		{ 0x82000007, MMIO_DECODE_NOT_DABT },
		{ 0x5a000000, MMIO_DECODE_NOT_DABT },
		/* synchronous external abort with ISV=1 */
		{ 0x93810210, MMIO_DECODE_NOT_S2_FAULT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mmio_access a, before;

		memset(&a, 0xA5, sizeof(a));
		before = a;
		assert_int_equal(mmio_decode(cases[i].esr, GUEST_VA, HPFAR_OF(IPA), &a),
				 cases[i].want);
		assert_memory_equal(&a, &before, sizeof(a));
		assert_non_null(mmio_decode_result_name(cases[i].want));
	}
	assert_string_equal(mmio_decode_result_name(MMIO_DECODE_OK), "ok");
	assert_string_equal(mmio_decode_result_name((enum mmio_decode_result)99),
			    "unknown result");
}

static void test_ipa_recovery(void **state)
{
	struct mmio_access a;
	uint64_t esr = 0x93810007;
	uint64_t big_ipa = 0x000FFFFFFFFFF000ULL | 0xABC;	/* 52-bit IPA */

	/* FAR supplies only the page offset; its VA bits must not leak. */
	assert_int_equal(mmio_decode(esr, 0xFFFFFFFFFFFFF018ULL, HPFAR_OF(IPA), &a),
			 MMIO_DECODE_OK);
	assert_int_equal(a.ipa, IPA);
	/* With the MMU off FAR equals the IPA; same answer. */
	assert_int_equal(mmio_decode(esr, IPA, HPFAR_OF(IPA), &a), MMIO_DECODE_OK);
	assert_int_equal(a.ipa, IPA);
	/* HPFAR bit 63 (NS) and bits [3:0] are not address. */
	assert_int_equal(mmio_decode(esr, IPA, HPFAR_OF(IPA) | (1ULL << 63) | 0xF, &a),
			 MMIO_DECODE_OK);
	assert_int_equal(a.ipa, IPA);
	/* FIPA up to bit 43 gives IPA bits up to 51 (FEAT_LPA). */
	assert_int_equal(mmio_decode(esr, big_ipa, HPFAR_OF(big_ipa), &a), MMIO_DECODE_OK);
	assert_int_equal(a.ipa, big_ipa);
	assert_int_equal(mmio_decode(esr, 0, ~0ULL, &a), MMIO_DECODE_OK);
	assert_int_equal(a.ipa, 0x000FFFFFFFFFF000ULL);
	/* Page zero, offset zero. */
	assert_int_equal(mmio_decode(esr, 0, 0, &a), MMIO_DECODE_OK);
	assert_int_equal(a.ipa, 0);
}

static struct mmio_access access_of(unsigned size, bool sse, bool sf, unsigned reg, bool write)
{
	return (struct mmio_access){ .ipa = IPA, .size = (uint8_t)size, .sign_extend = sse,
				     .sixty_four = sf, .reg = (uint8_t)reg, .write = write };
}

static void test_load_values(void **state)
{
	const uint64_t raw = 0xA1B2C3D4E5F68192ULL;
	struct mmio_access a;

	/* Zero extension, each size, W and X. */
	a = access_of(1, false, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0x92);
	a = access_of(2, false, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0x8192);
	a = access_of(4, false, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xE5F68192);
	a = access_of(8, false, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), raw);
	a = access_of(4, false, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xE5F68192);

	/* LDRSB: W gets a 32-bit result with the upper half zero, X all 64 bits. */
	a = access_of(1, true, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xFFFFFF92ULL);
	a = access_of(1, true, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xFFFFFFFFFFFFFF92ULL);
	assert_int_equal(mmio_load_value(&a, 0x7F), 0x7F);
	assert_int_equal(mmio_load_value(&a, 0xFF00), 0);
	/* LDRSH */
	a = access_of(2, true, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xFFFF8192ULL);
	a = access_of(2, true, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xFFFFFFFFFFFF8192ULL);
	assert_int_equal(mmio_load_value(&a, 0x7FFF), 0x7FFF);
	/* LDRSW */
	a = access_of(4, true, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xFFFFFFFFE5F68192ULL);
	assert_int_equal(mmio_load_value(&a, 0x7FFFFFFF), 0x7FFFFFFF);
	/* SSE on a doubleword cannot be encoded; it must not corrupt the value. */
	a = access_of(8, true, true, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), raw);
	/* A 64-bit raw value into a W register keeps the low word only. */
	a = access_of(8, false, false, 0, false);
	assert_int_equal(mmio_load_value(&a, raw), 0xE5F68192);
}

static void test_load_to_gpr_and_xzr(void **state)
{
	/* Exactly 31 registers on the heap: ASan flags any touch of "x31". */
	uint64_t *gpr = calloc(31, sizeof(*gpr));
	uint64_t copy[31];
	struct mmio_access a;

	assert_non_null(gpr);
	for (unsigned i = 0; i < 31; i++)
		gpr[i] = 0x1111111111111111ULL * (i % 15 + 1);
	memcpy(copy, gpr, sizeof(copy));

	a = access_of(2, true, true, MMIO_REG_XZR, false);
	mmio_load_to_gpr(&a, gpr, 0x8000);
	assert_memory_equal(gpr, copy, sizeof(copy));

	a = access_of(1, true, false, 30, false);
	mmio_load_to_gpr(&a, gpr, 0x80);
	assert_int_equal(gpr[30], 0xFFFFFF80ULL);
	copy[30] = 0xFFFFFF80ULL;
	assert_memory_equal(gpr, copy, sizeof(copy));

	a = access_of(8, false, true, 0, false);
	mmio_load_to_gpr(&a, gpr, 0x0123456789ABCDEFULL);
	assert_int_equal(gpr[0], 0x0123456789ABCDEFULL);
	free(gpr);
}

static void test_store_values(void **state)
{
	uint64_t *gpr = calloc(31, sizeof(*gpr));
	struct mmio_access a;

	assert_non_null(gpr);
	gpr[5] = 0x1122334455667788ULL;
	a = access_of(1, false, false, 5, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0x88);
	a = access_of(2, false, false, 5, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0x7788);
	a = access_of(4, false, false, 5, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0x55667788);
	a = access_of(8, false, true, 5, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0x1122334455667788ULL);

	/* str xzr: zero, whatever the array holds and without reading past it. */
	for (unsigned i = 0; i < 31; i++)
		gpr[i] = ~0ULL;
	a = access_of(8, false, true, MMIO_REG_XZR, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0);
	a = access_of(4, false, false, MMIO_REG_XZR, true);
	assert_int_equal(mmio_store_value(&a, gpr), 0);
	free(gpr);
}

static void test_decode_then_emulate_round_trip(void **state)
{
	/* ldrsh w9, [x0] reading 0xFFFE from the device, end to end. */
	uint64_t gpr[31] = { 0 };
	struct mmio_access a;
	uint64_t esr = dabt_esr((struct dabt){ .isv = 1, .sas = 1, .sse = 1, .srt = 9,
					       .dfsc = 7 });

	assert_int_equal(mmio_decode(esr, GUEST_VA, HPFAR_OF(IPA), &a), MMIO_DECODE_OK);
	mmio_load_to_gpr(&a, gpr, 0xFFFE);
	assert_int_equal(gpr[9], 0xFFFFFFFEULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builder_matches_hand_decoded_syndromes),
		cmocka_unit_test(test_loads),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_fault_kinds_accepted),
		cmocka_unit_test(test_refusals_leave_output_untouched),
		cmocka_unit_test(test_ipa_recovery),
		cmocka_unit_test(test_load_values),
		cmocka_unit_test(test_load_to_gpr_and_xzr),
		cmocka_unit_test(test_store_values),
		cmocka_unit_test(test_decode_then_emulate_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
