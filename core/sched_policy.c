/* Scheduling decisions of one core (round robin, slice and timer deadlines)
 * kept free of hardware access; core/sched.c applies them. */
#include "core/sched_policy.h"
#include "core/vm.h"

#define CNTV_CTL_ENABLE	BIT(0)
#define CNTV_CTL_IMASK	BIT(1)

struct vcpu *sched_policy_pick(struct vcpu *runqueue, struct vcpu *prev, sched_start_fn start)
{
	struct vcpu *first = prev && prev->next_on_core ? prev->next_on_core : runqueue;
	struct vcpu *v = first;

	if (!v)
		return NULL;
	do {
		if (v->on_pending)
			start(v);
		/* A kick can race with the vCPU blocking: the waker saw it still
		 * runnable and changed nothing. Its irq_work survives, and the
		 * kick's SGI makes this core pick again, so check it here. */
		if (v->state == VCPU_BLOCKED && v->irq_work)
			v->state = VCPU_RUNNABLE;
		if (v->state == VCPU_RUNNABLE)
			return v;
		v = v->next_on_core ? v->next_on_core : runqueue;
	} while (v != first);
	return NULL;
}

bool sched_policy_others_runnable(const struct vcpu *runqueue, const struct vcpu *next)
{
	for (const struct vcpu *v = runqueue; v; v = v->next_on_core) {
		if (v != next && (v->state == VCPU_RUNNABLE || v->on_pending))
			return true;
	}
	return false;
}

uint64_t sched_policy_vtimer_deadline(const struct vcpu *v)
{
	if ((v->el1.cntv_ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
		return SCHED_NO_DEADLINE;
	return v->el1.cntv_cval + v->vm->cntvoff;
}

uint64_t sched_policy_deadline(const struct vcpu *runqueue, const struct vcpu *next, uint64_t now,
			       uint64_t slice_ticks)
{
	uint64_t deadline = SCHED_NO_DEADLINE;

	if (next && sched_policy_others_runnable(runqueue, next))
		deadline = now + slice_ticks;
	for (const struct vcpu *v = runqueue; v; v = v->next_on_core) {
		if (v->state == VCPU_BLOCKED && !v->loaded)
			deadline = MIN(deadline, sched_policy_vtimer_deadline(v));
	}
	return deadline;
}

unsigned sched_policy_expire(struct vcpu *runqueue, uint64_t now)
{
	unsigned woken = 0;

	for (struct vcpu *v = runqueue; v; v = v->next_on_core) {
		if (v->state == VCPU_BLOCKED && !v->loaded && sched_policy_vtimer_deadline(v) <= now) {
			v->state = VCPU_RUNNABLE;	/* its timer fires once it is loaded */
			woken++;
		}
	}
	return woken;
}
