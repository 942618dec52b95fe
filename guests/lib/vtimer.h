/* The EL1 virtual timer (CNTV_CTL/CVAL/TVAL_EL0) for the test guests; its
 * interrupt is PPI 27 (GIC_INTID_VTIMER). */
#ifndef HB_GUEST_VTIMER_H
#define HB_GUEST_VTIMER_H

#include "lib/types.h"

#define CNTV_CTL_ENABLE		BIT(0)
#define CNTV_CTL_IMASK		BIT(1)
#define CNTV_CTL_ISTATUS	BIT(2)

static inline uint64_t vtimer_ctl(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntv_ctl_el0" : "=r"(v) : : "memory");
	return v;
}

/* The ISB makes the new setting take effect before the caller goes on. */
static inline void vtimer_set_ctl(uint64_t v)
{
	__asm__ volatile("msr cntv_ctl_el0, %0\n\tisb" : : "r"(v) : "memory");
}

static inline uint64_t vtimer_cval(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntv_cval_el0" : "=r"(v) : : "memory");
	return v;
}

static inline void vtimer_set_cval(uint64_t v)
{
	__asm__ volatile("msr cntv_cval_el0, %0\n\tisb" : : "r"(v) : "memory");
}

/* TVAL is CVAL - CNTVCT as a signed 32-bit value: negative once expired. */
static inline int32_t vtimer_tval(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntv_tval_el0" : "=r"(v) : : "memory");
	return (int32_t)v;
}

static inline void vtimer_set_tval(uint64_t v)
{
	__asm__ volatile("msr cntv_tval_el0, %0\n\tisb" : : "r"(v) : "memory");
}

#endif
