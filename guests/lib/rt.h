/* The test-guest runtime: console, checks, exceptions and fault probes, EL0,
 * secondary vCPUs, timer and memory-map facts. See guests/README.md. */
#ifndef HB_GUEST_RT_H
#define HB_GUEST_RT_H

#include "lib/types.h"
#include "guests/lib/smccc.h"
#include "lib/fmt.h"

/* The guest IPA map (mirrors QEMU virt). */
#define RT_RAM_BASE		0x40000000ull
#define RT_LOAD_ADDR		0x40200000ull
#define RT_UART_BASE		0x09000000ull
#define RT_GICD_BASE		0x08000000ull
#define RT_GICC_BASE		0x08010000ull
#define RT_HB_DEFAULT_RAM	MiB(64)	/* assumed under HB when x0 carries no DTB */

#define RT_MAX_CPUS		8
#define RT_STACK_SIZE		16384
#define RT_EL0_STACK_SIZE	4096
/* The last 2 MiB of the 1-2 GiB window is mapped EL0 read/write, so EL0 can
 * reach an address beyond RAM (RAM must stay below it) and fault at Stage-2. */
#define RT_EL0_PROBE_WINDOW	0x7FE00000ull

/* Every test file defines these two. */
extern const char rt_test_name[];
void test_main(void);

/* ---- console (serialised across vCPUs; safe to call from exception hooks) */
void rt_putc(char c);
void rt_puts(const char *s);
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Polled PL011 transmit, no lock: the console's back end. */
void uart_putc(char c);

/* Recursive per-vCPU lock (exclusives are valid: the runtime runs with the
 * MMU and caches on). */
void rt_lock(void);
void rt_unlock(void);

/* ---- checks: each prints one protocol line and counts toward the verdict */
void rt_check(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rt_check_eq(const char *name, uint64_t expected, uint64_t actual);
void rt_check_skip(const char *name, const char *why);
unsigned rt_checks_failed(void);
/* Prints VERDICT and powers off via PSCI SYSTEM_OFF (called after test_main). */
__attribute__((noreturn)) void rt_finish(void);
/* Prints "GUEST-ABORT <test>: why" (unless why is NULL), then a FAIL verdict,
 * and powers off: for states the test cannot continue from. */
__attribute__((noreturn)) void rt_abort(const char *why);

#define CHECK_EQ(name, expected, actual) rt_check_eq((name), (uint64_t)(expected), (uint64_t)(actual))
#define CHECK_NE(name, unexpected, actual)                                                   \
	do {                                                                                 \
		uint64_t check_ne_u_ = (uint64_t)(unexpected), check_ne_a_ = (uint64_t)(actual); \
		rt_check((name), check_ne_u_ != check_ne_a_, "expected != 0x%llx, got 0x%llx",   \
			 (unsigned long long)check_ne_u_, (unsigned long long)check_ne_a_);      \
	} while (0)
#define CHECK_TRUE(name, cond) rt_check((name), (cond), "false: %s", #cond)
/* Checks that are only meaningful under HyperBerry; natively they print SKIP
 * and the actual expression is not even evaluated. */
#define CHECK_HB_EQ(name, expected, actual)                                                  \
	do {                                                                                 \
		if (rt_under_hyperberry())                                                   \
			CHECK_EQ(name, expected, actual);                                    \
		else                                                                         \
			rt_check_skip((name), "native");                                     \
	} while (0)
#define CHECK_HB_TRUE(name, cond)                                                            \
	do {                                                                                 \
		if (rt_under_hyperberry())                                                   \
			CHECK_TRUE(name, cond);                                              \
		else                                                                         \
			rt_check_skip((name), "native");                                     \
	} while (0)

/* ---- environment */
/* True when HB_VERSION answers 1.0 (natively QEMU says NOT_SUPPORTED). */
bool rt_under_hyperberry(void);
unsigned rt_cpu_id(void);		/* MPIDR_EL1.Aff0 */
uint64_t rt_dtb(void);			/* x0 at entry: DTB IPA or 0 */
/* RAM from the DTB's memory node, else RT_HB_DEFAULT_RAM at RT_RAM_BASE. */
uint64_t rt_ram_base(void);
uint64_t rt_ram_size(void);

/* ---- timer */
static inline uint64_t rt_cntvct(void)
{
	uint64_t v;

	/* The ISB keeps the read from being hoisted above the code being timed. */
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t rt_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* ticks -> ns without overflow for any realistic tick count and frequency. */
uint64_t rt_ticks_to_ns(uint64_t ticks);
void rt_delay_us(uint64_t us);

/* ---- exceptions */
/* Saved at every exception; hooks may edit x[], elr and spsr before return. */
struct rt_frame {
	uint64_t x[31];
	uint64_t sp;		/* interrupted SP (SP_EL0 for exceptions from EL0) */
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
};

/* Vector slots, in table order: offset = slot * 0x80. */
enum rt_vector {
	RT_VEC_CUR_SP0_SYNC, RT_VEC_CUR_SP0_IRQ, RT_VEC_CUR_SP0_FIQ, RT_VEC_CUR_SP0_SERROR,
	RT_VEC_CUR_SPX_SYNC, RT_VEC_CUR_SPX_IRQ, RT_VEC_CUR_SPX_FIQ, RT_VEC_CUR_SPX_SERROR,
	RT_VEC_LOW64_SYNC, RT_VEC_LOW64_IRQ, RT_VEC_LOW64_FIQ, RT_VEC_LOW64_SERROR,
	RT_VEC_LOW32_SYNC, RT_VEC_LOW32_IRQ, RT_VEC_LOW32_FIQ, RT_VEC_LOW32_SERROR,
};

#define ESR_EC(esr)		(((esr) >> 26) & 0x3f)
#define ESR_ISS(esr)		((esr) & 0x1ffffff)
#define ESR_FSC(esr)		((esr) & 0x3f)
#define ESR_WNR			BIT(6)
#define EC_UNKNOWN		0x00
#define EC_SVC64		0x15
#define EC_HVC64		0x16
#define EC_SMC64		0x17
#define EC_SYSREG		0x18
#define EC_IABT_LOW		0x20
#define EC_IABT_CUR		0x21
#define EC_DABT_LOW		0x24
#define EC_DABT_CUR		0x25
#define FSC_SEA			0x10	/* synchronous external abort, not on a walk */

/* A hook sees every exception first (all vCPUs); return true if handled. */
typedef bool (*rt_exception_hook_t)(struct rt_frame *frame, enum rt_vector vec);
void rt_set_exception_hook(rt_exception_hook_t hook);

/*
 * Fault probes (per vCPU): between rt_fault_expect() and rt_fault_end() every
 * synchronous exception (from EL1 or EL0) is recorded and recovered from
 * instead of ending the test. RT_FAULT_SKIP resumes after the faulting
 * instruction; RT_FAULT_RETURN resumes at x30, which recovers from a bad
 * branch-with-link (an instruction abort has no instruction to skip).
 * Keep the faulting access in asm with a "memory" clobber so the compiler
 * cannot move it across the probe calls.
 */
enum rt_fault_action { RT_FAULT_SKIP, RT_FAULT_RETURN };
struct rt_fault {
	unsigned count;		/* exceptions seen while armed */
	enum rt_vector vec;	/* of the first one */
	uint64_t esr, far, elr, spsr;
};
void rt_fault_expect(enum rt_fault_action action);
/* Disarms and returns the count; *first (may be NULL) gets the first fault. */
unsigned rt_fault_end(struct rt_fault *first);

/* ---- EL0: functions that run at EL0 must live in EL0-executable pages */
#define RT_EL0_TEXT __attribute__((section(".text.el0"), noinline))
/*
 * Runs fn(arg) at EL0 (SP_EL0 = a per-vCPU EL0 stack, DAIF masked) and returns
 * its result once it returns or calls rt_el0_exit(). fn may only touch
 * EL0-accessible memory: its own page, its stack and the device region
 * (0-1 GiB); calling runtime functions from EL0 faults.
 */
uint64_t rt_run_el0(uint64_t (*fn)(uint64_t), uint64_t arg);
#define RT_EL0_EXIT_SVC 0xe0
static inline __attribute__((noreturn, always_inline)) void rt_el0_exit(uint64_t value)
{
	register uint64_t x0 __asm__("x0") = value;

	__asm__ volatile("svc %1" : : "r"(x0), "i"(RT_EL0_EXIT_SVC) : "memory");
	__builtin_unreachable();
}

/* ---- secondary vCPUs */
/* PSCI CPU_ON of vCPU `cpu` (MPIDR Aff0): it enters the runtime, which
 * enables its MMU and calls fn(context_id) with the raw x0 it was given. When
 * fn returns the vCPU calls CPU_OFF. Returns the PSCI result. */
int64_t rt_cpu_on(unsigned cpu, void (*fn)(uint64_t), uint64_t context_id);
/* Raw entry point for PSCI CPU_ON (what rt_cpu_on passes). */
void rt_secondary_entry(void);
__attribute__((noreturn)) void rt_cpu_off(void);

/* ---- MMU (identity map: 0-1 GiB Device-nGnRnE, 1-2 GiB Normal WB) */
void rt_mmu_enable(void);
/* Turns Stage-1 and the data cache off after cleaning the image to PoC. */
void rt_mmu_disable(void);
uint64_t rt_ttbr0(void);		/* the runtime's table base, for tests that rewrite TTBR0 */

/* Internal glue between the asm entry paths and C. */
void rt_mmu_build_tables(void);
__attribute__((noreturn)) void rt_main(uint64_t dtb);
__attribute__((noreturn)) void rt_secondary_main(uint64_t context_id);
void rt_handle_exception(struct rt_frame *frame, enum rt_vector vec);
__attribute__((noreturn)) void rt_el0_return(uint64_t value);

#endif
