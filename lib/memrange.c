/* Range subtraction for the boot memory map. Works on inclusive last-byte
 * addresses internally so ranges ending at 2^64 never overflow. */
#include "lib/memrange.h"

#define PAGE_MASK (PAGE_SIZE - 1)

/* Last byte of a non-empty range, clamped to the top of the address space. */
static uint64_t range_last(const struct mem_range *r)
{
	if (r->size > UINT64_MAX - r->base)
		return UINT64_MAX;
	return r->base + r->size - 1;
}

/*
 * If `addr` lies in the union of the ranges, returns true and the last byte
 * of the contiguous covered run through it. Repeats the scan until the run
 * stops growing, since unsorted input can extend it in any order.
 */
static bool covered_run(const struct mem_range *ranges, unsigned count, uint64_t addr,
			uint64_t *run_last)
{
	bool covered = false;
	uint64_t last = 0;
	bool grew;

	do {
		grew = false;
		for (unsigned i = 0; i < count; i++) {
			const struct mem_range *r = &ranges[i];
			uint64_t r_last;

			if (r->size == 0)
				continue;
			r_last = range_last(r);
			if (!covered) {
				if (r->base <= addr && addr <= r_last) {
					covered = true;
					last = r_last;
					grew = true;
				}
			} else if (r_last > last && r->base <= last + 1) {
				/* r_last > last first: last + 1 cannot wrap. */
				last = r_last;
				grew = true;
			}
		}
	} while (grew);

	*run_last = last;
	return covered;
}

/* Smallest base strictly above `addr` among non-empty ranges. */
static bool next_base_above(const struct mem_range *ranges, unsigned count, uint64_t addr,
			    uint64_t *next)
{
	bool found = false;

	for (unsigned i = 0; i < count; i++) {
		const struct mem_range *r = &ranges[i];

		if (r->size != 0 && r->base > addr && (!found || r->base < *next)) {
			*next = r->base;
			found = true;
		}
	}
	return found;
}

/* Appends the whole pages inside [first, last]; false if `out` is full. */
static bool emit_pages(struct mem_range *out, unsigned *count, unsigned max_out,
		       uint64_t first, uint64_t last)
{
	uint64_t page_first, page_last;

	if (first > UINT64_MAX - PAGE_MASK)
		return true;
	page_first = ALIGN_UP(first, PAGE_SIZE);
	if (last == UINT64_MAX) {
		page_last = UINT64_MAX;
	} else {
		uint64_t end = ALIGN_DOWN(last + 1, PAGE_SIZE);

		if (end == 0)
			return true;
		page_last = end - 1;
	}
	if (page_first > page_last)
		return true;
	/* All 2^64 bytes do not fit in a size: give up the top page. */
	if (page_first == 0 && page_last == UINT64_MAX)
		page_last -= PAGE_SIZE;

	if (*count == max_out)
		return false;
	out[*count].base = page_first;
	out[*count].size = page_last - page_first + 1;
	(*count)++;
	return true;
}

/*
 * Sweeps upward through the address space: find the next RAM byte, skip
 * any reserved run covering it, then the free piece runs to whichever
 * comes first, the end of the RAM run or the next reserved base. Pieces come
 * out in order and are separated by at least one byte that is not free, so
 * after trimming to pages they never touch and need no merge pass.
 */
int memrange_subtract(const struct mem_range *ram, unsigned nram,
		      const struct mem_range *reserved, unsigned nres,
		      struct mem_range *out, unsigned max_out)
{
	uint64_t pos = 0;
	unsigned count = 0;

	for (;;) {
		uint64_t ram_last, reserved_last, next_reserved = 0, free_last;

		if (!covered_run(ram, nram, pos, &ram_last)) {
			if (!next_base_above(ram, nram, pos, &pos))
				break;
			covered_run(ram, nram, pos, &ram_last);
		}

		if (covered_run(reserved, nres, pos, &reserved_last)) {
			if (reserved_last == UINT64_MAX)
				break;
			pos = reserved_last + 1;
			continue;
		}

		free_last = ram_last;
		if (next_base_above(reserved, nres, pos, &next_reserved) &&
		    next_reserved - 1 < free_last) {
			free_last = next_reserved - 1;
		}
		if (!emit_pages(out, &count, max_out, pos, free_last))
			return -1;
		if (free_last == UINT64_MAX)
			break;
		pos = free_last + 1;
	}
	return (int)count;
}

unsigned memrange_normalize(struct mem_range *ranges, unsigned count)
{
	unsigned kept = 0;

	/* Insertion sort, dropping empties on the way: lists are a few dozen long. */
	for (unsigned i = 0; i < count; i++) {
		struct mem_range r = ranges[i];
		unsigned j = kept;

		if (r.size == 0)
			continue;
		while (j > 0 && ranges[j - 1].base > r.base) {
			ranges[j] = ranges[j - 1];
			j--;
		}
		ranges[j] = r;
		kept++;
	}

	unsigned merged = 0;
	uint64_t merged_last = 0;

	for (unsigned i = 0; i < kept; i++) {
		uint64_t last = range_last(&ranges[i]);

		if (merged > 0 && (merged_last == UINT64_MAX || ranges[i].base <= merged_last + 1)) {
			if (last > merged_last)
				merged_last = last;
		} else {
			ranges[merged++].base = ranges[i].base;
			merged_last = last;
		}
		/* Saturates only for [0, 2^64), which no size can express. */
		ranges[merged - 1].size = merged_last - ranges[merged - 1].base + 1;
		if (ranges[merged - 1].size == 0)
			ranges[merged - 1].size = UINT64_MAX;
	}
	return merged;
}

uint64_t memrange_total(const struct mem_range *ranges, unsigned count)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < count; i++) {
		if (ranges[i].size > UINT64_MAX - total)
			return UINT64_MAX;
		total += ranges[i].size;
	}
	return total;
}
