/* Busy guest for scheduler tests: prints TICK lines while spinning, never
 * blocking, so two of them on one core both progress only if the
 * hypervisor's time slice preempts them. */
#include "guests/lib/rt.h"
#include "guests/lib/smccc.h"

const char rt_test_name[] = "ticker";

#define TICKS 20
#define TICK_US 20000

void test_main(void)
{
	uint64_t start = rt_cntvct();

	for (unsigned i = 1; i <= TICKS; i++) {
		rt_delay_us(TICK_US);
		rt_printf("TICK %u\n", i);
	}
	/* CNTVCT keeps counting while the vCPU is descheduled (one CNTVOFF per
	 * VM), so sharing a core never makes the delays shorter. */
	CHECK_TRUE("ticks_took_at_least_their_time",
		   rt_ticks_to_ns(rt_cntvct() - start) >= (uint64_t)TICKS * TICK_US * 1000);
	rt_finish();
}
