/* Self-tests that need the real machine: EL2 fault reports, the page
 * allocator on real RAM, the EL2 timer tick and SGIs between all cores.
 * Each prints `SELFTEST <name>: PASS|FAIL ...` for the integration tests. */
#include "core/selftest.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "core/hyp.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/percpu.h"
#include "drivers/gicv2.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "board.h"

#define TICKS 10
#define TICK_US 1000

static void report(const char *name, bool pass, const char *detail)
{
	log_info("SELFTEST %s: %s %s", name, pass ? "PASS" : "FAIL", detail);
}

static __attribute__((noinline)) void test_fault_undef(void)
{
	log_info("selftest: executing an undefined instruction at EL2");
	__asm__ volatile("udf #0x42");
}

static __attribute__((noinline)) void test_fault_dabort(void)
{
	/* Inside the 39-bit EL2 VA space but never mapped. */
	volatile uint64_t *unmapped = (volatile uint64_t *)0x7000000000ULL;

	log_info("selftest: reading unmapped address %p at EL2", (void *)unmapped);
	(void)*unmapped;
}

static bool alloc_check_blocks(void)
{
	paddr_t blocks[11];

	for (unsigned order = 0; order <= 10; order++) {
		uint64_t bytes = PAGE_SIZE << order;
		uint64_t *p;

		blocks[order] = palloc_alloc(&hyp.palloc, order);
		if (!blocks[order] || !IS_ALIGNED(blocks[order], bytes))
			return false;
		p = (uint64_t *)(uintptr_t)blocks[order];
		p[0] = blocks[order];
		p[bytes / 8 - 1] = ~blocks[order];
	}
	for (unsigned order = 0; order <= 10; order++) {
		uint64_t *p = (uint64_t *)(uintptr_t)blocks[order];

		if (p[0] != blocks[order] || p[((PAGE_SIZE << order) / 8) - 1] != ~blocks[order])
			return false;
		if (palloc_free(&hyp.palloc, blocks[order], order) != 0)
			return false;
	}
	return true;
}

static void test_alloc(void)
{
	struct palloc_stats before, after;
	bool ok;
	paddr_t big, page;
	char detail[120];

	palloc_get_stats(&hyp.palloc, &before);
	ok = alloc_check_blocks();
	big = palloc_alloc_contig(&hyp.palloc, MiB(96), MiB(2));
	ok = ok && big && IS_ALIGNED(big, MiB(2));
	if (big) {
		memset((void *)(uintptr_t)big, 0xa5, MiB(96));
		palloc_free_contig(&hyp.palloc, big, MiB(96));
	}
	page = palloc_alloc(&hyp.palloc, 0);
	ok = ok && page && palloc_free(&hyp.palloc, page, 0) == 0;
	/* A second free of the same page must be refused, not corrupt state. */
	ok = ok && palloc_free(&hyp.palloc, page, 0) != 0;
	palloc_get_stats(&hyp.palloc, &after);
	ok = ok && after.free_pages == before.free_pages;
	fmt_snprintf(detail, sizeof(detail), "(%lu pages free before and %lu after, contig 96 MiB at 0x%lx)",
		     before.free_pages, after.free_pages, big);
	report("alloc", ok, detail);
}

static volatile unsigned ticks_seen;
static volatile uint64_t tick_deadline, tick_max_late;
static volatile bool tick_early;

static bool on_hyp_timer(unsigned intid, int source, void *ctx)
{
	uint64_t now = timer_now();

	if (now < tick_deadline)
		tick_early = true;
	if (now - tick_deadline > tick_max_late)
		tick_max_late = now - tick_deadline;
	if (++ticks_seen < TICKS) {
		tick_deadline += timer_us_to_ticks(TICK_US);
		hyp_timer_arm(tick_deadline);
	} else {
		hyp_timer_disarm();
	}
	return true;
}

static void test_timer(void)
{
	uint64_t start = timer_now(), timeout = start + timer_us_to_ticks(TICKS * TICK_US * 100);
	char detail[120];
	bool ok;

	irq_register(BOARD_IRQ_HYP_TIMER, on_hyp_timer, NULL);
	gic_set_level_triggered(BOARD_IRQ_HYP_TIMER, true);
	gic_enable(BOARD_IRQ_HYP_TIMER);
	tick_deadline = start + timer_us_to_ticks(TICK_US);
	hyp_timer_arm(tick_deadline);
	while (ticks_seen < TICKS && timer_now() < timeout) {
		irq_enable();
		wfi();
		irq_disable();
	}
	uint64_t elapsed = timer_now() - start;

	ok = ticks_seen == TICKS && !tick_early && elapsed >= timer_us_to_ticks(TICKS * TICK_US);
	fmt_snprintf(detail, sizeof(detail), "(%u ticks of %u us in %lu us, latest %lu counter ticks late)",
		     ticks_seen, TICK_US, elapsed * 1000000 / timer_freq(), tick_max_late);
	report("timer", ok, detail);
}

static bool on_test_sgi(unsigned intid, int source, void *ctx)
{
	struct cpu *self = this_cpu();

	if (source < 0 || source >= MAX_CPUS)
		return true;
	/* The boot core's ping asks every other core to ping everyone. */
	if (source == 0 && self->sgi_seen[0]++ == 0)
		gic_send_sgi_others(SGI_TEST);
	else if (source != 0)
		self->sgi_seen[source]++;
	return true;
}

static bool sgi_matrix_complete(void)
{
	for (unsigned i = 0; i < cpu_count; i++) {
		for (unsigned j = 0; j < cpu_count; j++) {
			if (i != j && !cpus[i].sgi_seen[j])
				return false;
		}
	}
	return true;
}

static void test_sgi(void)
{
	uint64_t timeout = timer_now() + timer_us_to_ticks(500000);
	char detail[120];

	gic_send_sgi_others(SGI_TEST);
	/* Poll: the last SGIs land on other cores, so no interrupt would
	 * wake this one from WFI. */
	irq_enable();
	while (!sgi_matrix_complete() && timer_now() < timeout)
		;
	irq_disable();
	for (unsigned i = 0; i < cpu_count; i++) {
		char row[64];
		unsigned n = 0;

		for (unsigned j = 0; j < cpu_count && n + 3 < sizeof(row); j++)
			n += (unsigned)fmt_snprintf(row + n, sizeof(row) - n, " %c",
						    i == j ? '-' : (cpus[i].sgi_seen[j] ? 'Y' : 'n'));
		log_info("sgi matrix: cpu%u received from:%s", i, row);
	}
	fmt_snprintf(detail, sizeof(detail), "(%u cores, every pair)", cpu_count);
	report("sgi", sgi_matrix_complete() && cpu_count > 1, detail);
}

void selftest_secondary(unsigned index)
{
	irq_register(SGI_TEST, on_test_sgi, NULL);
}

void selftest_run(const struct dt *dt, const char *cmdline)
{
	char name[32];

	irq_register(SGI_TEST, on_test_sgi, NULL);
	if (!cmdline_get(cmdline, "hb.selftest", name, sizeof(name)))
		return;
	if (!strcmp(name, "fault-undef"))
		test_fault_undef();
	else if (!strcmp(name, "fault-dabort"))
		test_fault_dabort();
	else if (!strcmp(name, "alloc"))
		test_alloc();
	else if (!strcmp(name, "timer"))
		test_timer();
	else if (!strcmp(name, "sgi"))
		test_sgi();
	else if (!strcmp(name, "all")) {
		test_alloc();
		test_timer();
		test_sgi();
	} else
		log_warn("unknown selftest '%s'", name);
	log_info("SELFTEST done");
}
