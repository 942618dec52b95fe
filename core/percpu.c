/* Per-core data and stacks. Logical core 0 is the boot core; the others are
 * numbered in device-tree order. */
#include "core/percpu.h"
#include "arch/aarch64/sysreg.h"

struct cpu cpus[MAX_CPUS];
unsigned cpu_count = 1;
uint8_t hyp_stacks[MAX_CPUS][HYP_STACK_SIZE] __attribute__((aligned(16)));

void cpu_set_self(unsigned index)
{
	struct cpu *c = &cpus[index];

	c->id = index;
	c->mpidr = mpidr_affinity(read_sysreg(mpidr_el1));
	write_sysreg(tpidr_el2, c);
}

int cpu_index_of_mpidr(uint64_t mpidr)
{
	for (unsigned i = 0; i < cpu_count; i++) {
		if (cpus[i].mpidr == mpidr_affinity(mpidr))
			return (int)i;
	}
	return -1;
}
