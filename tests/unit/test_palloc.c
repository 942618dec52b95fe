/* Host tests for core/palloc: the buddy allocator runs on aligned host arenas
 * whose addresses stand in for physical ones (the allocator casts them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "core/palloc.h"

/* ---- helpers ---- */

/*
 * Arenas come from mmap rather than aligned_alloc: the GiB-sized ones exist
 * only so that 1 GiB blocks can be aligned, and untouched mmap pages cost
 * neither RAM nor ASan shadow writes.
 */
#define MAX_ARENAS 4
static struct {
	void *map;
	size_t len;
} arenas[MAX_ARENAS];

static paddr_t arena_new(uint64_t align, uint64_t size)
{
	for (unsigned i = 0; i < MAX_ARENAS; i++) {
		if (arenas[i].map == NULL) {
			size_t len = size + align;
			void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

			assert_true(map != MAP_FAILED);
			arenas[i].map = map;
			arenas[i].len = len;
			return ALIGN_UP((paddr_t)(uintptr_t)map, align);
		}
	}
	fail_msg("too many arenas");
	return 0;
}

static int arenas_free(void **state)
{
	for (unsigned i = 0; i < MAX_ARENAS; i++) {
		if (arenas[i].map != NULL)
			munmap(arenas[i].map, arenas[i].len);
		arenas[i].map = NULL;
	}
	return 0;
}

static uint64_t block_size(unsigned order)
{
	return PAGE_SIZE << order;
}

static void expect_consistent(const struct palloc *pa)
{
	assert_int_equal(palloc_check(pa), 0);
}

/* Free pages and the free-block histogram: what "back to the start" means. */
static void expect_same_free_state(const struct palloc_stats *a, const struct palloc_stats *b)
{
	assert_int_equal(a->total_pages, b->total_pages);
	assert_int_equal(a->free_pages, b->free_pages);
	assert_memory_equal(a->free_blocks, b->free_blocks, sizeof(a->free_blocks));
}

/* Inside some region's allocatable pages, never its metadata. */
static void expect_in_one_region(const struct palloc *pa, paddr_t addr, uint64_t bytes)
{
	for (unsigned i = 0; i < pa->region_count; i++) {
		const struct palloc_region *r = &pa->regions[i];

		if (range_within(addr, bytes, r->base, r->pages * PAGE_SIZE))
			return;
		assert_false(ranges_overlap(addr, bytes, r->meta_base, r->meta_pages * PAGE_SIZE));
	}
	fail_msg("block %#lx+%#lx is in no region", (unsigned long)addr, (unsigned long)bytes);
}

/* ---- tests ---- */

static void test_empty_allocator(void **state)
{
	struct palloc pa;
	struct palloc_stats st;

	palloc_init(&pa);
	assert_int_equal(palloc_alloc(&pa, 0), 0);
	assert_int_equal(palloc_alloc_contig(&pa, PAGE_SIZE, 0), 0);
	assert_int_equal(palloc_free(&pa, 0x1000, 0), -PALLOC_ERANGE);
	palloc_get_stats(&pa, &st);
	assert_int_equal(st.total_pages, 0);
	assert_int_equal(st.alloc_calls, 2);
	assert_int_equal(st.failed_allocs, 2);
	assert_int_equal(st.free_calls, 1);
	assert_int_equal(st.free_errors, 1);
	expect_consistent(&pa);
}

static void test_region_layout(void **state)
{
	struct palloc pa;
	struct palloc_stats st;
	paddr_t arena = arena_new(MiB(4), MiB(4));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, MiB(4)), 0);
	assert_int_equal(pa.region_count, 1);
	assert_int_equal(pa.regions[0].meta_base, arena);
	assert_int_equal(pa.regions[0].meta_pages, 1);
	assert_int_equal(pa.regions[0].base, arena + PAGE_SIZE);
	assert_int_equal(pa.regions[0].pages, 1023);

	/* 1023 pages after one metadata page: one block of each order 0..9. */
	palloc_get_stats(&pa, &st);
	assert_int_equal(st.total_pages, 1023);
	assert_int_equal(st.free_pages, 1023);
	for (unsigned order = 0; order <= PALLOC_MAX_ORDER; order++)
		assert_int_equal(st.free_blocks[order], order <= 9 ? 1 : 0);
	expect_consistent(&pa);
}

static void test_metadata_sizing_and_tiny_regions(void **state)
{
	struct palloc pa;
	paddr_t arena = arena_new(MiB(32), MiB(64));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, 0), -PALLOC_ESMALL);
	assert_int_equal(palloc_add_region(&pa, arena, 1), -PALLOC_ESMALL);
	assert_int_equal(palloc_add_region(&pa, arena, PAGE_SIZE), -PALLOC_ESMALL);
	/* Two partial pages hold no whole page. */
	assert_int_equal(palloc_add_region(&pa, arena + 1, PAGE_SIZE), -PALLOC_ESMALL);
	assert_int_equal(palloc_add_region(&pa, arena + 1, 2 * PAGE_SIZE - 1), -PALLOC_ESMALL);
	/* Unaligned, and too close to 2^64 to even round up. */
	assert_int_equal(palloc_add_region(&pa, UINT64_MAX - 5, 5), -PALLOC_ESMALL);
	assert_int_equal(pa.region_count, 0);

	/* The smallest useful region: one metadata page, one page to hand out. */
	assert_int_equal(palloc_add_region(&pa, arena + 1, 3 * PAGE_SIZE - 1), 0);
	assert_int_equal(pa.regions[0].meta_base, arena + PAGE_SIZE);
	assert_int_equal(pa.regions[0].pages, 1);
	assert_int_equal(palloc_alloc(&pa, 1), 0);
	assert_int_equal(palloc_alloc(&pa, 0), arena + 2 * PAGE_SIZE);
	assert_int_equal(palloc_alloc(&pa, 0), 0);

	/* One metadata page covers 4096 pages; page 4098 needs a second. */
	assert_int_equal(palloc_add_region(&pa, arena + MiB(8), 4097 * PAGE_SIZE), 0);
	assert_int_equal(pa.regions[1].meta_pages, 1);
	assert_int_equal(pa.regions[1].pages, 4096);
	assert_int_equal(palloc_add_region(&pa, arena + MiB(32), 4098 * PAGE_SIZE), 0);
	assert_int_equal(pa.regions[2].meta_pages, 2);
	assert_int_equal(pa.regions[2].pages, 4096);
	expect_consistent(&pa);
}

static void test_region_limits_and_overlap(void **state)
{
	struct palloc pa;
	paddr_t arena = arena_new(MiB(1), MiB(1));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena + KiB(64), KiB(64)), 0);
	/* Overlapping the data or the metadata of a region is refused. */
	assert_int_equal(palloc_add_region(&pa, arena + KiB(120), KiB(64)), -PALLOC_EOVERLAP);
	assert_int_equal(palloc_add_region(&pa, arena, KiB(68)), -PALLOC_EOVERLAP);
	/* Touching is fine, even when rounding leaves partial pages between. */
	assert_int_equal(palloc_add_region(&pa, arena, KiB(64)), 0);
	assert_int_equal(palloc_add_region(&pa, arena + KiB(128) - 10, KiB(64)), 0);
	for (unsigned i = 3; i < PALLOC_MAX_REGIONS; i++)
		assert_int_equal(palloc_add_region(&pa, arena + KiB(256) + i * KiB(64), KiB(64)), 0);
	assert_int_equal(palloc_add_region(&pa, arena + KiB(900), KiB(64)), -PALLOC_EFULL);
	assert_int_equal(pa.region_count, PALLOC_MAX_REGIONS);
	expect_consistent(&pa);
}

static void test_alignment_every_order(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	/* A 1 GiB-aligned 2 GiB arena: the second half is one order-18 block. */
	paddr_t arena = arena_new(GiB(1), GiB(2));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, GiB(2)), 0);
	palloc_get_stats(&pa, &initial);
	assert_int_equal(initial.free_blocks[PALLOC_MAX_ORDER], 1);
	assert_int_equal(initial.free_blocks[PALLOC_MAX_ORDER - 1], 1);

	for (unsigned order = 0; order <= PALLOC_MAX_ORDER; order++) {
		paddr_t a = palloc_alloc(&pa, order);

		assert_true(a != 0);
		assert_true(IS_ALIGNED(a, block_size(order)));
		expect_in_one_region(&pa, a, block_size(order));
		palloc_get_stats(&pa, &now);
		assert_int_equal(now.free_pages, initial.free_pages - (1ULL << order));
		expect_consistent(&pa);
		/* Freeing merges all the split halves back. */
		assert_int_equal(palloc_free(&pa, a, order), 0);
		palloc_get_stats(&pa, &now);
		expect_same_free_state(&initial, &now);
	}
	/* Orders past the maximum are refused, and counted. */
	assert_int_equal(palloc_alloc(&pa, PALLOC_MAX_ORDER + 1), 0);
	assert_int_equal(palloc_alloc(&pa, 64), 0);
	/* Holding the only 1 GiB block, a second one cannot be made. */
	paddr_t gib = palloc_alloc(&pa, PALLOC_MAX_ORDER);

	assert_int_equal(gib, arena + GiB(1));
	assert_int_equal(palloc_alloc(&pa, PALLOC_MAX_ORDER), 0);
	assert_true(palloc_alloc(&pa, PALLOC_MAX_ORDER - 1) != 0);
	palloc_get_stats(&pa, &now);
	assert_int_equal(now.failed_allocs, 3);
	assert_int_equal(now.alloc_calls, PALLOC_MAX_ORDER + 1 + 5);
}

static int compare_paddr(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

static void shuffle(paddr_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand() % i;
		paddr_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

static void test_exhaustion_and_recovery(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	paddr_t arena = arena_new(MiB(8), MiB(8));
	uint64_t count = 0;
	paddr_t *pages;

	palloc_init(&pa);
	/* An odd region so the initial blocks are a ragged mix of orders. */
	assert_int_equal(palloc_add_region(&pa, arena + 0x3456, MiB(7) + 0x2345), 0);
	palloc_get_stats(&pa, &initial);
	pages = calloc(initial.total_pages, sizeof(*pages));
	assert_non_null(pages);

	for (paddr_t a; (a = palloc_alloc(&pa, 0)) != 0;) {
		assert_true(count < initial.total_pages);
		expect_in_one_region(&pa, a, PAGE_SIZE);
		pages[count++] = a;
	}
	assert_int_equal(count, initial.total_pages);
	qsort(pages, count, sizeof(*pages), compare_paddr);
	for (uint64_t i = 1; i < count; i++)
		assert_true(pages[i] >= pages[i - 1] + PAGE_SIZE);

	palloc_get_stats(&pa, &now);
	assert_int_equal(now.free_pages, 0);
	assert_int_equal(now.failed_allocs, 1);
	assert_int_equal(palloc_alloc(&pa, 0), 0);
	assert_int_equal(palloc_alloc_contig(&pa, PAGE_SIZE, 0), 0);
	palloc_get_stats(&pa, &now);
	assert_int_equal(now.failed_allocs, 3);
	expect_consistent(&pa);

	srand(7);
	shuffle(pages, count);
	for (uint64_t i = 0; i < count; i++)
		assert_int_equal(palloc_free(&pa, pages[i], 0), 0);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	assert_int_equal(now.free_calls, count);
	assert_int_equal(now.free_errors, 0);
	expect_consistent(&pa);
	free(pages);
}

static void test_error_detection(void **state)
{
	struct palloc pa;
	struct palloc_stats before, after;
	paddr_t arena = arena_new(MiB(4), MiB(4));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, MiB(2)), 0);
	assert_int_equal(palloc_add_region(&pa, arena + MiB(3), MiB(1)), 0);
	const struct palloc_region *r0 = &pa.regions[0];
	paddr_t a = palloc_alloc(&pa, 2);
	paddr_t b = palloc_alloc(&pa, 3);

	assert_true(a != 0 && b != 0);
	palloc_get_stats(&pa, &before);

	/* Outside every region, in the gap, in metadata, just past the end. */
	assert_int_equal(palloc_free(&pa, 0, 0), -PALLOC_ERANGE);
	assert_int_equal(palloc_free(&pa, arena + MiB(2) + MiB(1) / 2, 0), -PALLOC_ERANGE);
	assert_int_equal(palloc_free(&pa, r0->meta_base, 0), -PALLOC_ERANGE);
	assert_int_equal(palloc_free(&pa, r0->base + r0->pages * PAGE_SIZE, 0), -PALLOC_ERANGE);
	/* Misaligned: within a page, or for the order. */
	assert_int_equal(palloc_free(&pa, a + 8, 2), -PALLOC_EALIGN);
	assert_int_equal(palloc_free(&pa, a + PAGE_SIZE, 1), -PALLOC_EALIGN);
	/* Wrong order, and an interior page of a live block. */
	assert_int_equal(palloc_free(&pa, a, 1), -PALLOC_EORDER);
	assert_int_equal(palloc_free(&pa, a, 0), -PALLOC_EORDER);
	assert_int_equal(palloc_free(&pa, a + 2 * PAGE_SIZE, 1), -PALLOC_EORDER);
	assert_int_equal(palloc_free(&pa, b, 4), IS_ALIGNED(b, block_size(4)) ?
			 -PALLOC_EORDER : -PALLOC_EALIGN);
	assert_int_equal(palloc_free(&pa, a, PALLOC_MAX_ORDER + 1), -PALLOC_EINVAL);
	/* Pages that were never handed out count as double frees. */
	assert_int_equal(palloc_free(&pa, pa.regions[1].base, 0), -PALLOC_EDOUBLEFREE);

	palloc_get_stats(&pa, &after);
	expect_same_free_state(&before, &after);
	assert_int_equal(after.free_errors, before.free_errors + 12);
	expect_consistent(&pa);

	/* Double free, also once the block has merged into a larger one. */
	assert_int_equal(palloc_free(&pa, a, 2), 0);
	assert_int_equal(palloc_free(&pa, a, 2), -PALLOC_EDOUBLEFREE);
	assert_int_equal(palloc_free(&pa, a + PAGE_SIZE, 0), -PALLOC_EDOUBLEFREE);
	assert_int_equal(palloc_free(&pa, b, 3), 0);
	assert_int_equal(palloc_free(&pa, b, 3), -PALLOC_EDOUBLEFREE);
	assert_int_equal(palloc_free(&pa, b + 4 * PAGE_SIZE, 2), -PALLOC_EDOUBLEFREE);
	expect_consistent(&pa);

	/* free_contig is all-or-nothing. */
	paddr_t c = palloc_alloc_contig(&pa, 5 * PAGE_SIZE, 0);

	assert_true(c != 0);
	palloc_get_stats(&pa, &before);
	/* c's first block (4 pages) is valid, the next is not: nothing freed. */
	assert_int_equal(palloc_free_contig(&pa, c, 6 * PAGE_SIZE), -PALLOC_EORDER);
	assert_int_equal(palloc_free_contig(&pa, c, 3 * PAGE_SIZE), -PALLOC_EORDER);
	assert_int_equal(palloc_free_contig(&pa, c + PAGE_SIZE, 4 * PAGE_SIZE), -PALLOC_EORDER);
	assert_int_equal(palloc_free_contig(&pa, c + 8, 4 * PAGE_SIZE), -PALLOC_EALIGN);
	assert_int_equal(palloc_free_contig(&pa, c, 4 * PAGE_SIZE), -PALLOC_EORDER);
	/* Each kind of allocation only through its own free. */
	assert_int_equal(palloc_free(&pa, c, 2), -PALLOC_EORDER);
	paddr_t d = palloc_alloc(&pa, 2);

	assert_int_equal(palloc_free_contig(&pa, d, 4 * PAGE_SIZE), -PALLOC_EORDER);
	assert_int_equal(palloc_free(&pa, d, 2), 0);
	assert_int_equal(palloc_free_contig(&pa, c, 0), -PALLOC_EINVAL);
	assert_int_equal(palloc_free_contig(&pa, c, UINT64_MAX), -PALLOC_EINVAL);
	palloc_get_stats(&pa, &after);
	expect_same_free_state(&before, &after);
	assert_int_equal(palloc_free_contig(&pa, c, 5 * PAGE_SIZE - 100), 0);
	assert_int_equal(palloc_free_contig(&pa, c, 5 * PAGE_SIZE), -PALLOC_EDOUBLEFREE);
	expect_consistent(&pa);
}

static void test_contig_2mib_aligned(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	paddr_t arena = arena_new(MiB(2), MiB(64));
	static const uint64_t sizes[] = {
		PAGE_SIZE, 5 * PAGE_SIZE, MiB(2) - PAGE_SIZE, MiB(2), MiB(2) + PAGE_SIZE,
		MiB(3) + KiB(12), MiB(5) + 1, MiB(7) + KiB(36),
	};
	paddr_t got[ARRAY_SIZE(sizes)];

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena + KiB(4), MiB(64) - KiB(4)), 0);
	palloc_get_stats(&pa, &initial);

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t pages = ALIGN_UP(sizes[i], PAGE_SIZE) / PAGE_SIZE;

		palloc_get_stats(&pa, &now);
		got[i] = palloc_alloc_contig(&pa, sizes[i], MiB(2));
		assert_true(got[i] != 0);
		assert_true(IS_ALIGNED(got[i], MiB(2)));
		expect_in_one_region(&pa, got[i], pages * PAGE_SIZE);
		for (size_t j = 0; j < i; j++) {
			assert_false(ranges_overlap(got[i], pages * PAGE_SIZE, got[j],
						    ALIGN_UP(sizes[j], PAGE_SIZE)));
		}
		/* Exactly the rounded size is held: the tail went back. */
		struct palloc_stats after;

		palloc_get_stats(&pa, &after);
		assert_int_equal(now.free_pages - after.free_pages, pages);
		expect_consistent(&pa);
	}
	for (size_t i = ARRAY_SIZE(sizes); i-- > 0;)
		assert_int_equal(palloc_free_contig(&pa, got[i], sizes[i]), 0);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);

	/* Bad requests fail without side effects. */
	assert_int_equal(palloc_alloc_contig(&pa, 0, MiB(2)), 0);
	assert_int_equal(palloc_alloc_contig(&pa, PAGE_SIZE, MiB(3)), 0);
	assert_int_equal(palloc_alloc_contig(&pa, MiB(64), MiB(2)), 0);
	assert_int_equal(palloc_alloc_contig(&pa, UINT64_MAX, 0), 0);
	assert_int_equal(palloc_alloc_contig(&pa, PAGE_SIZE, GiB(1)), 0);
	/* Page alignment accepted as 0, 1 or PAGE_SIZE. */
	paddr_t p = palloc_alloc_contig(&pa, 3 * PAGE_SIZE, 1);

	assert_true(p != 0);
	assert_int_equal(palloc_free_contig(&pa, p, 3 * PAGE_SIZE), 0);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	assert_int_equal(now.failed_allocs, 5);
	expect_consistent(&pa);
}

/* palloc_claim: exactly the asked pages, only when all are free, reversible. */
static void test_claim_fixed_range(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	paddr_t arena = arena_new(MiB(2), MiB(64));
	paddr_t base, a, b, taken;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, MiB(64)), 0);
	base = pa.regions[0].base;
	palloc_get_stats(&pa, &initial);

	/* An unaligned start inside a large block: the rest of it goes back. */
	a = ALIGN_UP(base, MiB(2)) + MiB(6) + 5 * PAGE_SIZE;
	assert_int_equal(palloc_claim(&pa, a, MiB(3) + 7 * PAGE_SIZE), 0);
	expect_consistent(&pa);
	palloc_get_stats(&pa, &now);
	assert_int_equal(initial.free_pages - now.free_pages, (MiB(3) >> PAGE_SHIFT) + 7);
	/* Taken pages are neither claimable again nor handed out. */
	assert_int_equal(palloc_claim(&pa, a + MiB(1), PAGE_SIZE), -PALLOC_EORDER);
	assert_int_equal(palloc_claim(&pa, a - PAGE_SIZE, 2 * PAGE_SIZE), -PALLOC_EORDER);
	while ((taken = palloc_alloc(&pa, 0)) != 0)
		assert_false(ranges_overlap(taken, PAGE_SIZE, a, MiB(3) + 7 * PAGE_SIZE));
	arenas_free(NULL);

	/* Claims side by side, one spanning several free blocks. */
	arena = arena_new(MiB(2), MiB(64));
	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, MiB(64)), 0);
	base = pa.regions[0].base;
	palloc_get_stats(&pa, &initial);
	b = ALIGN_UP(base, MiB(2)) + MiB(2);
	assert_int_equal(palloc_claim(&pa, b, MiB(2)), 0);
	assert_int_equal(palloc_claim(&pa, b + MiB(2), MiB(8)), 0);
	assert_int_equal(palloc_claim(&pa, b + MiB(10), MiB(2)), 0);
	expect_consistent(&pa);
	/* Refusals change nothing. */
	palloc_get_stats(&pa, &now);
	assert_int_equal(palloc_claim(&pa, b, MiB(4)), -PALLOC_EORDER);
	assert_int_equal(palloc_claim(&pa, b + 1, PAGE_SIZE), -PALLOC_EALIGN);
	assert_int_equal(palloc_claim(&pa, b, 0), -PALLOC_EINVAL);
	assert_int_equal(palloc_claim(&pa, UINT64_MAX & ~(uint64_t)(PAGE_SIZE - 1), PAGE_SIZE * 2), -PALLOC_EINVAL);
	assert_int_equal(palloc_claim(&pa, pa.regions[0].meta_base, PAGE_SIZE), -PALLOC_ERANGE);
	assert_int_equal(palloc_claim(&pa, base + MiB(64) - PAGE_SIZE, MiB(2)), -PALLOC_ERANGE);
	{
		struct palloc_stats after;

		palloc_get_stats(&pa, &after);
		expect_same_free_state(&now, &after);
		assert_int_equal(after.failed_allocs, now.failed_allocs + 6);
	}
	/* A claim is a contig allocation: palloc_free_contig gives it back. */
	assert_int_equal(palloc_free(&pa, b + MiB(2), 0), -PALLOC_EORDER);
	assert_int_equal(palloc_free_contig(&pa, b + MiB(10), MiB(2)), 0);
	assert_int_equal(palloc_free_contig(&pa, b + MiB(2), MiB(8)), 0);
	assert_int_equal(palloc_free_contig(&pa, b, MiB(2)), 0);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	expect_consistent(&pa);
}

static void test_contig_above_1gib(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	/* Metadata breaks the first GiB; GiBs 1..3 are free order-18 blocks. */
	paddr_t arena = arena_new(GiB(4), GiB(4));

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena, GiB(4)), 0);
	palloc_get_stats(&pa, &initial);
	assert_int_equal(initial.free_blocks[PALLOC_MAX_ORDER], 3);

	paddr_t big = palloc_alloc_contig(&pa, GiB(1) + MiB(512) + PAGE_SIZE, MiB(2));

	assert_int_equal(big, arena + GiB(1));
	palloc_get_stats(&pa, &now);
	assert_int_equal(initial.free_pages - now.free_pages, (GiB(1) + MiB(512)) / PAGE_SIZE + 1);
	assert_int_equal(now.free_blocks[PALLOC_MAX_ORDER], 1);
	expect_consistent(&pa);

	/* Only one whole GiB is left: two cannot be found. */
	assert_int_equal(palloc_alloc_contig(&pa, GiB(1) + 1, 0), 0);
	/* Above 1 GiB alignment goes the same way; arena + 4 GiB is outside. */
	assert_int_equal(palloc_alloc_contig(&pa, PAGE_SIZE, GiB(4)), 0);
	paddr_t one = palloc_alloc_contig(&pa, GiB(1), GiB(1));

	assert_int_equal(one, arena + GiB(3));
	assert_int_equal(palloc_free_contig(&pa, big, GiB(1) + MiB(512) + PAGE_SIZE), 0);
	assert_int_equal(palloc_free_contig(&pa, one, GiB(1)), 0);
	/* 2 GiB alignment: arena + 2 GiB is the only candidate. */
	paddr_t two = palloc_alloc_contig(&pa, MiB(3), GiB(2));

	assert_true(two != 0 && IS_ALIGNED(two, GiB(2)));
	assert_int_equal(palloc_free_contig(&pa, two, MiB(3)), 0);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	expect_consistent(&pa);
}

static void test_regions_never_merge_across(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	paddr_t arena = arena_new(MiB(16), MiB(16));
	paddr_t held[4096];
	unsigned held_count = 0;
	uint64_t held_pages = 0;

	palloc_init(&pa);
	/* Odd bases and sizes; the second starts right where the first ends,
	 * the third touches the second across a partial page. */
	assert_int_equal(palloc_add_region(&pa, arena + 0x1234, MiB(5) + 0x777), 0);
	paddr_t end0 = pa.regions[0].base + pa.regions[0].pages * PAGE_SIZE;

	assert_int_equal(palloc_add_region(&pa, end0, MiB(3) - PAGE_SIZE), 0);
	assert_int_equal(palloc_add_region(&pa, end0 + MiB(3) - PAGE_SIZE + 0x10, MiB(6) + 0x9),
			 0);
	assert_int_equal(pa.regions[0].meta_base, arena + 0x2000);
	assert_int_equal(pa.regions[0].base, arena + 0x3000);
	assert_int_equal(pa.regions[2].meta_base, end0 + MiB(3));
	palloc_get_stats(&pa, &initial);

	/* Take everything, largest blocks first: any block spanning a region
	 * boundary or metadata would show up here. */
	for (unsigned order = PALLOC_MAX_ORDER + 1; order-- > 0;) {
		for (paddr_t a; (a = palloc_alloc(&pa, order)) != 0;) {
			assert_true(held_count < ARRAY_SIZE(held));
			assert_true(IS_ALIGNED(a, block_size(order)));
			expect_in_one_region(&pa, a, block_size(order));
			held[held_count++] = a | order;	/* order fits in the page offset */
			held_pages += 1ULL << order;
		}
	}
	assert_int_equal(held_pages, initial.total_pages);
	expect_consistent(&pa);

	srand(11);
	shuffle(held, held_count);
	for (unsigned i = 0; i < held_count; i++) {
		paddr_t a = ALIGN_DOWN(held[i], PAGE_SIZE);

		assert_int_equal(palloc_free(&pa, a, (unsigned)(held[i] & (PAGE_SIZE - 1))), 0);
	}
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	expect_consistent(&pa);
}

/* ---- random operations against a shadow model ---- */

struct live_alloc {
	paddr_t addr;
	uint64_t pages;
	unsigned order;		/* ignored for contig */
	bool contig;
	uint64_t size;		/* contig request size */
	uint64_t tag;
};

#define MAX_LIVE 512
static struct live_alloc live[MAX_LIVE];
static unsigned live_count;

/* Stamps each page, so a block handed out twice, or free-list links written
 * into a live block, is caught when the stamp is checked at free time. */
static void stamp(const struct live_alloc *l, bool check)
{
	for (uint64_t i = 0; i < l->pages; i++) {
		uint64_t *first = (uint64_t *)(uintptr_t)(l->addr + i * PAGE_SIZE);
		uint64_t *last = first + PAGE_SIZE / sizeof(uint64_t) - 1;

		if (check) {
			assert_int_equal(first[0], l->tag + i);
			assert_int_equal(first[1], ~(l->tag + i));
			assert_int_equal(*last, l->tag ^ i);
		} else {
			first[0] = l->tag + i;
			first[1] = ~(l->tag + i);
			*last = l->tag ^ i;
		}
	}
}

static void record(const struct palloc *pa, paddr_t addr, uint64_t pages, unsigned order,
		   bool contig, uint64_t size)
{
	static uint64_t next_tag = 0x1000;
	struct live_alloc *l = &live[live_count];

	expect_in_one_region(pa, addr, pages * PAGE_SIZE);
	for (unsigned i = 0; i < live_count; i++)
		assert_false(ranges_overlap(addr, pages * PAGE_SIZE, live[i].addr,
					    live[i].pages * PAGE_SIZE));
	*l = (struct live_alloc){ addr, pages, order, contig, size, next_tag };
	next_tag += 0x100000;
	stamp(l, false);
	live_count++;
}

static void release(struct palloc *pa, unsigned i)
{
	struct live_alloc l = live[i];

	stamp(&l, true);
	if (l.contig) {
		assert_int_equal(palloc_free_contig(pa, l.addr, l.size), 0);
	} else {
		assert_int_equal(palloc_free(pa, l.addr, l.order), 0);
	}
	live[i] = live[--live_count];
	/* The same free again must be refused. */
	if (l.contig) {
		assert_int_equal(palloc_free_contig(pa, l.addr, l.size), -PALLOC_EDOUBLEFREE);
	} else {
		assert_int_equal(palloc_free(pa, l.addr, l.order), -PALLOC_EDOUBLEFREE);
	}
}

static void test_random_against_shadow(void **state)
{
	struct palloc pa;
	struct palloc_stats initial, now;
	paddr_t arena = arena_new(MiB(8), MiB(24));
	uint64_t live_pages = 0;

	palloc_init(&pa);
	assert_int_equal(palloc_add_region(&pa, arena + 0x10, MiB(3) + 0x1230), 0);
	assert_int_equal(palloc_add_region(&pa, arena + MiB(4) + 0x7000, MiB(9) + 0x5000), 0);
	assert_int_equal(palloc_add_region(&pa, arena + MiB(16) - 0x3000, KiB(200)), 0);
	assert_int_equal(palloc_add_region(&pa, arena + MiB(17), MiB(7)), 0);
	palloc_get_stats(&pa, &initial);
	srand(12345);
	live_count = 0;

	for (unsigned step = 0; step < 6000; step++) {
		unsigned op = (unsigned)rand() % 10;

		if (op < 5 && live_count < MAX_LIVE) {
			unsigned order = (unsigned)rand() % 4 == 0 ? (unsigned)rand() % 10
								  : (unsigned)rand() % 3;
			paddr_t a = palloc_alloc(&pa, order);

			if (a != 0) {
				assert_true(IS_ALIGNED(a, block_size(order)));
				record(&pa, a, 1ULL << order, order, false, 0);
			}
		} else if (op < 7 && live_count < MAX_LIVE) {
			uint64_t size = 1 + (uint64_t)rand() % MiB(1);
			uint64_t align = PAGE_SIZE << ((unsigned)rand() % 10);
			paddr_t a = palloc_alloc_contig(&pa, size, align);

			if (a != 0) {
				assert_true(IS_ALIGNED(a, align));
				record(&pa, a, ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, 0, true, size);
			}
		} else if (op < 9 && live_count > 0) {
			release(&pa, (unsigned)rand() % live_count);
		} else if (live_count > 0) {
			/* A bogus free of a live block changes nothing. */
			struct live_alloc *l = &live[(unsigned)rand() % live_count];
			struct palloc_stats before, after;

			palloc_get_stats(&pa, &before);
			if (l->contig) {
				assert_true(palloc_free_contig(&pa, l->addr, l->size + PAGE_SIZE) < 0);
				assert_true(l->pages == 1 ||
					    palloc_free_contig(&pa, l->addr,
							       (l->pages - 1) * PAGE_SIZE) < 0);
				assert_true(palloc_free(&pa, l->addr, 0) < 0);
			} else {
				assert_true(palloc_free(&pa, l->addr, l->order + 1) < 0);
				assert_true(palloc_free_contig(&pa, l->addr, l->pages * PAGE_SIZE) < 0);
			}
			palloc_get_stats(&pa, &after);
			expect_same_free_state(&before, &after);
		}

		live_pages = 0;
		for (unsigned i = 0; i < live_count; i++)
			live_pages += live[i].pages;
		palloc_get_stats(&pa, &now);
		assert_int_equal(now.free_pages + live_pages, now.total_pages);
		if (step % 16 == 0)
			expect_consistent(&pa);
	}

	while (live_count > 0)
		release(&pa, live_count - 1);
	palloc_get_stats(&pa, &now);
	expect_same_free_state(&initial, &now);
	expect_consistent(&pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_empty_allocator, arenas_free),
		cmocka_unit_test_teardown(test_region_layout, arenas_free),
		cmocka_unit_test_teardown(test_metadata_sizing_and_tiny_regions, arenas_free),
		cmocka_unit_test_teardown(test_region_limits_and_overlap, arenas_free),
		cmocka_unit_test_teardown(test_alignment_every_order, arenas_free),
		cmocka_unit_test_teardown(test_exhaustion_and_recovery, arenas_free),
		cmocka_unit_test_teardown(test_error_detection, arenas_free),
		cmocka_unit_test_teardown(test_contig_2mib_aligned, arenas_free),
		cmocka_unit_test_teardown(test_claim_fixed_range, arenas_free),
		cmocka_unit_test_teardown(test_contig_above_1gib, arenas_free),
		cmocka_unit_test_teardown(test_regions_never_merge_across, arenas_free),
		cmocka_unit_test_teardown(test_random_against_shadow, arenas_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
