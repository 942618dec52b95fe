/* Exception dispatch for the test guests: test hooks, per-vCPU fault probes,
 * the EL0 exit call, and the GUEST-EXCEPTION report for anything unexpected. */
#include "guests/lib/rt.h"

struct fault_probe {
	volatile bool armed;
	enum rt_fault_action action;
	struct rt_fault seen;
};

static struct fault_probe probes[RT_MAX_CPUS];
static rt_exception_hook_t volatile exception_hook;

/* x19..x30, sp, daif saved by rt_run_el0 (vectors.S), 128 bytes per vCPU. */
uint64_t rt_el0_ctx[RT_MAX_CPUS][16] __attribute__((aligned(16)));

static const char *const vector_names[] = {
	"cur-sp0-sync", "cur-sp0-irq", "cur-sp0-fiq", "cur-sp0-serror",
	"cur-spx-sync", "cur-spx-irq", "cur-spx-fiq", "cur-spx-serror",
	"low64-sync", "low64-irq", "low64-fiq", "low64-serror",
	"low32-sync", "low32-irq", "low32-fiq", "low32-serror",
};

void rt_set_exception_hook(rt_exception_hook_t hook)
{
	exception_hook = hook;
	__asm__ volatile("dsb ish" : : : "memory");
}

void rt_fault_expect(enum rt_fault_action action)
{
	struct fault_probe *p = &probes[rt_cpu_id()];

	p->action = action;
	p->seen = (struct rt_fault){ 0 };
	p->armed = true;
	__asm__ volatile("" : : : "memory");
}

unsigned rt_fault_end(struct rt_fault *first)
{
	struct fault_probe *p = &probes[rt_cpu_id()];

	__asm__ volatile("" : : : "memory");
	p->armed = false;
	if (first)
		*first = p->seen;
	return p->seen.count;
}

static bool is_sync(enum rt_vector vec)
{
	return vec == RT_VEC_CUR_SP0_SYNC || vec == RT_VEC_CUR_SPX_SYNC ||
	       vec == RT_VEC_LOW64_SYNC || vec == RT_VEC_LOW32_SYNC;
}

static bool probe_recover(struct rt_frame *f, enum rt_vector vec)
{
	struct fault_probe *p = &probes[rt_cpu_id()];

	if (!p->armed || !is_sync(vec))
		return false;
	if (p->seen.count++ == 0) {
		p->seen.vec = vec;
		p->seen.esr = f->esr;
		p->seen.far = f->far;
		p->seen.elr = f->elr;
		p->seen.spsr = f->spsr;
	}
	if (p->action == RT_FAULT_RETURN)
		f->elr = f->x[30];
	else
		f->elr += 4;
	return true;
}

void rt_handle_exception(struct rt_frame *f, enum rt_vector vec)
{
	rt_exception_hook_t hook = exception_hook;

	if (hook && hook(f, vec))
		return;
	if (vec == RT_VEC_LOW64_SYNC && ESR_EC(f->esr) == EC_SVC64 &&
	    (f->esr & 0xffff) == RT_EL0_EXIT_SVC)
		rt_el0_return(f->x[0]);
	if (probe_recover(f, vec))
		return;

	rt_printf("GUEST-EXCEPTION %s: ESR=0x%llx ELR=0x%llx FAR=0x%llx SPSR=0x%llx vector=%s vCPU=%u\n",
		  rt_test_name, (unsigned long long)f->esr, (unsigned long long)f->elr,
		  (unsigned long long)f->far, (unsigned long long)f->spsr,
		  vec < ARRAY_SIZE(vector_names) ? vector_names[vec] : "?", rt_cpu_id());
	rt_abort(NULL);	/* the GUEST-EXCEPTION line says it all */
}
