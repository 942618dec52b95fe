/* Per-core vCPU scheduling: each vCPU is pinned to one physical core. */
#ifndef HB_CORE_SCHED_H
#define HB_CORE_SCHED_H

#include "core/percpu.h"
#include "core/vcpu.h"

void sched_init(void);
void sched_set_time_slice(uint32_t us);
void sched_attach(struct vcpu *v);
/* Makes v runnable (CPU_ON pending, or WFI ended) and nudges its core. */
void sched_wake(struct vcpu *v);
/* Makes v's core re-evaluate what it runs (e.g. its VM was stopped). */
void sched_kick(struct vcpu *v);
/* Called at the end of every exit: the vCPU to enter next. May idle. */
struct vcpu *sched_pick_slow(struct vcpu *prev);
/* Runs vCPUs on this core forever. */
void sched_run_core(void) __attribute__((noreturn));

void vgic_dev_flush(struct vcpu *v);

/* After an exit that raised `attention`: the vCPU to enter next. */
static inline struct vcpu *sched_next(struct vcpu *prev)
{
	if (prev->state == VCPU_RUNNABLE && !this_cpu()->need_resched) {
		if (prev->irq_work)
			vgic_dev_flush(prev);
		return prev;
	}
	return sched_pick_slow(prev);
}

/* Takes v's state off this core (its VM stopped, or another vCPU comes). */
void sched_unload(struct vcpu *v);

#endif
