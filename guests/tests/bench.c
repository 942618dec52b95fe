/* bench: cycle cost of guest exits and interrupt latency, measured with
 * CNTVCT_EL0. Run under `-icount shift=0` one instruction is 1 ns of virtual
 * time, so the numbers compare exit paths natively and under HyperBerry. */
#include "guests/lib/gic.h"
#include "guests/lib/vtimer.h"

const char rt_test_name[] = "bench";

#define ITERATIONS	100000ull
#define UART_FR		(RT_UART_BASE + 0x018)
#define UART_IBRD	(RT_UART_BASE + 0x024)
#define GICD_TYPER	(RT_GICD_BASE + 0x004)
#define GICC_CTLR	(RT_GICC_BASE + 0x000)
#define GICD_ISENABLER0	(RT_GICD_BASE + 0x100)

#define LATENCY_RUNS		256
#define LATENCY_DELAY_US	50	/* timer deadline ahead of "now" */
#define LATENCY_TIMEOUT_US	100000
#define LATENCY_SGI		1

enum availability { ALWAYS, HB_ONLY };

struct bench_item {
	const char *name;
	enum availability when;
	/* One operation, called ITERATIONS times in the timed loop. */
	void (*op)(void);
};

/* Measurements that time events themselves instead of a loop of ops:
 * measure() returns ns x100 per event, or LATENCY_NA. */
struct latency_item {
	const char *name;
	int64_t (*measure)(void);
};

#define LATENCY_NA	INT64_MIN

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
/* SGI 0 is always enabled: the write changes nothing, only its cost counts. */
static NOINLINE void op_gicd_isenabler0_write(void) { *(volatile uint32_t *)GICD_ISENABLER0 = 1; }

/* ---- interrupt latency: the vector stamps CNTVCT before anything else */

/* Written by bench_vectors' IRQ slot (its second instruction). */
volatile uint64_t bench_irq_stamp __attribute__((aligned(8)));
static volatile unsigned bench_irqs;

/* A copy of the runtime's table whose EL1 IRQ slot first records CNTVCT,
 * then continues into the runtime's own slot with every register intact. */
__asm__(".pushsection .text.bench_vectors, \"ax\"\n"
	"	.balign	0x800\n"
	"	.globl	bench_vectors\n"
	"bench_vectors:\n"
	"	.irp	slot, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
	"	.balign	0x80\n"
	"	.if	\\slot == 5\n"
	"	stp	x0, x1, [sp, #-16]!\n"
	"	mrs	x0, cntvct_el0\n"
	"	adrp	x1, bench_irq_stamp\n"
	"	str	x0, [x1, :lo12:bench_irq_stamp]\n"
	"	ldp	x0, x1, [sp], #16\n"
	"	.endif\n"
	"	b	rt_vectors + \\slot * 0x80\n"
	"	.endr\n"
	".popsection\n");
extern const char bench_vectors[];

static void bench_on_irq(struct rt_frame *frame)
{
	uint32_t iar = gic_ack();

	if (GIC_IAR_INTID(iar) == GIC_SPURIOUS)
		return;
	if (GIC_IAR_INTID(iar) == GIC_INTID_VTIMER)
		vtimer_set_ctl(0);	/* its output is a level */
	gic_eoi(iar);
	bench_irqs++;
}

static uint64_t read_vbar(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, vbar_el1" : "=r"(v));
	return v;
}

static void write_vbar(uint64_t v)
{
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(v) : "memory");
}

/* Unmasks until the next interrupt has been handled; false on time-out. */
static bool wait_irq(unsigned before)
{
	uint64_t start = rt_cntvct(), limit = LATENCY_TIMEOUT_US * rt_cntfrq() / 1000000;

	cpu_irq_unmask();
	while (bench_irqs == before && rt_cntvct() - start < limit)
		;
	cpu_irq_mask();
	return bench_irqs != before;
}

/* Average of (vector stamp - start) over LATENCY_RUNS interrupts, with
 * trigger() raising one and returning the CNTVCT value it counts from. */
static int64_t average_latency(uint64_t (*trigger)(void))
{
	uint64_t saved_vbar = read_vbar();
	int64_t sum = 0;
	bool ok = true;

	gic_set_irq_handler(bench_on_irq);
	write_vbar((uint64_t)bench_vectors);
	for (unsigned i = 0; i < LATENCY_RUNS && ok; i++) {
		unsigned before = bench_irqs;
		uint64_t start = trigger();

		ok = wait_irq(before);
		sum += (int64_t)(bench_irq_stamp - start);
	}
	write_vbar(saved_vbar);
	gic_set_irq_handler(NULL);
	if (!ok)
		return LATENCY_NA;
	/* Ticks to ns keeping the sign (an early interrupt shows as < 0). */
	if (sum < 0)
		return -(int64_t)rt_ticks_to_ns((uint64_t)-sum) * 100 / LATENCY_RUNS;
	return (int64_t)rt_ticks_to_ns((uint64_t)sum) * 100 / LATENCY_RUNS;
}

static uint64_t trigger_timer(void)
{
	uint64_t cval = rt_cntvct() + LATENCY_DELAY_US * rt_cntfrq() / 1000000;

	vtimer_set_cval(cval);
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	return cval;
}

static uint64_t trigger_sgi_self(void)
{
	uint64_t start;

	/* Unmasked before the write, so the SGI is taken as soon as it is
	 * signalled (wait_irq then finds it handled already). */
	cpu_irq_unmask();
	start = rt_cntvct();
	gic_send_sgi(GIC_SGI_TO_SELF, 0, LATENCY_SGI);
	return start;
}

static void latency_setup(void)
{
	gic_set_priority(GIC_INTID_VTIMER, 0x80);
	gic_enable_irq(GIC_INTID_VTIMER);
	gic_set_priority(LATENCY_SGI, 0x80);
	gic_dist_enable();
	gic_cpu_enable(false);
}

static int64_t measure_timer_irq_latency(void)
{
	latency_setup();
	return average_latency(trigger_timer);
}

static int64_t measure_sgi_self_latency(void)
{
	latency_setup();
	return average_latency(trigger_sgi_self);
}

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
	{ "gicd_isenabler0_write", ALWAYS, op_gicd_isenabler0_write },
};

/* Printed after items[], in the same BENCH line format. */
static const struct latency_item latency_items[] = {
	{ "timer_irq_latency", measure_timer_irq_latency },
	{ "sgi_self_latency", measure_sgi_self_latency },
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
	for (unsigned i = 0; i < ARRAY_SIZE(latency_items); i++) {
		int64_t ns_x100 = latency_items[i].measure();

		if (ns_x100 == LATENCY_NA)
			rt_printf("BENCH %s n/a\n", latency_items[i].name);
		else
			print_ns_x100(latency_items[i].name, ns_x100);
	}
	CHECK_TRUE("every_measurement_took_time", all_advanced);
}
