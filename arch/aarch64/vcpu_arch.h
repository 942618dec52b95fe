/* The architectural half of a vCPU: EL2 trap configuration, moving EL1
 * context on and off a core, and injecting exceptions into the guest. */
#ifndef HB_ARCH_VCPU_ARCH_H
#define HB_ARCH_VCPU_ARCH_H

#include "core/vcpu.h"

/* HCR_EL2 while a guest runs; see docs/traps.md for the reason of each bit. */
uint64_t vcpu_arch_hcr(void);
/* Architectural reset of a vCPU about to start at `entry` with x0 = arg. */
void vcpu_arch_reset(struct vcpu *v, uint64_t entry, uint64_t arg);
/* Puts v's EL1 state, Stage-2 and timer offset into this core's registers. */
void vcpu_arch_load(struct vcpu *v);
/* Reads them back (before another vCPU is loaded here). */
void vcpu_arch_save(struct vcpu *v);

/* Synchronous exceptions delivered to the guest's own EL1 vector. */
void inject_undef(struct vcpu *v);
void inject_data_abort(struct vcpu *v, uint64_t far, bool write);
void inject_prefetch_abort(struct vcpu *v, uint64_t far);

void fpsimd_save(struct fpsimd_state *s);
void fpsimd_restore(const struct fpsimd_state *s);

#endif
