/* bench: cycle cost of guest exits, measured with CNTVCT_EL0. Run under
 * `-icount shift=0` one instruction is 1 ns of virtual time, so the numbers
 * compare exit paths natively and under HyperBerry. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "bench";

#define ITERATIONS	100000ull
#define UART_FR		(RT_UART_BASE + 0x018)
#define UART_IBRD	(RT_UART_BASE + 0x024)
#define GICD_TYPER	(RT_GICD_BASE + 0x004)
#define GICC_CTLR	(RT_GICC_BASE + 0x000)

enum availability { ALWAYS, HB_ONLY };

struct bench_item {
	const char *name;
	enum availability when;
	/* One operation, called ITERATIONS times in the timed loop. */
	void (*op)(void);
};

static uint32_t ibrd_value;

/* Each op is a single asm statement; noinline keeps the call overhead equal
 * to the baseline's, which subtracts it. */
#define NOINLINE __attribute__((noinline))
static NOINLINE void op_empty(void) { __asm__ volatile("" : : : "memory"); }
static NOINLINE void op_hvc_hb_version(void) { (void)hvc0(HB_VERSION); }
static NOINLINE void op_hvc_psci_version(void) { (void)hvc0(PSCI_VERSION); }
static NOINLINE void op_smc_psci_version(void) { (void)smc0(PSCI_VERSION); }
static NOINLINE void op_mmio_read_uartfr(void) { (void)*(volatile uint32_t *)UART_FR; }
static NOINLINE void op_mmio_write_uartibrd(void) { *(volatile uint32_t *)UART_IBRD = ibrd_value; }
static NOINLINE void op_sysreg_read_actlr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, actlr_el1" : "=r"(v) : : "memory");
}
static NOINLINE void op_mmio_read_gicd_typer(void) { (void)*(volatile uint32_t *)GICD_TYPER; }
static NOINLINE void op_mmio_read_gicc_ctlr(void) { (void)*(volatile uint32_t *)GICC_CTLR; }

/* New measurements (e.g. GIC ones) are one line here. */
static const struct bench_item items[] = {
	{ "hvc_hb_version", HB_ONLY, op_hvc_hb_version },
	{ "hvc_psci_version", ALWAYS, op_hvc_psci_version },
	{ "smc_psci_version", HB_ONLY, op_smc_psci_version },
	{ "mmio_read_uartfr", ALWAYS, op_mmio_read_uartfr },
	{ "mmio_write_uartibrd", ALWAYS, op_mmio_write_uartibrd },
	{ "sysreg_read_actlr", ALWAYS, op_sysreg_read_actlr },
	{ "mmio_read_gicd_typer", ALWAYS, op_mmio_read_gicd_typer },
	{ "mmio_read_gicc_ctlr", ALWAYS, op_mmio_read_gicc_ctlr },
};

static uint64_t time_ticks(void (*op)(void))
{
	uint64_t start = rt_cntvct();

	for (uint64_t i = 0; i < ITERATIONS; i++)
		op();
	return rt_cntvct() - start;
}

/* One trial access first: an op that faults here (say, a device the
 * hypervisor does not emulate yet) is reported n/a instead of timed. */
static bool op_works(void (*op)(void))
{
	unsigned faults;

	rt_fault_expect(RT_FAULT_SKIP);
	op();
	faults = rt_fault_end(NULL);
	return faults == 0;
}

/* Prints ns with two decimals; x100 keeps it integer (no FP in guests). */
static void print_ns_x100(const char *name, int64_t ns_x100)
{
	uint64_t mag = ns_x100 < 0 ? (uint64_t)-ns_x100 : (uint64_t)ns_x100;

	rt_printf("BENCH %s %s%llu.%02llu\n", name, ns_x100 < 0 ? "-" : "",
		  (unsigned long long)(mag / 100), (unsigned long long)(mag % 100));
}

void test_main(void)
{
	const bool hb = rt_under_hyperberry();
	const uint64_t freq = rt_cntfrq();
	uint64_t baseline_ns, t0;
	bool all_advanced = true;

	ibrd_value = *(volatile uint32_t *)UART_IBRD;
	CHECK_NE("cntfrq_nonzero", 0, freq);
	t0 = rt_cntvct();
	rt_check("cntvct_advances", rt_cntvct() > t0 || (rt_delay_us(10), rt_cntvct() > t0),
		 "CNTVCT_EL0 stuck at 0x%llx", (unsigned long long)t0);

	baseline_ns = rt_ticks_to_ns(time_ticks(op_empty));
	rt_printf("BENCH-INFO iterations=%llu cntfrq=%llu baseline_ns_per_iter_x100=%llu mode=%s\n",
		  (unsigned long long)ITERATIONS, (unsigned long long)freq,
		  (unsigned long long)(baseline_ns * 100 / ITERATIONS), hb ? "hyperberry" : "native");

	for (unsigned i = 0; i < ARRAY_SIZE(items); i++) {
		const struct bench_item *it = &items[i];
		uint64_t ticks, ns;

		if ((it->when == HB_ONLY && !hb) || !op_works(it->op)) {
			rt_printf("BENCH %s n/a\n", it->name);
			continue;
		}
		ticks = time_ticks(it->op);
		all_advanced &= ticks > 0;
		ns = rt_ticks_to_ns(ticks);
		print_ns_x100(it->name, ((int64_t)ns - (int64_t)baseline_ns) * 100 / (int64_t)ITERATIONS);
	}
	CHECK_TRUE("every_measurement_took_time", all_advanced);
}
