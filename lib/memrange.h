/* Address-range arithmetic for boot: RAM from the DTB minus everything that
 * is reserved, as page-aligned free ranges ready for the page allocator. */
#ifndef HB_LIB_MEMRANGE_H
#define HB_LIB_MEMRANGE_H

#include "lib/types.h"

/*
 * [base, base + size). A range whose end would pass 2^64 is read as ending
 * at 2^64 (the DTB can describe that, a uint64_t end cannot). size 0 is empty.
 */
struct mem_range {
	uint64_t base;
	uint64_t size;
};

/*
 * Writes to `out` the pages that lie wholly inside the union of `ram` and
 * touch no byte of the union of `reserved`: sorted by base, non-overlapping,
 * never adjacent (a gap is at least one page), every base and size a
 * multiple of PAGE_SIZE. Inputs may be unsorted, overlapping, adjacent or
 * empty. Returns the number of ranges written, or -1 if more than `max_out`
 * are needed (the contents of `out` are then unspecified).
 * The one result a mem_range cannot express, all 2^64 bytes, loses its top page.
 * Time is O((nram + nres)^3) in the worst case and no memory is used
 * beyond the stack: boot lists are short.
 */
int memrange_subtract(const struct mem_range *ram, unsigned nram,
		      const struct mem_range *reserved, unsigned nres,
		      struct mem_range *out, unsigned max_out);

/*
 * Sorts `ranges` by base in place, merges overlapping and adjacent ones and
 * drops empty ones; returns the new count. Lets boot code build one clean
 * reserved list out of several sources before printing or checking it.
 */
unsigned memrange_normalize(struct mem_range *ranges, unsigned count);

/* Sum of the sizes, saturated at UINT64_MAX. */
uint64_t memrange_total(const struct mem_range *ranges, unsigned count);

#endif
