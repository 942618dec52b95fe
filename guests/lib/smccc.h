/* SMCCC, PSCI and HyperBerry hypercall numbers plus HVC/SMC wrappers for the
 * test guests. Results come back in x0..x3 as struct smccc_res. */
#ifndef HB_GUEST_SMCCC_H
#define HB_GUEST_SMCCC_H

#include "lib/types.h"

/* SMCCC return codes (x0, as a signed 64-bit value). */
#define SMCCC_SUCCESS			0
#define SMCCC_NOT_SUPPORTED		(-1)
#define SMCCC_NOT_REQUIRED		(-2)
#define SMCCC_INVALID_PARAMETER		(-3)

/* PSCI return codes. */
#define PSCI_RET_SUCCESS		0
#define PSCI_RET_NOT_SUPPORTED		(-1)
#define PSCI_RET_INVALID_PARAMETERS	(-2)
#define PSCI_RET_DENIED			(-3)
#define PSCI_RET_ALREADY_ON		(-4)
#define PSCI_RET_ON_PENDING		(-5)
#define PSCI_RET_INTERNAL_FAILURE	(-6)
#define PSCI_RET_NOT_PRESENT		(-7)
#define PSCI_RET_DISABLED		(-8)
#define PSCI_RET_INVALID_ADDRESS	(-9)

/* AFFINITY_INFO states. */
#define PSCI_AFF_ON			0
#define PSCI_AFF_OFF			1
#define PSCI_AFF_ON_PENDING		2

/* Function IDs (0x84.. SMC32 fast calls, 0xC4.. SMC64 fast calls). */
#define PSCI_VERSION			0x84000000u
#define PSCI_CPU_SUSPEND		0xC4000001u
#define PSCI_CPU_OFF			0x84000002u
#define PSCI_CPU_ON			0xC4000003u
#define PSCI_AFFINITY_INFO		0xC4000004u
#define PSCI_MIGRATE_INFO_TYPE		0x84000006u
#define PSCI_SYSTEM_OFF			0x84000008u
#define PSCI_SYSTEM_RESET		0x84000009u
#define PSCI_FEATURES			0x8400000Au

#define SMCCC_VERSION			0x80000000u
#define SMCCC_ARCH_FEATURES		0x80000001u
#define SMCCC_ARCH_WORKAROUND_1		0x80008000u
#define SMCCC_ARCH_WORKAROUND_2		0x80007FFFu
#define SMCCC_ARCH_WORKAROUND_3		0x80003FFFu

/* HyperBerry calls: SMC64-less fast calls, OEN 6 (vendor hypervisor service). */
#define HB_VERSION			0x86000000u
#define HB_VM_ID			0x86000001u
#define HB_CONSOLE_PUTC			0x86000002u
#define HB_CONSOLE_WRITE		0x86000003u
#define HB_RUN_COUNT			0x86000004u	/* 1 on the first start, +1 per restart */
#define HB_CALL_UID			0x8600FF01u
#define HB_REVISION			0x8600FF03u

#define HB_VERSION_1_0			((1u << 16) | 0u)
#define HB_CONSOLE_WRITE_MAX		4096u

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/*
 * One macro body for both conduits. x4..x17 are declared clobbered even
 * though SMCCC 1.1 preserves them: natively the conduit may be an older
 * implementation, and the psci test checks preservation explicitly in asm.
 */
#define SMCCC_CALL_BODY(insn, fid, arg1, arg2, arg3)                                   \
	register uint64_t r0 __asm__("x0") = (fid);                                    \
	register uint64_t r1 __asm__("x1") = (arg1);                                   \
	register uint64_t r2 __asm__("x2") = (arg2);                                   \
	register uint64_t r3 __asm__("x3") = (arg3);                                   \
	__asm__ volatile(insn                                                          \
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)                      \
			 :                                                             \
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",    \
			   "x13", "x14", "x15", "x16", "x17", "memory");               \
	return (struct smccc_res){ r0, r1, r2, r3 }

static inline struct smccc_res smccc_hvc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	SMCCC_CALL_BODY("hvc #0", fid, a1, a2, a3);
}

/* Natively (EL1, no EL2/EL3 in QEMU) SMC is UNDEF: call only under HyperBerry. */
static inline struct smccc_res smccc_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	SMCCC_CALL_BODY("smc #0", fid, a1, a2, a3);
}

static inline int64_t hvc0(uint64_t fid)
{
	return (int64_t)smccc_hvc(fid, 0, 0, 0).a0;
}

static inline int64_t smc0(uint64_t fid)
{
	return (int64_t)smccc_smc(fid, 0, 0, 0).a0;
}

/* PSCI helpers over HVC, the conduit that works both natively and under HB. */
static inline int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context_id)
{
	return (int64_t)smccc_hvc(PSCI_CPU_ON, mpidr, entry, context_id).a0;
}

static inline int64_t psci_affinity_info(uint64_t mpidr, uint64_t lowest_level)
{
	return (int64_t)smccc_hvc(PSCI_AFFINITY_INFO, mpidr, lowest_level, 0).a0;
}

static inline int64_t psci_cpu_off(void)
{
	return hvc0(PSCI_CPU_OFF);
}

static inline int64_t psci_features(uint32_t fid)
{
	return (int64_t)smccc_hvc(PSCI_FEATURES, fid, 0, 0).a0;
}

static inline void psci_system_off(void)
{
	(void)hvc0(PSCI_SYSTEM_OFF);
}

#endif
