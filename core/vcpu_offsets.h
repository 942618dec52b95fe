/* Offsets into struct vcpu used by guest_entry.S; core/vcpu.h checks them
 * with static assertions. */
#ifndef HB_CORE_VCPU_OFFSETS_H
#define HB_CORE_VCPU_OFFSETS_H

#define VCPU_REGS_OFFSET	0		/* x0-x30, pc, pstate */
#define VCPU_EXITS_OFFSET	(33 * 8)	/* uint64_t exits[EXIT_REASONS] */
#define VCPU_ATTENTION_OFFSET	(33 * 8 + 67 * 8)

#endif
