/* Translation-table walker shared by EL2 Stage-1 and Stage-2: maps with the
 * largest blocks that fit, splits blocks on partial change, breaks before making. */
#include "arch/aarch64/pgtable.h"
#include "lib/check.h"
#include "lib/string.h"

/*
 * Invariants the code below keeps:
 * - every descriptor store is followed by ops->sync before the walker can
 *   depend on it, and a fresh table is fully written and synced before the
 *   entry that links it;
 * - a valid entry only ever becomes invalid, never a different valid value,
 *   and the range it covered is invalidated before anything replaces it;
 * - a table is freed only after the entry linking it has been invalidated.
 * Callers serialize all operations on one struct pt.
 */

uint64_t pt_s1_attrs(enum pt_mem kind)
{
	/* AP[1] is RES1 in the EL2 regime; AP[2] alone decides read-only. */
	const uint64_t normal = PT_S1_ATTRINDX(PT_MAIR_IDX_NORMAL) | PT_S1_AP1_RES1 |
				PT_SH_INNER | PT_AF;

	switch (kind) {
	case PT_NORMAL_RX:
		return normal | PT_S1_AP_RO;
	case PT_NORMAL_RO:
		return normal | PT_S1_AP_RO | PT_S1_XN;
	case PT_NORMAL_RW:
		return normal | PT_S1_XN;
	case PT_DEVICE:
		/* Device memory is always Outer Shareable whatever SH says, so SH stays 0. */
		return PT_S1_ATTRINDX(PT_MAIR_IDX_DEVICE) | PT_S1_AP1_RES1 | PT_AF | PT_S1_XN;
	}
	return 0;
}

uint64_t pt_s2_attrs(enum pt_s2_kind kind)
{
	const uint64_t ram = PT_S2_MEMATTR_NORMAL_WB | PT_S2AP_R | PT_SH_INNER | PT_AF;

	switch (kind) {
	case PT_S2_RAM:
		return ram | PT_S2AP_W;
	case PT_S2_RAM_RO:
		return ram;
	case PT_S2_DEVICE:
		return PT_S2_MEMATTR_DEVICE_NGNRE | PT_S2AP_R | PT_S2AP_W | PT_AF | PT_S2_XN;
	}
	return 0;
}

static bool desc_valid(uint64_t desc)
{
	return desc & PT_DESC_VALID;
}

static bool desc_is_table(uint64_t desc, unsigned level)
{
	return level < PT_MAX_LEVEL && (desc & 3) == 3;
}

/* Level 0 has no blocks with a 4 KiB granule, and 0b01 at level 3 is reserved. */
static bool desc_is_leaf(uint64_t desc, unsigned level)
{
	if (level == PT_MAX_LEVEL) {
		return (desc & 3) == 3;
	}
	return level > 0 && (desc & 3) == 1;
}

static bool level_has_leaves(unsigned level)
{
	return level > 0;
}

static uint64_t make_leaf(paddr_t pa, uint64_t attrs, unsigned level)
{
	return pa | attrs | (level == PT_MAX_LEVEL ? 3 : 1);
}

static paddr_t leaf_base(uint64_t desc, unsigned level)
{
	return desc & PT_DESC_ADDR_MASK & ~(PT_LEVEL_SIZE(level) - 1);
}

static uint64_t *desc_child(const struct pt *pt, uint64_t desc)
{
	return pt->ops->table_va(pt->ctx, desc & PT_DESC_ADDR_MASK);
}

/* Only the root may be wider than one page (concatenated Stage-2 roots). */
static size_t table_entries(const struct pt *pt, unsigned level)
{
	return level == pt->start_level ? pt->root_entries : PT_TABLE_ENTRIES;
}

static size_t entry_index(const struct pt *pt, unsigned level, uint64_t va)
{
	return (va >> PT_LEVEL_SHIFT(level)) & (table_entries(pt, level) - 1);
}

/* One 64-bit store, so the walker never sees a torn descriptor. */
static void store_desc(uint64_t *entry, uint64_t desc)
{
	*(volatile uint64_t *)entry = desc;
}

static bool table_is_empty(const uint64_t *table)
{
	for (size_t i = 0; i < PT_TABLE_ENTRIES; i++) {
		if (desc_valid(table[i])) {
			return false;
		}
	}
	return true;
}

/* Break: the entry at `level` covering `entry_va` stops translating. */
static void clear_entry(struct pt *pt, uint64_t *entry, uint64_t entry_va, unsigned level)
{
	uint64_t old = *entry;

	if (!desc_valid(old)) {
		return;
	}
	store_desc(entry, 0);
	pt->ops->sync(pt->ctx, entry, 1);
	pt->ops->invalidate(pt->ctx, entry_va, level, desc_is_table(old, level));
}

/* Make, breaking first when a valid entry changes value. */
static void set_entry(struct pt *pt, uint64_t *entry, uint64_t desc, uint64_t entry_va,
		      unsigned level)
{
	if (*entry == desc) {
		return;
	}
	clear_entry(pt, entry, entry_va, level);
	store_desc(entry, desc);
	pt->ops->sync(pt->ctx, entry, 1);
}

/* Frees `table` (whose entries are at `level`) and every table below it.
 * The entry that linked it must already be cleared and invalidated. */
static void free_subtree(struct pt *pt, uint64_t *table, unsigned level)
{
	if (level < PT_MAX_LEVEL) {
		for (size_t i = 0; i < PT_TABLE_ENTRIES; i++) {
			if (desc_is_table(table[i], level)) {
				free_subtree(pt, desc_child(pt, table[i]), level + 1);
			}
		}
	}
	pt->ops->free_table(pt->ctx, table);
}

/* The next-level table under `entry`, creating it when the entry is invalid
 * and splitting it into 512 equivalent smaller leaves when it is a block, so
 * the untouched part of a block keeps translating exactly as before. */
static uint64_t *get_child(struct pt *pt, uint64_t *entry, uint64_t entry_va, unsigned level)
{
	uint64_t old = *entry;
	uint64_t *child;

	DCHECK(level < PT_MAX_LEVEL);
	if (desc_is_table(old, level)) {
		return desc_child(pt, old);
	}
	child = pt->ops->alloc_table(pt->ctx);
	if (!child) {
		return NULL;
	}
	DCHECK(IS_ALIGNED(pt->ops->table_pa(pt->ctx, child), PAGE_SIZE));
	if (desc_is_leaf(old, level)) {
		uint64_t step = PT_LEVEL_SIZE(level + 1);
		paddr_t base = leaf_base(old, level);
		uint64_t attrs = old & PT_LEAF_ATTR_MASK;

		for (size_t i = 0; i < PT_TABLE_ENTRIES; i++) {
			child[i] = make_leaf(base + i * step, attrs, level + 1);
		}
		pt->ops->sync(pt->ctx, child, PT_TABLE_ENTRIES);
	}
	set_entry(pt, entry, pt->ops->table_pa(pt->ctx, child) | 3, entry_va, level);
	return child;
}

static int map_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va, paddr_t pa,
		     uint64_t size, uint64_t attrs);

/* Maps [va, va+size), which lies inside the one entry `entry` at `level`. */
static int map_entry(struct pt *pt, uint64_t *entry, unsigned level, uint64_t va, paddr_t pa,
		     uint64_t size, uint64_t attrs)
{
	uint64_t span = PT_LEVEL_SIZE(level);
	uint64_t entry_va = ALIGN_DOWN(va, span);
	uint64_t old = *entry;
	uint64_t *child;
	int rc;

	if (size == span && IS_ALIGNED(pa, span) && level_has_leaves(level)) {
		set_entry(pt, entry, make_leaf(pa, attrs, level), entry_va, level);
		if (desc_is_table(old, level)) {
			free_subtree(pt, desc_child(pt, old), level + 1);
		}
		return 0;
	}
	/* Re-mapping part of a block to what it already says needs no split. */
	if (desc_is_leaf(old, level) && (old & PT_LEAF_ATTR_MASK) == attrs &&
	    leaf_base(old, level) + (va - entry_va) == pa) {
		return 0;
	}
	child = get_child(pt, entry, entry_va, level);
	if (!child) {
		return -PT_ENOMEM;
	}
	rc = map_level(pt, child, level + 1, va, pa, size, attrs);
	/* A table we linked for nothing would only leak until pt_destroy. */
	if (rc && !desc_valid(old) && table_is_empty(child)) {
		clear_entry(pt, entry, entry_va, level);
		pt->ops->free_table(pt->ctx, child);
	}
	return rc;
}

static int map_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va, paddr_t pa,
		     uint64_t size, uint64_t attrs)
{
	uint64_t end = va + size;

	while (va < end) {
		uint64_t entry_end = ALIGN_DOWN(va, PT_LEVEL_SIZE(level)) + PT_LEVEL_SIZE(level);
		uint64_t chunk = MIN(end, entry_end) - va;
		int rc = map_entry(pt, &table[entry_index(pt, level, va)], level, va, pa, chunk,
				   attrs);

		if (rc) {
			return rc;
		}
		va += chunk;
		pa += chunk;
	}
	return 0;
}

static int unmap_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va,
		       uint64_t size);

/* Unmaps [va, va+size), which lies inside the one entry `entry` at `level`. */
static int unmap_entry(struct pt *pt, uint64_t *entry, unsigned level, uint64_t va,
		       uint64_t size)
{
	uint64_t span = PT_LEVEL_SIZE(level);
	uint64_t entry_va = ALIGN_DOWN(va, span);
	uint64_t old = *entry;
	uint64_t *child;
	int rc;

	if (!desc_valid(old)) {
		return 0;
	}
	if (size == span) {
		clear_entry(pt, entry, entry_va, level);
		if (desc_is_table(old, level)) {
			free_subtree(pt, desc_child(pt, old), level + 1);
		}
		return 0;
	}
	child = get_child(pt, entry, entry_va, level);
	if (!child) {
		return -PT_ENOMEM;
	}
	rc = unmap_level(pt, child, level + 1, va, size);
	if (table_is_empty(child)) {
		clear_entry(pt, entry, entry_va, level);
		pt->ops->free_table(pt->ctx, child);
	}
	return rc;
}

static int unmap_level(struct pt *pt, uint64_t *table, unsigned level, uint64_t va,
		       uint64_t size)
{
	uint64_t end = va + size;

	while (va < end) {
		uint64_t entry_end = ALIGN_DOWN(va, PT_LEVEL_SIZE(level)) + PT_LEVEL_SIZE(level);
		uint64_t chunk = MIN(end, entry_end) - va;
		int rc = unmap_entry(pt, &table[entry_index(pt, level, va)], level, va, chunk);

		if (rc) {
			return rc;
		}
		va += chunk;
	}
	return 0;
}

static int check_input_range(const struct pt *pt, uint64_t va, uint64_t size)
{
	if (size == 0 || !IS_ALIGNED(va, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE)) {
		return -PT_EINVAL;
	}
	if (!range_within(va, size, 0, 1ULL << pt->ia_bits)) {
		return -PT_ERANGE;
	}
	return 0;
}

int pt_init(struct pt *pt, uint64_t *root, unsigned start_level, unsigned root_entries,
	    unsigned ia_bits, const struct pt_ops *ops, void *ctx)
{
	uint64_t root_bytes = (uint64_t)root_entries * sizeof(uint64_t);

	if (!pt || !root || !ops || !ops->alloc_table || !ops->free_table || !ops->sync ||
	    !ops->invalidate || !ops->table_pa || !ops->table_va) {
		return -PT_EINVAL;
	}
	/* Starting at level 3 needs FEAT_TTST; the first level must resolve bits. */
	if (start_level >= PT_MAX_LEVEL || ia_bits > PT_OA_BITS ||
	    ia_bits <= PT_LEVEL_SHIFT(start_level)) {
		return -PT_EINVAL;
	}
	if (ia_bits - PT_LEVEL_SHIFT(start_level) > 13 ||
	    root_entries != 1U << (ia_bits - PT_LEVEL_SHIFT(start_level))) {
		return -PT_EINVAL;
	}
	if (!IS_ALIGNED(ops->table_pa(ctx, root), MAX(root_bytes, PAGE_SIZE))) {
		return -PT_EINVAL;
	}
	pt->root = root;
	pt->start_level = start_level;
	pt->root_entries = root_entries;
	pt->ia_bits = ia_bits;
	pt->ops = ops;
	pt->ctx = ctx;
	memset(root, 0, root_bytes);
	ops->sync(ctx, root, root_entries);
	return 0;
}

int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t size, uint64_t leaf_attrs)
{
	int rc = check_input_range(pt, va, size);

	if (rc) {
		return rc;
	}
	if (!IS_ALIGNED(pa, PAGE_SIZE)) {
		return -PT_EINVAL;
	}
	if (!range_within(pa, size, 0, 1ULL << PT_OA_BITS)) {
		return -PT_ERANGE;
	}
	/* The contiguous hint would go stale when one entry of a run changes. */
	if ((leaf_attrs & ~PT_LEAF_ATTR_MASK) || (leaf_attrs & PT_CONTIGUOUS) ||
	    !(leaf_attrs & PT_AF)) {
		return -PT_EINVAL;
	}
	return map_level(pt, pt->root, pt->start_level, va, pa, size, leaf_attrs);
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	int rc = check_input_range(pt, va, size);

	if (rc) {
		return rc;
	}
	return unmap_level(pt, pt->root, pt->start_level, va, size);
}

bool pt_lookup(const struct pt *pt, uint64_t va, paddr_t *pa_out, uint64_t *attrs_out,
	       unsigned *level_out)
{
	const uint64_t *table = pt->root;
	unsigned level = pt->start_level;
	uint64_t desc;

	if (va >> pt->ia_bits) {
		return false;
	}
	for (;;) {
		desc = table[entry_index(pt, level, va)];
		if (!desc_is_table(desc, level)) {
			break;
		}
		table = desc_child(pt, desc);
		level++;
	}
	if (!desc_is_leaf(desc, level)) {
		return false;
	}
	if (pa_out) {
		*pa_out = leaf_base(desc, level) | (va & (PT_LEVEL_SIZE(level) - 1));
	}
	if (attrs_out) {
		*attrs_out = desc & PT_LEAF_ATTR_MASK;
	}
	if (level_out) {
		*level_out = level;
	}
	return true;
}

/* A run of leaves being merged into one maximal mapping for pt_walk. */
struct walk_state {
	pt_walk_fn fn;
	void *arg;
	uint64_t va, size, attrs;
	paddr_t pa;
	bool stopped;
};

static void walk_emit(struct walk_state *st)
{
	if (st->size && !st->stopped) {
		st->stopped = !st->fn(st->arg, st->va, st->pa, st->size, st->attrs);
	}
	st->size = 0;
}

static void walk_level(const struct pt *pt, const uint64_t *table, unsigned level,
		       uint64_t base_va, struct walk_state *st)
{
	uint64_t span = PT_LEVEL_SIZE(level);
	size_t count = table_entries(pt, level);

	for (size_t i = 0; i < count && !st->stopped; i++) {
		uint64_t desc = table[i];
		uint64_t va = base_va + i * span;
		paddr_t pa;

		if (desc_is_table(desc, level)) {
			walk_level(pt, desc_child(pt, desc), level + 1, va, st);
			continue;
		}
		if (!desc_is_leaf(desc, level)) {
			walk_emit(st);
			continue;
		}
		pa = leaf_base(desc, level);
		if (st->size && st->va + st->size == va && st->pa + st->size == pa &&
		    st->attrs == (desc & PT_LEAF_ATTR_MASK)) {
			st->size += span;
			continue;
		}
		walk_emit(st);
		st->va = va;
		st->pa = pa;
		st->size = span;
		st->attrs = desc & PT_LEAF_ATTR_MASK;
	}
}

void pt_walk(const struct pt *pt, pt_walk_fn fn, void *arg)
{
	struct walk_state st = { .fn = fn, .arg = arg };

	walk_level(pt, pt->root, pt->start_level, 0, &st);
	walk_emit(&st);
}

void pt_destroy(struct pt *pt)
{
	for (size_t i = 0; i < pt->root_entries; i++) {
		uint64_t desc = pt->root[i];

		/* Unlink first so the root never points at a freed table. */
		store_desc(&pt->root[i], 0);
		if (desc_is_table(desc, pt->start_level)) {
			free_subtree(pt, desc_child(pt, desc), pt->start_level + 1);
		}
	}
}
