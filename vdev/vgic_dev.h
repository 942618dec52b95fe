/* Binds the virtual GIC (vgic.c) to a VM and to this core's GICH frame, and
 * owns the virtual timer's interrupt path. */
#ifndef HB_VDEV_VGIC_DEV_H
#define HB_VDEV_VGIC_DEV_H

#include "lib/types.h"

struct vm;
struct vcpu;

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

#endif
