/* EL2 Stage-1: a 1:1 map with a 39-bit VA space starting at level 1, built
 * with the shared walker (pgtable.c) from a static pool of table pages. */
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/pgtable.h"
#include "arch/aarch64/sysreg.h"
#include "core/panic.h"
#include "board.h"

#define EL2_VA_BITS	39
#define TABLE_POOL_PAGES 48

extern char __image_start[], __text_end[], __rodata_end[], __image_end[];

static uint64_t table_pool[TABLE_POOL_PAGES][PT_TABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static unsigned table_pool_used;
static struct pt el2_pt;
static bool mmu_on;

/* Read by secondaries with their caches off: written before the boot core
 * turns its caches on, so memory holds them. */
static uint64_t el2_ttbr, el2_tcr;

static uint64_t *pool_alloc_table(void *ctx)
{
	if (table_pool_used == TABLE_POOL_PAGES)
		return NULL;
	return table_pool[table_pool_used++];	/* .bss: already zero */
}

static void pool_free_table(void *ctx, uint64_t *table)
{
	/* Tables of the hypervisor's own map are never given back. */
}

static void el2_sync(void *ctx, const uint64_t *entries, size_t count)
{
	dsb(ishst);
}

static void el2_invalidate(void *ctx, uint64_t va, unsigned level, bool was_table)
{
	if (was_table)
		__asm__ volatile("tlbi alle2is" ::: "memory");
	else
		__asm__ volatile("tlbi vae2is, %0" : : "r"(va >> 12) : "memory");
	dsb(ish);
	isb();
}

static paddr_t identity_pa(void *ctx, const uint64_t *table)
{
	return (paddr_t)(uintptr_t)table;
}

static uint64_t *identity_va(void *ctx, paddr_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static const struct pt_ops el2_pt_ops = {
	.alloc_table = pool_alloc_table,
	.free_table = pool_free_table,
	.sync = el2_sync,
	.invalidate = el2_invalidate,
	.table_pa = identity_pa,
	.table_va = identity_va,
};

static void map_or_panic(uint64_t base, uint64_t size, uint64_t attrs, const char *what)
{
	int err = pt_map(&el2_pt, base, base, size, attrs);

	if (err)
		panic("EL2 map of %s [0x%lx, +0x%lx) failed: %d", what, base, size, err);
}

int mmu_map_device(paddr_t base, uint64_t size)
{
	return pt_map(&el2_pt, ALIGN_DOWN(base, PAGE_SIZE), ALIGN_DOWN(base, PAGE_SIZE),
		      ALIGN_UP(size + (base & (PAGE_SIZE - 1)), PAGE_SIZE), pt_s1_attrs(PT_DEVICE));
}

static uint64_t tcr_value(void)
{
	uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;

	if (parange > 5)
		parange = 5;	/* 48 bits: the most a 4 KiB granule without LPA reaches */
	return TCR_EL2_RES1 | (64 - EL2_VA_BITS) | (1u << 8) /* IRGN0 WBWA */ |
	       (1u << 10) /* ORGN0 WBWA */ | (3u << 12) /* SH0 inner */ | (parange << 16);
}

static void enable_this_cpu(void)
{
	write_sysreg(mair_el2, PT_MAIR_EL2_VALUE);
	write_sysreg(tcr_el2, el2_tcr);
	write_sysreg(ttbr0_el2, el2_ttbr);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(nsh);
	isb();
	/* WXN: no mapping can be both writable and executable at EL2. */
	write_sysreg(sctlr_el2, SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_WXN);
	isb();
}

void mmu_init_and_enable(const struct mem_range *ram, unsigned nram)
{
	uint64_t img = (uint64_t)(uintptr_t)__image_start;
	uint64_t text_end = (uint64_t)(uintptr_t)__text_end;
	uint64_t ro_end = (uint64_t)(uintptr_t)__rodata_end;
	uint64_t img_end = (uint64_t)(uintptr_t)__image_end;
	uint64_t *root = pool_alloc_table(NULL);

	if (pt_init(&el2_pt, root, 1, PT_TABLE_ENTRIES, EL2_VA_BITS, &el2_pt_ops, NULL))
		panic("EL2 page table init failed");
	for (unsigned i = 0; i < nram; i++)
		map_or_panic(ram[i].base, ram[i].size, pt_s1_attrs(PT_NORMAL_RW), "RAM");
	/* The image overrides the RAM mapping with tighter permissions. */
	map_or_panic(img, text_end - img, pt_s1_attrs(PT_NORMAL_RX), "text");
	map_or_panic(text_end, ro_end - text_end, pt_s1_attrs(PT_NORMAL_RO), "rodata");
	map_or_panic(ro_end, img_end - ro_end, pt_s1_attrs(PT_NORMAL_RW), "data");
	map_or_panic(BOARD_UART_BASE, BOARD_UART_SIZE, pt_s1_attrs(PT_DEVICE), "UART");
	map_or_panic(BOARD_GICD_BASE, 0x1000, pt_s1_attrs(PT_DEVICE), "GICD");
	map_or_panic(BOARD_GICC_BASE, 0x2000, pt_s1_attrs(PT_DEVICE), "GICC");
	map_or_panic(BOARD_GICH_BASE, 0x1000, pt_s1_attrs(PT_DEVICE), "GICH");
	map_or_panic(BOARD_GICV_BASE, 0x2000, pt_s1_attrs(PT_DEVICE), "GICV");

	el2_ttbr = (uint64_t)(uintptr_t)root;
	el2_tcr = tcr_value();
	/* Everything so far was written with caches off: drop any stale lines
	 * the firmware may have left before the caches start serving them. */
	dcache_inval_range(__image_start, img_end - img);
	enable_this_cpu();
	mmu_on = true;
}

void mmu_enable_secondary(void)
{
	enable_this_cpu();
}
