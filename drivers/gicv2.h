/* Physical GIC-400 / GICv2 driver: distributor, CPU interface, SGIs, and
 * access to the virtual-interface control frame (GICH) for the vGIC. */
#ifndef HB_DRIVERS_GICV2_H
#define HB_DRIVERS_GICV2_H

#include "lib/types.h"
#include "drivers/gicv2_regs.h"

#define GIC_SPURIOUS		1023
#define GIC_INTID_MASK		0x3ff
/* Priorities differ in bits [7:4] so every implemented priority width
 * distinguishes them. */
#define GIC_PRIO_HYP		0x40	/* SGIs, hypervisor timer, maintenance */
#define GIC_PRIO_GUEST		0xa0	/* interrupts forwarded to guests */
#define GIC_PRIO_MASK		0xf0

/* Hypervisor SGIs. */
#define SGI_STOP		15	/* fatal error elsewhere: halt this core */
#define SGI_KICK		14	/* re-evaluate pending virtual interrupts */
#define SGI_TEST		13	/* selftest ping */

struct gic_info {
	paddr_t gicd, gicc, gich, gicv;
	unsigned nr_irqs;		/* from GICD_TYPER */
	unsigned nr_lrs;		/* from GICH_VTR */
};
extern struct gic_info gic;

void gic_init_distributor(paddr_t gicd, paddr_t gicc, paddr_t gich, paddr_t gicv);
void gic_init_cpu_interface(void);
/* The CPU-interface bit of this core (ITARGETSR0 reads it). */
uint8_t gic_this_cpu_mask(void);

/* Inline: every interrupt exit runs both. */
static inline uint32_t gic_acknowledge(void)
{
	return *(volatile uint32_t *)(uintptr_t)(gic.gicc + GICC_IAR);
}

static inline void gic_priority_drop(uint32_t iar)
{
	*(volatile uint32_t *)(uintptr_t)(gic.gicc + GICC_EOIR) = iar;
}
void gic_deactivate(uint32_t iar);

void gic_enable(unsigned intid);
void gic_disable(unsigned intid);
void gic_set_priority(unsigned intid, uint8_t prio);
void gic_set_target(unsigned intid, uint8_t cpu_mask);
void gic_set_level_triggered(unsigned intid, bool level);
bool gic_is_active(unsigned intid);
void gic_set_active(unsigned intid, bool active);
void gic_clear_pending(unsigned intid);
void gic_send_sgi(uint8_t cpu_mask, unsigned sgi);
void gic_send_sgi_others(unsigned sgi);

/* GICH (virtual interface control) registers for the vGIC. */
#define GICH_HCR	0x000
#define GICH_VTR	0x004
#define GICH_VMCR	0x008
#define GICH_MISR	0x010
#define GICH_EISR0	0x020
#define GICH_ELRSR0	0x030
#define GICH_APR	0x0f0
#define GICH_LR0	0x100

static inline uint32_t gich_read(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(gic.gich + off);
}

static inline void gich_write(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)(gic.gich + off) = val;
}

#endif
