/* SMC calls from EL2 to firmware (PSCI for secondary cores). */
#ifndef HB_ARCH_SMCCC_CALL_H
#define HB_ARCH_SMCCC_CALL_H

#include "lib/types.h"

#define PSCI_0_2_FN64_CPU_ON	0xc4000003u

static inline int64_t smc_call3(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fid;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	/* SMCCC 1.0 firmware may clobber x4-x17. */
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "memory");
	return (int64_t)x0;
}

#endif
