/* The EL2 exception vector table. Exceptions from EL2 itself are either the
 * hypervisor's own IRQs (idle loop, timer, SGIs) or bugs, which get a full
 * report. Exceptions from EL1/EL0 are guest exits (guest_entry.S). */
#include "arch/aarch64/frame.h"

/* Save the complete register state into a struct trap_frame on the stack. */
.macro save_frame
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	add	x0, sp, #FRAME_SIZE
	stp	x30, x0, [sp, #FRAME_X30]
	mrs	x0, elr_el2
	mrs	x1, spsr_el2
	stp	x0, x1, [sp, #FRAME_ELR]
	mrs	x0, esr_el2
	mrs	x1, far_el2
	stp	x0, x1, [sp, #FRAME_ESR]
.endm

.macro restore_frame
	ldp	x0, x1, [sp, #FRAME_ELR]
	msr	elr_el2, x0
	msr	spsr_el2, x1
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #FRAME_X30]
	add	sp, sp, #FRAME_SIZE
.endm

/* A fatal EL2 exception: report and stop every core; never returns. */
.macro fatal_entry kind
	.balign 0x80
	save_frame
	mov	x0, sp
	mov	x1, #\kind
	mov	x29, #0
	bl	el2_fatal_exception
	b	halt_forever
.endm

.macro vector_branch target
	.balign 0x80
	b	\target
.endm

	.text
	.balign 0x800
	.global el2_vectors
el2_vectors:
	/* Current EL with SP_EL0: never used by HyperBerry. */
	fatal_entry EXC_KIND_SYNC_SP0
	fatal_entry EXC_KIND_IRQ_SP0
	fatal_entry EXC_KIND_FIQ_SP0
	fatal_entry EXC_KIND_SERROR_SP0
	/* Current EL with SP_EL2. */
	fatal_entry EXC_KIND_SYNC
	vector_branch el2_irq_entry
	fatal_entry EXC_KIND_FIQ
	vector_branch el2_serror_entry
	/* Lower EL, AArch64: guest exits. */
	vector_branch guest_exit_sync
	vector_branch guest_exit_irq
	vector_branch guest_exit_fiq
	vector_branch guest_exit_serror
	/* Lower EL, AArch32 (a guest's 32-bit EL0): the same exits. */
	vector_branch guest_exit_sync
	vector_branch guest_exit_irq
	vector_branch guest_exit_fiq
	vector_branch guest_exit_serror

/* The hypervisor's own interrupts, taken while it runs with IRQs unmasked
 * (idle WFI, waiting for other cores). */
el2_irq_entry:
	save_frame
	mov	x0, sp
	bl	hyp_irq_handler
	restore_frame
	eret

/* An SError at EL2 is the guest's if it arrived in an exit's SError window
 * (guest_entry.S); hyp_serror charges it to that VM and returns, or reports a
 * fatal hypervisor error. */
el2_serror_entry:
	save_frame
	mov	x0, sp
	bl	hyp_serror
	restore_frame
	eret
