/* A recording IRQ handler for the test guests: every interrupt a vCPU takes
 * is acknowledged, logged (INTID, source, nesting, time) and completed, so a
 * test can check what arrived, in which order, and when. */
#ifndef HB_GUEST_IRQ_LOG_H
#define HB_GUEST_IRQ_LOG_H

#include "guests/lib/gic.h"

#define IRQ_LOG_MAX_EVENTS	32

struct irq_event {
	uint16_t intid;
	uint8_t source;		/* GICC_IAR.CPUID (SGIs) */
	uint8_t depth;		/* handlers already running on this vCPU */
	uint32_t timer_ctl;	/* CNTV_CTL_EL0 at entry, for the virtual timer */
	uint64_t when;		/* CNTVCT_EL0 at entry */
};

/*
 * One per vCPU. `during` (optional) runs between acknowledge and completion
 * and returns true when it completed the interrupt itself. With split_eoi
 * the handler writes DIR after EOIR (for GIC_CPU_CTLR_EOIMODE). The virtual
 * timer is disabled when its interrupt is taken, since its output is a level.
 */
struct irq_log {
	volatile unsigned count;	/* may exceed IRQ_LOG_MAX_EVENTS; ev[] keeps the first */
	volatile unsigned spurious;	/* IAR reads of 1023 */
	volatile unsigned depth;
	bool (*volatile during)(uint32_t iar);
	volatile bool split_eoi;
	struct irq_event ev[IRQ_LOG_MAX_EVENTS];
};

/* Routes IRQs to the recorder (gic_set_irq_handler). */
void irq_log_install(void);
struct irq_log *irq_log_of(unsigned cpu);
/* Empties the log and drops `during` (split_eoi is kept). */
void irq_log_reset(struct irq_log *log);
/* With PSTATE.I clear, waits until the log holds n events; true if it does.
 * Returns with PSTATE.I set. */
bool irq_log_wait(struct irq_log *log, unsigned n, uint64_t timeout_us);
/* Clears PSTATE.I for `us`; true if nothing was taken meanwhile. */
bool irq_log_quiet(struct irq_log *log, uint64_t us);
/* Was intid from source logged? */
bool irq_log_took(const struct irq_log *log, unsigned intid, unsigned source);
/* "intid/s<source>/d<depth>,..." of the log, for FAIL lines (static buffer). */
const char *irq_log_str(const struct irq_log *log);

#endif
