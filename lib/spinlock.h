/* Ticket spinlock. Exclusives need cacheable memory on real hardware, so locks
 * are only taken once the MMU and caches are on; the host build is a no-op
 * (unit tests are single-threaded). */
#ifndef HB_LIB_SPINLOCK_H
#define HB_LIB_SPINLOCK_H

#include "lib/types.h"

typedef struct {
	volatile uint16_t owner;
	volatile uint16_t next;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

#ifdef HB_HOST
static inline void spin_lock(spinlock_t *l) { l->next++; l->owner = l->next - 1; }
static inline void spin_unlock(spinlock_t *l) { l->owner++; }
#else
static inline void spin_lock(spinlock_t *l)
{
	uint32_t tmp, ticket, newval;

	/* Take a ticket atomically, then wait (in WFE) until it is served; the
	 * unlocking store-release wakes waiters via the exclusive monitor. */
	__asm__ volatile(
		"1:	ldaxrh	%w[ticket], [%[next]]\n"
		"	add	%w[newval], %w[ticket], #1\n"
		"	stxrh	%w[tmp], %w[newval], [%[next]]\n"
		"	cbnz	%w[tmp], 1b\n"
		"	ldarh	%w[tmp], [%[owner]]\n"
		"	cmp	%w[tmp], %w[ticket]\n"
		"	b.eq	3f\n"
		"	sevl\n"
		"2:	wfe\n"
		"	ldaxrh	%w[tmp], [%[owner]]\n"
		"	cmp	%w[tmp], %w[ticket]\n"
		"	b.ne	2b\n"
		"3:\n"
		: [ticket] "=&r"(ticket), [newval] "=&r"(newval), [tmp] "=&r"(tmp)
		: [next] "r"(&l->next), [owner] "r"(&l->owner)
		: "memory", "cc");
}

static inline void spin_unlock(spinlock_t *l)
{
	__asm__ volatile("stlrh %w0, [%1]" : : "r"(l->owner + 1), "r"(&l->owner) : "memory");
}
#endif

#endif
