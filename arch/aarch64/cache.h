/* Cache maintenance by VA to the point of coherency, and TLB maintenance. */
#ifndef HB_ARCH_CACHE_H
#define HB_ARCH_CACHE_H

#include "arch/aarch64/sysreg.h"

static inline uint64_t dcache_line_size(void)
{
	return 4ULL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
}

#define DEFINE_DCACHE_OP(name, op)                                              \
	static inline void name(const void *start, uint64_t len)               \
	{                                                                      \
		uint64_t line = dcache_line_size();                            \
		uint64_t a = ALIGN_DOWN((uint64_t)(uintptr_t)start, line);     \
		uint64_t end = (uint64_t)(uintptr_t)start + len;               \
		for (; a < end; a += line)                                     \
			__asm__ volatile("dc " #op ", %0" : : "r"(a) : "memory"); \
		dsb(sy);                                                       \
	}

/* Clean: memory gets what the cache holds (before a non-coherent observer,
 * e.g. a guest with caches off, reads it). Invalidate: discard what the cache
 * holds (after memory was written with caches off). */
DEFINE_DCACHE_OP(dcache_clean_range, cvac)
DEFINE_DCACHE_OP(dcache_clean_inval_range, civac)
DEFINE_DCACHE_OP(dcache_inval_range, ivac)

static inline void icache_inval_all(void)
{
	__asm__ volatile("ic ialluis" ::: "memory");
	dsb(ish);
	isb();
}

#endif
