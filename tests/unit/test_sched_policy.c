/* Host tests for core/sched_policy: round robin, when a slice tick is armed,
 * virtual-timer deadlines of blocked vCPUs, and a seeded random event model
 * in which no runnable vCPU ever waits for more than one round. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/sched_policy.h"
#include "core/vm.h"

#define SLICE 1000
#define NV 4

static struct vm vm;
static struct vcpu *rq;

static void start(struct vcpu *v)
{
	v->on_pending = false;
	v->state = VCPU_RUNNABLE;
}

/* n vCPUs on one core, all off. */
static void setup_core(unsigned n)
{
	memset(&vm, 0, sizeof(vm));
	for (unsigned i = 0; i < n; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].id = i;
		vm.vcpus[i].state = VCPU_OFF;
		vm.vcpus[i].next_on_core = i + 1 < n ? &vm.vcpus[i + 1] : NULL;
	}
	rq = &vm.vcpus[0];
}

static void test_empty_and_idle(void **state)
{
	setup_core(2);
	assert_null(sched_policy_pick(NULL, NULL, start));
	assert_null(sched_policy_pick(rq, NULL, start));
	assert_int_equal(sched_policy_deadline(rq, NULL, 5, SLICE), SCHED_NO_DEADLINE);
}

static void test_alone_runs_without_tick(void **state)
{
	struct vcpu *a = &vm.vcpus[0];

	setup_core(2);
	a->on_pending = true;
	assert_ptr_equal(sched_policy_pick(rq, NULL, start), a);
	assert_int_equal(a->state, VCPU_RUNNABLE);
	assert_int_equal(sched_policy_deadline(rq, a, 100, SLICE), SCHED_NO_DEADLINE);
	/* Picked again (an exit with need_resched), still alone. */
	assert_ptr_equal(sched_policy_pick(rq, a, start), a);
}

/* Issue 5's scenario: A runs alone with no tick; B's start is accepted on
 * another core, which kicks this one. The pick the kick causes must hand
 * the core to B and arm a slice, so A gets it back. */
static void test_second_start_while_first_runs(void **state)
{
	struct vcpu *a = &vm.vcpus[0], *b = &vm.vcpus[1];

	setup_core(2);
	a->state = VCPU_RUNNABLE;
	assert_ptr_equal(sched_policy_pick(rq, NULL, start), a);
	assert_int_equal(sched_policy_deadline(rq, a, 0, SLICE), SCHED_NO_DEADLINE);
	b->on_pending = true;			/* CPU_ON / VM start elsewhere */
	/* Even before the pick, a pending start counts as another runnable. */
	assert_true(sched_policy_others_runnable(rq, a));
	assert_ptr_equal(sched_policy_pick(rq, a, start), b);
	assert_int_equal(sched_policy_deadline(rq, b, 50, SLICE), 50 + SLICE);
	assert_ptr_equal(sched_policy_pick(rq, b, start), a);
	assert_int_equal(sched_policy_deadline(rq, a, 80, SLICE), 80 + SLICE);
}

static void test_round_robin_order(void **state)
{
	struct vcpu *cur = NULL;
	unsigned order[8];

	setup_core(3);
	for (unsigned i = 0; i < 3; i++)
		vm.vcpus[i].state = VCPU_RUNNABLE;
	for (unsigned i = 0; i < 8; i++) {
		cur = sched_policy_pick(rq, cur, start);
		order[i] = cur->id;
	}
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(order[i], i % 3);
	/* The middle one blocks: the other two alternate, prev last. */
	vm.vcpus[1].state = VCPU_BLOCKED;
	assert_ptr_equal(sched_policy_pick(rq, &vm.vcpus[0], start), &vm.vcpus[2]);
	assert_ptr_equal(sched_policy_pick(rq, &vm.vcpus[2], start), &vm.vcpus[0]);
	/* Only prev can run: it keeps the core, without a tick. */
	vm.vcpus[2].state = VCPU_OFF;
	assert_ptr_equal(sched_policy_pick(rq, &vm.vcpus[0], start), &vm.vcpus[0]);
	assert_int_equal(sched_policy_deadline(rq, &vm.vcpus[0], 0, SLICE), SCHED_NO_DEADLINE);
}

static void test_blocked_with_irq_work_runs(void **state)
{
	setup_core(2);
	vm.vcpus[0].state = VCPU_BLOCKED;
	vm.vcpus[0].irq_work = true;
	assert_ptr_equal(sched_policy_pick(rq, NULL, start), &vm.vcpus[0]);
	assert_int_equal(vm.vcpus[0].state, VCPU_RUNNABLE);
}

static void test_vtimer_deadlines(void **state)
{
	struct vcpu *a = &vm.vcpus[0], *b = &vm.vcpus[1], *c = &vm.vcpus[2];

	setup_core(3);
	vm.cntvoff = 1000;
	a->state = VCPU_RUNNABLE;
	b->state = VCPU_BLOCKED;
	b->el1.cntv_ctl = 1;		/* enabled, not masked */
	b->el1.cntv_cval = 500;		/* fires at physical 1500 */
	c->state = VCPU_BLOCKED;
	c->el1.cntv_ctl = 3;		/* masked: no deadline */
	c->el1.cntv_cval = 1;
	assert_int_equal(sched_policy_vtimer_deadline(b), 1500);
	assert_int_equal(sched_policy_vtimer_deadline(c), SCHED_NO_DEADLINE);
	/* a alone runnable: no slice, but b's timer is watched. */
	assert_int_equal(sched_policy_deadline(rq, a, 100, SLICE), 1500);
	/* The slice ends first when it is earlier. */
	b->el1.cntv_cval = 5000;
	c->state = VCPU_RUNNABLE;
	assert_int_equal(sched_policy_deadline(rq, a, 100, SLICE), 100 + SLICE);
	/* A loaded vCPU's timer is in hardware: not CNTHP's job. */
	c->state = VCPU_OFF;
	b->loaded = true;
	assert_int_equal(sched_policy_deadline(rq, a, 100, SLICE), SCHED_NO_DEADLINE);
	b->loaded = false;
	assert_int_equal(sched_policy_expire(rq, 5999), 0);
	assert_int_equal(b->state, VCPU_BLOCKED);
	assert_int_equal(sched_policy_expire(rq, 6000), 1);
	assert_int_equal(b->state, VCPU_RUNNABLE);
}

/* Seeded random model of one core: vCPUs block, wake, start and stop while
 * ticks and kicks make the core pick. Each event that makes a vCPU runnable
 * is followed by a pick, as sched_kick guarantees on the machine. Checked:
 * a slice is armed whenever another vCPU can run, and a runnable vCPU is
 * picked within NV picks. */
static void test_random_events(void **state)
{
	struct vcpu *cur = NULL;
	unsigned waited[NV] = { 0 };
	uint64_t now = 0;

	srand(5);
	setup_core(NV);
	for (unsigned step = 0; step < 200000; step++) {
		struct vcpu *v = &vm.vcpus[rand() % NV];

		switch (rand() % 6) {
		case 0:
			if (v->state == VCPU_OFF && !v->on_pending)
				v->on_pending = true;
			break;
		case 1:
			if (v == cur && v->state == VCPU_RUNNABLE)
				v->state = VCPU_BLOCKED;
			break;
		case 2:
			if (v->state == VCPU_BLOCKED)
				v->state = VCPU_RUNNABLE;
			break;
		case 3:
			if (rand() % 8 == 0)
				v->state = VCPU_OFF;
			break;
		default:
			break;		/* the tick alone */
		}
		now += 1 + rand() % SLICE;
		cur = sched_policy_pick(rq, cur, start);
		uint64_t deadline = sched_policy_deadline(rq, cur, now, SLICE);

		if (cur && sched_policy_others_runnable(rq, cur))
			assert_true(deadline <= now + SLICE);
		for (unsigned i = 0; i < NV; i++) {
			struct vcpu *w = &vm.vcpus[i];

			waited[i] = (w == cur || w->state != VCPU_RUNNABLE) ? 0 : waited[i] + 1;
			assert_true(waited[i] < NV);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_idle),
		cmocka_unit_test(test_alone_runs_without_tick),
		cmocka_unit_test(test_second_start_while_first_runs),
		cmocka_unit_test(test_round_robin_order),
		cmocka_unit_test(test_blocked_with_irq_work_runs),
		cmocka_unit_test(test_vtimer_deadlines),
		cmocka_unit_test(test_random_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
