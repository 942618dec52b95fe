/* Global hypervisor state set up at boot. */
#ifndef HB_CORE_HYP_H
#define HB_CORE_HYP_H

#include "core/config_limits.h"
#include "core/palloc.h"
#include "lib/memrange.h"

struct hyp_state {
	struct mem_range ram[MAX_MEM_RANGES];
	unsigned ram_count;
	uint64_t ram_total;
	struct mem_range free_ram[MAX_MEM_RANGES];
	unsigned free_ram_count;
	struct palloc palloc;	/* callers hold palloc_lock */
	char cmdline[256];
};

extern struct hyp_state hyp;

void idle_loop(void) __attribute__((noreturn));
/* Physically contiguous hypervisor memory for the life of the system (RAM
 * disks, guest RAM); takes palloc_lock. 0 when there is not enough. */
paddr_t hyp_alloc_contig(uint64_t size, uint64_t align);

#endif
