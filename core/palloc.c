/* Buddy allocator for the hypervisor's physical pages: naturally aligned
 * power-of-two blocks, one metadata byte per page, intrusive free lists.
 *
 * Why buddy: nearly everything the hypervisor allocates must be aligned to
 * its own size. Page tables are 4 KiB pages, a concatenated Stage-2 root is
 * 8 KiB and 8 KiB-aligned, guest RAM must sit on 2 MiB or 1 GiB boundaries
 * so Stage-2 can map it with block entries. A buddy allocator gives that
 * alignment for free, allocates and frees in O(log n), and its only
 * fragmentation cost (rounding to a power of two) is undone for guest RAM
 * by giving the unused tail back (palloc_alloc_contig).
 *
 * Layout. Each region keeps one byte per allocatable page in its own first
 * pages, so the allocator needs no memory of its own and scales with RAM.
 * The byte of a block's first page holds its order and kind (enum
 * meta_kind); every other page of the block holds 0. A contig allocation
 * is a run of blocks whose kinds mark its first and following pieces, so
 * a free of the wrong size or through the wrong call is caught too.
 * Free blocks are linked through their own first 16 bytes (RAM is mapped
 * 1:1, so a physical address is a usable pointer), doubly so that merging
 * can unlink a buddy from the middle of a list in O(1).
 *
 * Blocks are aligned in absolute physical addresses, not relative to the
 * region, so a block's buddy is addr ^ size; a buddy that falls outside the
 * region's allocatable pages is never merged with, which keeps blocks inside
 * one region and out of its metadata.
 *
 * Frees are checked against the metadata before anything changes, so a
 * double or bogus free is reported (the caller panics) rather than silently
 * corrupting the free lists.
 */
#include "core/palloc.h"
#include "lib/check.h"
#include "lib/string.h"

enum meta_kind {
	KIND_INTERIOR,		/* not the first page of a block */
	KIND_FREE,
	KIND_USED,		/* palloc_alloc */
	KIND_CONTIG_FIRST,	/* palloc_alloc_contig, first block */
	KIND_CONTIG_NEXT,	/* palloc_alloc_contig, any later block */
};

#define META_INTERIOR 0u
#define META_KIND_SHIFT 5
#define META_ORDER_MASK 0x1fu

static uint8_t meta_make(enum meta_kind kind, unsigned order)
{
	return (uint8_t)((unsigned)kind << META_KIND_SHIFT | order);
}

static enum meta_kind meta_kind(uint8_t meta)
{
	return (enum meta_kind)(meta >> META_KIND_SHIFT);
}

static unsigned meta_order(uint8_t meta)
{
	return meta & META_ORDER_MASK;
}

#define PAGE_MASK (PAGE_SIZE - 1)

/* The link stored in the first bytes of every free block; 0 ends a list. */
struct free_link {
	paddr_t next;
	paddr_t prev;
};

static struct free_link *link_at(paddr_t addr)
{
	return (struct free_link *)(uintptr_t)addr;
}

static uint8_t *meta_of(const struct palloc_region *r, paddr_t addr)
{
	return (uint8_t *)(uintptr_t)r->meta_base + ((addr - r->base) >> PAGE_SHIFT);
}

static uint64_t block_bytes(unsigned order)
{
	return PAGE_SIZE << order;
}

static uint64_t region_bytes(const struct palloc_region *r)
{
	return r->pages << PAGE_SHIFT;
}

static bool block_in_region(const struct palloc_region *r, paddr_t addr, unsigned order)
{
	return range_within(addr, block_bytes(order), r->base, region_bytes(r));
}

static const struct palloc_region *find_region(const struct palloc *pa, paddr_t addr)
{
	for (unsigned i = 0; i < pa->region_count; i++) {
		if (range_within(addr, 1, pa->regions[i].base, region_bytes(&pa->regions[i])))
			return &pa->regions[i];
	}
	return NULL;
}

/*
 * The largest block that starts at `addr` (alignment) and fits in `pages`.
 * Splitting a range this way, left to right, gives the same blocks the
 * buddy merge converges to, and is how contig allocations are laid out.
 */
static unsigned largest_fitting_order(paddr_t addr, uint64_t pages)
{
	unsigned order = 0;

	while (order < PALLOC_MAX_ORDER && IS_ALIGNED(addr, block_bytes(order + 1)) &&
	       (1ULL << (order + 1)) <= pages) {
		order++;
	}
	return order;
}

static void free_list_add(struct palloc *pa, const struct palloc_region *r, paddr_t addr,
			  unsigned order)
{
	struct free_link *link = link_at(addr);

	link->next = pa->free_head[order];
	link->prev = 0;
	if (link->next != 0)
		link_at(link->next)->prev = addr;
	pa->free_head[order] = addr;
	*meta_of(r, addr) = meta_make(KIND_FREE, order);
	pa->stats.free_blocks[order]++;
	pa->stats.free_pages += 1ULL << order;
}

/* Unlinks a free block; the caller rewrites its metadata byte. */
static void free_list_del(struct palloc *pa, paddr_t addr, unsigned order)
{
	struct free_link *link = link_at(addr);

	if (link->prev != 0) {
		link_at(link->prev)->next = link->next;
	} else {
		pa->free_head[order] = link->next;
	}
	if (link->next != 0)
		link_at(link->next)->prev = link->prev;
	pa->stats.free_blocks[order]--;
	pa->stats.free_pages -= 1ULL << order;
}

/* Frees a block already known valid, merging with free buddies upward. */
static void release_block(struct palloc *pa, const struct palloc_region *r, paddr_t addr,
			  unsigned order)
{
	while (order < PALLOC_MAX_ORDER) {
		paddr_t buddy = addr ^ block_bytes(order);

		if (!block_in_region(r, buddy, order) ||
		    *meta_of(r, buddy) != meta_make(KIND_FREE, order)) {
			break;
		}
		free_list_del(pa, buddy, order);
		*meta_of(r, buddy) = META_INTERIOR;
		*meta_of(r, addr) = META_INTERIOR;
		addr = MIN(addr, buddy);
		order++;
	}
	free_list_add(pa, r, addr, order);
}

/* Frees [addr, addr + pages) as maximal aligned blocks. */
static void release_range(struct palloc *pa, const struct palloc_region *r, paddr_t addr,
			  uint64_t pages)
{
	while (pages > 0) {
		unsigned order = largest_fitting_order(addr, pages);

		release_block(pa, r, addr, order);
		addr += block_bytes(order);
		pages -= 1ULL << order;
	}
}

/* Marks [addr, addr + pages), whose bytes are all 0, as one contig allocation. */
static void mark_contig(const struct palloc_region *r, paddr_t addr, uint64_t pages)
{
	enum meta_kind kind = KIND_CONTIG_FIRST;

	while (pages > 0) {
		unsigned order = largest_fitting_order(addr, pages);

		*meta_of(r, addr) = meta_make(kind, order);
		kind = KIND_CONTIG_NEXT;
		addr += block_bytes(order);
		pages -= 1ULL << order;
	}
}

/* Takes the smallest free block of at least `order` and splits it down. */
static paddr_t take_block(struct palloc *pa, unsigned order,
			  const struct palloc_region **region)
{
	for (unsigned o = order; o <= PALLOC_MAX_ORDER; o++) {
		paddr_t addr = pa->free_head[o];
		const struct palloc_region *r;

		if (addr == 0)
			continue;
		r = find_region(pa, addr);
		/* A free-list head outside every region means corrupt state. */
		CHECK(r != NULL);
		DCHECK(*meta_of(r, addr) == meta_make(KIND_FREE, o));
		free_list_del(pa, addr, o);
		while (o > order) {
			o--;
			free_list_add(pa, r, addr + block_bytes(o), o);
		}
		*meta_of(r, addr) = meta_make(KIND_USED, order);
		*region = r;
		return addr;
	}
	return 0;
}

/*
 * Decides whether [addr, 2^order pages) is an allocated block of `kind`
 * that may be freed. An address inside a larger block is classified by that
 * block.
 */
static int check_block(const struct palloc *pa, paddr_t addr, unsigned order,
		       enum meta_kind kind, const struct palloc_region **region)
{
	const struct palloc_region *r;
	uint8_t meta;

	if (order > PALLOC_MAX_ORDER)
		return -PALLOC_EINVAL;
	r = find_region(pa, addr);
	if (r == NULL)
		return -PALLOC_ERANGE;
	if (!IS_ALIGNED(addr, block_bytes(order)))
		return -PALLOC_EALIGN;

	meta = *meta_of(r, addr);
	if (meta == meta_make(kind, order)) {
		*region = r;
		return 0;
	}
	if (meta_kind(meta) == KIND_FREE)
		return -PALLOC_EDOUBLEFREE;
	if (meta_kind(meta) != KIND_INTERIOR)
		return -PALLOC_EORDER;

	/* A page inside a block. Aligning down ever further first lands on
	 * pages of that same block, all 0, then on its head. */
	for (unsigned o = 1; o <= PALLOC_MAX_ORDER; o++) {
		paddr_t head = ALIGN_DOWN(addr, block_bytes(o));
		uint8_t head_meta;

		if (head < r->base)
			break;
		head_meta = *meta_of(r, head);
		if (head_meta != META_INTERIOR) {
			return meta_kind(head_meta) == KIND_FREE ? -PALLOC_EDOUBLEFREE
								 : -PALLOC_EORDER;
		}
	}
	return -PALLOC_EINVAL;	/* metadata corrupted: no block holds the page */
}

void palloc_init(struct palloc *pa)
{
	memset(pa, 0, sizeof(*pa));
}

int palloc_add_region(struct palloc *pa, paddr_t base, uint64_t size)
{
	struct palloc_region *r;
	uint64_t first, avail, span_pages, meta_pages;

	if (pa->region_count == PALLOC_MAX_REGIONS)
		return -PALLOC_EFULL;
	if (base > UINT64_MAX - PAGE_MASK)
		return -PALLOC_ESMALL;
	first = ALIGN_UP(base, PAGE_SIZE);
	if (size <= first - base)
		return -PALLOC_ESMALL;
	avail = size - (first - base);
	if (first != 0 && avail > 0 - first)
		avail = 0 - first;	/* clamp at 2^64 */
	span_pages = avail >> PAGE_SHIFT;

	/* Each metadata page describes PAGE_SIZE pages and costs one itself. */
	meta_pages = (span_pages + PAGE_SIZE) / (PAGE_SIZE + 1);
	if (span_pages <= meta_pages)
		return -PALLOC_ESMALL;

	for (unsigned i = 0; i < pa->region_count; i++) {
		const struct palloc_region *old = &pa->regions[i];

		if (ranges_overlap(first, span_pages << PAGE_SHIFT, old->meta_base,
				   (old->meta_pages + old->pages) << PAGE_SHIFT)) {
			return -PALLOC_EOVERLAP;
		}
	}

	r = &pa->regions[pa->region_count++];
	r->meta_base = first;
	r->meta_pages = meta_pages;
	r->base = first + (meta_pages << PAGE_SHIFT);
	r->pages = span_pages - meta_pages;
	memset((void *)(uintptr_t)r->meta_base, META_INTERIOR, r->pages);
	pa->stats.total_pages += r->pages;
	release_range(pa, r, r->base, r->pages);
	return 0;
}

paddr_t palloc_alloc(struct palloc *pa, unsigned order)
{
	const struct palloc_region *r;
	paddr_t addr = 0;

	pa->stats.alloc_calls++;
	if (order <= PALLOC_MAX_ORDER)
		addr = take_block(pa, order, &r);
	if (addr == 0)
		pa->stats.failed_allocs++;
	return addr;
}

int palloc_free(struct palloc *pa, paddr_t addr, unsigned order)
{
	const struct palloc_region *r;
	int err;

	pa->stats.free_calls++;
	err = check_block(pa, addr, order, KIND_USED, &r);
	if (err != 0) {
		pa->stats.free_errors++;
		return err;
	}
	release_block(pa, r, addr, order);
	return 0;
}

/*
 * Above 1 GiB no single block fits: look for `blocks` adjacent free 1 GiB
 * blocks starting on an `align` boundary, first fit, region by region.
 */
static paddr_t take_max_block_run(struct palloc *pa, uint64_t blocks, uint64_t align,
				  const struct palloc_region **region)
{
	uint64_t max_bytes = block_bytes(PALLOC_MAX_ORDER);
	uint64_t step = MAX(align, max_bytes);

	for (unsigned i = 0; i < pa->region_count; i++) {
		const struct palloc_region *r = &pa->regions[i];
		paddr_t start;

		if (r->base > UINT64_MAX - (step - 1))
			continue;
		for (start = ALIGN_UP(r->base, step);
		     range_within(start, blocks * max_bytes, r->base, region_bytes(r));
		     start += step) {
			uint64_t n = 0;

			while (n < blocks &&
			       *meta_of(r, start + n * max_bytes) ==
				       meta_make(KIND_FREE, PALLOC_MAX_ORDER)) {
				n++;
			}
			if (n == blocks) {
				for (n = 0; n < blocks; n++) {
					free_list_del(pa, start + n * max_bytes, PALLOC_MAX_ORDER);
					*meta_of(r, start + n * max_bytes) = META_INTERIOR;
				}
				*region = r;
				return start;
			}
			if (start > UINT64_MAX - step)
				break;
		}
	}
	return 0;
}

paddr_t palloc_alloc_contig(struct palloc *pa, uint64_t size, uint64_t align)
{
	const struct palloc_region *r = NULL;
	uint64_t pages, taken_pages;
	unsigned order = 0;
	paddr_t addr = 0;

	pa->stats.alloc_calls++;
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if (size == 0 || size > UINT64_MAX - PAGE_MASK || (align & (align - 1)) != 0)
		goto fail;
	pages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;
	if (pages > pa->stats.free_pages)
		goto fail;

	/* A block of 2^order pages is aligned to its own size, so one big
	 * enough for both size and alignment satisfies the request. */
	while (order <= PALLOC_MAX_ORDER &&
	       ((1ULL << order) < pages || block_bytes(order) < align)) {
		order++;
	}
	if (order <= PALLOC_MAX_ORDER) {
		addr = take_block(pa, order, &r);
		if (addr == 0)
			goto fail;
		/* take_block marked the whole block; re-mark it as the pieces. */
		*meta_of(r, addr) = META_INTERIOR;
		taken_pages = 1ULL << order;
	} else {
		uint64_t max_pages = 1ULL << PALLOC_MAX_ORDER;
		uint64_t blocks = (pages + max_pages - 1) / max_pages;

		addr = take_max_block_run(pa, blocks, align, &r);
		if (addr == 0)
			goto fail;
		taken_pages = blocks * max_pages;
	}
	mark_contig(r, addr, pages);
	release_range(pa, r, addr + (pages << PAGE_SHIFT), taken_pages - pages);
	return addr;

fail:
	pa->stats.failed_allocs++;
	return 0;
}

int palloc_free_contig(struct palloc *pa, paddr_t addr, uint64_t size)
{
	const struct palloc_region *r = NULL;
	enum meta_kind kind = KIND_CONTIG_FIRST;
	uint64_t pages, left;
	paddr_t block;
	int err = 0;

	pa->stats.free_calls++;
	if (size == 0 || size > UINT64_MAX - PAGE_MASK) {
		err = -PALLOC_EINVAL;
		goto out;
	}
	pages = ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT;

	/* The same split palloc_alloc_contig marked; check it all first. */
	for (block = addr, left = pages; left > 0 && err == 0;) {
		unsigned order = largest_fitting_order(block, left);

		err = check_block(pa, block, order, kind, &r);
		kind = KIND_CONTIG_NEXT;
		block += block_bytes(order);
		left -= 1ULL << order;
	}
	/* A following piece of the same allocation means `size` is short. */
	if (err == 0 && r && range_within(block, PAGE_SIZE, r->base, region_bytes(r)) &&
	    meta_kind(*meta_of(r, block)) == KIND_CONTIG_NEXT) {
		err = -PALLOC_EORDER;
	}
	for (block = addr, left = pages; left > 0 && err == 0;) {
		unsigned order = largest_fitting_order(block, left);

		release_block(pa, find_region(pa, block), block, order);
		block += block_bytes(order);
		left -= 1ULL << order;
	}
out:
	if (err != 0)
		pa->stats.free_errors++;
	return err;
}

/* The free block containing page `addr`, or 0 (its order in *order). */
static paddr_t free_block_containing(const struct palloc_region *r, paddr_t addr, unsigned *order)
{
	for (unsigned o = 0; o <= PALLOC_MAX_ORDER; o++) {
		paddr_t base = ALIGN_DOWN(addr, block_bytes(o));

		if (!block_in_region(r, base, o))
			break;
		if (*meta_of(r, base) == meta_make(KIND_FREE, o)) {
			*order = o;
			return base;
		}
	}
	return 0;
}

int palloc_claim(struct palloc *pa, paddr_t addr, uint64_t size)
{
	const struct palloc_region *r;
	paddr_t end, p, block, first = 0, last_end = 0;
	unsigned order;
	int err = 0;

	pa->stats.alloc_calls++;
	if (size == 0 || addr > UINT64_MAX - size) {
		err = -PALLOC_EINVAL;
		goto out;
	}
	if (!IS_ALIGNED(addr | size, PAGE_SIZE)) {
		err = -PALLOC_EALIGN;
		goto out;
	}
	end = addr + size;
	r = find_region(pa, addr);
	if (!r || !range_within(addr, size, r->base, region_bytes(r))) {
		err = -PALLOC_ERANGE;
		goto out;
	}
	/* Every page must lie in a free block; blocks are disjoint, so walking
	 * block by block visits each once. Nothing changes until all are found. */
	for (p = addr; p < end; p = block + block_bytes(order)) {
		block = free_block_containing(r, p, &order);
		if (block == 0) {
			err = -PALLOC_EORDER;
			goto out;
		}
		if (p == addr)
			first = block;
		last_end = block + block_bytes(order);
	}
	for (p = addr; p < end; p = block + block_bytes(order)) {
		block = free_block_containing(r, p, &order);
		free_list_del(pa, block, order);
		*meta_of(r, block) = META_INTERIOR;
	}
	mark_contig(r, addr, size >> PAGE_SHIFT);
	/* What the first and last blocks held outside the range goes back; the
	 * pieces' buddies lie inside those blocks, never in the claimed pages. */
	release_range(pa, r, first, (addr - first) >> PAGE_SHIFT);
	release_range(pa, r, end, (last_end - end) >> PAGE_SHIFT);
out:
	if (err != 0)
		pa->stats.failed_allocs++;
	return err;
}

void palloc_get_stats(const struct palloc *pa, struct palloc_stats *st)
{
	*st = pa->stats;
}

/* Walks one region's metadata block by block, tallying free blocks. */
static bool check_region_meta(const struct palloc_region *r, uint64_t *free_blocks,
			      uint64_t *free_pages)
{
	const uint8_t *meta = (const uint8_t *)(uintptr_t)r->meta_base;
	enum meta_kind prev_kind = KIND_INTERIOR;
	uint64_t page = 0;

	while (page < r->pages) {
		paddr_t addr = r->base + (page << PAGE_SHIFT);
		enum meta_kind kind = meta_kind(meta[page]);
		unsigned order = meta_order(meta[page]);

		if (kind == KIND_INTERIOR || kind > KIND_CONTIG_NEXT ||
		    order > PALLOC_MAX_ORDER || !IS_ALIGNED(addr, block_bytes(order)) ||
		    !block_in_region(r, addr, order)) {
			return false;
		}
		/* A contig allocation's later pieces follow its earlier ones. */
		if (kind == KIND_CONTIG_NEXT && prev_kind != KIND_CONTIG_FIRST &&
		    prev_kind != KIND_CONTIG_NEXT) {
			return false;
		}
		for (uint64_t i = 1; i < (1ULL << order); i++) {
			if (meta[page + i] != META_INTERIOR)
				return false;
		}
		if (kind == KIND_FREE) {
			paddr_t buddy = addr ^ block_bytes(order);

			/* Two free buddies mean a merge was missed. */
			if (order < PALLOC_MAX_ORDER && block_in_region(r, buddy, order) &&
			    meta[(buddy - r->base) >> PAGE_SHIFT] == meta_make(KIND_FREE, order)) {
				return false;
			}
			free_blocks[order]++;
			*free_pages += 1ULL << order;
		}
		prev_kind = kind;
		page += 1ULL << order;
	}
	return true;
}

int palloc_check(const struct palloc *pa)
{
	uint64_t meta_blocks[PALLOC_MAX_ORDER + 1] = { 0 };
	uint64_t meta_free_pages = 0, total_pages = 0;

	for (unsigned i = 0; i < pa->region_count; i++) {
		if (!check_region_meta(&pa->regions[i], meta_blocks, &meta_free_pages))
			return -PALLOC_EINVAL;
		total_pages += pa->regions[i].pages;
	}
	if (total_pages != pa->stats.total_pages || meta_free_pages != pa->stats.free_pages)
		return -PALLOC_EINVAL;

	for (unsigned order = 0; order <= PALLOC_MAX_ORDER; order++) {
		uint64_t listed = 0;
		paddr_t prev = 0;

		if (meta_blocks[order] != pa->stats.free_blocks[order])
			return -PALLOC_EINVAL;
		/* Bounded walk: a cycle shows up as too many entries. */
		for (paddr_t addr = pa->free_head[order]; addr != 0; addr = link_at(addr)->next) {
			const struct palloc_region *r = find_region(pa, addr);

			if (++listed > meta_blocks[order] || r == NULL ||
			    *meta_of(r, addr) != meta_make(KIND_FREE, order) ||
			    link_at(addr)->prev != prev) {
				return -PALLOC_EINVAL;
			}
			prev = addr;
		}
		if (listed != meta_blocks[order])
			return -PALLOC_EINVAL;
	}
	return 0;
}
