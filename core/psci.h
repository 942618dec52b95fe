/* PSCI 1.1 for guests. */
#ifndef HB_CORE_PSCI_H
#define HB_CORE_PSCI_H

#include "core/vcpu.h"

#define PSCI_VERSION			0x84000000u
#define PSCI_CPU_SUSPEND		0x84000001u
#define PSCI_CPU_OFF			0x84000002u
#define PSCI_CPU_ON			0x84000003u
#define PSCI_AFFINITY_INFO		0x84000004u
#define PSCI_MIGRATE			0x84000005u
#define PSCI_MIGRATE_INFO_TYPE		0x84000006u
#define PSCI_MIGRATE_INFO_UP_CPU	0x84000007u
#define PSCI_SYSTEM_OFF			0x84000008u
#define PSCI_SYSTEM_RESET		0x84000009u
#define PSCI_FEATURES			0x8400000au
#define PSCI_64BIT			0x40000000u

#define PSCI_RET_SUCCESS		0
#define PSCI_RET_NOT_SUPPORTED		(-1)
#define PSCI_RET_INVALID_PARAMETERS	(-2)
#define PSCI_RET_DENIED			(-3)
#define PSCI_RET_ALREADY_ON		(-4)
#define PSCI_RET_ON_PENDING		(-5)
#define PSCI_RET_INVALID_ADDRESS	(-9)

#define PSCI_AFFINITY_ON		0
#define PSCI_AFFINITY_OFF		1
#define PSCI_AFFINITY_ON_PENDING	2

/* Standard-service call fid (owner 4): PSCI, anything else unknown. */
void psci_handle(struct vcpu *v, uint32_t fid);
/* PSCI_FEATURES answer for fid. */
int64_t psci_features(uint32_t fid);

#endif
