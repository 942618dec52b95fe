/* GIC-400 driver. EOImode=1 splits completion into priority drop (EOIR) and
 * deactivation (DIR): the vGIC needs that so a guest's deactivation of a
 * HW-linked virtual interrupt deactivates the physical one. Interrupts stay in
 * their reset group: QEMU's GIC has no Security Extensions, a Raspberry Pi's
 * is seen from Non-secure, and bit 0 of GICD_CTLR/GICC_CTLR enables the usable
 * group in both views. */
#include "drivers/gicv2.h"
#include "arch/aarch64/sysreg.h"
#include "drivers/gicv2_regs.h"

#define GICC_CTLR_ENABLE	BIT(0)
#define GICC_CTLR_EOIMODE	BIT(9)

struct gic_info gic;

static inline volatile uint32_t *gicd_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(gic.gicd + off);
}

static inline volatile uint8_t *gicd_reg8(uint32_t off)
{
	return (volatile uint8_t *)(uintptr_t)(gic.gicd + off);
}

static inline volatile uint32_t *gicc_reg(uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(gic.gicc + off);
}

void gic_init_distributor(paddr_t gicd, paddr_t gicc, paddr_t gich, paddr_t gicv)
{
	gic.gicd = gicd;
	gic.gicc = gicc;
	gic.gich = gich;
	gic.gicv = gicv;
	gic.nr_irqs = ((*gicd_reg(GICD_TYPER) & 0x1f) + 1) * 32;
	if (gic.nr_irqs > 1020)
		gic.nr_irqs = 1020;
	gic.nr_lrs = (gich_read(GICH_VTR) & 0x3f) + 1;

	*gicd_reg(GICD_CTLR) = 0;
	for (unsigned i = 32; i < gic.nr_irqs; i += 32) {
		*gicd_reg(GICD_ICENABLER + i / 8) = ~0u;
		*gicd_reg(GICD_ICPENDR + i / 8) = ~0u;
		*gicd_reg(GICD_ICACTIVER + i / 8) = ~0u;
	}
	for (unsigned i = 32; i < gic.nr_irqs; i++) {
		*gicd_reg8(GICD_IPRIORITYR + i) = GIC_PRIO_GUEST;
		*gicd_reg8(GICD_ITARGETSR + i) = 0;
	}
	*gicd_reg(GICD_CTLR) = 1;
}

void gic_init_cpu_interface(void)
{
	/* Banked registers of this core: SGIs on, PPIs off until used. */
	*gicd_reg(GICD_ICENABLER) = 0xffff0000u;
	*gicd_reg(GICD_ICPENDR) = ~0u;
	*gicd_reg(GICD_ICACTIVER) = ~0u;
	for (unsigned i = 0; i < 32; i++)
		*gicd_reg8(GICD_IPRIORITYR + i) = GIC_PRIO_HYP;
	*gicd_reg(GICD_ISENABLER) = 0x0000ffffu;
	*gicc_reg(GICC_PMR) = GIC_PRIO_MASK;
	*gicc_reg(GICC_BPR) = 0;
	*gicc_reg(GICC_CTLR) = GICC_CTLR_ENABLE | GICC_CTLR_EOIMODE;
	/* Virtual interface off until a vCPU runs here. */
	gich_write(GICH_HCR, 0);
}

uint8_t gic_this_cpu_mask(void)
{
	return *gicd_reg8(GICD_ITARGETSR);
}

void gic_deactivate(uint32_t iar)
{
	*gicc_reg(GICC_DIR) = iar;
}

void gic_enable(unsigned intid)
{
	*gicd_reg(GICD_ISENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

void gic_disable(unsigned intid)
{
	*gicd_reg(GICD_ICENABLER + (intid / 32) * 4) = 1u << (intid % 32);
}

void gic_set_priority(unsigned intid, uint8_t prio)
{
	*gicd_reg8(GICD_IPRIORITYR + intid) = prio;
}

void gic_set_target(unsigned intid, uint8_t cpu_mask)
{
	*gicd_reg8(GICD_ITARGETSR + intid) = cpu_mask;
}

void gic_set_level_triggered(unsigned intid, bool level)
{
	volatile uint32_t *cfg = gicd_reg(GICD_ICFGR + (intid / 16) * 4);
	uint32_t edge_bit = 2u << ((intid % 16) * 2);

	*cfg = level ? (*cfg & ~edge_bit) : (*cfg | edge_bit);
}

bool gic_is_active(unsigned intid)
{
	return *gicd_reg(GICD_ISACTIVER + (intid / 32) * 4) & (1u << (intid % 32));
}

void gic_set_active(unsigned intid, bool active)
{
	uint32_t off = (active ? GICD_ISACTIVER : GICD_ICACTIVER) + (intid / 32) * 4;

	*gicd_reg(off) = 1u << (intid % 32);
}

void gic_clear_pending(unsigned intid)
{
	*gicd_reg(GICD_ICPENDR + (intid / 32) * 4) = 1u << (intid % 32);
}

void gic_send_sgi(uint8_t cpu_mask, unsigned sgi)
{
	dsb(ishst);
	*gicd_reg(GICD_SGIR) = ((uint32_t)cpu_mask << 16) | (sgi & 0xf);
}

void gic_send_sgi_others(unsigned sgi)
{
	dsb(ishst);
	*gicd_reg(GICD_SGIR) = (1u << 24) | (sgi & 0xf);
}
