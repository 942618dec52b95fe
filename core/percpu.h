/* Per-physical-core state, reached through TPIDR_EL2. */
#ifndef HB_CORE_PERCPU_H
#define HB_CORE_PERCPU_H

#include "core/config_limits.h"
#include "lib/types.h"

struct vcpu;

struct cpu {
	/* Offsets of the first fields are used by assembly (asm_offsets in
	 * guest_entry.S): keep `current` first. */
	struct vcpu *current;
	uint32_t id;
	uint64_t mpidr;
	uint8_t gic_mask;		/* this core's GIC CPU-interface bit */
	volatile bool online;
	volatile bool stopped;
	uint64_t irq_count;
	volatile bool need_resched;
	struct vcpu *runqueue;		/* vCPUs pinned to this core */
	uint64_t stack_top;
	uint64_t sgi_seen[16];		/* per source core: selftest bookkeeping */
};

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(c));
	return c;
}

void cpu_set_self(unsigned index);
/* Logical index of the core with this MPIDR affinity, or -1. */
int cpu_index_of_mpidr(uint64_t mpidr);

#endif
