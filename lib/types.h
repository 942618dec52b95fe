/* Fixed-width types, address types and the small helpers every layer uses.
 * Compiles freestanding for EL2 and hosted for unit tests. */
#ifndef HB_LIB_TYPES_H
#define HB_LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Address spaces that must never be mixed: physical, guest intermediate
 * physical (Stage-2 input) and virtual. Typedefs document intent at every
 * signature; the hypervisor maps itself 1:1 so paddr_t == EL2 VA. */
typedef uint64_t paddr_t;
typedef uint64_t ipa_t;
typedef uint64_t vaddr_t;

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

#define BIT(n) (1UL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK(h, l) ((~0UL >> (63 - (h))) & (~0UL << (l)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (uint64_t)(a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define UNUSED(x) ((void)(x))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* True if [a, a+alen) and [b, b+blen) share a byte; safe against overflow. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* True if [inner, inner+ilen) lies inside [outer, outer+olen). */
static inline bool range_within(uint64_t inner, uint64_t ilen, uint64_t outer, uint64_t olen)
{
	if (ilen > olen)
		return false;
	return inner >= outer && inner - outer <= olen - ilen;
}

#endif
