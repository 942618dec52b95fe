/* EL1 exception vectors (all 16 slots save a struct rt_frame and call
 * rt_handle_exception) and the EL1 <-> EL0 switch used by rt_run_el0. */

#define FRAME_SIZE	(36 * 8)	/* struct rt_frame, 16-byte multiple */
#define FRAME_SP	(31 * 8)
#define FRAME_ELR	(32 * 8)
#define FRAME_SPSR	(33 * 8)
#define FRAME_ESR	(34 * 8)
#define FRAME_FAR	(35 * 8)
#define EL0_CTX_SIZE	128		/* x19..x30, sp, daif per vCPU */
#define RT_EL0_STACK_SIZE 4096

.macro	vector_slot slot
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x1, #\slot
	b	rt_exception_common
.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.globl	rt_vectors
rt_vectors:
	.irp	slot, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vector_slot \slot
	.endr

rt_exception_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	/* Slots 0-7 interrupted EL1 on this stack; 8-15 interrupted EL0. */
	add	x2, sp, #FRAME_SIZE
	mrs	x3, sp_el0
	cmp	x1, #8
	csel	x2, x2, x3, lo
	mrs	x3, elr_el1
	stp	x2, x3, [sp, #FRAME_SP]
	mrs	x2, spsr_el1
	mrs	x3, esr_el1
	stp	x2, x3, [sp, #FRAME_SPSR]
	mrs	x2, far_el1
	str	x2, [sp, #FRAME_FAR]
	mov	x19, x1			/* slot survives the call (callee-saved) */
	mov	x0, sp
	bl	rt_handle_exception

	/* The handler may have edited ELR/SPSR (skip, redirect) and registers. */
	ldp	x2, x3, [sp, #FRAME_SP]
	msr	elr_el1, x3
	cmp	x19, #8
	b.lo	1f
	msr	sp_el0, x2
1:	ldr	x2, [sp, #FRAME_SPSR]
	msr	spsr_el1, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME_SIZE
	eret

	.text

/* x9 = this vCPU's EL0 context slot. */
.macro	el0_ctx_slot
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	adrp	x10, rt_el0_ctx
	add	x10, x10, :lo12:rt_el0_ctx
	add	x9, x10, x9, lsl #7
.endm

/* uint64_t rt_run_el0(uint64_t (*fn)(uint64_t), uint64_t arg) */
	.globl	rt_run_el0
rt_run_el0:
	el0_ctx_slot
	stp	x19, x20, [x9, #0]
	stp	x21, x22, [x9, #16]
	stp	x23, x24, [x9, #32]
	stp	x25, x26, [x9, #48]
	stp	x27, x28, [x9, #64]
	stp	x29, x30, [x9, #80]
	mov	x10, sp
	mrs	x11, daif
	stp	x10, x11, [x9, #96]

	/* EL0 stack: top of this vCPU's page in the EL0-writable area. */
	mrs	x10, mpidr_el1
	and	x10, x10, #0xff
	add	x10, x10, #1
	adrp	x11, rt_el0_stacks
	add	x11, x11, :lo12:rt_el0_stacks
	mov	x12, #RT_EL0_STACK_SIZE
	madd	x11, x10, x12, x11
	msr	sp_el0, x11

	msr	elr_el1, x0
	mov	x10, #0x3c0		/* EL0t with D, A, I, F masked */
	msr	spsr_el1, x10
	mov	x0, x1
	/* A plain return from fn lands on the exit trampoline (EL0 page). */
	adrp	x30, rt_el0_return_trampoline
	add	x30, x30, :lo12:rt_el0_return_trampoline
	mov	x29, xzr
	eret

/* Called from the exception handler (on this vCPU's EL1 stack) when EL0 asks
 * to leave: unwinds to rt_run_el0's caller with x0 = value. */
	.globl	rt_el0_return
rt_el0_return:
	el0_ctx_slot
	ldp	x19, x20, [x9, #0]
	ldp	x21, x22, [x9, #16]
	ldp	x23, x24, [x9, #32]
	ldp	x25, x26, [x9, #48]
	ldp	x27, x28, [x9, #64]
	ldp	x29, x30, [x9, #80]
	ldp	x10, x11, [x9, #96]
	mov	sp, x10
	msr	daif, x11
	ret

	.section .text.el0, "ax"
	.balign	4
rt_el0_return_trampoline:
	svc	#0xe0			/* RT_EL0_EXIT_SVC; x0 = fn's result */
1:	b	1b
