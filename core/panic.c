/* panic(), halting every core, and symbolised backtraces from the symbol
 * table the build embeds (tools/gen_symbols.py). */
#include "core/panic.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/smp.h"
#include "drivers/gicv2.h"
#include "arch/aarch64/sysreg.h"

extern const uint64_t hb_symbol_count;
extern const uint64_t hb_symbol_addrs[];
extern const char hb_symbol_names[];
extern char __image_start[], __text_end[];
extern uint8_t hyp_stacks[MAX_CPUS][HYP_STACK_SIZE];
void halt_forever(void) __attribute__((noreturn));

static volatile bool panicking;

const char *symbol_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = hb_symbol_count;
	const char *name = hb_symbol_names;

	if (hi == 0 || addr < hb_symbol_addrs[0] || addr >= (uint64_t)(uintptr_t)__text_end)
		return NULL;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;

		if (hb_symbol_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	for (uint64_t i = 0; i < lo; i++) {
		while (*name)
			name++;
		name++;
	}
	*offset = addr - hb_symbol_addrs[lo];
	return name;
}

static void print_frame_line(unsigned depth, uint64_t pc)
{
	uint64_t off = 0;
	const char *name = symbol_lookup(pc, &off);

	if (name)
		log_err("  #%u 0x%lx %s+0x%lx", depth, pc, name, off);
	else
		log_err("  #%u 0x%lx ?", depth, pc);
}

static bool on_hyp_stack(uint64_t addr)
{
	uint64_t lo = (uint64_t)(uintptr_t)hyp_stacks;

	return addr >= lo && addr + 16 <= lo + sizeof(hyp_stacks) && IS_ALIGNED(addr, 8);
}

void print_backtrace(uint64_t fp, uint64_t pc)
{
	log_err("backtrace:");
	print_frame_line(0, pc);
	/* AAPCS64 frame records: [fp] = caller's fp, [fp+8] = return address.
	 * Bounded, and only within the hypervisor stacks, so a corrupt chain
	 * cannot fault the report itself. */
	for (unsigned depth = 1; depth < 32 && on_hyp_stack(fp); depth++) {
		uint64_t next = ((uint64_t *)(uintptr_t)fp)[0];
		uint64_t lr = ((uint64_t *)(uintptr_t)fp)[1];

		if (lr == 0)
			break;
		print_frame_line(depth, lr - 4);
		if (next <= fp)
			break;
		fp = next;
	}
}

void stop_this_core(void)
{
	struct cpu *c = this_cpu();

	log_enter_panic_mode();
	if (c) {
		log_err("cpu%u stopped", c->id);
		dsb(ish);
		c->stopped = true;
	}
	halt_forever();
}

static unsigned stopped_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cpu_count; i++)
		n += cpus[i].stopped;
	return n;
}

void stop_all_cores(void)
{
	if (gic.gicd)
		gic_send_sgi_others(SGI_STOP);
	/* Bounded wait for the others to acknowledge (a core spinning with
	 * interrupts masked never will). */
	for (volatile unsigned i = 0; i < 50000000 && stopped_count() + 1 < smp_online_count(); i++)
		;
	log_err("HyperBerry halted: %u of %u cores stopped", stopped_count() + 1, smp_online_count());
	stop_this_core();
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint64_t fp;

	irq_disable();
	if (panicking)
		halt_forever();
	panicking = true;
	log_enter_panic_mode();
	va_start(ap, fmt);
	log_err("PANIC:");
	log_vwrite(LOG_ERROR, fmt, ap);
	va_end(ap);
	__asm__ volatile("mov %0, x29" : "=r"(fp));
	print_backtrace(fp, (uint64_t)(uintptr_t)__builtin_return_address(0));
	stop_all_cores();
}
