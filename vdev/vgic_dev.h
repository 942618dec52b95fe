/* Binds the virtual GIC (vgic.c) to a VM and to this core's GICH frame, and
 * owns the virtual timer's interrupt path. */
#ifndef HB_VDEV_VGIC_DEV_H
#define HB_VDEV_VGIC_DEV_H

#include "core/vcpu.h"
#include "drivers/gicv2.h"
#include "lib/types.h"
#include "board.h"

struct vm;

/* Emulated GICD at `gicd_ipa`; guest GICC is Stage-2 mapped to GICV. */
int vm_add_vgic(struct vm *vm, ipa_t gicd_ipa, ipa_t gicc_ipa);
/* Per-core interrupt set-up: maintenance and virtual-timer PPIs. */
void vgic_dev_init_cpu(void);
/* vCPU moves onto / off this core. */
void vgic_dev_load(struct vcpu *v);
void vgic_dev_save(struct vcpu *v);
/* Before entering v: put newly pending interrupts into list registers. */
void vgic_dev_flush(struct vcpu *v);
/* For WFI: does v have an interrupt to take? */
bool vgic_dev_has_pending(struct vcpu *v);
/* Physical SPI `intid` belongs to `vm`: route it to the core of vCPU 0. */
void vgic_dev_assign_spi(struct vm *vm, unsigned intid);

/* The virtual timer of v, the vCPU loaded on this core, fired: into a list
 * register at once when that needs no decision (vgic_inject_hw_fast), the
 * steady state inline with a direct GICH write. False, with nothing done,
 * when the general injection must do it. */
static inline bool vgic_dev_vtimer_fast(struct vcpu *v)
{
	uint32_t lr;
	int n;

	if (!v->vgic_cpu)
		return false;
	n = vgic_hw_fast_reuse(v->vgic_cpu, BOARD_IRQ_VIRT_TIMER, gich_read(GICH_ELRSR0), &lr);
	if (n >= 0) {
		gich_write(GICH_LR0 + 4 * (uint32_t)n, lr);
		return true;
	}
	return vgic_inject_hw_fast(v->vgic_cpu->vgic, v->id, BOARD_IRQ_VIRT_TIMER);
}

#endif
