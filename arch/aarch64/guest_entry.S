/* World switch, general-register half: entering a vCPU and taking its exits.
 *
 * The EL1 system registers stay in hardware while a vCPU keeps its core
 * (vcpu_arch.c moves them on a switch), so an exit saves only general
 * registers. Fast exits (HVC, SMC, IRQ, and data aborts whose register is
 * x0-x8, x16, x17, x30 or XZR) save just x0-x8, x16, x17 and x30 (SMC also PC
 * and PSTATE): the C handler preserves x19-x29 as AAPCS64 requires, and
 * never touches x9-x15 and x18, which the hypervisor is built without
 * (-ffixed-*, see the Makefile), so all of those still hold the guest's
 * values when it returns. If the handler raised the vCPU's `attention` byte
 * (a switch may follow), they are saved then, before the slow path runs.
 *
 * TPIDR_EL2 points at this core's struct cpu, whose first field is the
 * running vCPU, whose first field is its register block. */
#include "arch/aarch64/frame.h"

#define REGS_PC		(31 * 8)
#include "core/vcpu_offsets.h"
#define VCPU_ATTENTION	VCPU_ATTENTION_OFFSET
#define VCPU_EXITS	VCPU_EXITS_OFFSET
#define EC_HVC64	0x16
#define EC_SMC64	0x17
#define EC_DABT_LOW	0x24

/* Saves the registers C code may change: x0-x8, x16, x17 and x30 (x9 rides
 * along in the pair with x8 for free); leaves x0 = vcpu, x1 = ESR_EL2. */
.macro save_caller_saved
	stp	x0, x1, [sp, #-16]!
	mrs	x0, tpidr_el2
	ldr	x0, [x0]
	stp	x2, x3, [x0, #16 * 1]
	stp	x4, x5, [x0, #16 * 2]
	stp	x6, x7, [x0, #16 * 3]
	stp	x8, x9, [x0, #16 * 4]
	stp	x16, x17, [x0, #16 * 8]
	str	x30, [x0, #8 * 30]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0]
	mrs	x1, esr_el2
.endm

/* Let an SError the guest caused be taken now, while it can still be
 * charged to this VM (hyp_serror checks ELR against this window). Such a VM
 * is stopped, so the ELR_EL2 the SError overwrites is never resumed. */
.macro serror_window
	msr	daifclr, #4
9997:	isb
	msr	daifset, #4
9998:
	.pushsection .rodata.serror_windows, "a"
	.quad	9997b, 9998b
	.popsection
.endm

.macro save_pc_pstate
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #REGS_PC]
.endm

/* Everything save_caller_saved left live: x9-x15, x18 (never touched by
 * the hypervisor) and x19-x29 (callee-saved). */
.macro save_callee_saved
	stp	x10, x11, [x0, #16 * 5]
	stp	x12, x13, [x0, #16 * 6]
	stp	x14, x15, [x0, #16 * 7]
	stp	x18, x19, [x0, #16 * 9]
	stp	x20, x21, [x0, #16 * 10]
	stp	x22, x23, [x0, #16 * 11]
	stp	x24, x25, [x0, #16 * 12]
	stp	x26, x27, [x0, #16 * 13]
	stp	x28, x29, [x0, #16 * 14]
.endm

/* x9 is reloaded with x8 for free: it is the value the exit saved, or the
 * one guest_enter's caller wants. */
.macro restore_caller_saved_and_eret
	ldp	x2, x3, [x0, #16 * 1]
	ldp	x4, x5, [x0, #16 * 2]
	ldp	x6, x7, [x0, #16 * 3]
	ldp	x8, x9, [x0, #16 * 4]
	ldp	x16, x17, [x0, #16 * 8]
	ldr	x30, [x0, #8 * 30]
	ldp	x0, x1, [x0]
	eret
	dsb	nsh		/* no straight-line speculation past ERET */
	isb
.endm

/* x0 = the vCPU that just exited (cpu->current). */
.macro load_current
	mrs	x0, tpidr_el2
	ldr	x0, [x0]
.endm

	.text
/*
 * Three ways out of a synchronous exit, by how much the handler may touch:
 *  - HVC, and data aborts whose register is not x9-x29: x0-x8, x16, x17
 *    and x30 only. ELR/SPSR stay live in hardware (handle_dabt_fast steps ELR_EL2
 *    itself), so nothing more is saved or restored.
 *  - SMC: also PC/PSTATE.
 *  - everything else: all registers.
 */
	.global guest_exit_sync
guest_exit_sync:
	save_caller_saved
	serror_window
	lsr	w4, w1, #26			/* EC; x2/x3 are scratch below */
	cmp	w4, #EC_HVC64
	b.ne	1f
	ldr	x3, [x0, #VCPU_EXITS + EC_HVC64 * 8]
	add	x3, x3, #1
	str	x3, [x0, #VCPU_EXITS + EC_HVC64 * 8]
	bl	handle_hvc
	b	return_regs_only
1:	cmp	w4, #EC_DABT_LOW
	b.ne	2f
	ubfx	w2, w1, #16, #5			/* ISS.SRT */
	sub	w2, w2, #9
	cmp	w2, #20
	b.ls	full_sync			/* the access names x9-x29 */
	ldr	x3, [x0, #VCPU_EXITS + EC_DABT_LOW * 8]
	add	x3, x3, #1
	str	x3, [x0, #VCPU_EXITS + EC_DABT_LOW * 8]
	bl	handle_dabt_fast		/* returns x0 = vcpu */
	b	return_regs_only_x0
2:	cmp	w4, #EC_SMC64
	b.ne	full_sync
	save_pc_pstate
	bl	vcpu_exit_sync
	load_current
	ldrb	w1, [x0, #VCPU_ATTENTION]
	cbnz	w1, 3f
	ldp	x1, x2, [x0, #REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	restore_caller_saved_and_eret
3:	save_callee_saved
	bl	vcpu_exit_slow
	b	guest_enter

full_sync:
	save_pc_pstate
	save_callee_saved
	bl	vcpu_exit_sync
	load_current
	ldrb	w1, [x0, #VCPU_ATTENTION]
	cbz	w1, guest_enter
	bl	vcpu_exit_slow
	b	guest_enter

	.global guest_exit_irq
guest_exit_irq:
	save_caller_saved
	serror_window
	bl	vcpu_exit_irq
	/* fall through */

/* After HVC, a fast data abort or IRQ: x9-x15, x18-x29, ELR and SPSR still
 * hold the guest's values. */
return_regs_only:
	load_current
return_regs_only_x0:
	ldrb	w1, [x0, #VCPU_ATTENTION]
	cbnz	w1, 1f
	restore_caller_saved_and_eret
1:	save_callee_saved
	save_pc_pstate
	bl	vcpu_exit_slow
	b	guest_enter

	.global guest_exit_fiq
guest_exit_fiq:
	save_caller_saved
	save_pc_pstate
	save_callee_saved
	mov	x1, #0
	bl	vcpu_exit_serror_or_fiq
	b	guest_enter

	.global guest_exit_serror
guest_exit_serror:
	save_caller_saved
	save_pc_pstate
	save_callee_saved
	mov	x1, #1
	bl	vcpu_exit_serror_or_fiq
	b	guest_enter

/* guest_enter(struct vcpu *v): load all its registers and ERET into it. */
	.global guest_enter
guest_enter:
	ldp	x1, x2, [x0, #REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x10, x11, [x0, #16 * 5]
	ldp	x12, x13, [x0, #16 * 6]
	ldp	x14, x15, [x0, #16 * 7]
	ldp	x18, x19, [x0, #16 * 9]
	ldp	x20, x21, [x0, #16 * 10]
	ldp	x22, x23, [x0, #16 * 11]
	ldp	x24, x25, [x0, #16 * 12]
	ldp	x26, x27, [x0, #16 * 13]
	ldp	x28, x29, [x0, #16 * 14]
	restore_caller_saved_and_eret

/* vcpu_first_entry(struct vcpu *v, uint64_t stack_top): reset this core's
 * stack, then enter. */
	.global vcpu_first_entry
vcpu_first_entry:
	mov	sp, x1
	b	guest_enter
