/* Test-guest entry: arm64 Image header, primary and secondary entry paths,
 * and the MMU on/off sequences that must run without touching the stack. */

#define RT_MAX_CPUS	8
#define RT_STACK_SIZE	16384

/* MAIR: attr0 Device-nGnRnE, attr1 Normal write-back RW-allocate. */
#define RT_MAIR		0xff00
/* TCR: T0SZ=32 (4 GiB, walk starts at level 1), inner/outer WB walks, inner
 * shareable, 4 KiB granule, TTBR1 walks disabled (EPD1), IPS 32-bit. */
#define RT_TCR		((32 << 0) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))
#define SCTLR_M		(1 << 0)
#define SCTLR_C		(1 << 2)
#define SCTLR_I		(1 << 12)
#define CPACR_FPEN	(3 << 20)

	.section .head, "ax"
	.globl	_head
_head:
	/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst). */
	b	rt_primary_entry	/* code0 */
	.long	0			/* code1 */
	.quad	0			/* text_offset: load at 2 MiB-aligned base + 0 */
	.quad	rt_image_size		/* image_size, bss and stacks included */
	.quad	0xa			/* LE, 4 KiB pages, placeable anywhere */
	.quad	0, 0, 0			/* res2..res4 */
	.ascii	"ARM\x64"		/* magic at 0x38 */
	.long	0			/* res5 */

	.text

/* x0 = this vCPU's stack top, from MPIDR_EL1.Aff0; parks vCPUs we have no stack for. */
.macro	set_stack_for_this_cpu
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	cmp	x9, #RT_MAX_CPUS
	b.hs	rt_park
	adrp	x10, rt_stacks
	add	x10, x10, :lo12:rt_stacks
	add	x9, x9, #1
	mov	x11, #RT_STACK_SIZE
	madd	x10, x9, x11, x10
	mov	sp, x10
.endm

/* Vectors and FP access before any C code: the compiler may use FP/SIMD in
 * the fpsimd test and exceptions must land somewhere we report. */
.macro	common_cpu_setup
	adrp	x9, rt_vectors
	add	x9, x9, :lo12:rt_vectors
	msr	vbar_el1, x9
	mrs	x9, cpacr_el1
	orr	x9, x9, #CPACR_FPEN
	msr	cpacr_el1, x9
	isb
.endm

	.globl	rt_primary_entry
rt_primary_entry:
	msr	daifset, #0xf
	mov	x19, x0			/* DTB IPA or 0 */
	set_stack_for_this_cpu
	common_cpu_setup

	/* Zero .bss with the MMU off: these stores go straight to memory. */
	adrp	x9, __bss_start
	add	x9, x9, :lo12:__bss_start
	adrp	x10, __bss_end
	add	x10, x10, :lo12:__bss_end
1:	cmp	x9, x10
	b.hs	2f
	str	xzr, [x9], #8
	b	1b
2:
	bl	rt_mmu_build_tables

	/* Drop whatever the caches might hold for our writable image so the
	 * cacheable view after MMU-on matches what we just wrote to memory. */
	adrp	x0, __data_start
	add	x0, x0, :lo12:__data_start
	adrp	x1, _end
	add	x1, x1, :lo12:_end
	mrs	x2, ctr_el0
	ubfx	x2, x2, #16, #4		/* DminLine: log2(words) */
	mov	x3, #4
	lsl	x2, x3, x2
	sub	x3, x2, #1
	bic	x0, x0, x3
3:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	3b
	dsb	sy

	bl	rt_mmu_enable
	mov	x0, x19
	bl	rt_main
	b	rt_park

/* PSCI CPU_ON lands here: x0 = context_id, MMU off, EL1h. Nothing may be
 * written to memory before the MMU is on (the primary's caches own it). */
	.globl	rt_secondary_entry
rt_secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	set_stack_for_this_cpu
	common_cpu_setup
	bl	rt_mmu_enable
	mov	x0, x19
	bl	rt_secondary_main
	b	rt_park

	.globl	rt_park
rt_park:
	wfi
	b	rt_park

/* Uses no stack: secondaries call it before their first store. */
	.globl	rt_mmu_enable
rt_mmu_enable:
	mov	x9, #RT_MAIR
	msr	mair_el1, x9
	ldr	x9, =RT_TCR
	msr	tcr_el1, x9
	adrp	x9, rt_pgt_l1
	msr	ttbr0_el1, x9
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	mrs	x9, sctlr_el1
	ldr	x10, =(SCTLR_M | SCTLR_C | SCTLR_I)
	orr	x9, x9, x10
	msr	sctlr_el1, x9
	isb
	ret

/* Caches off first, then clean+invalidate the image (stack, bss, tables) to
 * PoC with no memory access in between, so nothing dirty is left behind. */
	.globl	rt_mmu_disable
rt_mmu_disable:
	mrs	x9, sctlr_el1
	ldr	x10, =(SCTLR_M | SCTLR_C)
	bic	x9, x9, x10
	msr	sctlr_el1, x9
	isb
	adrp	x0, _head
	add	x0, x0, :lo12:_head
	adrp	x1, _end
	add	x1, x1, :lo12:_end
	mrs	x2, ctr_el0
	ubfx	x2, x2, #16, #4
	mov	x3, #4
	lsl	x2, x3, x2
1:	dc	civac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
	tlbi	vmalle1
	dsb	nsh
	isb
	ret

	.globl	rt_ttbr0
rt_ttbr0:
	adrp	x0, rt_pgt_l1
	ret

	.ltorg
