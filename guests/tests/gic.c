/* gic: the interrupt controller and the virtual timer as a guest sees them:
 * GICD register semantics, per-interrupt state machine, priorities and
 * preemption, SGIs between two vCPUs, more pending interrupts than list
 * registers, the virtual timer (also waking WFI), and the PL011's line. */
#include "guests/lib/irq_log.h"
#include "guests/lib/vtimer.h"

const char rt_test_name[] = "gic";

#define TIMEOUT_US	500000	/* generous: QEMU TCG time can jump */
#define QUIET_US	2000	/* how long "not delivered" is watched */
#define TIMER_US	2000	/* timer deadlines in the future */

/* SPIs no device drives, natively or under HyperBerry. */
#define SPI_A		40
#define SPI_B		41
#define SPI_C		42
#define SPI_D		43
#define SPI_E		44
#define SPI_COUNT	10	/* SPI_A .. SPI_A + 9 for the list-register flood */
#define PPI_FREE	20

#define UART_RIS	(RT_UART_BASE + 0x03c)
#define UART_IMSC	(RT_UART_BASE + 0x038)
#define UART_MIS	(RT_UART_BASE + 0x040)
#define UART_INT_TX	BIT(5)

/* vCPU 0's and vCPU 1's recordings. */
#define LOG0	irq_log_of(0)
#define LOG1	irq_log_of(1)

static void dmb(void)
{
	__asm__ volatile("dmb ish" : : : "memory");
}

static uint64_t us_to_ticks(uint64_t us)
{
	return us * rt_cntfrq() / 1000000;
}

static bool wait_events(struct irq_log *log, unsigned n)
{
	return irq_log_wait(log, n, TIMEOUT_US);
}

static bool stays_quiet(struct irq_log *log)
{
	return irq_log_quiet(log, QUIET_US);
}

static void check_order(const char *name, const struct irq_log *log, const uint16_t *want,
			unsigned n)
{
	bool ok = log->count == n;

	for (unsigned i = 0; ok && i < n; i++)
		ok = log->ev[i].intid == want[i];
	rt_check(name, ok, "taken (intid/source/depth) %s, %u events", irq_log_str(log), log->count);
}

static void spi_setup(unsigned intid, uint8_t prio)
{
	gic_disable_irq(intid);
	gic_clear_pending(intid);
	gic_clear_active(intid);
	gic_set_priority(intid, prio);
	gic_set_targets(intid, 0x01);
}

/* --------------------------------------------------------- vCPU 1 jobs */

static void (*volatile cpu1_job)(void);
static volatile unsigned cpu1_posted, cpu1_done;
static volatile bool cpu1_ready, cpu1_leave;

static void cpu1_main(uint64_t context_id)
{
	unsigned seen = 0;

	gic_cpu_enable(false);
	cpu_irq_unmask();
	dmb();
	cpu1_ready = true;
	while (!cpu1_leave) {
		if (cpu1_posted != seen) {
			seen = cpu1_posted;
			dmb();
			cpu1_job();
			dmb();
			cpu1_done = seen;
		}
		__asm__ volatile("yield" : : : "memory");
	}
	cpu_irq_mask();
}

static bool on_cpu1(void (*job)(void))
{
	uint64_t start = rt_cntvct(), limit = us_to_ticks(TIMEOUT_US);
	unsigned ticket = cpu1_posted + 1;

	cpu1_job = job;
	dmb();
	cpu1_posted = ticket;
	while (cpu1_done != ticket) {
		if (rt_cntvct() - start > limit)
			return false;
	}
	dmb();
	return true;
}

/* What vCPU 1 saw of the banked registers. */
static struct {
	uint32_t isenabler0, isenabler0_after;
	uint8_t prio_ppi, prio_ppi_after;
	uint32_t itargets[8];
	uint32_t iar;
} seen1;

static void cpu1_read_banked(void)
{
	seen1.isenabler0 = gicd_read(GIC_DIST_ISENABLER);
	seen1.prio_ppi = gic_priority(PPI_FREE);
	for (unsigned i = 0; i < 8; i++)
		seen1.itargets[i] = gicd_read(GIC_DIST_ITARGETSR + 4 * i);
	gic_enable_irq(PPI_FREE + 1);
	gic_set_priority(PPI_FREE, 0x60);
	seen1.isenabler0_after = gicd_read(GIC_DIST_ISENABLER);
	seen1.prio_ppi_after = gic_priority(PPI_FREE);
	gic_disable_irq(PPI_FREE + 1);
	cpu_irq_mask();
	seen1.iar = gic_ack();
	cpu_irq_unmask();
}

static void cpu1_sgi3_to_cpu0(void) { gic_send_sgi(GIC_SGI_TO_LIST, 0x01, 3); }
static void cpu1_sgi6_to_others(void) { gic_send_sgi(GIC_SGI_TO_OTHERS, 0, 6); }
static void cpu1_sgi7_to_cpu0(void) { gic_send_sgi(GIC_SGI_TO_LIST, 0x01, 7); }

/* --------------------------------------------------- distributor registers */

static bool priority_mask_valid(uint8_t mask)
{
	/* At least 16 levels, implemented from the top bit down. */
	return mask >= 0xf0 && (uint8_t)(mask | (mask - 1)) == 0xff;
}

static void test_distributor_registers(void)
{
	uint32_t typer = gicd_read(GIC_DIST_TYPER);
	uint32_t iidr = gicd_read(GIC_DIST_IIDR);
	uint32_t pidr2 = gicd_read(GIC_DIST_PIDR2);
	unsigned lines = typer & 0x1f, last = 32 * (lines + 1) - 1;
	uint32_t reserved[] = { 0x010, 0x040, 0xf04 };
	bool raz = true;
	uint8_t mask;

	CHECK_EQ("typer_cpu_number", 1, (typer >> 5) & 7);
	rt_check("typer_it_lines", last >= SPI_A + SPI_COUNT - 1, "ITLinesNumber %u leaves no INTID %u", lines,
		 SPI_A + SPI_COUNT - 1);
	/* The highest INTID TYPER promises is there; the next bank is not. */
	gic_enable_irq(last);
	rt_check("typer_last_intid_implemented", gic_is_enabled(last),
		 "ISENABLER bit of INTID %u does not stick", last);
	gic_disable_irq(last);
	if (lines < 31) {
		gicd_write(gic_bit_reg(GIC_DIST_ISENABLER, last + 1), ~0u);
		CHECK_EQ("typer_beyond_it_lines_raz_wi", 0,
			 gicd_read(gic_bit_reg(GIC_DIST_ISENABLER, last + 1)));
	}
	CHECK_EQ("iidr_implementer_arm", 0x43b, iidr & 0xfff);
	CHECK_EQ("pidr2_archrev_2", 2, (pidr2 >> 4) & 0xf);
	CHECK_EQ("cidr_preamble", 0xb105f00d,
		 (gicd_read(0xff0) & 0xff) | (gicd_read(0xff4) & 0xff) << 8 |
		 (gicd_read(0xff8) & 0xff) << 16 | (gicd_read(0xffc) & 0xff) << 24);
	gicd_write(GIC_DIST_TYPER, ~typer);
	gicd_write(GIC_DIST_IIDR, ~iidr);
	gicd_write(GIC_DIST_PIDR2, ~pidr2);
	CHECK_EQ("typer_read_only", typer, gicd_read(GIC_DIST_TYPER));
	CHECK_EQ("iidr_read_only", iidr, gicd_read(GIC_DIST_IIDR));
	CHECK_EQ("pidr2_read_only", pidr2, gicd_read(GIC_DIST_PIDR2));
	gicd_write(GIC_DIST_NSACR, ~0u);
	CHECK_EQ("nsacr_raz_wi", 0, gicd_read(GIC_DIST_NSACR));
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
		gicd_write(reserved[i], ~0u);
		raz &= gicd_read(reserved[i]) == 0;
	}
	CHECK_TRUE("reserved_raz_wi", raz);
	CHECK_EQ("icfgr0_sgis_edge", 0xaaaaaaaa, gicd_read(GIC_DIST_ICFGR));

	/* Byte lanes of IPRIORITYR. */
	for (unsigned i = 0; i < 4; i++)
		gic_set_priority(SPI_A + i, (uint8_t)(0x10 * (i + 1)));
	CHECK_EQ("ipriorityr_byte_writes", 0x40302010, gicd_read(GIC_DIST_IPRIORITYR + SPI_A));
	gic_set_priority(SPI_A + 2, 0x80);
	CHECK_EQ("ipriorityr_byte_write_one_lane", 0x40802010,
		 gicd_read(GIC_DIST_IPRIORITYR + SPI_A));
	CHECK_EQ("ipriorityr_byte_read", 0x20, gic_priority(SPI_A + 1));
	gicd_write(GIC_DIST_IPRIORITYR + SPI_A, 0xa0b0c0d0);
	CHECK_EQ("ipriorityr_word_write_byte_read", 0xb0, gic_priority(SPI_A + 2));
	gic_set_priority(SPI_A, 0xff);
	mask = gic_priority(SPI_A);
	rt_check("priority_bits_valid", priority_mask_valid(mask), "0xff reads back 0x%x", mask);
	CHECK_HB_EQ("priority_bits_gic400", 0xf8, mask);

	/* Byte lanes of ITARGETSR (SPIs). */
	gic_set_targets(SPI_E, 0x01);
	gic_set_targets(SPI_E + 1, 0x02);
	gic_set_targets(SPI_E + 2, 0x03);
	gic_set_targets(SPI_E + 3, 0x00);
	CHECK_EQ("itargetsr_byte_writes", 0x00030201, gicd_read(GIC_DIST_ITARGETSR + SPI_E));
	CHECK_EQ("itargetsr_byte_read", 0x02, gicd_read8(GIC_DIST_ITARGETSR + SPI_E + 1));
	gic_set_targets(SPI_E + 3, 0xff);
	CHECK_HB_EQ("itargetsr_absent_cpus_raz_wi", 0x03, gicd_read8(GIC_DIST_ITARGETSR + SPI_E + 3));
	for (unsigned i = 0; i < 8; i++)
		gic_set_priority(SPI_A + i, 0);
}

/* Banked registers: ISENABLER0, IPRIORITYR0-7, ITARGETSR0-7 per vCPU. */
static void test_banked_registers(void)
{
	bool targets_ok = true;
	uint32_t tgt0 = 0;

	gic_disable_irq(PPI_FREE);
	gic_disable_irq(PPI_FREE + 1);
	gic_enable_irq(PPI_FREE);
	gic_set_priority(PPI_FREE, 0xa0);
	for (unsigned i = 0; i < 8; i++) {
		uint32_t t = gicd_read(GIC_DIST_ITARGETSR + 4 * i);

		targets_ok &= t == 0x01010101;
		tgt0 |= t != 0x01010101 ? t : 0;
	}
	rt_check("itargetsr_private_cpu0", targets_ok, "a word read 0x%x, not 0x01010101", tgt0);
	gicd_write8(GIC_DIST_ITARGETSR + PPI_FREE, 0x02);
	gicd_write(GIC_DIST_ITARGETSR + 4, 0x02020202);
	CHECK_EQ("itargetsr_private_read_only", 0x01010101, gicd_read(GIC_DIST_ITARGETSR + 4));
	CHECK_EQ("isenabler0_sgis_always_enabled", 0xffff, gicd_read(GIC_DIST_ISENABLER) & 0xffff);

	if (!on_cpu1(cpu1_read_banked)) {
		rt_check("banked_cpu1_job", false, "vCPU 1 did not run the job");
		return;
	}
	targets_ok = true;
	tgt0 = 0;
	for (unsigned i = 0; i < 8; i++) {
		targets_ok &= seen1.itargets[i] == 0x02020202;
		tgt0 |= seen1.itargets[i] != 0x02020202 ? seen1.itargets[i] : 0;
	}
	rt_check("itargetsr_private_cpu1", targets_ok, "a word read 0x%x, not 0x02020202", tgt0);
	CHECK_EQ("isenabler0_banked_cpu1_before", 0xffff, seen1.isenabler0);
	CHECK_EQ("isenabler0_banked_cpu1_after", 0xffff | BIT(PPI_FREE + 1), seen1.isenabler0_after);
	CHECK_EQ("isenabler0_banked_cpu0", 0xffff | BIT(PPI_FREE), gicd_read(GIC_DIST_ISENABLER));
	CHECK_EQ("ipriorityr_banked_cpu1_reset", 0, seen1.prio_ppi);
	CHECK_EQ("ipriorityr_banked_cpu1_own", 0x60, seen1.prio_ppi_after);
	CHECK_EQ("ipriorityr_banked_cpu0_kept", 0xa0, gic_priority(PPI_FREE));
	CHECK_EQ("spurious_iar_1023_cpu1", GIC_SPURIOUS, GIC_IAR_INTID(seen1.iar));
	gic_disable_irq(PPI_FREE);
	gic_set_priority(PPI_FREE, 0);
}

/* -------------------------------------------- state machine, priorities */

static volatile uint32_t seen_state;	/* pending | active << 1, in the handler */
static volatile bool seen_both;		/* pending and active after a re-pend */
static volatile unsigned repends;

static bool record_state(uint32_t iar)
{
	unsigned intid = GIC_IAR_INTID(iar);

	seen_state = gic_is_pending(intid) | gic_is_active(intid) << 1;
	if (repends) {
		repends--;
		gic_set_pending(intid);
		seen_both = gic_is_pending(intid) && gic_is_active(intid);
	}
	return false;
}

static void test_spi_state_machine(void)
{
	struct irq_log *log = LOG0;

	spi_setup(SPI_A, 0xa0);
	gic_enable_irq(SPI_A);
	CHECK_TRUE("spi_isenabler_sets", gic_is_enabled(SPI_A));
	gic_disable_irq(SPI_A);
	CHECK_TRUE("spi_icenabler_clears", !gic_is_enabled(SPI_A));
	gic_set_pending(SPI_A);
	CHECK_TRUE("spi_ispendr_sets", gic_is_pending(SPI_A));
	irq_log_reset(log);
	CHECK_TRUE("spi_disabled_not_delivered", stays_quiet(log));
	gic_clear_pending(SPI_A);
	CHECK_TRUE("spi_icpendr_clears", !gic_is_pending(SPI_A));

	/* Pending and enabled while PSTATE.I holds it back (a hypervisor has
	 * it in a list register by now): disabling or clearing it must stick. */
	gic_enable_irq(SPI_A);
	gic_set_pending(SPI_A);
	gic_disable_irq(SPI_A);
	CHECK_TRUE("spi_icenabler_withdraws_signalled", stays_quiet(log) && gic_is_pending(SPI_A));
	gic_enable_irq(SPI_A);
	gic_clear_pending(SPI_A);
	CHECK_TRUE("spi_icpendr_withdraws_signalled", stays_quiet(log) && !gic_is_pending(SPI_A));
	gic_disable_irq(SPI_A);

	gic_set_pending(SPI_A);
	gic_enable_irq(SPI_A);
	log->during = record_state;
	rt_check("spi_delivered_when_enabled", wait_events(log, 1) &&
		 log->ev[0].intid == SPI_A, "taken: %s", irq_log_str(log));
	CHECK_EQ("spi_active_not_pending_in_handler", 2, seen_state & 3);
	CHECK_TRUE("spi_idle_after_eoi", !gic_is_pending(SPI_A) && !gic_is_active(SPI_A));

	/* Pending again while active: both bits, then a second delivery. */
	irq_log_reset(log);
	log->during = record_state;
	repends = 1;
	gic_set_pending(SPI_A);
	rt_check("spi_pending_while_active_redelivered", wait_events(log, 2),
		 "taken: %s", irq_log_str(log));
	CHECK_TRUE("spi_pending_and_active", seen_both);

	/* Active by ISACTIVER holds back a pending, enabled interrupt. */
	irq_log_reset(log);
	gic_set_active(SPI_A);
	CHECK_TRUE("spi_isactiver_sets", gic_is_active(SPI_A));
	gic_set_pending(SPI_A);
	CHECK_TRUE("spi_active_blocks_delivery", stays_quiet(log));
	gic_clear_active(SPI_A);
	CHECK_TRUE("spi_icactiver_clears", !gic_is_active(SPI_A));
	rt_check("spi_delivered_after_icactiver", wait_events(log, 1),
		 "taken: %s", irq_log_str(log));

	/* The same, with the pending state set first (already signalled). */
	irq_log_reset(log);
	gic_set_pending(SPI_A);
	gic_set_active(SPI_A);
	CHECK_TRUE("spi_isactiver_on_signalled", gic_is_active(SPI_A) && gic_is_pending(SPI_A) &&
		   stays_quiet(log));
	gic_clear_active(SPI_A);
	rt_check("spi_signalled_delivered_after_icactiver", wait_events(log, 1),
		 "taken: %s", irq_log_str(log));
	gic_disable_irq(SPI_A);
}

static void test_private_state_machine(void)
{
	struct irq_log *log = LOG0;

	gic_set_priority(PPI_FREE, 0xa0);
	gic_enable_irq(PPI_FREE);
	CHECK_TRUE("ppi_isenabler_sets", gic_is_enabled(PPI_FREE));
	gic_disable_irq(PPI_FREE);
	CHECK_TRUE("ppi_icenabler_clears", !gic_is_enabled(PPI_FREE));
	gic_set_pending(PPI_FREE);
	CHECK_TRUE("ppi_ispendr_sets", gic_is_pending(PPI_FREE));
	irq_log_reset(log);
	CHECK_TRUE("ppi_disabled_not_delivered", stays_quiet(log));
	gic_enable_irq(PPI_FREE);
	rt_check("ppi_delivered", wait_events(log, 1) && log->ev[0].intid == PPI_FREE,
		 "taken: %s", irq_log_str(log));
	gic_set_pending(PPI_FREE);
	gic_clear_pending(PPI_FREE);
	CHECK_TRUE("ppi_icpendr_clears", !gic_is_pending(PPI_FREE) && stays_quiet(log));
	gic_disable_irq(PPI_FREE);

	/* SGI 5 made pending "from vCPU 1" through SPENDSGIR, then cleared. */
	gic_disable_irq(5);
	CHECK_TRUE("sgi_icenabler_ignored", gic_is_enabled(5));
	gicd_write8(GIC_DIST_SPENDSGIR + 5, 0x02);
	CHECK_TRUE("sgi_spendsgir_sets_pending", gic_is_pending(5));
	CHECK_EQ("sgi_spendsgir_reads_source", 0x02, gicd_read8(GIC_DIST_SPENDSGIR + 5));
	gicd_write8(GIC_DIST_CPENDSGIR + 5, 0x02);
	CHECK_TRUE("sgi_cpendsgir_clears", !gic_is_pending(5));
	irq_log_reset(log);
	gicd_write8(GIC_DIST_SPENDSGIR + 5, 0x02);
	rt_check("sgi_spendsgir_delivered_with_source", wait_events(log, 1) &&
		 log->ev[0].intid == 5 && log->ev[0].source == 1, "taken: %s", irq_log_str(log));
}

static void test_spurious(void)
{
	CHECK_EQ("spurious_iar_1023", GIC_SPURIOUS, GIC_IAR_INTID(gic_ack()));

	/* Pending but not above the priority mask: not signalled, IAR says 1023. */
	spi_setup(SPI_B, 0xa0);
	gicc_write(GIC_CPU_PMR, 0x80);
	gic_set_pending(SPI_B);
	gic_enable_irq(SPI_B);
	irq_log_reset(LOG0);
	CHECK_TRUE("pmr_masks_lower_priority", stays_quiet(LOG0));
	CHECK_EQ("pmr_masked_iar_1023", GIC_SPURIOUS, GIC_IAR_INTID(gic_ack()));
	gicc_write(GIC_CPU_PMR, 0xff);
	rt_check("pmr_raised_delivers", wait_events(LOG0, 1), "taken: %s",
		 irq_log_str(LOG0));
	gic_disable_irq(SPI_B);
}

static volatile uint32_t rpr_in_handler;

/* In SPI_D's handler (priority 0xc0): a higher priority interrupt must
 * preempt it once PSTATE.I is clear, a lower one must wait. */
static bool preempt_inside(uint32_t iar)
{
	struct irq_log *log = LOG0;
	unsigned before = log->count;
	uint64_t start = rt_cntvct();

	if (GIC_IAR_INTID(iar) != SPI_D)
		return false;
	rpr_in_handler = gicc_read(GIC_CPU_RPR);
	gic_set_pending(SPI_E);	/* 0xe0: lower */
	gic_set_pending(SPI_C);	/* 0x40: higher */
	cpu_irq_unmask();
	while (log->count == before && rt_cntvct() - start < us_to_ticks(TIMEOUT_US))
		;
	rt_delay_us(QUIET_US);	/* room for a wrong preemption by SPI_E */
	cpu_irq_mask();
	return false;
}

static void test_priorities(void)
{
	struct irq_log *log = LOG0;
	static const uint16_t two[] = { SPI_C, SPI_B };
	static const uint16_t nested[] = { SPI_D, SPI_C, SPI_E };

	spi_setup(SPI_B, 0xa0);
	spi_setup(SPI_C, 0x20);
	gic_enable_irq(SPI_B);
	gic_enable_irq(SPI_C);
	irq_log_reset(log);
	gic_set_pending(SPI_B);
	gic_set_pending(SPI_C);
	wait_events(log, 2);
	check_order("two_pending_highest_first", log, two, 2);

	spi_setup(SPI_C, 0x40);
	spi_setup(SPI_D, 0xc0);
	spi_setup(SPI_E, 0xe0);
	gic_enable_irq(SPI_C);
	gic_enable_irq(SPI_D);
	gic_enable_irq(SPI_E);
	irq_log_reset(log);
	log->during = preempt_inside;
	gic_set_pending(SPI_D);
	wait_events(log, 3);
	check_order("preemption_order", log, nested, 3);
	rt_check("preemption_nested", log->count >= 3 && log->ev[1].depth == 1 &&
		 log->ev[2].depth == 0, "taken (intid/source/depth) %s", irq_log_str(log));
	CHECK_EQ("rpr_is_running_priority", 0xc0, rpr_in_handler & 0xff);
	CHECK_EQ("rpr_idle", 0xff, gicc_read(GIC_CPU_RPR));
	for (unsigned i = SPI_B; i <= SPI_E; i++)
		gic_disable_irq(i);
}

/* ------------------------------------------------------------------ SGIs */

static void test_sgis(void)
{
	struct irq_log *l0 = LOG0, *l1 = LOG1;

	irq_log_reset(l0);
	gic_send_sgi(GIC_SGI_TO_SELF, 0, 1);
	rt_check("sgi_self", wait_events(l0, 1) && l0->ev[0].intid == 1 &&
		 l0->ev[0].source == 0, "taken: %s", irq_log_str(l0));

	irq_log_reset(l0);
	irq_log_reset(l1);
	gic_send_sgi(GIC_SGI_TO_LIST, 0x02, 2);
	rt_check("sgi_list_to_cpu1", wait_events(l1, 1) && irq_log_took(l1, 2, 0),
		 "vCPU 1 took: %s", irq_log_str(l1));
	CHECK_TRUE("sgi_list_not_to_cpu0", stays_quiet(l0));

	irq_log_reset(l1);
	on_cpu1(cpu1_sgi3_to_cpu0);
	rt_check("sgi_list_from_cpu1_source", wait_events(l0, 1) && irq_log_took(l0, 3, 1),
		 "vCPU 0 took: %s", irq_log_str(l0));
	CHECK_EQ("sgi_list_not_to_sender", 0, l1->count);

	irq_log_reset(l0);
	irq_log_reset(l1);
	gic_send_sgi(GIC_SGI_TO_OTHERS, 0xff, 4);
	rt_check("sgi_others_from_cpu0", wait_events(l1, 1) && irq_log_took(l1, 4, 0),
		 "vCPU 1 took: %s", irq_log_str(l1));
	CHECK_TRUE("sgi_others_not_self", stays_quiet(l0));

	irq_log_reset(l1);
	on_cpu1(cpu1_sgi6_to_others);
	rt_check("sgi_others_from_cpu1", wait_events(l0, 1) && irq_log_took(l0, 6, 1),
		 "vCPU 0 took: %s", irq_log_str(l0));
	rt_delay_us(QUIET_US);
	CHECK_EQ("sgi_others_not_to_cpu1", 0, l1->count);

	/* One SGI pending from two sources is delivered once per source. */
	irq_log_reset(l0);
	gic_send_sgi(GIC_SGI_TO_SELF, 0, 7);
	on_cpu1(cpu1_sgi7_to_cpu0);
	rt_check("sgi_two_sources", wait_events(l0, 2) && irq_log_took(l0, 7, 0) &&
		 irq_log_took(l0, 7, 1), "vCPU 0 took: %s", irq_log_str(l0));
}

/* ------------------------------------------ more pending than list regs */

static void test_many_pending(void)
{
	static const uint8_t prio[SPI_COUNT] = { 0x90, 0x30, 0xe0, 0x10, 0x70,
						 0xc0, 0x50, 0xa0, 0x20, 0x80 };
	uint16_t want[SPI_COUNT];
	struct irq_log *log = LOG0;
	uint32_t bits = 0;

	for (unsigned i = 0; i < SPI_COUNT; i++) {
		spi_setup(SPI_A + i, prio[i]);
		gic_enable_irq(SPI_A + i);
		bits |= 1u << ((SPI_A + i) % 32);
	}
	/* Expected: ascending priority value (insertion sort, 10 entries). */
	for (unsigned i = 0; i < SPI_COUNT; i++) {
		unsigned j = i;

		while (j > 0 && prio[want[j - 1] - SPI_A] > prio[i]) {
			want[j] = want[j - 1];
			j--;
		}
		want[j] = (uint16_t)(SPI_A + i);
	}
	irq_log_reset(log);
	gicd_write(gic_bit_reg(GIC_DIST_ISPENDR, SPI_A), bits);
	wait_events(log, SPI_COUNT);
	CHECK_EQ("flood_all_delivered", SPI_COUNT, log->count);
	check_order("flood_priority_order", log, want, SPI_COUNT);
	CHECK_EQ("flood_none_left_pending", 0,
		 gicd_read(gic_bit_reg(GIC_DIST_ISPENDR, SPI_A)) & bits);
	for (unsigned i = 0; i < SPI_COUNT; i++)
		gic_disable_irq(SPI_A + i);
}

/* ------------------------------------------------ disabled while active */

static volatile uint32_t split_state;

static bool disable_inside(uint32_t iar)
{
	unsigned intid = GIC_IAR_INTID(iar);

	gic_disable_irq(intid);
	if (intid == SPI_C)
		gic_set_pending(intid);	/* pending while disabled: must wait */
	if (!LOG0->split_eoi)
		return false;
	gic_eoi(iar);
	split_state = gic_is_active(intid);
	gic_deactivate(iar);
	split_state |= gic_is_active(intid) << 1;
	return true;
}

static void test_disabled_while_active(void)
{
	struct irq_log *log = LOG0;

	/* EOImode 0: EOIR drops and deactivates. */
	spi_setup(SPI_A, 0x80);
	gic_enable_irq(SPI_A);
	irq_log_reset(log);
	log->during = disable_inside;
	gic_set_pending(SPI_A);
	wait_events(log, 1);
	CHECK_TRUE("disable_in_handler_inactive_after_eoi",
		   log->count == 1 && !gic_is_active(SPI_A) && !gic_is_enabled(SPI_A));
	gic_enable_irq(SPI_A);
	gic_set_pending(SPI_A);
	rt_check("disable_in_handler_redelivered", wait_events(log, 2), "taken: %s",
		 irq_log_str(log));

	/* EOImode 1: EOIR only drops priority, DIR deactivates. */
	spi_setup(SPI_B, 0x80);
	gic_enable_irq(SPI_B);
	gic_cpu_enable(true);
	log->split_eoi = true;
	irq_log_reset(log);
	log->during = disable_inside;
	gic_set_pending(SPI_B);
	wait_events(log, 1);
	CHECK_EQ("eoimode1_active_after_eoir_inactive_after_dir", 1, split_state);
	gic_enable_irq(SPI_B);
	gic_set_pending(SPI_B);
	rt_check("disable_in_handler_dir_redelivered", wait_events(log, 2),
		 "taken: %s", irq_log_str(log));
	log->split_eoi = false;
	gic_cpu_enable(false);

	/* Made pending again while disabled in its own handler. */
	spi_setup(SPI_C, 0x80);
	gic_enable_irq(SPI_C);
	irq_log_reset(log);
	log->during = disable_inside;
	gic_set_pending(SPI_C);
	wait_events(log, 1);
	log->during = NULL;
	CHECK_TRUE("disabled_pending_waits", stays_quiet(log) && gic_is_pending(SPI_C));
	gic_enable_irq(SPI_C);
	rt_check("disabled_pending_delivered_on_enable", wait_events(log, 2),
		 "taken: %s", irq_log_str(log));
	for (unsigned i = SPI_A; i <= SPI_C; i++)
		gic_disable_irq(i);
}

/* ---------------------------------------------------------------- timer */

/* Waits for the timer's interrupt; checks it came, not before cval, with
 * ISTATUS set. Stray interrupts in the log do not hide it. */
static void check_timer_event(const char *what, uint64_t cval)
{
	struct irq_log *log = LOG0;
	const struct irq_event *ev = NULL;
	uint64_t start = rt_cntvct();
	char name[64];

	while (!ev && rt_cntvct() - start < us_to_ticks(TIMEOUT_US)) {
		unsigned seen = log->count;

		wait_events(log, seen + 1);
		for (unsigned i = 0; i < log->count && i < IRQ_LOG_MAX_EVENTS && !ev; i++)
			ev = log->ev[i].intid == GIC_INTID_VTIMER ? &log->ev[i] : NULL;
	}
	fmt_snprintf(name, sizeof(name), "timer_%s_fires", what);
	rt_check(name, ev, "taken: %s", irq_log_str(log));
	fmt_snprintf(name, sizeof(name), "timer_%s_not_early", what);
	rt_check(name, ev && ev->when >= cval, "CNTVCT 0x%llx in handler < CVAL 0x%llx",
		 ev ? (unsigned long long)ev->when : 0ull, (unsigned long long)cval);
	fmt_snprintf(name, sizeof(name), "timer_%s_istatus_in_handler", what);
	rt_check(name, ev && (ev->timer_ctl & CNTV_CTL_ISTATUS), "CNTV_CTL 0x%x",
		 ev ? ev->timer_ctl : 0);
}

static void test_timer(void)
{
	struct irq_log *log = LOG0;
	uint64_t cval;

	gic_set_priority(GIC_INTID_VTIMER, 0x80);
	gic_enable_irq(GIC_INTID_VTIMER);

	vtimer_set_cval(rt_cntvct() + us_to_ticks(1000000));
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	CHECK_EQ("timer_istatus_clear_before_deadline", 0, vtimer_ctl() & CNTV_CTL_ISTATUS);
	vtimer_set_ctl(0);

	irq_log_reset(log);
	vtimer_set_tval(us_to_ticks(TIMER_US));
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	cval = vtimer_cval();
	check_timer_event("tval", cval);

	irq_log_reset(log);
	cval = rt_cntvct() + us_to_ticks(TIMER_US);
	vtimer_set_cval(cval);
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	check_timer_event("cval", cval);

	/* Expired but masked: ISTATUS says so, the interrupt stays away. */
	irq_log_reset(log);
	vtimer_set_cval(rt_cntvct());
	vtimer_set_ctl(CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
	CHECK_TRUE("timer_istatus_set_when_expired", vtimer_ctl() & CNTV_CTL_ISTATUS);
	CHECK_TRUE("timer_tval_negative_after_deadline", vtimer_tval() <= 0);
	CHECK_TRUE("timer_imask_masks", stays_quiet(log));
	CHECK_TRUE("timer_imask_not_pending", !gic_is_pending(GIC_INTID_VTIMER));
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	rt_check("timer_unmask_delivers", wait_events(log, 1), "taken: %s",
		 irq_log_str(log));
}

/* WFI until `done` says so or the time-out; returns the number of WFIs. */
static unsigned wfi_until(bool (*done)(void), bool unmasked)
{
	uint64_t start = rt_cntvct(), limit = us_to_ticks(TIMEOUT_US);
	unsigned wfis = 0;

	if (unmasked)
		cpu_irq_unmask();
	while (!done() && rt_cntvct() - start < limit) {
		__asm__ volatile("dsb sy\n\twfi" : : : "memory");
		wfis++;
	}
	cpu_irq_mask();
	return wfis;
}

static bool timer_taken(void) { return LOG0->count > 0; }
static bool timer_pending(void) { return gic_is_pending(GIC_INTID_VTIMER); }

static void test_timer_wfi(void)
{
	struct irq_log *log = LOG0;
	uint64_t cval, woke;
	unsigned wfis;

	irq_log_reset(log);
	cval = rt_cntvct() + us_to_ticks(TIMER_US);
	vtimer_set_cval(cval);
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	wfis = wfi_until(timer_taken, true);
	rt_check("timer_wakes_wfi", timer_taken() && log->ev[0].when >= cval,
		 "%u WFIs, taken: %s", wfis, irq_log_str(log));

	/* PSTATE.I set: WFI still ends once the interrupt is pending. */
	irq_log_reset(log);
	cval = rt_cntvct() + us_to_ticks(TIMER_US);
	vtimer_set_cval(cval);
	vtimer_set_ctl(CNTV_CTL_ENABLE);
	wfis = wfi_until(timer_pending, false);
	woke = rt_cntvct();
	rt_check("timer_wakes_wfi_masked", timer_pending() && woke >= cval && log->count == 0,
		 "%u WFIs, pending %d, woke 0x%llx, CVAL 0x%llx", wfis, timer_pending(),
		 (unsigned long long)woke, (unsigned long long)cval);
	rt_check("timer_taken_after_masked_wfi", wait_events(log, 1), "taken: %s",
		 irq_log_str(log));
	vtimer_set_ctl(0);
	gic_disable_irq(GIC_INTID_VTIMER);
}

/* ---------------------------------------------------------------- PL011 */

static bool uart_silence(uint32_t iar)
{
	gic_mmio_write32(UART_IMSC, 0);
	return false;
}

static void test_uart_line(void)
{
	struct irq_log *log = LOG0;
	uint32_t ris, mis, pend_on, pend_off;

	spi_setup(GIC_INTID_UART, 0xa0);
	ris = gic_mmio_read32(UART_RIS);
	gic_mmio_write32(UART_IMSC, UART_INT_TX);
	mis = gic_mmio_read32(UART_MIS);
	pend_on = gic_is_pending(GIC_INTID_UART);
	gic_mmio_write32(UART_IMSC, 0);
	pend_off = gic_is_pending(GIC_INTID_UART);
	CHECK_TRUE("uart_txris_set", ris & UART_INT_TX);
	CHECK_TRUE("uart_txim_sets_mis", mis & UART_INT_TX);
	CHECK_TRUE("uart_txim_pends_intid33", pend_on);
	CHECK_TRUE("uart_masked_clears_intid33", !pend_off);

	irq_log_reset(log);
	log->during = uart_silence;
	gic_enable_irq(GIC_INTID_UART);
	gic_mmio_write32(UART_IMSC, UART_INT_TX);
	rt_check("uart_irq_delivered", wait_events(log, 1) &&
		 log->ev[0].intid == GIC_INTID_UART, "taken: %s", irq_log_str(log));
	CHECK_TRUE("uart_irq_not_repeated", stays_quiet(log) && !gic_is_pending(GIC_INTID_UART));
	gic_disable_irq(GIC_INTID_UART);
}

void test_main(void)
{
	uint64_t start;

	irq_log_install();
	test_distributor_registers();
	gic_dist_enable();
	gic_cpu_enable(false);

	CHECK_EQ("cpu1_on", PSCI_RET_SUCCESS, rt_cpu_on(1, cpu1_main, 0));
	start = rt_cntvct();
	while (!cpu1_ready && rt_cntvct() - start < us_to_ticks(TIMEOUT_US))
		;
	if (!cpu1_ready)
		rt_abort("vCPU 1 did not come up");

	test_banked_registers();
	test_spurious();
	test_spi_state_machine();
	test_private_state_machine();
	test_priorities();
	test_sgis();
	test_many_pending();
	test_disabled_while_active();
	test_timer();
	test_timer_wfi();
	test_uart_line();

	cpu1_leave = true;
	dmb();
	CHECK_EQ("spurious_irqs_cpu0", 0, LOG0->spurious);
}
