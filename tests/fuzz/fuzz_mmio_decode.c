/* libFuzzer target for the syndrome decoders: every 32-byte record is
 * (ESR, FAR, HPFAR, raw device value), run through mmio_decode and the load/store
 * helpers, sysreg_decode/classify/sanitize and esr_describe, checking invariants.
 * Build: clang -fsanitize=fuzzer,address,undefined -DHB_HOST -I. this file
 *        arch/aarch64/{mmio_decode,esr,sysreg_trap}.c lib/fmt.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/esr.h"
#include "arch/aarch64/mmio_decode.h"
#include "arch/aarch64/sysreg_trap.h"

#define REQUIRE(cond)                                                                    \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static uint64_t take_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_mmio(uint64_t esr, uint64_t far, uint64_t hpfar, uint64_t raw)
{
	struct mmio_access a, before;
	uint64_t gpr[31], copy[31];
	enum mmio_decode_result r;

	memset(&a, 0xA5, sizeof(a));
	before = a;
	r = mmio_decode(esr, far, hpfar, &a);
	REQUIRE(mmio_decode_result_name(r) != NULL);
	if (r != MMIO_DECODE_OK) {
		REQUIRE(memcmp(&a, &before, sizeof(a)) == 0);
		return;
	}
	REQUIRE(ESR_EC(esr) == ESR_EC_DABT_LOW && (esr & ESR_ISV));
	REQUIRE(!(esr & (ESR_S1PTW | ESR_CM | ESR_FNV)));
	REQUIRE(a.size == 1 || a.size == 2 || a.size == 4 || a.size == 8);
	REQUIRE(a.reg <= MMIO_REG_XZR);
	REQUIRE((a.ipa & 0xfff) == (far & 0xfff));
	REQUIRE(a.ipa < (1ULL << 52));
	REQUIRE(a.write == !!(esr & ESR_WNR));

	uint64_t mask = a.size == 8 ? ~0ULL : (1ULL << (8 * a.size)) - 1;
	uint64_t v = mmio_load_value(&a, raw);

	if (!a.sixty_four)
		REQUIRE((v >> 32) == 0);
	REQUIRE((v & mask & (a.sixty_four ? ~0ULL : 0xffffffffULL)) ==
		(raw & mask & (a.sixty_four ? ~0ULL : 0xffffffffULL)));
	if (!a.sign_extend)
		REQUIRE(v == (raw & mask & (a.sixty_four ? ~0ULL : 0xffffffffULL)));

	for (unsigned i = 0; i < 31; i++)
		gpr[i] = raw ^ (0x9E3779B97F4A7C15ULL * i);
	memcpy(copy, gpr, sizeof(copy));
	mmio_load_to_gpr(&a, gpr, raw);
	for (unsigned i = 0; i < 31; i++)
		REQUIRE(gpr[i] == (i == a.reg ? v : copy[i]));
	if (a.reg == MMIO_REG_XZR)
		REQUIRE(mmio_store_value(&a, gpr) == 0);
	else
		REQUIRE(mmio_store_value(&a, gpr) == (gpr[a.reg] & mask));
}

static void check_sysreg(uint64_t esr, uint64_t hw)
{
	struct sysreg_access a;
	uint64_t v = 0x5EED;

	if (!sysreg_decode(esr, &a)) {
		REQUIRE(ESR_EC(esr) != ESR_EC_SYS64);
		return;
	}
	REQUIRE(a.encoding == SYSREG_ENCODE(a.op0, a.op1, a.crn, a.crm, a.op2));
	REQUIRE(a.rt <= 31 && a.op0 <= 3 && a.op1 <= 7 && a.op2 <= 7);
	REQUIRE(sysreg_class_name(sysreg_classify(a.encoding)) != NULL);
	if (sysreg_id_access(&a, hw, &v) == SYSREG_EMULATED) {
		REQUIRE(a.read && sysreg_classify(a.encoding) == SYSREG_CLASS_ID);
		/* Sanitising only ever clears bits of what the hardware has. */
		REQUIRE((v & ~hw) == 0);
		if (!id_reg_is_allocated(a.encoding))
			REQUIRE(v == 0);
	} else {
		REQUIRE(v == 0x5EED);
	}
}

static void check_describe(uint64_t esr, size_t size)
{
	char buf[300];
	int full = esr_describe(esr, NULL, 0);
	int n;

	REQUIRE(full > 0 && full < (int)sizeof(buf));
	memset(buf, 'Z', sizeof(buf));
	n = esr_describe(esr, buf, size);
	REQUIRE(n == full);
	if (size > 0)
		REQUIRE(strlen(buf) == ((size_t)full < size ? (size_t)full : size - 1));
	if (size < sizeof(buf))
		REQUIRE(buf[size] == 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	while (len >= 32) {
		uint64_t esr = take_u64(data), far = take_u64(data + 8);
		uint64_t hpfar = take_u64(data + 16), raw = take_u64(data + 24);

		check_mmio(esr, far, hpfar, raw);
		/* The same bytes as other classes: force a data abort from a lower
		 * EL and a system register trap, so both decoders see deep inputs. */
		check_mmio((esr & ~(0x3fULL << 26)) | ((uint64_t)ESR_EC_DABT_LOW << 26), far, hpfar,
			   raw);
		check_sysreg((esr & ~(0x3fULL << 26)) | ((uint64_t)ESR_EC_SYS64 << 26), raw);
		check_sysreg(esr, raw);
		check_describe(esr, (size_t)(far % 200));
		data += 32;
		len -= 32;
	}
	return 0;
}
