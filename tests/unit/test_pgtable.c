/* Host tests for arch/aarch64/pgtable.c. A fake MMU keeps the walker-visible copy of every table
 * (updated only on sync) and flags break-before-make, unsynced-write and use-after-free bugs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "arch/aarch64/pgtable.h"

#define POOL_PAGES 2048 /* pages 0-1 hold the root */
#define MAX_PENDING 64
#define MAX_EVENTS 4096

enum ev_kind { EV_SYNC, EV_INVAL, EV_ALLOC, EV_FREE };

struct event {
	enum ev_kind kind;
	const uint64_t *entry; /* EV_SYNC */
	uint64_t value;        /* EV_SYNC: synced value; EV_INVAL: va */
	unsigned level;
	bool was_table;
	const void *table; /* EV_ALLOC, EV_FREE */
};

struct fake {
	uint64_t (*mem)[512];  /* the table arena, 8 KiB aligned */
	uint64_t (*snap)[512]; /* what the table walker may see */
	bool in_use[POOL_PAGES];
	/* Entries broken (made invalid and synced) whose TLB invalidation is still owed. */
	struct { const uint64_t *entry; uint64_t old; } pending[MAX_PENDING];
	int pending_count;
	long alloc_budget; /* < 0: unlimited */
	long allocs, frees, live, syncs, invals, failed_allocs;
	bool strict; /* scan every table on every callback */
	int violations;
	char first_violation[160];
	struct event ev[MAX_EVENTS];
	int ev_count;
	struct pt pt;
};

static struct fake *fk;

static void violation(const char *what, const void *where)
{
	if (fk->violations++ == 0) {
		snprintf(fk->first_violation, sizeof(fk->first_violation), "%s at %p", what, where);
	}
}

static long page_of(const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)fk->mem;

	if ((uintptr_t)p < (uintptr_t)fk->mem || off >= POOL_PAGES * PAGE_SIZE) {
		return -1;
	}
	return (long)(off / PAGE_SIZE);
}

static void record(struct event e)
{
	if (fk->ev_count < MAX_EVENTS) {
		fk->ev[fk->ev_count++] = e;
	}
}

/* Every live table must equal its walker-visible copy except [skip, skip+n). */
static void check_all_synced(const uint64_t *skip, size_t n)
{
	for (long p = 0; p < POOL_PAGES; p++) {
		if (!fk->in_use[p]) {
			continue;
		}
		for (int i = 0; i < 512; i++) {
			const uint64_t *e = &fk->mem[p][i];

			if (*e != fk->snap[p][i] && !(e >= skip && e < skip + n)) {
				violation("descriptor written but not synced", e);
			}
		}
	}
}

static bool is_valid(uint64_t d)
{
	return d & 1;
}

static void fake_sync(void *ctx, const uint64_t *entries, size_t count)
{
	fk->syncs++;
	if (fk->strict) {
		check_all_synced(entries, count);
	}
	for (size_t i = 0; i < count; i++) {
		const uint64_t *e = &entries[i];
		long p = page_of(e);
		uint64_t old, new = *e;

		if (p < 0 || !fk->in_use[p]) {
			violation("sync outside a live table", e);
			continue;
		}
		old = fk->snap[p][(e - fk->mem[p])];
		if (is_valid(old) && is_valid(new) && old != new) {
			violation("valid descriptor replaced without break-before-make", e);
		}
		for (int k = 0; k < fk->pending_count && is_valid(new); k++) {
			if (fk->pending[k].entry == e) {
				violation("made before the old entry was invalidated", e);
			}
		}
		if (is_valid(old) && !is_valid(new)) {
			assert_true(fk->pending_count < MAX_PENDING);
			fk->pending[fk->pending_count].entry = e;
			fk->pending[fk->pending_count++].old = old;
		}
		fk->snap[p][(e - fk->mem[p])] = new;
		record((struct event){ .kind = EV_SYNC, .entry = e, .value = new });
	}
}

/* Finds the slot at `level` for `va` with an independent walk of the live tables. */
static const uint64_t *fake_slot(uint64_t va, unsigned level)
{
	const uint64_t *table = fk->pt.root;

	for (unsigned l = fk->pt.start_level;; l++) {
		size_t n = l == fk->pt.start_level ? fk->pt.root_entries : 512;
		const uint64_t *e = &table[(va >> PT_LEVEL_SHIFT(l)) & (n - 1)];

		if (l == level) {
			return e;
		}
		if ((*e & 3) != 3 || l >= 3) {
			return NULL;
		}
		table = (const uint64_t *)(uintptr_t)(*e & PT_DESC_ADDR_MASK);
	}
}

static void fake_invalidate(void *ctx, uint64_t va, unsigned level, bool was_table)
{
	const uint64_t *slot = fake_slot(va, level);
	bool matched = false;

	fk->invals++;
	if (fk->strict) {
		check_all_synced(NULL, 0);
	}
	if (va & (PT_LEVEL_SIZE(level) - 1)) {
		violation("invalidate address not aligned to its level", (void *)(uintptr_t)va);
	}
	for (int k = 0; k < fk->pending_count; k++) {
		if (fk->pending[k].entry == slot) {
			uint64_t old = fk->pending[k].old;

			if (was_table != (level < 3 && (old & 3) == 3)) {
				violation("invalidate with the wrong was_table", slot);
			}
			fk->pending[k--] = fk->pending[--fk->pending_count];
			matched = true;
		}
	}
	if (!matched) {
		violation("invalidate that matches no broken entry", slot);
	}
	record((struct event){ .kind = EV_INVAL, .value = va, .level = level, .was_table = was_table });
}

static uint64_t *fake_alloc(void *ctx)
{
	if (fk->strict) {
		check_all_synced(NULL, 0);
	}
	if (fk->alloc_budget == 0) {
		fk->failed_allocs++;
		return NULL;
	}
	for (long p = 2; p < POOL_PAGES; p++) {
		if (!fk->in_use[p]) {
			ASAN_UNPOISON_MEMORY_REGION(fk->mem[p], PAGE_SIZE);
			memset(fk->mem[p], 0, PAGE_SIZE);
			memset(fk->snap[p], 0, PAGE_SIZE);
			fk->in_use[p] = true;
			fk->allocs++;
			fk->live++;
			if (fk->alloc_budget > 0) {
				fk->alloc_budget--;
			}
			record((struct event){ .kind = EV_ALLOC, .table = fk->mem[p] });
			return fk->mem[p];
		}
	}
	return NULL;
}

static bool links_to(const uint64_t *table, const void *target, unsigned level, int depth)
{
	size_t n = depth == 0 ? fk->pt.root_entries : 512;

	for (size_t i = 0; i < n && level < 3; i++) {
		const uint64_t *child = (const uint64_t *)(uintptr_t)(table[i] & PT_DESC_ADDR_MASK);

		if ((table[i] & 3) == 3 && (child == target || links_to(child, target, level + 1, depth + 1))) {
			return true;
		}
	}
	return false;
}

static void fake_free(void *ctx, uint64_t *table)
{
	long p = page_of(table);

	if (p < 2 || !fk->in_use[p] || (uintptr_t)table % PAGE_SIZE) {
		violation("free of something that is not a live table", table);
		return;
	}
	for (int k = 0; k < fk->pending_count; k++) {
		if ((fk->pending[k].old & PT_DESC_ADDR_MASK) == (uintptr_t)table) {
			violation("table freed before its entry was invalidated", table);
		}
	}
	if (fk->strict && links_to(fk->pt.root, table, fk->pt.start_level, 0)) {
		violation("table freed while still reachable", table);
	}
	memset(fk->mem[p], 0xa5, PAGE_SIZE);
	ASAN_POISON_MEMORY_REGION(fk->mem[p], PAGE_SIZE);
	fk->in_use[p] = false;
	fk->frees++;
	fk->live--;
	record((struct event){ .kind = EV_FREE, .table = table });
}

static paddr_t fake_table_pa(void *ctx, const uint64_t *table)
{
	return (paddr_t)(uintptr_t)table;
}

static uint64_t *fake_table_va(void *ctx, paddr_t pa)
{
	long p = page_of((void *)(uintptr_t)pa);

	if (p < 0 || !fk->in_use[p]) {
		violation("walker followed a pointer to a non-live table", (void *)(uintptr_t)pa);
	}
	return (uint64_t *)(uintptr_t)pa;
}

static const struct pt_ops fake_ops = {
	.alloc_table = fake_alloc, .free_table = fake_free, .sync = fake_sync,
	.invalidate = fake_invalidate, .table_pa = fake_table_pa, .table_va = fake_table_va,
};

/* What the caller of pt_destroy does next: a full TLB invalidation for the regime or VMID. */
static void fake_invalidate_everything(void)
{
	for (long p = 0; p < POOL_PAGES; p++) {
		if (fk->in_use[p]) {
			memcpy(fk->snap[p], fk->mem[p], PAGE_SIZE);
		}
	}
	fk->pending_count = 0;
}

static int fake_setup(void **state)
{
	fk = calloc(1, sizeof(*fk));
	fk->mem = aligned_alloc(2 * PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	fk->snap = calloc(POOL_PAGES, PAGE_SIZE);
	assert_non_null(fk->mem);
	memset(fk->mem, 0, 2 * PAGE_SIZE);
	fk->in_use[0] = fk->in_use[1] = true;
	for (long p = 2; p < POOL_PAGES; p++) {
		ASAN_POISON_MEMORY_REGION(fk->mem[p], PAGE_SIZE);
	}
	fk->alloc_budget = -1;
	fk->strict = true;
	*state = fk;
	return 0;
}

static int fake_teardown(void **state)
{
	ASAN_UNPOISON_MEMORY_REGION(fk->mem, POOL_PAGES * PAGE_SIZE);
	free(fk->mem);
	free(fk->snap);
	free(fk);
	fk = NULL;
	return 0;
}

/* Stage-2, 40-bit IPA, two concatenated level-1 root pages. */
static struct pt *s2_init(void)
{
	assert_int_equal(pt_init(&fk->pt, fk->mem[0], 1, 1024, 40, &fake_ops, fk), 0);
	return &fk->pt;
}

/* EL2 Stage-1, T0SZ = 25. */
static struct pt *s1_init(void)
{
	assert_int_equal(pt_init(&fk->pt, fk->mem[0], 1, 512, 39, &fake_ops, fk), 0);
	return &fk->pt;
}

static long count_tables(const uint64_t *table, unsigned level, size_t n)
{
	long count = 0;

	for (size_t i = 0; i < n && level < 3; i++) {
		if ((table[i] & 3) == 3) {
			count += 1 + count_tables((const uint64_t *)(uintptr_t)(table[i] & PT_DESC_ADDR_MASK),
						  level + 1, 512);
		}
	}
	return count;
}

/* After every operation: no violation, nothing unsynced or un-invalidated, no leaked table. */
static void assert_consistent(void)
{
	check_all_synced(NULL, 0);
	if (fk->violations) {
		fail_msg("%d violation(s), first: %s", fk->violations, fk->first_violation);
	}
	assert_int_equal(fk->pending_count, 0);
	assert_int_equal(count_tables(fk->pt.root, fk->pt.start_level, fk->pt.root_entries), fk->live);
}

static void expect_map(struct pt *pt, uint64_t va, paddr_t pa, unsigned level, uint64_t attrs)
{
	paddr_t got_pa;
	uint64_t got_attrs;
	unsigned got_level;

	assert_true(pt_lookup(pt, va, &got_pa, &got_attrs, &got_level));
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_attrs, attrs);
	if (level) {
		assert_int_equal(got_level, level);
	}
}

#define RAM pt_s2_attrs(PT_S2_RAM)
#define ROM pt_s2_attrs(PT_S2_RAM_RO)
#define DEV pt_s2_attrs(PT_S2_DEVICE)

static void test_s1_attr_encodings(void **state)
{
	/* Expected values spelled from the Arm ARM bit positions, not from the header. */
	const uint64_t ap1 = 1ULL << 6, ro = 1ULL << 7, ish = 3ULL << 8, af = 1ULL << 10,
		       xn = 1ULL << 54;

	assert_int_equal(pt_s1_attrs(PT_NORMAL_RX), (0ULL << 2) | ap1 | ro | ish | af);
	assert_int_equal(pt_s1_attrs(PT_NORMAL_RX), 0x7c0);
	assert_int_equal(pt_s1_attrs(PT_NORMAL_RO), 0x7c0 | xn);
	assert_int_equal(pt_s1_attrs(PT_NORMAL_RW), 0x740 | xn);
	assert_int_equal(pt_s1_attrs(PT_DEVICE), (1ULL << 2) | ap1 | af | xn);
	for (int k = PT_NORMAL_RX; k <= PT_DEVICE; k++) {
		uint64_t a = pt_s1_attrs((enum pt_mem)k);

		assert_int_equal(a & ((1ULL << 53) | (1ULL << 11) | (1ULL << 5) | 3), 0); /* PXN, nG, NS, type */
	}
	assert_int_equal(PT_MAIR_EL2_VALUE, 0x4404ffULL);
	assert_int_equal(pt_s1_attrs((enum pt_mem)99), 0);
}

static void test_s2_attr_encodings(void **state)
{
	const uint64_t s2ap_r = 1ULL << 6, s2ap_w = 1ULL << 7, ish = 3ULL << 8, af = 1ULL << 10,
		       xn = 1ULL << 54;

	assert_int_equal(pt_s2_attrs(PT_S2_RAM), (0xfULL << 2) | s2ap_r | s2ap_w | ish | af);
	assert_int_equal(pt_s2_attrs(PT_S2_RAM), 0x7fc);
	assert_int_equal(pt_s2_attrs(PT_S2_RAM_RO), 0x77c);
	assert_int_equal(pt_s2_attrs(PT_S2_DEVICE), (0x1ULL << 2) | s2ap_r | s2ap_w | af | xn);
	assert_int_equal(pt_s2_attrs((enum pt_s2_kind)99), 0);
	/* An unknown kind yields 0, which pt_map refuses. */
	assert_int_equal(pt_map(s2_init(), 0, 0, PAGE_SIZE, pt_s2_attrs((enum pt_s2_kind)99)), -PT_EINVAL);
}

static void test_init_validation(void **state)
{
	struct pt pt;
	struct pt_ops no_sync = fake_ops;

	no_sync.sync = NULL;
	assert_int_equal(pt_init(&pt, fk->mem[0], 3, 512, 21, &fake_ops, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, fk->mem[0], 1, 512, 40, &fake_ops, fk), -PT_EINVAL);
	/* mem[1] is 4 KiB- but not 8 KiB-aligned. */
	assert_int_equal(pt_init(&pt, fk->mem[1], 1, 1024, 40, &fake_ops, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, fk->mem[0], 0, 1024, 49, &fake_ops, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, fk->mem[0], 1, 1, 30, &fake_ops, fk), -PT_EINVAL);
	/* More than 16 concatenated roots. */
	assert_int_equal(pt_init(&pt, fk->mem[0], 1, 16384, 44, &fake_ops, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, fk->mem[0], 1, 512, 39, &no_sync, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, NULL, 1, 512, 39, &fake_ops, fk), -PT_EINVAL);
	assert_int_equal(pt_init(&pt, fk->mem[0], 0, 512, 48, &fake_ops, fk), 0);
	assert_int_equal(pt_init(&pt, fk->mem[0], 2, 16, 25, &fake_ops, fk), 0);
	fk->mem[0][5] = fk->mem[1][7] = 0x123; /* init clears stale roots */
	s2_init();
	assert_int_equal(fk->mem[0][5] | fk->mem[1][7], 0);
}

static void test_1g_range_is_one_l1_block(void **state)
{
	struct pt *pt = s2_init();

	assert_int_equal(pt_map(pt, GiB(1), GiB(3), GiB(1), RAM), 0);
	assert_int_equal(fk->allocs, 0);
	assert_int_equal(fk->mem[0][1], GiB(3) | RAM | 1);
	expect_map(pt, GiB(1), GiB(3), 1, RAM);
	expect_map(pt, GiB(2) - PAGE_SIZE + 0x10, GiB(4) - PAGE_SIZE + 0x10, 1, RAM);
	assert_false(pt_lookup(pt, GiB(2), NULL, NULL, NULL));
	assert_false(pt_lookup(pt, GiB(1) - 1, NULL, NULL, NULL));
	assert_consistent();
}

static void test_2m_aligned_range_uses_l2_blocks(void **state)
{
	struct pt *pt = s2_init();

	assert_int_equal(pt_map(pt, 0x40200000, 0x80200000, MiB(6), DEV), 0);
	assert_int_equal(fk->allocs, 1);
	for (uint64_t off = 0; off < MiB(6); off += MiB(1)) {
		expect_map(pt, 0x40200000 + off, 0x80200000 + off, 2, DEV);
	}
	assert_false(pt_lookup(pt, 0x40200000 + MiB(6), NULL, NULL, NULL));
	assert_consistent();
}

static void test_odd_range_mixes_levels(void **state)
{
	struct pt *pt = s2_init();
	uint64_t va = GiB(1) - MiB(2) - KiB(8), pa = va + GiB(4);
	uint64_t size = KiB(8) + MiB(2) + GiB(1) + MiB(2) + KiB(4);

	assert_int_equal(pt_map(pt, va, pa, size, RAM), 0);
	expect_map(pt, va, pa, 3, RAM);
	expect_map(pt, va + KiB(4), pa + KiB(4), 3, RAM);
	expect_map(pt, va + KiB(8), pa + KiB(8), 2, RAM);
	expect_map(pt, GiB(1), GiB(5), 1, RAM);
	expect_map(pt, GiB(2), GiB(6), 2, RAM);
	expect_map(pt, GiB(2) + MiB(2), GiB(6) + MiB(2), 3, RAM);
	assert_false(pt_lookup(pt, va + size, NULL, NULL, NULL));
	assert_false(pt_lookup(pt, va - PAGE_SIZE, NULL, NULL, NULL));
	assert_int_equal(fk->allocs, 4); /* L2 + L3 on each side of the 1 GiB block */
	assert_consistent();
}

static void test_misaligned_pa_prevents_blocks(void **state)
{
	struct pt *pt = s2_init();

	assert_int_equal(pt_map(pt, GiB(1), GiB(1) + PAGE_SIZE, MiB(2), RAM), 0);
	for (uint64_t off = 0; off < MiB(2); off += PAGE_SIZE) {
		expect_map(pt, GiB(1) + off, GiB(1) + PAGE_SIZE + off, 3, RAM);
	}
	assert_int_equal(fk->allocs, 2);
	/* 2 MiB-aligned but not 1 GiB-aligned pa: L2 blocks, no L1 block. */
	assert_int_equal(pt_map(pt, GiB(4), GiB(8) + MiB(2), GiB(1), RAM), 0);
	expect_map(pt, GiB(4), GiB(8) + MiB(2), 2, RAM);
	expect_map(pt, GiB(5) - 1, GiB(9) + MiB(2) - 1, 2, RAM);
	assert_consistent();
}

static void test_concatenated_root_and_ia_limit(void **state)
{
	struct pt *pt = s2_init();

	assert_int_equal(pt_map(pt, GiB(512), GiB(2), GiB(1), RAM), 0);
	assert_int_equal(fk->mem[1][0], GiB(2) | RAM | 1); /* entry 512 = second root page */
	assert_int_equal(fk->mem[0][0], 0);
	expect_map(pt, GiB(512) + 0x1234, GiB(2) + 0x1234, 1, RAM);
	assert_false(pt_lookup(pt, 0x1234, NULL, NULL, NULL));
	assert_int_equal(pt_map(pt, (1ULL << 40) - PAGE_SIZE, 0, PAGE_SIZE, RAM), 0);
	assert_int_equal(fk->mem[1][511] & 3, 3);
	expect_map(pt, (1ULL << 40) - 1, PAGE_SIZE - 1, 3, RAM);

	assert_int_equal(pt_map(pt, 1ULL << 40, 0, PAGE_SIZE, RAM), -PT_ERANGE);
	assert_int_equal(pt_map(pt, (1ULL << 40) - PAGE_SIZE, 0, 2 * PAGE_SIZE, RAM), -PT_ERANGE);
	assert_int_equal(pt_map(pt, ~0ULL << 12, 0, PAGE_SIZE, RAM), -PT_ERANGE);
	assert_int_equal(pt_unmap(pt, 1ULL << 40, PAGE_SIZE), -PT_ERANGE);
	assert_false(pt_lookup(pt, 1ULL << 40, NULL, NULL, NULL));
	assert_false(pt_lookup(pt, (1ULL << 40) + GiB(512), NULL, NULL, NULL)); /* would alias root 0 */
	assert_consistent();
}

static void test_argument_errors(void **state)
{
	struct pt *pt = s2_init();
	long syncs = fk->syncs;

	assert_int_equal(pt_map(pt, 0x1000, 0x2000, 0, RAM), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1001, 0x2000, PAGE_SIZE, RAM), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2800, PAGE_SIZE, RAM), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2000, 0x1800, RAM), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2000, PAGE_SIZE, RAM | 1), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2000, PAGE_SIZE, RAM | 0x5000), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2000, PAGE_SIZE, RAM | PT_CONTIGUOUS), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 0x2000, PAGE_SIZE, RAM & ~PT_AF), -PT_EINVAL);
	assert_int_equal(pt_map(pt, 0x1000, 1ULL << 48, PAGE_SIZE, RAM), -PT_ERANGE);
	assert_int_equal(pt_unmap(pt, 0x1000, 0), -PT_EINVAL);
	assert_int_equal(pt_unmap(pt, 0x1800, PAGE_SIZE), -PT_EINVAL);
	assert_int_equal(fk->syncs, syncs);
	assert_int_equal(fk->allocs, 0);
}

static bool collect_run(void *arg, uint64_t va, paddr_t pa, uint64_t size, uint64_t attrs)
{
	uint64_t (*runs)[4] = arg;
	int n = (int)runs[0][0]++;

	runs[n + 1][0] = va, runs[n + 1][1] = pa, runs[n + 1][2] = size, runs[n + 1][3] = attrs;
	return n + 1 < 15;
}

static void test_subrange_remap_splits_block(void **state)
{
	struct pt *pt = s2_init();
	uint64_t hole = GiB(1) + MiB(300) + KiB(12), runs[16][4] = { { 0 } };

	assert_int_equal(pt_map(pt, GiB(1), GiB(8), GiB(1), RAM), 0);
	fk->ev_count = 0;
	assert_int_equal(pt_map(pt, hole, GiB(20), PAGE_SIZE, ROM), 0);
	assert_int_equal(fk->allocs, 2);
	for (uint64_t va = GiB(1); va < GiB(2); va += PAGE_SIZE) {
		bool in_hole_block = ALIGN_DOWN(va, MiB(2)) == ALIGN_DOWN(hole, MiB(2));

		if (va == hole) {
			expect_map(pt, va, GiB(20), 3, ROM);
		} else {
			expect_map(pt, va, va + GiB(7), in_hole_block ? 3 : 2, RAM);
		}
	}
	/* The L1 block was broken (invalid, sync, TLBI) before the table went in. */
	assert_true(fk->ev_count >= 4);
	assert_int_equal(fk->ev[0].kind, EV_ALLOC);
	assert_int_equal(fk->ev[1].kind, EV_SYNC); /* the filled table, 512 entries */
	assert_true(fk->ev[1].entry == (uint64_t *)fk->ev[0].table);
	assert_int_equal(fk->ev[513].kind, EV_SYNC);
	assert_true(fk->ev[513].entry == &fk->mem[0][1]);
	assert_int_equal(fk->ev[513].value, 0);
	assert_int_equal(fk->ev[514].kind, EV_INVAL);
	assert_int_equal(fk->ev[514].value, GiB(1));
	assert_int_equal(fk->ev[514].level, 1);
	assert_false(fk->ev[514].was_table);
	assert_int_equal(fk->ev[515].kind, EV_SYNC);
	assert_int_equal(fk->ev[515].value, (uintptr_t)fk->ev[0].table | 3);

	pt_walk(pt, collect_run, runs);
	assert_int_equal(runs[0][0], 3);
	assert_int_equal(runs[1][0], GiB(1));
	assert_int_equal(runs[1][2], hole - GiB(1));
	assert_int_equal(runs[2][1], GiB(20));
	assert_int_equal(runs[2][3], ROM);
	assert_int_equal(runs[3][0], hole + PAGE_SIZE);
	assert_int_equal(runs[3][1], hole + PAGE_SIZE + GiB(7));
	assert_int_equal(runs[3][2], GiB(2) - hole - PAGE_SIZE);
	assert_consistent();
}

static void test_break_before_make_order(void **state)
{
	struct pt *pt = s2_init();
	uint64_t *l2;

	assert_int_equal(pt_map(pt, MiB(4), GiB(1), MiB(2), RAM), 0);
	l2 = (uint64_t *)(uintptr_t)(fk->mem[0][0] & PT_DESC_ADDR_MASK);
	fk->ev_count = 0;
	/* Block -> different block: break, invalidate, make; nothing else. */
	assert_int_equal(pt_map(pt, MiB(4), GiB(2), MiB(2), RAM), 0);
	assert_int_equal(fk->ev_count, 3);
	assert_true(fk->ev[0].kind == EV_SYNC && fk->ev[0].entry == &l2[2] && fk->ev[0].value == 0);
	assert_true(fk->ev[1].kind == EV_INVAL && fk->ev[1].value == MiB(4) && fk->ev[1].level == 2);
	assert_true(fk->ev[2].kind == EV_SYNC && fk->ev[2].entry == &l2[2]);
	assert_int_equal(fk->ev[2].value, GiB(2) | RAM | 1);

	/* Identical re-map writes nothing. */
	fk->ev_count = 0;
	assert_int_equal(pt_map(pt, MiB(4), GiB(2), MiB(2), RAM), 0);
	assert_int_equal(pt_map(pt, MiB(5), GiB(2) + MiB(1), PAGE_SIZE, RAM), 0);
	assert_int_equal(fk->ev_count, 0);

	/* Table -> block: the TLBI names a table and the table is freed only after it. */
	assert_int_equal(pt_map(pt, MiB(8), GiB(3), PAGE_SIZE, RAM), 0);
	fk->ev_count = 0;
	assert_int_equal(pt_map(pt, MiB(8), GiB(4), MiB(2), ROM), 0);
	assert_int_equal(fk->ev_count, 4);
	assert_true(fk->ev[0].kind == EV_SYNC && fk->ev[0].value == 0);
	assert_true(fk->ev[1].kind == EV_INVAL && fk->ev[1].was_table && fk->ev[1].level == 2);
	assert_true(fk->ev[2].kind == EV_SYNC && fk->ev[2].value == (GiB(4) | ROM | 1));
	assert_int_equal(fk->ev[3].kind, EV_FREE);
	expect_map(pt, MiB(9), GiB(4) + MiB(1), 2, ROM);
	assert_consistent();
}

static void test_unmap(void **state)
{
	struct pt *pt = s2_init();
	long syncs;

	assert_int_equal(pt_map(pt, GiB(1), GiB(1), GiB(1), RAM), 0);
	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(10), MiB(2)), 0);
	assert_int_equal(fk->allocs, 1); /* the rest of the GiB stays 2 MiB blocks */
	assert_false(pt_lookup(pt, GiB(1) + MiB(11), NULL, NULL, NULL));
	expect_map(pt, GiB(1) + MiB(9), GiB(1) + MiB(9), 2, RAM);
	expect_map(pt, GiB(1) + MiB(12), GiB(1) + MiB(12), 2, RAM);

	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(20) + PAGE_SIZE, PAGE_SIZE), 0);
	assert_false(pt_lookup(pt, GiB(1) + MiB(20) + PAGE_SIZE, NULL, NULL, NULL));
	expect_map(pt, GiB(1) + MiB(20), GiB(1) + MiB(20), 3, RAM);
	expect_map(pt, GiB(1) + MiB(20) + 2 * PAGE_SIZE, GiB(1) + MiB(20) + 2 * PAGE_SIZE, 3, RAM);

	syncs = fk->syncs;
	assert_int_equal(pt_unmap(pt, GiB(100), GiB(3)), 0); /* a hole: nothing to do */
	assert_int_equal(fk->syncs, syncs);

	/* Emptying a 2 MiB region page by page frees its L3 table. */
	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(20), PAGE_SIZE), 0);
	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(20) + 2 * PAGE_SIZE, MiB(2) - 2 * PAGE_SIZE), 0);
	assert_int_equal(fk->live, 1);
	assert_int_equal(pt_unmap(pt, 0, GiB(4)), 0);
	assert_int_equal(fk->live, 0);
	assert_int_equal(fk->allocs, fk->frees);
	for (int i = 0; i < 1024; i++) {
		assert_int_equal(pt->root[i], 0);
	}
	assert_consistent();
}

static void test_out_of_memory(void **state)
{
	struct pt *pt = s2_init();
	uint64_t va = GiB(3) - MiB(4) - PAGE_SIZE, size = MiB(8) + 2 * PAGE_SIZE;

	assert_int_equal(pt_map(pt, GiB(1), GiB(1), GiB(1), RAM), 0);
	/* No memory for the split: the block is untouched and nothing is written. */
	fk->alloc_budget = 0;
	fk->ev_count = 0;
	assert_int_equal(pt_map(pt, GiB(1) + MiB(2), GiB(9), PAGE_SIZE, ROM), -PT_ENOMEM);
	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(2), PAGE_SIZE), -PT_ENOMEM);
	assert_int_equal(fk->ev_count, 0);
	expect_map(pt, GiB(1) + MiB(2), GiB(1) + MiB(2), 1, RAM);

	/* Runs out half way through a range that needs 4 tables: each page is old or new. */
	for (long budget = 0; budget < 4; budget++) {
		fk->alloc_budget = -1;
		assert_int_equal(pt_unmap(pt, va, size), 0);
		fk->alloc_budget = budget;
		assert_int_equal(pt_map(pt, va, va + GiB(8), size, DEV), -PT_ENOMEM);
		assert_consistent();
		if (budget < 2) { /* a table linked for nothing is taken back */
			assert_int_equal(fk->live, 0);
		}
		for (uint64_t p = va; p < va + size; p += PAGE_SIZE) {
			paddr_t pa;
			uint64_t attrs;

			if (pt_lookup(pt, p, &pa, &attrs, NULL)) {
				assert_int_equal(pa, p + GiB(8));
				assert_int_equal(attrs, DEV);
			}
		}
		expect_map(pt, GiB(1) + MiB(2), GiB(1) + MiB(2), 1, RAM);
	}
	/* Unmap that must split a block, out of memory half way. */
	fk->alloc_budget = 1;
	assert_int_equal(pt_unmap(pt, GiB(1) + MiB(2), GiB(1) - MiB(4) + PAGE_SIZE), -PT_ENOMEM);
	assert_consistent();
	fk->alloc_budget = -1;
	assert_int_equal(pt_map(pt, va, va + GiB(8), size, DEV), 0);
	for (uint64_t p = va; p < va + size; p += PAGE_SIZE) {
		expect_map(pt, p, p + GiB(8), 0, DEV);
	}
	expect_map(pt, GiB(1), GiB(1), 2, RAM);
	assert_consistent();
}

static void test_stage1_identity_and_level0_root(void **state)
{
	struct pt *pt = s1_init();
	struct pt pt0;

	assert_int_equal(pt_map(pt, 0x40080000, 0x40080000, KiB(64), pt_s1_attrs(PT_NORMAL_RX)), 0);
	assert_int_equal(pt_map(pt, 0x40090000, 0x40090000, KiB(32), pt_s1_attrs(PT_NORMAL_RO)), 0);
	assert_int_equal(pt_map(pt, 0x40200000, 0x40200000, MiB(62), pt_s1_attrs(PT_NORMAL_RW)), 0);
	assert_int_equal(pt_map(pt, 0x08000000, 0x08000000, MiB(2), pt_s1_attrs(PT_DEVICE)), 0);
	expect_map(pt, 0x40080abc, 0x40080abc, 3, pt_s1_attrs(PT_NORMAL_RX));
	expect_map(pt, 0x40097000, 0x40097000, 3, pt_s1_attrs(PT_NORMAL_RO));
	expect_map(pt, 0x43ffffff, 0x43ffffff, 2, pt_s1_attrs(PT_NORMAL_RW));
	expect_map(pt, 0x08010000, 0x08010000, 2, pt_s1_attrs(PT_DEVICE));
	assert_false(pt_lookup(pt, 0x40098000, NULL, NULL, NULL));
	assert_int_equal(pt_map(pt, 1ULL << 39, 0, PAGE_SIZE, RAM), -PT_ERANGE);
	assert_false(pt_lookup(pt, 1ULL << 39, NULL, NULL, NULL));
	assert_consistent();
	pt_destroy(pt);
	fake_invalidate_everything();
	assert_int_equal(fk->live, 0);

	/* A 48-bit regime starting at level 0 descends through L0 tables. */
	assert_int_equal(pt_init(&pt0, fk->mem[0], 0, 512, 48, &fake_ops, fk), 0);
	fk->pt = pt0;
	assert_int_equal(pt_map(&fk->pt, (1ULL << 48) - GiB(1), GiB(1), GiB(1), RAM), 0);
	expect_map(&fk->pt, (1ULL << 48) - 1, GiB(2) - 1, 1, RAM);
	assert_int_equal(pt_map(&fk->pt, GiB(512), 0, GiB(512), RAM), 0); /* no L0 blocks */
	expect_map(&fk->pt, GiB(1000), GiB(488), 1, RAM);
	assert_consistent();
}

static bool stop_at_first(void *arg, uint64_t va, paddr_t pa, uint64_t size, uint64_t attrs)
{
	(*(int *)arg)++;
	return false;
}

static void test_walk_and_destroy(void **state)
{
	struct pt *pt = s2_init();
	uint64_t runs[16][4] = { { 0 } };
	int calls = 0;

	assert_int_equal(pt_map(pt, MiB(2), GiB(1), MiB(2), RAM), 0);
	assert_int_equal(pt_map(pt, MiB(4), GiB(1) + MiB(2), MiB(2) + PAGE_SIZE, RAM), 0);
	assert_int_equal(pt_map(pt, MiB(6) + PAGE_SIZE, GiB(1) + MiB(4) + PAGE_SIZE, PAGE_SIZE, ROM), 0);
	assert_int_equal(pt_map(pt, GiB(600), GiB(600), GiB(1), DEV), 0);
	pt_walk(pt, collect_run, runs);
	assert_int_equal(runs[0][0], 3);
	assert_true(runs[1][0] == MiB(2) && runs[1][1] == GiB(1) && runs[1][2] == MiB(4) + PAGE_SIZE);
	assert_true(runs[2][0] == MiB(6) + PAGE_SIZE && runs[2][2] == PAGE_SIZE && runs[2][3] == ROM);
	assert_true(runs[3][0] == GiB(600) && runs[3][2] == GiB(1) && runs[3][3] == DEV);
	pt_walk(pt, stop_at_first, &calls);
	assert_int_equal(calls, 1);
	pt_destroy(pt);
	assert_int_equal(fk->live, 0);
	assert_int_equal(fk->allocs, fk->frees);
	assert_false(pt_lookup(pt, MiB(2), NULL, NULL, NULL));
}

/* Random map/unmap (with injected out-of-memory) against a per-page shadow.
 * The window straddles the 512 GiB boundary between the two root pages. */
#define WIN_BASE (GiB(511) - MiB(256))
#define WIN_PAGES ((GiB(2) + MiB(512)) / PAGE_SIZE)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

static void check_shadow(struct pt *pt, const uint64_t *shadow_pa, const uint8_t *shadow_attr,
			 const uint64_t *kinds, uint64_t first, uint64_t count)
{
	for (uint64_t i = first; i < first + count && i < WIN_PAGES; i++) {
		paddr_t pa;
		uint64_t attrs;
		bool mapped = pt_lookup(pt, WIN_BASE + i * PAGE_SIZE, &pa, &attrs, NULL);

		if (mapped != (shadow_attr[i] != 0) ||
		    (mapped && (pa != shadow_pa[i] || attrs != kinds[shadow_attr[i]]))) {
			fail_msg("page %#llx: mapped %d pa %#llx, shadow %d pa %#llx",
				 (unsigned long long)(WIN_BASE + i * PAGE_SIZE), mapped,
				 (unsigned long long)pa, shadow_attr[i], (unsigned long long)shadow_pa[i]);
		}
	}
}

static void test_random_against_shadow(void **state)
{
	static const uint64_t grains[] = { PAGE_SIZE, MiB(2), GiB(1) };
	const uint64_t kinds[] = { 0, RAM, ROM, DEV };
	uint64_t *shadow_pa = calloc(WIN_PAGES, sizeof(uint64_t));
	uint8_t *shadow_attr = calloc(WIN_PAGES, 1);
	struct pt *pt = s2_init();
	int failures = 0;

	fk->strict = false; /* per-callback scans are too slow here; checked after each op */
	for (int op = 0; op < 1500; op++) {
		uint64_t grain = grains[rnd(10) < 5 ? 0 : rnd(10) < 7 ? 1 : 2];
		uint64_t first = ALIGN_DOWN(WIN_BASE + rnd(WIN_PAGES) * PAGE_SIZE, grain);
		uint64_t size = grain * (1 + rnd(3)) + (rnd(3) == 0 ? rnd(8) * PAGE_SIZE : 0);
		uint64_t delta = rnd(10) < 7 ? GiB(rnd(64)) : rnd(4096) * PAGE_SIZE;
		uint8_t kind = (uint8_t)(1 + rnd(3));
		bool map = rnd(3) != 0;
		uint64_t first_page;
		int rc;

		first = MAX(first, WIN_BASE);
		size = MIN(size, WIN_BASE + WIN_PAGES * PAGE_SIZE - first);
		first_page = (first - WIN_BASE) / PAGE_SIZE;
		fk->alloc_budget = rnd(8) == 0 ? (long)rnd(3) : -1;
		rc = map ? pt_map(pt, first, first + delta, size, kinds[kind]) : pt_unmap(pt, first, size);
		fk->alloc_budget = -1;
		assert_true(rc == 0 || rc == -PT_ENOMEM);
		failures += rc != 0;
		for (uint64_t i = first_page; i < first_page + size / PAGE_SIZE; i++) {
			uint64_t want_pa = WIN_BASE + i * PAGE_SIZE + delta;
			uint8_t want = map ? kind : 0;

			if (rc) { /* each page must be either its old or its new translation */
				paddr_t pa = 0;
				uint64_t attrs = 0;
				bool mapped = pt_lookup(pt, WIN_BASE + i * PAGE_SIZE, &pa, &attrs, NULL);
				bool is_new = map ? mapped && pa == want_pa && attrs == kinds[kind] : !mapped;

				if (!is_new) {
					continue; /* check_shadow below proves it is the old one */
				}
			}
			shadow_attr[i] = want;
			shadow_pa[i] = want_pa;
		}
		assert_consistent();
		check_shadow(pt, shadow_pa, shadow_attr, kinds, first_page, size / PAGE_SIZE);
		if (op % 50 == 49) {
			check_shadow(pt, shadow_pa, shadow_attr, kinds, 0, WIN_PAGES);
		}
	}
	assert_true(failures > 0); /* the out-of-memory paths were exercised */
	check_shadow(pt, shadow_pa, shadow_attr, kinds, 0, WIN_PAGES);
	assert_int_equal(pt_unmap(pt, WIN_BASE, WIN_PAGES * PAGE_SIZE), 0);
	assert_int_equal(fk->live, 0);
	assert_consistent();
	free(shadow_pa);
	free(shadow_attr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_s1_attr_encodings, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_s2_attr_encodings, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_init_validation, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_1g_range_is_one_l1_block, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_2m_aligned_range_uses_l2_blocks, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_odd_range_mixes_levels, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_pa_prevents_blocks, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_concatenated_root_and_ia_limit, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_argument_errors, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_subrange_remap_splits_block, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_break_before_make_order, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_unmap, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_stage1_identity_and_level0_root, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_walk_and_destroy, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_random_against_shadow, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
