/* The hypervisor's own EL2 Stage-1 identity map. */
#ifndef HB_ARCH_MMU_H
#define HB_ARCH_MMU_H

#include "lib/memrange.h"
#include "lib/types.h"

/* Builds the tables (text RX, rodata R, data RW-NX, RAM RW-NX, devices
 * Device-nGnRE XN) and turns the MMU and caches on for the boot core. */
void mmu_init_and_enable(const struct mem_range *ram, unsigned nram);
/* Same tables on a secondary core (called from boot.S, caches still off). */
void mmu_enable_secondary(void);
/* Maps one more device window, e.g. a passthrough driver's registers. */
int mmu_map_device(paddr_t base, uint64_t size);

#endif
