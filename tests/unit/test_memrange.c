/* Host tests for lib/memrange: hand-picked boot layouts and 2^64 edges, then
 * random layouts checked against a byte-granular model at 0 and at the top of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/memrange.h"

#define TOP_PAGE (UINT64_MAX - PAGE_SIZE + 1)

static void expect_ranges(const struct mem_range *got, int got_count,
			  const struct mem_range *want, int want_count)
{
	assert_int_equal(got_count, want_count);
	for (int i = 0; i < want_count; i++) {
		assert_int_equal(got[i].base, want[i].base);
		assert_int_equal(got[i].size, want[i].size);
	}
}

#define SUBTRACT(ram, res, out) \
	memrange_subtract(ram, ARRAY_SIZE(ram), res, ARRAY_SIZE(res), out, ARRAY_SIZE(out))

static void test_empty_inputs(void **state)
{
	const struct mem_range ram[] = { { 0x40000000, GiB(1) } };
	const struct mem_range empty_only[] = { { 0x40000000, 0 }, { 0, 0 } };
	struct mem_range out[4];

	assert_int_equal(memrange_subtract(NULL, 0, NULL, 0, out, ARRAY_SIZE(out)), 0);
	assert_int_equal(memrange_subtract(NULL, 0, ram, 1, out, ARRAY_SIZE(out)), 0);
	assert_int_equal(memrange_subtract(empty_only, 2, NULL, 0, out, ARRAY_SIZE(out)), 0);

	/* Nothing reserved (or only empty reservations): RAM comes back as is. */
	assert_int_equal(memrange_subtract(ram, 1, empty_only, 2, out, ARRAY_SIZE(out)), 1);
	expect_ranges(out, 1, ram, 1);
	/* Fully reserved. */
	assert_int_equal(memrange_subtract(ram, 1, ram, 1, out, ARRAY_SIZE(out)), 0);
	/* An empty result needs no room at all. */
	assert_int_equal(memrange_subtract(ram, 1, ram, 1, NULL, 0), 0);
}

static void test_typical_boot_layout(void **state)
{
	/* Unsorted, overlapping reservations as the boot code collects them. */
	const struct mem_range ram[] = { { 0x40000000, GiB(1) } };
	const struct mem_range reserved[] = {
		{ 0x48000000, 0x01234567 },	/* boot package, odd size */
		{ 0x40200000, 0x5a3c0 },	/* hypervisor image */
		{ 0x40000000, 0x100000 },	/* DTB */
		{ 0x40080000, 0x100000 },	/* /memreserve/ overlapping the DTB */
		{ 0x7ffff000, 0x2000 },		/* runs past the end of RAM */
		{ 0x40300000, 0 },		/* empty */
	};
	const struct mem_range want[] = {
		{ 0x40180000, 0x80000 },
		{ 0x4025b000, 0x48000000 - 0x4025b000 },
		{ 0x49235000, 0x7ffff000 - 0x49235000 },
	};
	struct mem_range out[8];

	expect_ranges(out, SUBTRACT(ram, reserved, out), want, ARRAY_SIZE(want));
}

static void test_page_trimming(void **state)
{
	struct mem_range out[4];

	/* Unaligned RAM shrinks inward to whole pages. */
	const struct mem_range ram1[] = { { 0x1001, 0x3000 } };
	const struct mem_range want1[] = { { 0x2000, 0x2000 } };

	expect_ranges(out, memrange_subtract(ram1, 1, NULL, 0, out, 4), want1, 1);

	/* Less than a page of RAM yields nothing. */
	const struct mem_range ram2[] = { { 0x1800, 0xfff } };

	assert_int_equal(memrange_subtract(ram2, 1, NULL, 0, out, 4), 0);

	/* Two halves of a page together make a whole page. */
	const struct mem_range ram3[] = { { 0x1800, 0x800 }, { 0x1000, 0x800 } };
	const struct mem_range want3[] = { { 0x1000, 0x1000 } };

	expect_ranges(out, memrange_subtract(ram3, 2, NULL, 0, out, 4), want3, 1);

	/* One reserved byte takes its whole page. */
	const struct mem_range ram4[] = { { 0x0, 0x4000 } };
	const struct mem_range res4[] = { { 0x2fff, 1 } };
	const struct mem_range want4[] = { { 0x0, 0x2000 }, { 0x3000, 0x1000 } };

	expect_ranges(out, memrange_subtract(ram4, 1, res4, 1, out, 4), want4, 2);

	/* Adjacent RAM banks merge; a gap of less than a page still splits. */
	const struct mem_range ram5[] = { { 0x3000, 0x2000 }, { 0x1000, 0x2000 },
					  { 0x5001, 0x2fff } };
	const struct mem_range want5[] = { { 0x1000, 0x4000 }, { 0x6000, 0x2000 } };

	expect_ranges(out, memrange_subtract(ram5, 3, NULL, 0, out, 4), want5, 2);
}

static void test_output_bound(void **state)
{
	const struct mem_range ram[] = { { 0, MiB(1) } };
	const struct mem_range reserved[] = { { KiB(100), 1 }, { KiB(300), 1 }, { KiB(500), 1 } };
	struct mem_range out[4];

	assert_int_equal(memrange_subtract(ram, 1, reserved, 3, out, 4), 4);
	assert_int_equal(memrange_subtract(ram, 1, reserved, 3, out, 3), -1);
	assert_int_equal(memrange_subtract(ram, 1, reserved, 3, out, 0), -1);
}

static void test_top_of_address_space(void **state)
{
	struct mem_range out[4];

	/* Ends exactly at 2^64. */
	const struct mem_range ram1[] = { { TOP_PAGE - 0x2000, 0x3000 } };
	const struct mem_range res1[] = { { UINT64_MAX - 0x7ff, 5 } };
	const struct mem_range want1[] = { { TOP_PAGE - 0x2000, 0x2000 } };

	expect_ranges(out, memrange_subtract(ram1, 1, res1, 1, out, 4), want1, 1);
	expect_ranges(out, memrange_subtract(ram1, 1, NULL, 0, out, 4), ram1, 1);

	/* Sizes that run past 2^64 are clamped, not wrapped. */
	const struct mem_range ram2[] = { { TOP_PAGE - 0x1000, GiB(1024) } };
	const struct mem_range want2[] = { { TOP_PAGE - 0x1000, 0x2000 } };

	expect_ranges(out, memrange_subtract(ram2, 1, NULL, 0, out, 4), want2, 1);

	/* A reservation wrapping past 2^64 must not wrap to cover low memory. */
	const struct mem_range ram3[] = { { 0, 0x4000 }, { TOP_PAGE - 0x1000, 0x2000 } };
	const struct mem_range res3[] = { { UINT64_MAX, UINT64_MAX } };
	const struct mem_range want3[] = { { 0, 0x4000 }, { TOP_PAGE - 0x1000, 0x1000 } };

	expect_ranges(out, memrange_subtract(ram3, 2, res3, 1, out, 4), want3, 2);

	/* The last page alone, reached through a reservation that ends just below. */
	const struct mem_range ram4[] = { { TOP_PAGE, PAGE_SIZE } };
	const struct mem_range res4[] = { { 0, TOP_PAGE } };

	expect_ranges(out, memrange_subtract(ram4, 1, res4, 1, out, 4), ram4, 1);
	/* Reserved up to the last byte: nothing left. */
	const struct mem_range res5[] = { { TOP_PAGE - 1, 2 }, { TOP_PAGE + 1, UINT64_MAX } };

	assert_int_equal(memrange_subtract(ram4, 1, res5, 2, out, 4), 0);
}

static void test_whole_address_space(void **state)
{
	struct mem_range out[4];
	const struct mem_range want[] = { { 0, TOP_PAGE } };

	/* All 2^64 bytes of RAM: the unrepresentable size drops the top page. */
	const struct mem_range all[] = { { PAGE_SIZE, UINT64_MAX }, { 0, 1 }, { 1, 0x2000 } };

	expect_ranges(out, memrange_subtract(all, 3, NULL, 0, out, 4), want, 1);

	/* One byte short of everything is trimmed to the same result. */
	const struct mem_range nearly[] = { { 0, UINT64_MAX } };

	expect_ranges(out, memrange_subtract(nearly, 1, NULL, 0, out, 4), want, 1);

	/* With a hole in the middle both halves are exact. */
	const struct mem_range hole[] = { { GiB(1), 1 } };
	const struct mem_range want_hole[] = { { 0, GiB(1) },
					       { GiB(1) + PAGE_SIZE, 0 - GiB(1) - PAGE_SIZE } };

	expect_ranges(out, memrange_subtract(all, 3, hole, 1, out, 4), want_hole, 2);
}

static void test_normalize_and_total(void **state)
{
	struct mem_range r[] = {
		{ 0x5000, 0x1000 }, { 0x1000, 0x1000 }, { 0x9000, 0 }, { 0x2000, 0x800 },
		{ 0x1800, 0x100 }, { 0x7000, 0x1000 }, { 0x6000, 0x1000 }, { 0x2800, 0x1 },
	};
	const struct mem_range want[] = { { 0x1000, 0x1801 }, { 0x5000, 0x3000 } };

	expect_ranges(r, (int)memrange_normalize(r, ARRAY_SIZE(r)), want, ARRAY_SIZE(want));
	assert_int_equal(memrange_total(want, ARRAY_SIZE(want)), 0x4801);

	/* Clamped at 2^64, and [0, 2^64) saturates to UINT64_MAX. */
	struct mem_range top[] = { { UINT64_MAX - 9, 100 }, { UINT64_MAX - 20, 5 } };

	assert_int_equal(memrange_normalize(top, 2), 2);
	assert_int_equal(top[0].base, UINT64_MAX - 20);
	assert_int_equal(top[1].size, 10);
	struct mem_range all[] = { { 5, UINT64_MAX }, { 0, 10 } };

	assert_int_equal(memrange_normalize(all, 2), 1);
	assert_int_equal(all[0].base, 0);
	assert_int_equal(all[0].size, UINT64_MAX);

	assert_int_equal(memrange_normalize(NULL, 0), 0);
	assert_int_equal(memrange_total(all, 1), UINT64_MAX);
	assert_int_equal(memrange_total(top, 2), 15);
	const struct mem_range sat[] = { { 0, UINT64_MAX - 1 }, { 0, 2 } };

	assert_int_equal(memrange_total(sat, 2), UINT64_MAX);
}

/* ---- random layouts against a byte map ---- */

#define MODEL_PAGES 24
#define MODEL_BYTES (MODEL_PAGES * PAGE_SIZE)
#define MODEL_RANGES 6

static uint8_t in_ram[MODEL_BYTES], in_reserved[MODEL_BYTES];

/* Offsets land mostly on or next to page boundaries, where bugs live. */
static uint64_t random_offset(void)
{
	uint64_t page = (uint64_t)(rand() % (MODEL_PAGES + 1)) * PAGE_SIZE;

	switch (rand() % 4) {
	case 0:
		return page;
	case 1:
		return page + 1;
	case 2:
		return page - 1;
	default:
		return (uint64_t)rand() % (MODEL_BYTES + 1);
	}
}

static void random_ranges(struct mem_range *r, unsigned n, uint64_t window, bool at_top,
			  uint8_t *map)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = random_offset(), b = random_offset();
		uint64_t lo = MIN(a, b), hi = MAX(a, b);

		if (lo > MODEL_BYTES)
			lo = MODEL_BYTES;
		if (hi > MODEL_BYTES)
			hi = MODEL_BYTES;
		r[i].base = window + lo;
		r[i].size = hi - lo;
		/* At the top, ranges reaching 2^64 may claim any larger size. */
		if (at_top && lo < hi && hi == MODEL_BYTES && rand() % 2)
			r[i].size += (uint64_t)rand() << 20;
		for (uint64_t x = lo; x < hi; x++)
			map[x] = 1;
	}
}

static void check_random_layouts(uint64_t window, bool at_top, unsigned rounds)
{
	for (unsigned round = 0; round < rounds; round++) {
		struct mem_range ram[MODEL_RANGES], reserved[MODEL_RANGES];
		struct mem_range want[MODEL_PAGES], got[MODEL_PAGES];
		unsigned nram = 1 + (unsigned)rand() % MODEL_RANGES;
		unsigned nres = (unsigned)rand() % (MODEL_RANGES + 1);
		int want_count = 0;

		memset(in_ram, 0, sizeof(in_ram));
		memset(in_reserved, 0, sizeof(in_reserved));
		random_ranges(ram, nram, window, at_top, in_ram);
		random_ranges(reserved, nres, window, at_top, in_reserved);

		for (unsigned page = 0; page < MODEL_PAGES; page++) {
			bool page_free = true;

			for (uint64_t x = page * PAGE_SIZE; x < (page + 1) * PAGE_SIZE; x++)
				page_free = page_free && in_ram[x] && !in_reserved[x];
			if (!page_free)
				continue;
			uint64_t base = window + page * PAGE_SIZE;

			if (want_count > 0 &&
			    want[want_count - 1].base + want[want_count - 1].size == base) {
				want[want_count - 1].size += PAGE_SIZE;
			} else {
				want[want_count].base = base;
				want[want_count].size = PAGE_SIZE;
				want_count++;
			}
		}

		int n = memrange_subtract(ram, nram, reserved, nres, got, ARRAY_SIZE(got));

		expect_ranges(got, n, want, want_count);
		if (want_count > 0) {
			assert_int_equal(memrange_subtract(ram, nram, reserved, nres, got,
							   (unsigned)want_count - 1), -1);
			assert_int_equal(memrange_subtract(ram, nram, reserved, nres, got,
							   (unsigned)want_count), want_count);
		}
	}
}

static void test_random_against_model_low(void **state)
{
	srand(1);
	check_random_layouts(0, false, 1500);
	check_random_layouts(GiB(1) + 0x1000, false, 300);
}

static void test_random_against_model_top(void **state)
{
	srand(2);
	check_random_layouts(0 - (uint64_t)MODEL_BYTES, true, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_typical_boot_layout),
		cmocka_unit_test(test_page_trimming),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_whole_address_space),
		cmocka_unit_test(test_normalize_and_total),
		cmocka_unit_test(test_random_against_model_low),
		cmocka_unit_test(test_random_against_model_top),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
