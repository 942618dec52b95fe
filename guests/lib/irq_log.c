/* The recording IRQ handler: acknowledge, log, optional test hook, complete. */
#include "guests/lib/irq_log.h"
#include "guests/lib/vtimer.h"

static struct irq_log logs[RT_MAX_CPUS];

static void dmb(void)
{
	__asm__ volatile("dmb ish" : : : "memory");
}

struct irq_log *irq_log_of(unsigned cpu)
{
	return &logs[cpu % RT_MAX_CPUS];
}

static void record_irq(struct rt_frame *frame)
{
	uint64_t now = rt_cntvct();
	struct irq_log *log = irq_log_of(rt_cpu_id());
	uint32_t iar = gic_ack();
	unsigned intid = GIC_IAR_INTID(iar), n;
	bool (*during)(uint32_t) = log->during;
	bool completed = false;

	if (intid == GIC_SPURIOUS) {
		log->spurious++;
		return;
	}
	n = log->count;
	if (n < IRQ_LOG_MAX_EVENTS) {
		log->ev[n] = (struct irq_event){ .intid = (uint16_t)intid,
						 .source = (uint8_t)GIC_IAR_CPUID(iar),
						 .depth = (uint8_t)log->depth, .when = now };
		if (intid == GIC_INTID_VTIMER)
			log->ev[n].timer_ctl = (uint32_t)vtimer_ctl();
	}
	dmb();
	log->count = n + 1;
	if (intid == GIC_INTID_VTIMER)
		vtimer_set_ctl(0);
	log->depth++;
	if (during)
		completed = during(iar);
	log->depth--;
	if (completed)
		return;
	gic_eoi(iar);
	if (log->split_eoi)
		gic_deactivate(iar);
}

void irq_log_install(void)
{
	gic_set_irq_handler(record_irq);
}

void irq_log_reset(struct irq_log *log)
{
	log->during = NULL;
	log->spurious = 0;
	dmb();
	log->count = 0;
}

bool irq_log_wait(struct irq_log *log, unsigned n, uint64_t timeout_us)
{
	uint64_t start = rt_cntvct(), limit = timeout_us * rt_cntfrq() / 1000000;
	bool ok;

	cpu_irq_unmask();
	while (log->count < n && rt_cntvct() - start < limit)
		;
	cpu_irq_mask();
	ok = log->count >= n;
	dmb();
	return ok;
}

bool irq_log_quiet(struct irq_log *log, uint64_t us)
{
	unsigned before = log->count;

	cpu_irq_unmask();
	rt_delay_us(us);
	cpu_irq_mask();
	return log->count == before;
}

bool irq_log_took(const struct irq_log *log, unsigned intid, unsigned source)
{
	for (unsigned i = 0; i < log->count && i < IRQ_LOG_MAX_EVENTS; i++) {
		if (log->ev[i].intid == intid && log->ev[i].source == source)
			return true;
	}
	return false;
}

const char *irq_log_str(const struct irq_log *log)
{
	static char buf[192];
	unsigned len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < log->count && i < IRQ_LOG_MAX_EVENTS && len < sizeof(buf) - 16; i++)
		len += (unsigned)fmt_snprintf(buf + len, sizeof(buf) - len, "%s%u/s%u/d%u",
					      i ? "," : "", log->ev[i].intid, log->ev[i].source,
					      log->ev[i].depth);
	return buf;
}
