/* smp: PSCI CPU_ON / AFFINITY_INFO / CPU_OFF life cycle of vCPU 1, error
 * returns for a busy or non-existent target, and a restart after CPU_OFF. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "smp";

#define TIMEOUT_US	2000000	/* generous: under HB the vCPUs may share a pCPU */

struct secondary_report {
	volatile uint64_t context_id;
	volatile uint64_t mpidr;
	volatile uint64_t current_el;
	volatile uint64_t sctlr;
	volatile uint32_t runs;
	volatile bool running;
	volatile bool may_leave;
};

static struct secondary_report report;

/* Runs on vCPU 1: record what it was started with, park until told, then
 * return so the runtime calls CPU_OFF. */
static void secondary(uint64_t context_id)
{
	uint64_t v;

	report.context_id = context_id;
	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	report.mpidr = v;
	__asm__ volatile("mrs %0, CurrentEL" : "=r"(v));
	report.current_el = v >> 2;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(v));
	report.sctlr = v;
	report.runs++;
	/* Exercises the console lock from a second vCPU. */
	rt_printf("smp: vCPU %u up, context 0x%llx\n", rt_cpu_id(), (unsigned long long)context_id);
	__asm__ volatile("dmb ish" : : : "memory");
	report.running = true;
	while (!report.may_leave)
		__asm__ volatile("yield" : : : "memory");
	report.running = false;
}

static bool wait_until(volatile bool *flag, bool value)
{
	uint64_t start = rt_cntvct();
	uint64_t limit = TIMEOUT_US * rt_cntfrq() / 1000000;

	while (*flag != value) {
		if (rt_cntvct() - start > limit)
			return false;
	}
	return true;
}

/* AFFINITY_INFO until it says `state` (or the timeout); returns the last answer. */
static int64_t wait_affinity(uint64_t mpidr, int64_t state)
{
	uint64_t start = rt_cntvct();
	uint64_t limit = TIMEOUT_US * rt_cntfrq() / 1000000;
	int64_t now;

	do {
		now = psci_affinity_info(mpidr, 0);
	} while (now != state && rt_cntvct() - start < limit);
	return now;
}

/* One full start: CPU_ON, it runs with our context_id, reports itself. */
static void start_secondary(const char *phase, uint64_t context_id, uint32_t expected_runs)
{
	char name[64];

	report.may_leave = false;
	fmt_snprintf(name, sizeof(name), "%s_cpu_on", phase);
	CHECK_EQ(name, PSCI_RET_SUCCESS, rt_cpu_on(1, secondary, context_id));
	fmt_snprintf(name, sizeof(name), "%s_secondary_runs", phase);
	rt_check(name, wait_until(&report.running, true), "vCPU 1 did not run within %u us",
		 TIMEOUT_US);
	__asm__ volatile("dmb ish" : : : "memory");
	fmt_snprintf(name, sizeof(name), "%s_context_id_in_x0", phase);
	CHECK_EQ(name, context_id, report.context_id);
	fmt_snprintf(name, sizeof(name), "%s_secondary_mpidr_aff0", phase);
	CHECK_EQ(name, 1, report.mpidr & 0xff);
	fmt_snprintf(name, sizeof(name), "%s_secondary_at_el1", phase);
	CHECK_EQ(name, 1, report.current_el);
	fmt_snprintf(name, sizeof(name), "%s_secondary_mmu_on", phase);
	CHECK_EQ(name, 1, report.sctlr & 1);
	fmt_snprintf(name, sizeof(name), "%s_run_count", phase);
	CHECK_EQ(name, expected_runs, report.runs);
	fmt_snprintf(name, sizeof(name), "%s_affinity_on", phase);
	CHECK_EQ(name, PSCI_AFF_ON, psci_affinity_info(1, 0));
}

static void stop_secondary(const char *phase)
{
	char name[64];

	report.may_leave = true;
	fmt_snprintf(name, sizeof(name), "%s_secondary_leaves", phase);
	rt_check(name, wait_until(&report.running, false), "vCPU 1 still running after %u us",
		 TIMEOUT_US);
	fmt_snprintf(name, sizeof(name), "%s_affinity_off", phase);
	CHECK_EQ(name, PSCI_AFF_OFF, wait_affinity(1, PSCI_AFF_OFF));
}

void test_main(void)
{
	CHECK_EQ("primary_is_vcpu0", 0, rt_cpu_id());
	CHECK_EQ("affinity_self_on", PSCI_AFF_ON, psci_affinity_info(0, 0));
	CHECK_EQ("affinity_vcpu1_off_at_boot", PSCI_AFF_OFF, psci_affinity_info(1, 0));

	start_secondary("first", 0x1234abcd5678ef01ull, 1);
	CHECK_EQ("cpu_on_already_on", PSCI_RET_ALREADY_ON,
		 psci_cpu_on(1, (uint64_t)rt_secondary_entry, 0));
	CHECK_EQ("cpu_on_self_already_on", PSCI_RET_ALREADY_ON,
		 psci_cpu_on(0, (uint64_t)rt_secondary_entry, 0));
	stop_secondary("first");

	CHECK_EQ("cpu_on_missing_aff0", PSCI_RET_INVALID_PARAMETERS,
		 psci_cpu_on(0xff, (uint64_t)rt_secondary_entry, 0));
	CHECK_EQ("cpu_on_missing_aff1", PSCI_RET_INVALID_PARAMETERS,
		 psci_cpu_on(0x100, (uint64_t)rt_secondary_entry, 0));
	CHECK_EQ("affinity_missing", PSCI_RET_INVALID_PARAMETERS, psci_affinity_info(0xff, 0));

	/* The same vCPU must come back cleanly after CPU_OFF. */
	start_secondary("restart", 0xfeedface00c0ffeeull, 2);
	stop_secondary("restart");
}
