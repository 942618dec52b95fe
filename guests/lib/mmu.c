/* Identity Stage-1 tables for the test guests: caches on makes exclusives (the
 * console lock) architecturally valid and lets EL0 run from its own pages. */
#include "guests/lib/rt.h"

/*
 * Map (4 KiB granule, walk starts at level 1, 4 GiB VA):
 *   0-1 GiB  Device-nGnRnE block, EL0+EL1 RW, never executable (EL0 tests
 *            fault on holes here, e.g. 0x20000000).
 *   1-2 GiB  Normal WB 2 MiB blocks, EL1 RWX (so a fetch beyond RAM reaches
 *            Stage-2 instead of failing at Stage-1), except the image's
 *            first 2 MiB which is split into pages for the EL0 areas, and
 *            RT_EL0_PROBE_WINDOW (EL0+EL1 RW, never executable), where EL0
 *            tests reach beyond the end of RAM.
 *   2-4 GiB  unmapped.
 */
#define DESC_BLOCK	0x1ull
#define DESC_TABLE	0x3ull
#define DESC_PAGE	0x3ull
#define ATTR_DEVICE	(0ull << 2)	/* MAIR attr0 */
#define ATTR_NORMAL	(1ull << 2)	/* MAIR attr1 */
#define AP_EL1_RW	(0ull << 6)
#define AP_ALL_RW	(1ull << 6)
#define AP_ALL_RO	(3ull << 6)
#define SH_INNER	(3ull << 8)
#define AF		(1ull << 10)
#define PXN		(1ull << 53)
#define UXN		(1ull << 54)

extern char __el0_text_start[], __el0_text_end[];
extern char __el0_data_start[], __el0_data_end[];

uint64_t rt_pgt_l1[512] __attribute__((aligned(4096)));
static uint64_t pgt_l2_ram[512] __attribute__((aligned(4096)));
static uint64_t pgt_l3_image[512] __attribute__((aligned(4096)));

static bool in_range(uint64_t addr, const char *start, const char *end)
{
	return addr >= (uint64_t)start && addr < (uint64_t)end;
}

/* Runs with the MMU off, before any cacheable access. */
void rt_mmu_build_tables(void)
{
	const uint64_t normal = ATTR_NORMAL | SH_INNER | AF;
	const uint64_t image_block = RT_LOAD_ADDR;

	rt_pgt_l1[0] = 0x0ull | DESC_BLOCK | ATTR_DEVICE | AP_ALL_RW | AF | PXN | UXN;
	rt_pgt_l1[1] = (uint64_t)pgt_l2_ram | DESC_TABLE;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t addr = RT_RAM_BASE + ((uint64_t)i << 21);

		pgt_l2_ram[i] = addr | DESC_BLOCK | normal | AP_EL1_RW | UXN;
	}
	pgt_l2_ram[(image_block - RT_RAM_BASE) >> 21] = (uint64_t)pgt_l3_image | DESC_TABLE;
	pgt_l2_ram[(RT_EL0_PROBE_WINDOW - RT_RAM_BASE) >> 21] =
		RT_EL0_PROBE_WINDOW | DESC_BLOCK | normal | AP_ALL_RW | PXN | UXN;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t addr = image_block + ((uint64_t)i << 12);
		uint64_t desc = addr | DESC_PAGE | normal;

		if (in_range(addr, __el0_text_start, __el0_text_end))
			desc |= AP_ALL_RO | PXN;	/* EL0 executes, EL1 only reads */
		else if (in_range(addr, __el0_data_start, __el0_data_end))
			desc |= AP_ALL_RW | PXN | UXN;
		else
			desc |= AP_EL1_RW | UXN;
		pgt_l3_image[i] = desc;
	}
}
