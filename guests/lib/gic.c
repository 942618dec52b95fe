/* GICv2 set-up for the test guests and the IRQ route from the runtime's
 * exception hook to a test's handler. */
#include "guests/lib/gic.h"

static gic_irq_handler_t volatile irq_handler;

void gic_dist_enable(void)
{
	gicd_write(GIC_DIST_CTLR, 1);
}

void gic_cpu_enable(bool split_eoi)
{
	gicc_write(GIC_CPU_PMR, 0xff);
	/* Reads back as the implementation's minimum: every priority bit the
	 * GIC keeps then counts for preemption. */
	gicc_write(GIC_CPU_BPR, 0);
	gicc_write(GIC_CPU_CTLR, GIC_CPU_CTLR_ENABLE | (split_eoi ? GIC_CPU_CTLR_EOIMODE : 0));
}

void gic_reset_irqs(unsigned first, unsigned count)
{
	for (unsigned intid = first; intid < first + count; intid++) {
		gic_disable_irq(intid);
		gic_clear_pending(intid);
		gic_clear_active(intid);
	}
}

static bool route_irq(struct rt_frame *frame, enum rt_vector vec)
{
	gic_irq_handler_t handler = irq_handler;

	if (!handler || (vec != RT_VEC_CUR_SPX_IRQ && vec != RT_VEC_LOW64_IRQ))
		return false;
	handler(frame);
	return true;
}

void gic_set_irq_handler(gic_irq_handler_t handler)
{
	irq_handler = handler;
	rt_set_exception_hook(handler ? route_irq : NULL);
}
