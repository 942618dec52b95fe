/* sysregs: the ID registers a guest sees, debug/PMU writes that must not
 * UNDEF, an IMPDEF register that must, set/way maintenance, and EL1 state
 * surviving 1000 traps. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "sysregs";

#define GARBAGE		0xdeadbeefcafef00dull
#define STORM_ROUNDS	1000
#define UART_FR		(RT_UART_BASE + 0x018)

#define DEFINE_READ(fn, reg)                                                            \
	static uint64_t fn(void)                                                        \
	{                                                                               \
		uint64_t v = GARBAGE;                                                   \
		__asm__ volatile("mrs %0, " reg : "+r"(v) : : "memory");                \
		return v;                                                               \
	}
#define DEFINE_WRITE(fn, reg)                                                           \
	static void fn(uint64_t v)                                                      \
	{                                                                               \
		__asm__ volatile("msr " reg ", %0\n\tisb" : : "r"(v) : "memory");       \
	}
#define DEFINE_RW(reg) DEFINE_READ(read_##reg, #reg) DEFINE_WRITE(write_##reg, #reg)

/* ------------------------------------------------------------ ID registers */

DEFINE_READ(read_unalloc_c3_3, "S3_0_C0_C3_3")
DEFINE_READ(read_unalloc_c5_7, "S3_0_C0_C5_7")
DEFINE_READ(read_unalloc_c6_7, "S3_0_C0_C6_7")
DEFINE_READ(read_unalloc_c7_7, "S3_0_C0_C7_7")
DEFINE_READ(read_id_aa64zfr0, "S3_0_C0_C4_4")
DEFINE_READ(read_id_aa64pfr0, "id_aa64pfr0_el1")
DEFINE_READ(read_id_aa64dfr0, "id_aa64dfr0_el1")
DEFINE_READ(read_actlr, "actlr_el1")

/* Reads under a fault probe: a value only counts if nothing trapped to us. */
static void check_read(const char *name, uint64_t (*read)(void), uint64_t mask, uint64_t expected)
{
	struct rt_fault f;
	uint64_t v;

	rt_fault_expect(RT_FAULT_SKIP);
	v = read();
	if (rt_fault_end(&f))
		rt_check(name, false, "read raised ESR 0x%llx", (unsigned long long)f.esr);
	else
		CHECK_EQ(name, expected, v & mask);
}

static void check_id_registers(void)
{
	check_read("id_unallocated_c0_c3_3_raz", read_unalloc_c3_3, ~0ull, 0);
	check_read("id_unallocated_c0_c5_7_raz", read_unalloc_c5_7, ~0ull, 0);
	check_read("id_unallocated_c0_c6_7_raz", read_unalloc_c6_7, ~0ull, 0);
	check_read("id_unallocated_c0_c7_7_raz", read_unalloc_c7_7, ~0ull, 0);
	check_read("id_aa64pfr0_sve_absent", read_id_aa64pfr0, GENMASK(35, 32), 0);
	check_read("id_aa64zfr0_raz", read_id_aa64zfr0, ~0ull, 0);
	if (rt_under_hyperberry())
		check_read("id_aa64dfr0_pmuver_hidden", read_id_aa64dfr0, GENMASK(11, 8), 0);
	else
		rt_check_skip("id_aa64dfr0_pmuver_hidden", "native");
}

/* -------------------------------------------- accesses that must not UNDEF */

static uint64_t mdscr_now;

static void write_oslar(void) { __asm__ volatile("msr oslar_el1, %0\n\tisb" : : "r"(0ull) : "memory"); }
static void write_osdlr(void) { __asm__ volatile("msr osdlr_el1, %0\n\tisb" : : "r"(0ull) : "memory"); }
static void write_mdscr(void) { __asm__ volatile("msr mdscr_el1, %0\n\tisb" : : "r"(mdscr_now) : "memory"); }
static void write_pmcr(void) { __asm__ volatile("msr pmcr_el0, %0\n\tisb" : : "r"(0ull) : "memory"); }
static void write_pmuserenr(void) { __asm__ volatile("msr pmuserenr_el0, %0\n\tisb" : : "r"(0ull) : "memory"); }
static void read_actlr_void(void) { (void)read_actlr(); }

static void check_no_undef(const char *name, void (*access)(void))
{
	struct rt_fault f;

	rt_fault_expect(RT_FAULT_SKIP);
	access();
	if (rt_fault_end(&f))
		rt_check(name, false, "raised EC 0x%llx (ESR 0x%llx)",
			 (unsigned long long)ESR_EC(f.esr), (unsigned long long)f.esr);
	else
		rt_check(name, true, "ok");
}

static void check_tolerated_accesses(void)
{
	__asm__ volatile("mrs %0, mdscr_el1" : "=r"(mdscr_now));
	check_no_undef("write_oslar_el1", write_oslar);
	check_no_undef("write_osdlr_el1", write_osdlr);
	check_no_undef("write_mdscr_el1", write_mdscr);
	check_no_undef("write_pmcr_el0", write_pmcr);
	check_no_undef("write_pmuserenr_el0", write_pmuserenr);
	check_no_undef("read_actlr_el1", read_actlr_void);
}

/* IMPDEF CPUECTLR_EL1 on the A72: HB must inject UNDEF rather than let the
 * guest reach the real register. Natively QEMU implements it, so skip. */
static void check_impdef_undef(void)
{
	struct rt_fault f;
	uint64_t pc;

	if (!rt_under_hyperberry()) {
		rt_check_skip("impdef_cpuectlr_write_undef", "native");
		return;
	}
	rt_fault_expect(RT_FAULT_SKIP);
	__asm__ volatile("adr %0, 1f\n1:	msr S3_1_C15_C2_1, xzr" : "=&r"(pc) : : "memory");
	rt_fault_end(&f);
	if (f.count != 1) {
		rt_check("impdef_cpuectlr_write_undef", false, "expected 1 exception, got 0x%x", f.count);
		return;
	}
	rt_check("impdef_cpuectlr_write_undef", ESR_EC(f.esr) == EC_UNKNOWN && f.vec == RT_VEC_CUR_SPX_SYNC,
		 "expected EC 0x0 at vector 0x200, got ESR 0x%llx at 0x%x",
		 (unsigned long long)f.esr, f.vec * 0x80);
	CHECK_EQ("impdef_cpuectlr_undef_elr", pc, f.elr);
}

/* ------------------------------------------------- set/way maintenance */

/* DC CISW/CSW are trapped (TSW). Under HyperBerry the one on set 0/way 0
 * cleans the whole VM, a chunk per trap, re-executing the instruction until
 * done: each must complete, raise nothing and keep dirty data. (DC ISW on
 * set 0/way 0 would discard a line natively: not used.) */
static volatile uint64_t sw_data[1024];

static void setway_sweep(void)
{
	for (uint64_t level = 0; level < 2; level++) {
		__asm__ volatile("dc cisw, %0" : : "r"(level << 1) : "memory");
		__asm__ volatile("dc csw, %0" : : "r"(level << 1) : "memory");
		__asm__ volatile("dc cisw, %0" : : "r"((level << 1) | (1ull << 6)) : "memory");
	}
	__asm__ volatile("dsb sy" : : : "memory");
}

static void check_set_way(void)
{
	unsigned wrong = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(sw_data); i++)
		sw_data[i] = 0x5e7a0000ull + i;
	check_no_undef("set_way_sweep_completes", setway_sweep);
	check_no_undef("set_way_sweep_again_completes", setway_sweep);
	for (unsigned i = 0; i < ARRAY_SIZE(sw_data); i++)
		wrong += sw_data[i] != 0x5e7a0000ull + i;
	CHECK_EQ("set_way_keeps_dirty_data", 0, wrong);
}

/* -------------------------------------------------- EL1 context survival */

DEFINE_RW(tpidr_el1)
DEFINE_RW(tpidr_el0)
DEFINE_RW(tpidrro_el0)
DEFINE_RW(contextidr_el1)
DEFINE_RW(mair_el1)
DEFINE_RW(amair_el1)
DEFINE_RW(tcr_el1)
DEFINE_RW(ttbr0_el1)
DEFINE_RW(ttbr1_el1)
DEFINE_RW(vbar_el1)
DEFINE_RW(par_el1)
DEFINE_RW(afsr0_el1)
DEFINE_RW(afsr1_el1)
DEFINE_RW(esr_el1)
DEFINE_RW(far_el1)
DEFINE_RW(elr_el1)
DEFINE_RW(spsr_el1)
DEFINE_RW(cntkctl_el1)
DEFINE_RW(csselr_el1)
DEFINE_RW(sp_el0)
DEFINE_RW(sctlr_el1)
DEFINE_RW(cpacr_el1)
DEFINE_RW(cntv_cval_el0)
DEFINE_RW(cntv_ctl_el0)

/*
 * Test value = (original & keep) | set. Registers the runtime depends on
 * (MMU, vectors) keep their live fields and change only ones nothing uses:
 * the TTBR0 ASID (our mappings are global), TTBR1 and the TCR's TTBR1 fields
 * (walks disabled by EPD1), unused MAIR slots.
 */
struct ctx_reg {
	const char *name;
	uint64_t (*read)(void);
	void (*write)(uint64_t);
	uint64_t keep, set, compare_mask;
	bool exact;		/* fully writable: must read back what we wrote */
	uint64_t original, expected;
};

#define CTX(reg, keep, set, mask, exact) \
	{ "ctx_" #reg, read_##reg, write_##reg, keep, set, mask, exact, 0, 0 }

static struct ctx_reg ctx_regs[] = {
	CTX(tpidr_el1, 0, 0x1111222233334444ull, ~0ull, true),
	CTX(tpidr_el0, 0, 0x5555666677778888ull, ~0ull, true),
	CTX(tpidrro_el0, 0, 0x9999aaaabbbbccccull, ~0ull, true),
	CTX(contextidr_el1, 0, 0x12345678ull, ~0ull, true),
	CTX(mair_el1, 0xffffull, 0xaa0c44bb08040000ull, ~0ull, true),
	CTX(amair_el1, 0, 0x0102030405060708ull, ~0ull, false),
	CTX(tcr_el1, ~0xc03f0000ull, (25ull << 16) | (2ull << 30), ~0ull, true),
	CTX(ttbr0_el1, GENMASK(47, 0), 0x5aull << 48, ~0ull, true),
	CTX(ttbr1_el1, 0, (0x33ull << 48) | 0x41234000ull, ~0ull, true),
	CTX(vbar_el1, ~0ull, 0, ~0ull, true),
	CTX(par_el1, 0, 0xff00000043210f80ull, ~0ull, false),
	CTX(afsr0_el1, 0, 0x1234ull, ~0ull, false),
	CTX(afsr1_el1, 0, 0x5678ull, ~0ull, false),
	CTX(esr_el1, 0, 0x96000046ull, ~0ull, true),
	CTX(far_el1, 0, 0x0000777788889990ull, ~0ull, true),
	CTX(elr_el1, 0, 0x40201234ull, ~0ull, true),
	CTX(spsr_el1, 0, 0xf00003c5ull, ~0ull, true),
	CTX(cntkctl_el1, 0, 0x52ull, ~0ull, true),
	CTX(csselr_el1, 0, 0x1ull, ~0ull, true),
	CTX(sp_el0, 0, 0x4abcdef0ull, ~0ull, true),
	CTX(sctlr_el1, ~0ull, 0, ~0ull, true),
	CTX(cpacr_el1, ~0ull, 0, ~0ull, true),
	CTX(cntv_cval_el0, 0, 0x0123456789abcdefull, ~0ull, true),
	/* Timer disabled and masked; ISTATUS is UNKNOWN while disabled. */
	CTX(cntv_ctl_el0, 0, 0x2ull, 0x3ull, true),
};

/* Every kind of exit we can provoke without side effects; returns how many
 * answers were wrong (the calls themselves are checked elsewhere). */
static unsigned trap_storm(void)
{
	const int64_t psci_version = hvc0(PSCI_VERSION);
	const int64_t hb_version = hvc0(HB_VERSION);
	unsigned wrong = 0;

	for (unsigned i = 0; i < STORM_ROUNDS; i++) {
		wrong += hvc0(PSCI_VERSION) != psci_version;
		wrong += hvc0(HB_VERSION) != hb_version;
		(void)read_actlr();
		(void)*(volatile uint32_t *)UART_FR;
	}
	return wrong;
}

static void check_context_survives_traps(void)
{
	unsigned wrong;

	for (unsigned i = 0; i < ARRAY_SIZE(ctx_regs); i++) {
		struct ctx_reg *r = &ctx_regs[i];

		r->original = r->read();
		r->write((r->original & r->keep) | r->set);
		/* What the register really holds (RES0 bits, RAZ/WI registers). */
		r->expected = r->read() & r->compare_mask;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ctx_regs); i++) {
		const struct ctx_reg *r = &ctx_regs[i];
		uint64_t wanted = ((r->original & r->keep) | r->set) & r->compare_mask;

		if (r->exact && r->expected != wanted) {
			rt_check("ctx_values_written", false, "%s holds 0x%llx, wrote 0x%llx", r->name,
				 (unsigned long long)r->expected, (unsigned long long)wanted);
			break;
		}
		if (i == ARRAY_SIZE(ctx_regs) - 1)
			rt_check("ctx_values_written", true, "ok");
	}
	wrong = trap_storm();
	for (unsigned i = 0; i < ARRAY_SIZE(ctx_regs); i++) {
		struct ctx_reg *r = &ctx_regs[i];

		CHECK_EQ(r->name, r->expected, r->read() & r->compare_mask);
	}
	/* Restore in reverse so the TTBR0/TCR/MAIR trio is back before the TLBI. */
	for (unsigned i = ARRAY_SIZE(ctx_regs); i-- > 0;)
		ctx_regs[i].write(ctx_regs[i].original);
	__asm__ volatile("tlbi vmalle1\n\tdsb nsh\n\tisb" : : : "memory");
	CHECK_EQ("trap_storm_answers", 0, wrong);
}

void test_main(void)
{
	check_id_registers();
	check_tolerated_accesses();
	check_impdef_undef();
	check_set_way();
	check_context_survives_traps();
}
