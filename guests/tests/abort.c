/* abort: loads, stores and instruction fetches at IPAs backed by nothing must
 * reach the guest's own vectors as synchronous external aborts, from EL1 and EL0. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "abort";

/* A hole in the guest map under HB; natively QEMU's PCIe window answers it. */
#define HOLE_IPA	0x20000000ull
/* Beyond RAM for any VM smaller than 1008 MiB. */
#define HIGH_IPA	0x7f000000ull

#define SPSR_MODE(spsr)	((spsr) & 0xf)
#define MODE_EL0T	0x0
#define MODE_EL1H	0x5
#define ESR_FNV		BIT(10)

/* Both return the address of their access instruction, the expected ELR. */
static uint64_t el1_load(uint64_t addr)
{
	uint64_t v, pc;

	__asm__ volatile("adr %1, 1f\n1:	ldr %0, [%2]" : "=&r"(v), "=&r"(pc) : "r"(addr) : "memory");
	return pc;
}

static uint64_t el1_store(uint64_t addr)
{
	uint64_t pc;

	__asm__ volatile("adr %0, 1f\n1:	str %1, [%2]"
			 : "=&r"(pc) : "r"(0x5a5a5a5aull), "r"(addr) : "memory");
	return pc;
}

/* EL0 side: these live in the EL0-executable pages and only touch addr. */
RT_EL0_TEXT static uint64_t el0_load(uint64_t addr)
{
	uint64_t v = 0x0e10;

	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	return v;
}

RT_EL0_TEXT static uint64_t el0_store(uint64_t addr)
{
	__asm__ volatile("str %0, [%1]" : : "r"(0xa5a5ull), "r"(addr) : "memory");
	return 0xe0e0;
}

struct expectation {
	enum rt_vector vec;
	unsigned ec;
	unsigned mode;
	bool write;
	bool fetch;
};

/* elr: where the exception must point (the access, or the target of a fetch). */
static void check_fault(const char *what, uint64_t addr, const struct rt_fault *f,
			const struct expectation *x, uint64_t elr)
{
	char name[80];

	fmt_snprintf(name, sizeof(name), "%s_0x%llx_taken", what, (unsigned long long)addr);
	if (f->count != 1) {
		rt_check(name, false, "expected 1 exception, got 0x%x", f->count);
		return;
	}
	rt_check(name, true, "ok");
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_vector", what, (unsigned long long)addr);
	CHECK_EQ(name, x->vec * 0x80, f->vec * 0x80);
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_ec", what, (unsigned long long)addr);
	CHECK_EQ(name, x->ec, ESR_EC(f->esr));
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_fsc_sea", what, (unsigned long long)addr);
	CHECK_EQ(name, FSC_SEA, ESR_FSC(f->esr));
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_far_valid", what, (unsigned long long)addr);
	CHECK_EQ(name, 0, f->esr & ESR_FNV);
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_far", what, (unsigned long long)addr);
	CHECK_EQ(name, addr, f->far);
	if (!x->fetch) {
		fmt_snprintf(name, sizeof(name), "%s_0x%llx_wnr", what, (unsigned long long)addr);
		CHECK_EQ(name, x->write ? ESR_WNR : 0, f->esr & ESR_WNR);
	}
	if (elr) {
		fmt_snprintf(name, sizeof(name), "%s_0x%llx_elr", what, (unsigned long long)addr);
		CHECK_EQ(name, elr, f->elr);
	}
	fmt_snprintf(name, sizeof(name), "%s_0x%llx_from_mode", what, (unsigned long long)addr);
	CHECK_EQ(name, x->mode, SPSR_MODE(f->spsr));
}

static void el1_data_aborts(uint64_t addr)
{
	static const struct expectation load = { RT_VEC_CUR_SPX_SYNC, EC_DABT_CUR, MODE_EL1H, false, false };
	static const struct expectation store = { RT_VEC_CUR_SPX_SYNC, EC_DABT_CUR, MODE_EL1H, true, false };
	struct rt_fault f;
	uint64_t pc;

	rt_fault_expect(RT_FAULT_SKIP);
	pc = el1_load(addr);
	rt_fault_end(&f);
	check_fault("el1_load", addr, &f, &load, pc);

	rt_fault_expect(RT_FAULT_SKIP);
	pc = el1_store(addr);
	rt_fault_end(&f);
	check_fault("el1_store", addr, &f, &store, pc);
}

static void el0_data_aborts(uint64_t addr)
{
	static const struct expectation load = { RT_VEC_LOW64_SYNC, EC_DABT_LOW, MODE_EL0T, false, false };
	static const struct expectation store = { RT_VEC_LOW64_SYNC, EC_DABT_LOW, MODE_EL0T, true, false };
	struct rt_fault f;
	char name[80];
	uint64_t ret;

	rt_fault_expect(RT_FAULT_SKIP);
	ret = rt_run_el0(el0_load, addr);
	rt_fault_end(&f);
	check_fault("el0_load", addr, &f, &load, 0);
	fmt_snprintf(name, sizeof(name), "el0_load_0x%llx_resumes", (unsigned long long)addr);
	CHECK_EQ(name, 0x0e10, ret);	/* skipped load left the register alone */

	rt_fault_expect(RT_FAULT_SKIP);
	ret = rt_run_el0(el0_store, addr);
	rt_fault_end(&f);
	check_fault("el0_store", addr, &f, &store, 0);
	fmt_snprintf(name, sizeof(name), "el0_store_0x%llx_resumes", (unsigned long long)addr);
	CHECK_EQ(name, 0xe0e0, ret);
}

static void el1_fetch_abort(uint64_t addr)
{
	static const struct expectation fetch = { RT_VEC_CUR_SPX_SYNC, EC_IABT_CUR, MODE_EL1H, false, true };
	struct rt_fault f;

	/* RT_FAULT_RETURN resumes at x30, i.e. right after the blr. */
	rt_fault_expect(RT_FAULT_RETURN);
	__asm__ volatile("blr %0" : : "r"(addr) : "x30", "memory");
	rt_fault_end(&f);
	check_fault("el1_fetch", addr, &f, &fetch, addr);
}

/* An EL0 round trip with no fault at all: the EL0 machinery itself works. */
RT_EL0_TEXT static uint64_t el0_add_one(uint64_t x)
{
	return x + 1;
}

RT_EL0_TEXT static uint64_t el0_exit_early(uint64_t x)
{
	rt_el0_exit(x * 3);
}

void test_main(void)
{
	const uint64_t ram_end = rt_ram_base() + rt_ram_size();
	const bool hb = rt_under_hyperberry();

	CHECK_EQ("el0_round_trip", 42, rt_run_el0(el0_add_one, 41));
	CHECK_EQ("el0_exit_call", 0x33, rt_run_el0(el0_exit_early, 0x11));
	if (ram_end > HIGH_IPA || ram_end > RT_EL0_PROBE_WINDOW)
		rt_abort("RAM reaches the test addresses; shrink the VM below 1008 MiB");

	el1_data_aborts(ram_end);
	el1_data_aborts(HIGH_IPA);
	el0_data_aborts(RT_EL0_PROBE_WINDOW);
	el1_fetch_abort(ram_end);
	el1_fetch_abort(HIGH_IPA);

	if (hb) {
		el1_data_aborts(HOLE_IPA);
		el0_data_aborts(HOLE_IPA);
	} else {
		rt_check_skip("el1_0x20000000", "native");
		rt_check_skip("el0_0x20000000", "native");
	}
	CHECK_EQ("el0_round_trip_after_faults", 7, rt_run_el0(el0_add_one, 6));
}
