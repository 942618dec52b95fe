/* crash (HyperBerry only): makes the EL1 exception vector fetch fault at
 * Stage-2, which no guest can recover from: the hypervisor must stop the VM
 * and report it. Natively there is nothing to test, so it passes 0/0. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "crash";

/* Outside the VM's RAM and every device: nothing backs it at Stage-2. */
#define UNMAPPED_IPA 0x20000000ull

void test_main(void)
{
	if (!rt_under_hyperberry()) {
		rt_check_skip("vector_fetch_stage2_fault", "native");
		return;
	}
	rt_puts("CRASH-GUEST about to crash\n");
	/* With Stage-1 on, 0x20000000 is Device memory and never executable, so
	 * the fetch would fault at Stage-1 and loop inside the guest. MMU off
	 * makes the vector fetch a plain Normal fetch that reaches Stage-2. */
	rt_mmu_disable();
	__asm__ volatile("msr vbar_el1, %0\n\t"
			 "isb\n\t"
			 "udf #0"
			 : : "r"(UNMAPPED_IPA) : "memory");
	/* Only reached if the hypervisor resumed us past the UDF. */
	rt_check("vm_stopped", false, "guest still running after the vector fetch fault");
}
