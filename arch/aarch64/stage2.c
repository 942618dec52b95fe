/* Stage-2 configuration: 40-bit IPA, 4 KiB granule, walk starting at level
 * 1 with two concatenated root tables. 40 bits rather than the CPU's full PA
 * range because QEMU's A72 reports 44 bits, which would force a level-0 root
 * and one more walk step on every TLB miss. */
#include "arch/aarch64/stage2.h"
#include "arch/aarch64/sysreg.h"
#include "core/vm.h"

#define VTCR_T0SZ(bits)	(64 - (bits))
#define VTCR_SL0_L1	(1u << 6)
#define VTCR_IRGN0_WBWA	(1u << 8)
#define VTCR_ORGN0_WBWA	(1u << 10)
#define VTCR_SH0_INNER	(3u << 12)
#define VTCR_PS_SHIFT	16

uint64_t stage2_vtcr(void)
{
	uint64_t parange = read_sysreg(id_aa64mmfr0_el1) & 0xf;
	uint64_t ps = parange < 2 ? parange : 2;	/* 40-bit output is enough */

	return VTCR_RES1 | VTCR_T0SZ(STAGE2_IPA_BITS) | VTCR_SL0_L1 | VTCR_IRGN0_WBWA |
	       VTCR_ORGN0_WBWA | VTCR_SH0_INNER | (ps << VTCR_PS_SHIFT);
}

void stage2_sync(void *ctx, const uint64_t *entries, size_t count)
{
	/* VTCR makes walks inner-shareable write-back: a barrier suffices. */
	dsb(ishst);
}

/* TLBIs by IPA act on the VMID in VTTBR_EL2: switch to the VM's briefly. */
void stage2_invalidate(void *ctx, uint64_t ipa, unsigned level, bool was_table)
{
	struct vm *vm = ctx;
	uint64_t saved = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, vm->vttbr);
	isb();
	if (was_table)
		__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	else
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12) : "memory");
	dsb(ish);
	/* Combined Stage-1+2 entries are not tagged by IPA. */
	__asm__ volatile("tlbi vmalle1is" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(vttbr_el2, saved);
	isb();
}

paddr_t stage2_table_pa(void *ctx, const uint64_t *table)
{
	return (paddr_t)(uintptr_t)table;
}

uint64_t *stage2_table_va(void *ctx, paddr_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

void stage2_flush_vmid(struct vm *vm)
{
	uint64_t saved = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, vm->vttbr);
	isb();
	__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(vttbr_el2, saved);
	isb();
}
