/* SMCCC 1.1 dispatch for guest HVC and SMC: Arm architecture calls, PSCI 1.1
 * and HyperBerry's own vendor-specific hypervisor calls. */
#ifndef HB_CORE_SMCCC_H
#define HB_CORE_SMCCC_H

#include "core/vcpu.h"

#define SMCCC_SUCCESS			0
#define SMCCC_NOT_SUPPORTED		(-1)
#define SMCCC_NOT_REQUIRED		(-2)
#define SMCCC_INVALID_PARAMETER		(-3)

#define SMCCC_VERSION			0x80000000u
#define SMCCC_ARCH_FEATURES		0x80000001u
#define SMCCC_ARCH_SOC_ID		0x80000002u
#define SMCCC_ARCH_WORKAROUND_1		0x80008000u
#define SMCCC_ARCH_WORKAROUND_2		0x80007fffu
#define SMCCC_ARCH_WORKAROUND_3		0x80003fffu

/* HyperBerry calls: fast calls, owner 6 (vendor-specific hypervisor). */
#define HB_CALL_BASE			0x86000000u
#define HB_CALL_VERSION			0x86000000u
#define HB_CALL_VM_ID			0x86000001u
#define HB_CALL_CONSOLE_PUTC		0x86000002u
#define HB_CALL_CONSOLE_WRITE		0x86000003u
#define HB_CALL_RUN_COUNT		0x86000004u	/* 1 on first start, +1 per restart */
#define HB_CALL_COUNT_QUERY		0x8600ff00u
#define HB_CALL_UID_QUERY		0x8600ff01u
#define HB_CALL_REVISION_QUERY		0x8600ff03u
#define HB_VERSION_VALUE		0x00010000u	/* 1.0 */
#define HB_CONSOLE_WRITE_MAX		4096

/* Handles the call in v's x0..x3 and writes the results back. Reads and
 * writes only x0-x3: the exit path does not save PC/PSTATE for HVC. */
void smccc_handle(struct vcpu *v);
/* Answers NOT_SUPPORTED and logs the first unknown call of the VM's run. */
void smccc_unknown(struct vcpu *v);

#endif
