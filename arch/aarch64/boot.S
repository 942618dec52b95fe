/* Entry from firmware: arm64 Image header, EL2 checks, EL2 control registers in
 * a known state, .bss, per-core stack, then C. Secondaries enter at
 * secondary_entry with their logical index as PSCI context id, or at
 * secondary_spin_entry from a spin table. */
#include "arch/aarch64/sysreg.h"
#include "core/config_limits.h"
#include "board.h"

	.section .text.head, "ax"
	.global _start
_start:
	/* arm64 Linux Image header: loaders pass the DTB in x0 with it. */
	b	primary_entry
	.long	0
	.quad	0			/* text_offset */
	.quad	__image_size		/* memory footprint, .bss included */
	.quad	0x2			/* LE, 4 KiB pages, not relocatable */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0

	.text
primary_entry:
	mov	x19, x0				/* DTB address */
	msr	daifset, #0xf
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	wrong_el
	bl	el2_reset_state

	/* Not relocatable: a loader that put us elsewhere gets a clear message. */
	adr	x0, _start
	ldr	x1, =_start
	cmp	x0, x1
	b.ne	wrong_load_addr

	adrp	x0, __bss_start
	add	x0, x0, :lo12:__bss_start
	adrp	x1, __bss_end
	add	x1, x1, :lo12:__bss_end
1:	cmp	x0, x1
	b.hs	2f
	stp	xzr, xzr, [x0], #16
	b	1b
2:
	mov	x0, #0
	bl	set_stack
	mov	x29, #0
	mov	x30, #0
	mov	x0, x19
	bl	hyp_main_primary
	b	halt_forever

	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0				/* logical CPU index */
	bl	el2_reset_state
	mov	x0, x19
	bl	set_stack
	bl	mmu_enable_secondary
	mov	x29, #0
	mov	x30, #0
	mov	x0, x19
	bl	hyp_main_secondary
	b	halt_forever

#if BOARD_SMP_SPIN_TABLE
/* Released from a spin table (core/smp.c) at EL2 with MMU and caches off and
 * x0 = 0: the logical index comes from smp_spin_index, which the boot core
 * cleaned to the point of coherency before writing the release address. */
	.global secondary_spin_entry
secondary_spin_entry:
	adrp	x0, smp_spin_index
	ldr	x0, [x0, :lo12:smp_spin_index]
	b	secondary_entry
#endif

/* sp = top of hyp_stacks[x0]; clobbers x1. */
set_stack:
	adrp	x1, hyp_stacks
	add	x1, x1, :lo12:hyp_stacks
	add	x0, x0, #1
	mov	x2, #HYP_STACK_SIZE
	madd	x1, x0, x2, x1
	mov	sp, x1
	ret

/* Every EL2 control register reset to a known value: on silicon they reset
 * to UNKNOWN. Uses no stack and no memory. */
el2_reset_state:
	/* IMO/FMO/AMO: without them physical interrupts target EL1 and are
	 * never taken while the hypervisor runs at EL2. */
	ldr	x0, =(HCR_RW | HCR_IMO | HCR_FMO | HCR_AMO)
	msr	hcr_el2, x0
	ldr	x0, =SCTLR_EL2_RES1
	msr	sctlr_el2, x0
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	/* EL1 may read the counter (Linux boot protocol) but not touch the
	 * physical timer, which stays with the hypervisor. */
	mov	x0, #CNTHCTL_EL1PCTEN
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	msr	cnthp_ctl_el2, xzr
	msr	cntv_ctl_el0, xzr
	/* Trap debug and PMU accesses from EL1/EL0; HPMN keeps every counter
	 * nominally in the guest range (HPMN=0 is UNPREDICTABLE on v8.0). */
	mrs	x0, pmcr_el0
	ubfx	x0, x0, #11, #5
	mov	x1, #(MDCR_TPMCR | MDCR_TPM | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA)
	orr	x0, x0, x1
	msr	mdcr_el2, x0
	ldr	x0, =(CPTR_EL2_RES1 | CPTR_TTA)
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	msr	vttbr_el2, xzr
	msr	tpidr_el2, xzr
	adrp	x0, el2_vectors
	add	x0, x0, :lo12:el2_vectors
	msr	vbar_el2, x0
	isb
	tlbi	alle2
	dsb	ish
	isb
	ret

wrong_el:
	adr	x0, msg_wrong_el
	bl	early_puts
	b	halt_forever

wrong_load_addr:
	adr	x0, msg_wrong_load
	bl	early_puts
	b	halt_forever

/* Polled PL011 output with the MMU off, usable at any EL that can reach it. */
early_puts:
	ldr	x1, =BOARD_UART_BASE
1:	ldrb	w2, [x0], #1
	cbz	w2, 3f
2:	ldr	w3, [x1, #0x18]
	tbnz	w3, #5, 2b			/* FR.TXFF */
	str	w2, [x1]
	b	1b
3:	ret

	.global halt_forever
halt_forever:
	msr	daifset, #0xf
1:	wfe
	b	1b

msg_wrong_el:
	.asciz	"HyperBerry: not entered at EL2; a type-1 hypervisor needs EL2 (QEMU virt: virtualization=on; Raspberry Pi: see docs/boards/rpi4.md). Halting.\r\n"
msg_wrong_load:
	.asciz	"HyperBerry: loaded at an address other than its link address; see docs/boards. Halting.\r\n"
	.balign	4
