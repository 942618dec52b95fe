/* The scheduler's decisions as pure functions of a core's run queue: which
 * vCPU runs next and when CNTHP must fire. No hardware access, so the host
 * unit test (tests/unit/test_sched_policy.c) drives them directly. */
#ifndef HB_CORE_SCHED_POLICY_H
#define HB_CORE_SCHED_POLICY_H

#include "core/vcpu.h"

#define SCHED_NO_DEADLINE UINT64_MAX

/* Starts a vCPU whose PSCI CPU_ON (or VM start) is pending. */
typedef void (*sched_start_fn)(struct vcpu *v);

/* Round robin: the first runnable vCPU after prev (from the head when prev
 * is NULL or last), prev itself last. Pending starts are started on the way,
 * and a blocked vCPU with new interrupts becomes runnable. NULL: none. */
struct vcpu *sched_policy_pick(struct vcpu *runqueue, struct vcpu *prev, sched_start_fn start);

/* True if a vCPU other than next can run (or is about to start) here. */
bool sched_policy_others_runnable(const struct vcpu *runqueue, const struct vcpu *next);

/* Physical-counter time of v's virtual timer, if armed and not masked; only
 * meaningful while v is not loaded (its CNTV_* are in v->el1). */
uint64_t sched_policy_vtimer_deadline(const struct vcpu *v);

/* Absolute CNTHP deadline after picking next (NULL: idle): the end of the
 * slice if another vCPU is runnable, and the earliest virtual timer of a
 * blocked vCPU that is not loaded. SCHED_NO_DEADLINE: no tick at all. */
uint64_t sched_policy_deadline(const struct vcpu *runqueue, const struct vcpu *next, uint64_t now,
			       uint64_t slice_ticks);

/* CNTHP fired at `now`: blocked, unloaded vCPUs whose timer is due become
 * runnable. Returns how many. */
unsigned sched_policy_expire(struct vcpu *runqueue, uint64_t now);

#endif
