/* Physical page allocator: a buddy allocator over up to PALLOC_MAX_REGIONS
 * RAM regions, handing out naturally aligned power-of-two blocks of pages. */
#ifndef HB_CORE_PALLOC_H
#define HB_CORE_PALLOC_H

#include "lib/types.h"

#define PALLOC_MAX_REGIONS 8
/* Order 18 = 2^18 pages = 1 GiB, the largest Stage-2 block mapping. */
#define PALLOC_MAX_ORDER 18

/*
 * Errors, returned negated. The hypervisor treats any of them from a free as
 * a bug and panics; the allocator guarantees only that it changed nothing.
 */
enum palloc_error {
	PALLOC_ERANGE = 1,	/* address not in any region's allocatable pages */
	PALLOC_EALIGN,		/* not aligned to the block (or contig) size */
	PALLOC_EDOUBLEFREE,	/* the block, or a block containing it, is free */
	PALLOC_EORDER,		/* allocated, but not as this block: other order or
				 * size, or palloc_free vs palloc_free_contig */
	PALLOC_EINVAL,		/* bad argument: order > max, size 0, ... */
	PALLOC_EFULL,		/* add_region: PALLOC_MAX_REGIONS already added */
	PALLOC_EOVERLAP,	/* add_region: overlaps a region already added */
	PALLOC_ESMALL,		/* add_region: no page left after the metadata */
};

/*
 * One contiguous run of RAM. Its first meta_pages pages hold one state byte
 * per allocatable page (see palloc.c); pages [base, base + pages * PAGE_SIZE)
 * are allocatable.
 */
struct palloc_region {
	paddr_t meta_base;
	uint64_t meta_pages;
	paddr_t base;
	uint64_t pages;
};

struct palloc_stats {
	uint64_t total_pages;	/* allocatable pages, metadata excluded */
	uint64_t free_pages;
	uint64_t alloc_calls;	/* palloc_alloc + palloc_alloc_contig */
	uint64_t free_calls;	/* palloc_free + palloc_free_contig, errors included */
	uint64_t failed_allocs;
	uint64_t free_errors;	/* frees refused with an error code */
	uint64_t free_blocks[PALLOC_MAX_ORDER + 1];
};

/*
 * The allocator state, meant as a static object (tests create several).
 * No locking inside: the caller serialises every call with its own lock.
 * Free lists are global across regions; a block never spans two regions.
 */
struct palloc {
	struct palloc_region regions[PALLOC_MAX_REGIONS];
	unsigned region_count;
	paddr_t free_head[PALLOC_MAX_ORDER + 1];	/* 0 = empty list */
	struct palloc_stats stats;
};

void palloc_init(struct palloc *pa);

/*
 * Hands [base, base + size) to the allocator: trims it to whole pages,
 * keeps its first pages for metadata, frees the rest as maximal aligned
 * blocks. The memory must be RAM mapped 1:1 (PA == VA) and unused.
 * Returns 0 or -PALLOC_EFULL / -PALLOC_EOVERLAP / -PALLOC_ESMALL.
 * Since every region starts with metadata, 0 is never a valid allocation.
 */
int palloc_add_region(struct palloc *pa, paddr_t base, uint64_t size);

/* A block of 2^order pages aligned to its size, or 0. Not zeroed. */
paddr_t palloc_alloc(struct palloc *pa, unsigned order);

/* Returns 0 or a negated palloc_error; on error nothing changed. */
int palloc_free(struct palloc *pa, paddr_t addr, unsigned order);

/*
 * `size` bytes (rounded up to pages) aligned to `align` (a power of two; 0
 * or less than a page means page-aligned). Takes the smallest block that
 * satisfies both and returns the pages past `size` to the free lists; above
 * 1 GiB it takes a run of adjacent free 1 GiB blocks. Returns 0 on failure.
 * Free it with palloc_free_contig and the same size.
 */
paddr_t palloc_alloc_contig(struct palloc *pa, uint64_t size, uint64_t align);

/*
 * Frees exactly one whole palloc_alloc_contig allocation; all-or-nothing:
 * every block is checked before any is freed. palloc_free refuses the
 * blocks of a contig allocation and this refuses palloc_alloc blocks.
 */
int palloc_free_contig(struct palloc *pa, paddr_t addr, uint64_t size);

/*
 * Takes exactly [addr, addr + size) (page aligned) when every page of it is
 * free, as one contig allocation (free it with palloc_free_contig). For RAM a
 * VM must get at a fixed physical address (dma-ram). Returns 0, or
 * -PALLOC_EALIGN / -PALLOC_EINVAL / -PALLOC_ERANGE (not inside one region's
 * allocatable pages) / -PALLOC_EORDER (some page is in use); on error
 * nothing changed.
 */
int palloc_claim(struct palloc *pa, paddr_t addr, uint64_t size);

void palloc_get_stats(const struct palloc *pa, struct palloc_stats *st);

/*
 * Audits every invariant (metadata, free lists, counters, no unmerged
 * buddies). Slow; for tests and debug builds. Returns 0 or -PALLOC_EINVAL.
 */
int palloc_check(const struct palloc *pa);

#endif
