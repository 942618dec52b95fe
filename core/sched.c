/* The vCPU scheduler: every core runs the vCPUs pinned to it round-robin.
 * A core shared by several runnable vCPUs gets a CNTHP tick every time
 * slice; a vCPU alone on its core runs with no tick at all (static
 * partitioning). A blocked vCPU that is not loaded has its virtual timer
 * watched by CNTHP instead, so its WFI still ends on time. An idle core
 * sleeps in WFI. */
#include "core/sched.h"
#include "core/sched_policy.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "arch/aarch64/vcpu_arch.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/vm.h"
#include "drivers/gicv2.h"
#include "vdev/vgic_dev.h"
#include "board.h"

void vcpu_first_entry(struct vcpu *v, uint64_t stack_top) __attribute__((noreturn));
extern uint8_t hyp_stacks[MAX_CPUS][HYP_STACK_SIZE];

static uint64_t slice_ticks;

void sched_set_time_slice(uint32_t us)
{
	slice_ticks = timer_us_to_ticks(us);
}

void sched_attach(struct vcpu *v)
{
	struct cpu *c = &cpus[v->pcpu];
	struct vcpu **link = &c->runqueue;

	while (*link)
		link = &(*link)->next_on_core;
	v->next_on_core = NULL;
	*link = v;
}

void sched_kick(struct vcpu *v)
{
	struct cpu *c = &cpus[v->pcpu];

	c->need_resched = true;
	if (c != this_cpu())
		gic_send_sgi(c->gic_mask, SGI_KICK);
	else if (c->current)
		vcpu_attention(c->current);
}

void sched_wake(struct vcpu *v)
{
	if (v->state == VCPU_BLOCKED)
		v->state = VCPU_RUNNABLE;
	sched_kick(v);
}

static bool on_kick(unsigned intid, int source, void *ctx)
{
	struct cpu *c = this_cpu();

	c->need_resched = true;
	if (c->current)
		vcpu_attention(c->current);
	return true;
}

/* A CPU_ON accepted by PSCI becomes a fresh vCPU here, on its own core. */
static void start_pending(struct vcpu *v)
{
	if (!v->on_pending || v->vm->state != VM_RUNNING)
		return;
	v->on_pending = false;
	vcpu_arch_reset(v, v->on_entry, v->on_context);
	v->sw_clean_active = false;	/* a set/way clean of the last run */
	if (v->loaded)
		v->loaded = false;	/* reload the reset EL1 state */
	v->state = VCPU_RUNNABLE;
}

/* A vCPU with a virtual GIC is woken by the vGIC's kick when an interrupt
 * becomes pending for it. Without one, WFI may end on any interrupt (it is
 * allowed to end spuriously), so any interrupt on this core wakes it. */
static void wake_blocked(void)
{
	for (struct vcpu *v = this_cpu()->runqueue; v; v = v->next_on_core) {
		if (v->state == VCPU_BLOCKED && !v->vm->has_vgic)
			v->state = VCPU_RUNNABLE;
	}
}

void sched_unload(struct vcpu *v)
{
	if (!v->loaded)
		return;
	vgic_dev_save(v);
	vcpu_arch_save(v);
	if (this_cpu()->current == v)
		this_cpu()->current = NULL;
	vm_vcpu_unloaded(v->vm);
}

/* Next CNTHP deadline (sched_policy_deadline). Re-evaluated at every pick,
 * and every event that makes another vCPU of this core runnable leads to a
 * pick (a kick or the tick itself), so a slice is never missing for long. */
static void arm_tick(struct cpu *c, struct vcpu *next)
{
	uint64_t deadline = sched_policy_deadline(c->runqueue, next, timer_now(), slice_ticks);

	if (deadline == SCHED_NO_DEADLINE)
		hyp_timer_disarm();
	else
		hyp_timer_arm(deadline);
}

static bool on_tick(unsigned intid, int source, void *ctx)
{
	struct cpu *c = this_cpu();

	hyp_timer_disarm();
	sched_policy_expire(c->runqueue, timer_now());
	c->need_resched = true;
	if (c->current)
		vcpu_attention(c->current);
	return true;
}

static void switch_to(struct cpu *c, struct vcpu *next)
{
	struct vcpu *prev = c->current;

	if (prev && prev != next)
		sched_unload(prev);
	if (!next->loaded) {
		vcpu_arch_load(next);
		vgic_dev_load(next);
	}
	c->current = next;
	vgic_dev_flush(next);
}

struct vcpu *sched_pick_slow(struct vcpu *prev)
{
	struct cpu *c = this_cpu();

	for (;;) {
		struct vcpu *cur = c->current;
		struct vcpu *next;

		/* A vCPU that can no longer run leaves the core now (also one
		 * stopped while this core idled), so its VM can be restarted. */
		if (cur && cur->loaded && (cur->state == VCPU_STOPPED || cur->state == VCPU_OFF))
			sched_unload(cur);

		c->need_resched = false;
		next = sched_policy_pick(c->runqueue, prev, start_pending);
		if (next) {
			switch_to(c, next);
			arm_tick(c, next);
			return next;
		}
		arm_tick(c, NULL);
		/* Nothing to run: sleep until an interrupt. WFI runs with IRQs
		 * masked, so a kick that arrived since pick() stays pending and
		 * ends it; unmasking then takes it. Unmasking first would take
		 * the kick before the WFI, which would then sleep for good. */
		wfi();
		irq_enable();
		isb();
		irq_disable();
		wake_blocked();
	}
}

void sched_init(void)
{
	irq_register(SGI_KICK, on_kick, NULL);
}

void sched_run_core(void)
{
	struct cpu *c = this_cpu();
	struct vcpu *v;

	irq_register(BOARD_IRQ_HYP_TIMER, on_tick, NULL);
	gic_set_level_triggered(BOARD_IRQ_HYP_TIMER, true);
	gic_enable(BOARD_IRQ_HYP_TIMER);
	if (!slice_ticks)
		sched_set_time_slice(10000);
	c->stack_top = (uint64_t)(uintptr_t)hyp_stacks[c->id] + HYP_STACK_SIZE;
	v = sched_pick_slow(NULL);
	vcpu_first_entry(v, c->stack_top);
}
