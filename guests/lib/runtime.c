/* Test-guest runtime core: console and lock, check counting and the verdict,
 * environment facts (HyperBerry or native, RAM), timer maths, secondary vCPUs. */
#include <stdarg.h>

#include "guests/lib/rt.h"
#include "lib/fdt.h"
#include "lib/fmt.h"

/* ------------------------------------------------------------------ lock */

/* Owner is vCPU id + 1 (0 = free, which is what .bss gives us). Recursive so
 * an exception report from inside rt_printf cannot deadlock its own vCPU. */
static volatile uint32_t lock_owner;
static unsigned lock_depth[RT_MAX_CPUS];

unsigned rt_cpu_id(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned)(mpidr & 0xff);
}

void rt_lock(void)
{
	uint32_t me = rt_cpu_id() + 1, seen, failed;

	if (lock_owner == me) {
		lock_depth[me - 1]++;
		return;
	}
	__asm__ volatile(
		"1:	ldaxr	%w[seen], [%[lock]]\n"
		"	cbnz	%w[seen], 1b\n"
		"	stxr	%w[failed], %w[me], [%[lock]]\n"
		"	cbnz	%w[failed], 1b\n"
		: [seen] "=&r"(seen), [failed] "=&r"(failed)
		: [lock] "r"(&lock_owner), [me] "r"(me)
		: "memory");
	lock_depth[me - 1] = 1;
}

void rt_unlock(void)
{
	unsigned me = rt_cpu_id();

	if (--lock_depth[me] == 0)
		__asm__ volatile("stlr wzr, [%0]" : : "r"(&lock_owner) : "memory");
}

/* --------------------------------------------------------------- console */

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

void rt_putc(char c)
{
	rt_lock();
	console_sink(NULL, c);
	rt_unlock();
}

void rt_puts(const char *s)
{
	rt_lock();
	while (*s)
		console_sink(NULL, *s++);
	rt_unlock();
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	rt_lock();
	va_start(ap, fmt);
	n = fmt_vformat(console_sink, NULL, fmt, ap);
	va_end(ap);
	rt_unlock();
	return n;
}

/* ---------------------------------------------------------------- checks */

static unsigned checks_total, checks_passed;
static bool verdict_printed;

void rt_check(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	rt_lock();
	checks_total++;
	if (ok) {
		checks_passed++;
		rt_printf("CHECK %s/%s: PASS\n", rt_test_name, name);
	} else {
		rt_printf("CHECK %s/%s: FAIL ", rt_test_name, name);
		va_start(ap, fmt);
		fmt_vformat(console_sink, NULL, fmt, ap);
		va_end(ap);
		console_sink(NULL, '\n');
	}
	rt_unlock();
}

void rt_check_eq(const char *name, uint64_t expected, uint64_t actual)
{
	rt_check(name, expected == actual, "expected 0x%llx, got 0x%llx",
		 (unsigned long long)expected, (unsigned long long)actual);
}

void rt_check_skip(const char *name, const char *why)
{
	rt_printf("CHECK %s/%s: SKIP %s\n", rt_test_name, name, why);
}

unsigned rt_checks_failed(void)
{
	return checks_total - checks_passed;
}

/* Exactly one VERDICT line even if several vCPUs race to finish. */
static __attribute__((noreturn)) void finish(bool force_fail)
{
	rt_lock();
	if (!verdict_printed) {
		bool pass = !force_fail && checks_passed == checks_total;

		verdict_printed = true;
		rt_printf("VERDICT %s: %s %u/%u\n", rt_test_name, pass ? "PASS" : "FAIL",
			  checks_passed, checks_total);
	}
	rt_unlock();
	psci_system_off();
	/* Only reached if SYSTEM_OFF failed: stay quiet and parked. */
	for (;;)
		__asm__ volatile("wfi");
}

void rt_finish(void)
{
	finish(false);
}

void rt_abort(const char *why)
{
	if (why)
		rt_printf("GUEST-ABORT %s: %s\n", rt_test_name, why);
	finish(true);
}

/* ----------------------------------------------------------- environment */

static uint64_t boot_dtb;
static uint64_t ram_base = RT_RAM_BASE, ram_size = RT_HB_DEFAULT_RAM;
static int hb_state = -1;	/* -1 unknown, 0 native, 1 HyperBerry */

bool rt_under_hyperberry(void)
{
	if (hb_state < 0)
		hb_state = hvc0(HB_VERSION) == HB_VERSION_1_0;
	return hb_state == 1;
}

uint64_t rt_dtb(void)
{
	return boot_dtb;
}

uint64_t rt_ram_base(void)
{
	return ram_base;
}

uint64_t rt_ram_size(void)
{
	return ram_size;
}

/* Takes the memory range that holds the image; keeps the default otherwise. */
static void discover_ram(uint64_t dtb)
{
	struct dt dt;
	struct dt_range ranges[4];
	int n;

	if (dtb < RT_RAM_BASE || !IS_ALIGNED(dtb, 8) || dt_open(&dt, (const void *)dtb, MiB(2)) < 0)
		return;
	n = dt_memory_ranges(&dt, ranges, ARRAY_SIZE(ranges));
	for (int i = 0; i < n; i++) {
		if (range_within(RT_LOAD_ADDR, 1, ranges[i].base, ranges[i].size)) {
			ram_base = ranges[i].base;
			ram_size = ranges[i].size;
		}
	}
}

/* ----------------------------------------------------------------- timer */

uint64_t rt_ticks_to_ns(uint64_t ticks)
{
	uint64_t freq = rt_cntfrq();

	if (freq == 0)
		return 0;
	/* Split so the multiplication is only ever on the remainder (< freq). */
	return ticks / freq * 1000000000ull + ticks % freq * 1000000000ull / freq;
}

void rt_delay_us(uint64_t us)
{
	uint64_t start = rt_cntvct();
	uint64_t ticks = us * rt_cntfrq() / 1000000ull;

	while (rt_cntvct() - start < ticks)
		;
}

/* ------------------------------------------------------ secondary vCPUs */

static void (*volatile secondary_fn[RT_MAX_CPUS])(uint64_t);

int64_t rt_cpu_on(unsigned cpu, void (*fn)(uint64_t), uint64_t context_id)
{
	if (cpu < RT_MAX_CPUS)
		secondary_fn[cpu] = fn;
	/* The target reads the slot only after its MMU is on, so the caches
	 * keep it coherent; the barrier orders it before the call. */
	__asm__ volatile("dsb ish" : : : "memory");
	return psci_cpu_on(cpu, (uint64_t)rt_secondary_entry, context_id);
}

void rt_cpu_off(void)
{
	int64_t ret = psci_cpu_off();

	rt_printf("GUEST-ABORT %s: CPU_OFF on vCPU %u returned %lld\n", rt_test_name,
		  rt_cpu_id(), (long long)ret);
	finish(true);
}

void rt_secondary_main(uint64_t context_id)
{
	void (*fn)(uint64_t) = secondary_fn[rt_cpu_id()];

	if (!fn)
		rt_abort("secondary vCPU started without an entry function");
	fn(context_id);
	rt_cpu_off();
}

/* ------------------------------------------------------------------ main */

void rt_main(uint64_t dtb)
{
	uint64_t el;

	boot_dtb = dtb;
	discover_ram(dtb);
	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	rt_printf("GUEST %s: start on %s, EL%llu, vCPU %u, dtb 0x%llx, RAM 0x%llx+0x%llx\n",
		  rt_test_name, rt_under_hyperberry() ? "HyperBerry" : "native",
		  (unsigned long long)(el >> 2), rt_cpu_id(), (unsigned long long)dtb,
		  (unsigned long long)ram_base, (unsigned long long)ram_size);
	if ((el >> 2) != 1)
		rt_abort("test guests must start at EL1");
	test_main();
	rt_finish();
}
