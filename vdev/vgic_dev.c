/* Glue between the pure vGIC model and the machine: GICH register access
 * for the calling core, kicks between cores, the GICD trap window, the
 * maintenance interrupt, the virtual timer and passthrough SPIs. */
#include "vdev/vgic_dev.h"
#include "arch/aarch64/sysreg.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/percpu.h"
#include "core/sched.h"
#include "core/vm.h"
#include "drivers/gicv2.h"
#include "board.h"

static uint32_t hw_read_lr(unsigned n) { return gich_read(GICH_LR0 + 4 * n); }
static void hw_write_lr(unsigned n, uint32_t v) { gich_write(GICH_LR0 + 4 * n, v); }
static uint32_t hw_read_elrsr0(void) { return gich_read(GICH_ELRSR0); }
static uint32_t hw_read_eisr0(void) { return gich_read(GICH_EISR0); }
static uint32_t hw_read_misr(void) { return gich_read(GICH_MISR); }
static uint32_t hw_read_hcr(void) { return gich_read(GICH_HCR); }
static void hw_write_hcr(uint32_t v) { gich_write(GICH_HCR, v); }
static uint32_t hw_read_vmcr(void) { return gich_read(GICH_VMCR); }
static void hw_write_vmcr(uint32_t v) { gich_write(GICH_VMCR, v); }
static uint32_t hw_read_apr(void) { return gich_read(GICH_APR); }
static void hw_write_apr(uint32_t v) { gich_write(GICH_APR, v); }

static void hw_deactivate_phys(void *ctx, unsigned pirq)
{
	gic_deactivate(pirq);
}

static void hw_kick(void *ctx, unsigned vcpu_id)
{
	struct vm *vm = ctx;
	struct vcpu *v = &vm->vcpus[vcpu_id];

	v->irq_work = true;
	dmb(ishst);
	vcpu_attention(v);
	if (v->loaded && v->pcpu == this_cpu()->id && v->state == VCPU_RUNNABLE)
		return;		/* flushed on the way back into the guest */
	sched_wake(v);
}

static const struct vgic_hw_ops gich_ops = {
	.read_lr = hw_read_lr,
	.write_lr = hw_write_lr,
	.read_elrsr0 = hw_read_elrsr0,
	.read_eisr0 = hw_read_eisr0,
	.read_misr = hw_read_misr,
	.read_hcr = hw_read_hcr,
	.write_hcr = hw_write_hcr,
	.read_vmcr = hw_read_vmcr,
	.write_vmcr = hw_write_vmcr,
	.read_apr = hw_read_apr,
	.write_apr = hw_write_apr,
	.deactivate_phys = hw_deactivate_phys,
	.kick = hw_kick,
};

static bool gicd_read(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t *val)
{
	uint32_t word = 0;

	/* Disallowed widths read as zero (RAZ/WI), as on the real part. */
	vgic_dist_read(&v->vm->vgic, v->id, (uint32_t)offset, size, &word);
	*val = word;
	return true;
}

static bool gicd_write(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t val)
{
	vgic_dist_write(&v->vm->vgic, v->id, (uint32_t)offset, size, (uint32_t)val);
	return true;
}

static const struct mmio_ops gicd_ops = {
	.read = gicd_read,
	.write = gicd_write,
};

int vm_add_vgic(struct vm *vm, ipa_t gicd_ipa, ipa_t gicc_ipa)
{
	unsigned nr_irqs = MIN(gic.nr_irqs, VGIC_MAX_IRQS) & ~31u;

	if (!vgic_init(&vm->vgic, vm->vcpu_count, nr_irqs, gic.nr_lrs, &gich_ops, vm))
		return -1;
	vm->has_vgic = true;
	for (unsigned i = 0; i < vm->vcpu_count; i++)
		vm->vcpus[i].vgic_cpu = &vm->vgic.cpu[i];
	if (vm_map_device(vm, gicc_ipa, gic.gicv, 0x2000))
		return -1;
	return mmio_register(&vm->mmio, gicd_ipa, GICD_SIZE, &gicd_ops, vm, "vgicd");
}

/* The running vCPU's virtual timer fired. The physical PPI stays active
 * until the guest deactivates the HW-linked virtual one, which also keeps
 * the level-triggered line from firing again meanwhile. */
static bool on_virt_timer(unsigned intid, int source, void *ctx)
{
	struct vcpu *v = this_cpu()->current;

	if (!v || !v->loaded || !v->vm->has_vgic) {
		write_sysreg(cntv_ctl_el0, 0);	/* nobody to deliver it to */
		return true;
	}
	vgic_inject_hw(&v->vm->vgic, v->id, intid, intid);
	return false;
}

static bool on_maintenance(unsigned intid, int source, void *ctx)
{
	struct vcpu *v = this_cpu()->current;

	if (v && v->loaded && v->vm->has_vgic)
		vgic_maintenance(&v->vm->vgic, v->id);
	else
		gich_write(GICH_HCR, 0);
	return true;
}

static bool on_passthrough_spi(unsigned intid, int source, void *ctx)
{
	struct vm *vm = ctx;

	if (vm->state != VM_RUNNING) {
		gic_disable(intid);
		return true;
	}
	vgic_inject_hw(&vm->vgic, 0, intid, intid);
	return false;
}

void vgic_dev_assign_spi(struct vm *vm, unsigned intid)
{
	irq_register(intid, on_passthrough_spi, vm);
	gic_set_target(intid, cpus[vm->vcpus[0].pcpu].gic_mask);
	gic_enable(intid);
}

void vgic_dev_init_cpu(void)
{
	irq_register(BOARD_IRQ_VIRT_TIMER, on_virt_timer, NULL);
	irq_register(BOARD_IRQ_MAINTENANCE, on_maintenance, NULL);
	gic_set_level_triggered(BOARD_IRQ_VIRT_TIMER, true);
	gic_set_priority(BOARD_IRQ_VIRT_TIMER, GIC_PRIO_GUEST);
	gic_enable(BOARD_IRQ_VIRT_TIMER);
	gic_enable(BOARD_IRQ_MAINTENANCE);
}

void vgic_dev_load(struct vcpu *v)
{
	if (!v->vm->has_vgic)
		return;
	vgic_vcpu_restore(&v->vm->vgic, v->id, &v->gich_ctx);
	/* The physical timer PPI's active state belongs to this vCPU. */
	gic_set_active(BOARD_IRQ_VIRT_TIMER, v->vtimer_active);
}

void vgic_dev_save(struct vcpu *v)
{
	if (!v->vm->has_vgic)
		return;
	/* Saving syncs the LRs, which may itself deactivate PPI 27: sample its
	 * active state only afterwards. */
	vgic_vcpu_save(&v->vm->vgic, v->id, &v->gich_ctx);
	v->vtimer_active = gic_is_active(BOARD_IRQ_VIRT_TIMER);
	if (v->vtimer_active)
		gic_set_active(BOARD_IRQ_VIRT_TIMER, false);
}

void vgic_dev_flush(struct vcpu *v)
{
	v->irq_work = false;
	if (v->vm->has_vgic)
		vgic_flush_lrs(&v->vm->vgic, v->id);
}

bool vgic_dev_has_pending(struct vcpu *v)
{
	if (!v->vm->has_vgic)
		return false;
	if (v->loaded)
		vgic_sync_lrs(&v->vm->vgic, v->id);
	return vgic_vcpu_has_pending(&v->vm->vgic, v->id);
}
