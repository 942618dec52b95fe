/* Floods its console as fast as it can, forever: the hypervisor must rate
 * limit it so the other VMs' output and progress are unaffected. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "flood";

void test_main(void)
{
	for (uint64_t n = 0;; n++)
		rt_printf("FLOOD %lu xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", (unsigned long)n);
}
