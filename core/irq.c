/* Dispatch of the hypervisor's own physical interrupts. */
#include "core/irq.h"
#include "arch/aarch64/frame.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/percpu.h"
#include "drivers/gicv2.h"
#include "lib/check.h"

struct irq_slot {
	irq_handler_fn fn;
	void *ctx;
};

static struct irq_slot irq_table[IRQ_TABLE_SIZE];

void irq_register(unsigned intid, irq_handler_fn fn, void *ctx)
{
	CHECK(intid < IRQ_TABLE_SIZE);
	irq_table[intid].ctx = ctx;
	irq_table[intid].fn = fn;
}

static int logical_cpu_of_interface(unsigned iface)
{
	for (unsigned i = 0; i < cpu_count; i++) {
		if (cpus[i].gic_mask == (1u << iface))
			return (int)i;
	}
	return -1;
}

bool irq_dispatch(uint32_t iar)
{
	unsigned intid = iar & GIC_INTID_MASK;
	int source = -1;
	bool deactivate = true;

	/* 1020-1023 are special IDs: nothing to complete. */
	if (intid >= 1020)
		return false;
	this_cpu()->irq_count++;
	if (intid < 16)
		source = logical_cpu_of_interface((iar >> 10) & 7);
	if (intid == SGI_STOP)
		stop_this_core();
	if (irq_table[intid].fn) {
		deactivate = irq_table[intid].fn(intid, source, irq_table[intid].ctx);
	} else {
		/* An SPI no VM owns: logged once, then it stays off. */
		log_warn("interrupt %u has no owner: disabled", intid);
		gic_disable(intid);
	}
	gic_priority_drop(iar);
	if (deactivate)
		gic_deactivate(iar);
	return true;
}

void irq_handle_pending(void)
{
	while (irq_dispatch(gic_acknowledge()))
		;
}

void hyp_irq_handler(struct trap_frame *f)
{
	irq_handle_pending();
}
