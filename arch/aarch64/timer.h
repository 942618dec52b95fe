/* The generic timer as the hypervisor's time base: CNTPCT for time, the EL2
 * physical timer (CNTHP) for deadlines. */
#ifndef HB_ARCH_TIMER_H
#define HB_ARCH_TIMER_H

#include "arch/aarch64/sysreg.h"

static inline uint64_t timer_freq(void)
{
	return read_sysreg(cntfrq_el0);
}

static inline uint64_t timer_now(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

static inline uint64_t timer_us_to_ticks(uint64_t us)
{
	return us * timer_freq() / 1000000;
}

/* Arms CNTHP to fire at absolute counter value `deadline`. */
static inline void hyp_timer_arm(uint64_t deadline)
{
	write_sysreg(cnthp_cval_el2, deadline);
	write_sysreg(cnthp_ctl_el2, 1);
	isb();
}

static inline void hyp_timer_disarm(void)
{
	write_sysreg(cnthp_ctl_el2, 0);
	isb();
}

/* Busy-waits; for boot and selftests only. */
static inline void timer_delay_us(uint64_t us)
{
	uint64_t end = timer_now() + timer_us_to_ticks(us);

	while (timer_now() < end)
		;
}

#endif
