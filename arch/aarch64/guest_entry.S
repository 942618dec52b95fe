/* World switch, general-register half: entering a vCPU and taking its exits.
 * The EL1 system registers stay in hardware while a vCPU stays on its core
 * (vcpu_arch.c moves them on a switch), so an exit saves only x0-x30, PC and
 * PSTATE. TPIDR_EL2 points at this core's struct cpu, whose first field is
 * the running vCPU, whose first field is the register block. */
#include "arch/aarch64/frame.h"

#define REGS_PC (31 * 8)

.macro save_guest_gprs
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x0, [x0]			/* struct vcpu * */
	stp	x2, x3, [x0, #16 * 1]
	stp	x4, x5, [x0, #16 * 2]
	stp	x6, x7, [x0, #16 * 3]
	stp	x8, x9, [x0, #16 * 4]
	stp	x10, x11, [x0, #16 * 5]
	stp	x12, x13, [x0, #16 * 6]
	stp	x14, x15, [x0, #16 * 7]
	stp	x16, x17, [x0, #16 * 8]
	stp	x18, x19, [x0, #16 * 9]
	stp	x20, x21, [x0, #16 * 10]
	stp	x22, x23, [x0, #16 * 11]
	stp	x24, x25, [x0, #16 * 12]
	stp	x26, x27, [x0, #16 * 13]
	stp	x28, x29, [x0, #16 * 14]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x30, x2, [x0, #30 * 8]
	str	x3, [x0, #32 * 8]
	/* Let an SError the guest caused be taken now, while it can still be
	 * charged to this VM (hyp_serror checks ELR against this window). */
	msr	daifclr, #4
9997:	isb
	msr	daifset, #4
9998:
	.pushsection .rodata.serror_windows, "a"
	.quad	9997b, 9998b
	.popsection
.endm

	.text
	.global guest_exit_sync
guest_exit_sync:
	save_guest_gprs
	/* x0 = vcpu; the exit handler returns the vCPU to run next. */
	bl	vcpu_exit_sync
	b	guest_enter

	.global guest_exit_irq
guest_exit_irq:
	save_guest_gprs
	bl	vcpu_exit_irq
	b	guest_enter

	.global guest_exit_fiq
guest_exit_fiq:
	save_guest_gprs
	mov	x1, #0
	bl	vcpu_exit_serror_or_fiq
	b	guest_enter

	.global guest_exit_serror
guest_exit_serror:
	save_guest_gprs
	mov	x1, #1
	bl	vcpu_exit_serror_or_fiq
	b	guest_enter

/* guest_enter(struct vcpu *v): load its registers and ERET into it. The
 * caller's stack is abandoned: the next exit starts again at the top. */
	.global guest_enter
guest_enter:
	ldp	x1, x2, [x0, #REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #16 * 1]
	ldp	x4, x5, [x0, #16 * 2]
	ldp	x6, x7, [x0, #16 * 3]
	ldp	x8, x9, [x0, #16 * 4]
	ldp	x10, x11, [x0, #16 * 5]
	ldp	x12, x13, [x0, #16 * 6]
	ldp	x14, x15, [x0, #16 * 7]
	ldp	x16, x17, [x0, #16 * 8]
	ldp	x18, x19, [x0, #16 * 9]
	ldp	x20, x21, [x0, #16 * 10]
	ldp	x22, x23, [x0, #16 * 11]
	ldp	x24, x25, [x0, #16 * 12]
	ldp	x26, x27, [x0, #16 * 13]
	ldp	x28, x29, [x0, #16 * 14]
	ldr	x30, [x0, #30 * 8]
	ldp	x0, x1, [x0]
	eret
	dsb	nsh		/* no straight-line speculation past ERET */
	isb

/* vcpu_first_entry(struct vcpu *v, uint64_t stack_top): reset this core's
 * stack, then enter. */
	.global vcpu_first_entry
vcpu_first_entry:
	mov	sp, x1
	b	guest_enter
