/* hostile: a guest that spends a million operations trying to hurt the
 * hypervisor (system registers, wild loads/stores, hypercalls, PSCI, cache,
 * TLB, WFx and virtio devices driven with random descriptors) and checks
 * that it, and every one of its registers, survive. */
#include "guests/lib/gic.h"
#include "guests/lib/vtimer.h"
#include "lib/fdt.h"
#include "lib/string.h"

const char rt_test_name[] = "hostile";

/*
 * Parameters. A run is reproducible from its seed (printed first). The
 * default seed is HOSTILE_SEED_BASE + the VM's HB_VM_ID; -DHOSTILE_SEED=..
 * fixes it at build time; "hostile.seed=0x..", "hostile.ops=N" and
 * "hostile.progress=N" in the DTB's /chosen/bootargs override at run time.
 */
#ifndef HOSTILE_OPS
#define HOSTILE_OPS		1000000ull
#endif
#define HOSTILE_SEED_BASE	0x4b1d5eedc0ffee00ull
#define PROGRESS_EVERY		100000ull
#define MAX_REPORTS		24	/* detail lines about problems */

/*
 * After the image (RAM is at least 64 MiB; a DTB sits below the image):
 * snippet slots for generated instructions, a canary block nothing but the
 * check touches, and the scratch block that wild stores, DC IVAC and DC ZVA
 * may hit. VA 2-3 GiB is mapped 1:1 (IPAs above RAM); VA 3-4 GiB is a window
 * moved anywhere in a 48-bit physical space before each far access.
 */
#define SLOT_AREA_SIZE		KiB(64)
#define CANARY_SIZE		KiB(64)
#define SCRATCH_SIZE		MiB(2)
#define FAR_WINDOW_VA		0xC0000000ull
#define DESC_DEVICE_BLOCK	(0x1ull | (1ull << 10) | (1ull << 53) | (1ull << 54)) /* AF, PXN, UXN */
#define DESC_NORMAL		((1ull << 2) | (3ull << 8))	/* MAIR attr1, inner shareable */

/*
 * System-register writes the fuzzer never makes, because they would only
 * make the guest lose control of itself (MMU, vectors, stack selection,
 * interrupt masks, its own time base); see docs/security.md. Reads of all
 * of them are fuzzed. PSTATE fields (op0=3 CRn=4 CRm=2) are excluded except NZCV.
 */
#define ENC(op0, op1, crn, crm, op2) \
	(((op0) << 14) | ((op1) << 11) | ((crn) << 7) | ((crm) << 3) | (op2))
static const uint32_t excluded_writes[] = {
	ENC(3, 0, 1, 0, 0),	/* SCTLR_EL1 */
	ENC(3, 0, 1, 0, 2),	/* CPACR_EL1 */
	ENC(3, 0, 2, 0, 0),	/* TTBR0_EL1 */
	ENC(3, 0, 2, 0, 1),	/* TTBR1_EL1 */
	ENC(3, 0, 2, 0, 2),	/* TCR_EL1 */
	ENC(3, 0, 10, 2, 0),	/* MAIR_EL1 */
	ENC(3, 0, 12, 0, 0),	/* VBAR_EL1 */
	ENC(3, 0, 12, 0, 2),	/* RMR_EL1: a warm-reset request where EL1 is the highest EL */
	ENC(3, 3, 14, 0, 0),	/* CNTFRQ_EL0: writable natively, and all timing uses it */
};

static bool write_excluded(uint32_t enc)
{
	if ((enc & ~ENC(0, 7, 0, 0, 7)) == ENC(3, 0, 4, 2, 0))
		return enc != ENC(3, 3, 4, 2, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(excluded_writes); i++) {
		if (excluded_writes[i] == enc)
			return true;
	}
	return false;
}

/* PSCI functions a random call must not make: they would stop, reset or
 * suspend this vCPU or VM (CPU_SUSPEND is made on purpose, with a timer). */
static bool psci_excluded(uint32_t fn)
{
	return fn == 0x01 || fn == 0x02 || fn == 0x08 || fn == 0x09 || fn == 0x0b ||
	       fn == 0x0c || fn == 0x0e || fn == 0x12 || fn == 0x13;
}

/* ------------------------------------------------------------ randomness */

static uint64_t rng_state;

static uint64_t rnd(void)	/* xorshift64* */
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)((rnd() >> 32) % n);
}

/* Values that reach edge cases sooner than uniform noise does. */
static uint64_t rnd_value(void)
{
	switch (rnd_below(6)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 1ull << rnd_below(64);
	case 3: return rnd() & 0xffff;
	default: return rnd();
	}
}

/* ------------------------------------------------------- op bookkeeping */

enum op_class { C_MRS, C_MSR, C_SYS, C_MEM, C_HVC, C_SMC, C_PSCI, C_CACHE, C_WFX, C_VIRTIO, C_COUNT };
static const char *const class_names[C_COUNT] = {
	"mrs", "msr", "sys", "mem", "hvc", "smc", "psci", "cache", "wfx", "virtio",
};
/* Per mille; without virtio devices (natively, say) virtio picks become mem. */
static const unsigned class_weight[C_COUNT] = { 200, 150, 50, 300, 70, 50, 40, 80, 10, 50 };

struct class_stats {
	uint64_t ops, faults, undefs;
};
static struct class_stats stats[C_COUNT];

/* What went wrong; each becomes a check at the end. */
static uint64_t reg_corruptions, sp_corruptions, odd_exceptions, smccc_violations;
static uint64_t ram_mismatches, canary_damage;
static uint64_t setway_flushes, setway_worst_ticks, wfx_worst_ticks;
static unsigned reports;
static uint64_t op_number, trace_from = ~0ull;	/* hostile.trace=N prints ops from N on */

/* x0..x30 into and out of one operation, plus SP around it. */
struct op_ctx {
	uint64_t in[31];
	uint64_t out[31];
	uint64_t sp_before, sp_after;
};

struct op {
	enum op_class cls;
	uint32_t insn;
	uint32_t may_change;	/* bit n: xn may differ afterwards */
	bool may_undef, may_abort;
	uint64_t verify_addr;	/* non-zero: a scratch store to read back */
	unsigned verify_size, verify_reg;
	struct op_ctx ctx;
};

/*
 * hostile_run_op(ctx, snippet): loads x0..x29 from ctx->in, calls the
 * two-instruction snippet ("insn; ret") with BLR x30, then stores x0..x29
 * and SP into ctx. Every register is a canary: any one the hypervisor
 * fails to preserve across the trap shows up.
 */
void hostile_run_op(struct op_ctx *ctx, const uint32_t *snippet);
__asm__(".text\n.balign 16\n.globl hostile_run_op\nhostile_run_op:\n"
	"	stp	x29, x30, [sp, #-112]!\n"
	"	.irp	n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	str	x\\n, [sp, #(\\n - 17) * 8]\n	.endr\n"
	"	str	x0, [sp, #96]\n	mov	x30, x1\n	mov	x1, sp\n	str	x1, [x0, #496]\n"
	"	.irp	n, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29\n"
	"	ldr	x\\n, [x0, #\\n * 8]\n	.endr\n"
	"	ldp	x0, x1, [x0]\n"
	"	blr	x30\n"
	"	str	x0, [sp, #104]\n	ldr	x0, [sp, #96]\n"
	"	.irp	n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29\n"
	"	str	x\\n, [x0, #248 + \\n * 8]\n	.endr\n"
	"	ldr	x1, [sp, #104]\n	str	x1, [x0, #248]\n	mov	x1, sp\n	str	x1, [x0, #504]\n"
	"	.irp	n, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	ldr	x\\n, [sp, #(\\n - 17) * 8]\n	.endr\n"
	"	ldp	x29, x30, [sp], #112\n"
	"	ret\n");
_Static_assert(__builtin_offsetof(struct op_ctx, out) == 248 &&
	       __builtin_offsetof(struct op_ctx, sp_before) == 496, "hostile_run_op offsets");

/* CPU_ON entry for the other vCPU (MMU off, no stack): it turns itself off. */
void hostile_secondary_park(void);
__asm__(".text\n.balign 4\n.globl hostile_secondary_park\nhostile_secondary_park:\n"
	"	movz	x0, #0x0002\n	movk	x0, #0x8400, lsl #16\n	hvc	#0\n"
	"1:	wfi\n	b	1b\n");

/* ------------------------------------------------------- memory layout */

extern char _end[];
static uint64_t slot_base, canary_base, scratch_base, ram_end;
static uint64_t *l1_table;
static bool hb;
static volatile bool in_op;

/* Snippet cache: slot = insn, RET; a miss rewrites the slot and makes it
 * visible to instruction fetch (clean to PoU, invalidate the I-cache line). */
#define INSN_RET	0xd65f03c0u

static const uint32_t *snippet_for(uint32_t insn)
{
	uint32_t h = (insn * 0x9e3779b1u) >> 19;	/* 13 bits: 8192 slots of 8 bytes */
	uint32_t *slot = (uint32_t *)(slot_base + (uint64_t)h * 8);

	if (slot[0] != insn || slot[1] != INSN_RET) {
		slot[0] = insn;
		slot[1] = INSN_RET;
		__asm__ volatile("dc cvau, %0\n\tdsb ish\n\tic ivau, %0\n\tdsb ish\n\tisb"
				 : : "r"(slot) : "memory");
	}
	return slot;
}

static void canary_fill(void)
{
	for (uint64_t a = canary_base; a < canary_base + CANARY_SIZE; a += 8)
		*(volatile uint64_t *)a = a ^ HOSTILE_SEED_BASE;
}

static void canary_check(void)
{
	for (uint64_t a = canary_base; a < canary_base + CANARY_SIZE; a += 8)
		canary_damage += *(volatile uint64_t *)a != (a ^ HOSTILE_SEED_BASE);
}

static uint64_t far_pa;

/* Normal memory in the window lets unaligned, exclusive, pair and DC ZVA
 * accesses reach the emulated devices' windows, which Device memory stops
 * at Stage 1. The GiB with our RAM is never mapped: it would alias it. */
static void far_window_map(uint64_t pa, bool normal)
{
	if (pa == ALIGN_DOWN(RT_RAM_BASE, GiB(1)))
		pa = 0;
	far_pa = pa;
	/* Break before make: a live block never changes its output address. */
	l1_table[3] = 0;
	__asm__ volatile("dsb ishst\n\ttlbi vae1, %0\n\tdsb ish" : : "r"(FAR_WINDOW_VA >> 12) : "memory");
	l1_table[3] = pa | DESC_DEVICE_BLOCK | (normal ? DESC_NORMAL : 0);
	__asm__ volatile("dsb ishst\n\tisb" : : : "memory");
}

static uint64_t ipa_of(uint64_t va)
{
	return va - FAR_WINDOW_VA < GiB(1) ? far_pa + (va - FAR_WINDOW_VA) : va;
}

/* ------------------------------------------------------------- builders */

static unsigned rnd_reg(void)		/* x0..x29 or 31 (XZR); never x30, the link */
{
	unsigned r = rnd_below(31);

	return r == 30 ? 31 : r;
}

static unsigned rnd_gpr_not(unsigned a, unsigned b)	/* x0..x29, neither a nor b */
{
	unsigned r;

	do {
		r = rnd_below(30);
	} while (r == a || r == b);
	return r;
}

static void set_reg(struct op *o, unsigned r, uint64_t v)
{
	if (r < 31)
		o->ctx.in[r] = v;
}

static uint32_t reg_bit(unsigned r)
{
	return r < 31 ? BIT(r) : 0;
}

static uint32_t sys_insn(bool read, uint32_t enc, unsigned rt)
{
	return 0xd5000000u | (read ? BIT(21) : 0) | (enc << 5) | rt;
}

/* Uniform encodings are nearly all unallocated (UNDEF without a trap), so
 * most picks come from the parts of the space that exist or that trap: ID
 * registers (TID3), debug (TDA/TDOSA), PMU, IMPLEMENTATION DEFINED (TIDCP),
 * and the EL1/EL0 control, context and timer registers. */
static uint32_t rnd_sysreg_enc(void)
{
	const unsigned op2 = rnd_below(8), crm = rnd_below(16), op1_el = rnd_below(2) ? 0 : 3;

	switch (rnd_below(7)) {
	case 0: return ENC(3, 0, 0, rnd_below(8), op2);
	case 1: return ENC(2, rnd_below(2) ? 0 : rnd_below(8), rnd_below(2) ? 0 : rnd_below(16), crm, op2);
	case 2: return ENC(3, op1_el, 9, 9 + rnd_below(6), op2);
	case 3: return ENC(3, rnd_below(8), rnd_below(2) ? 11 : 15, crm, op2);
	case 4: case 5: return ENC(3, op1_el, 1 + rnd_below(14), rnd_below(5), op2);
	default: return ENC(2 + rnd_below(2), rnd_below(8), rnd_below(16), crm, op2);
	}
}

static void build_sysreg(struct op *o, bool write)
{
	unsigned rt = rnd_reg();
	uint32_t enc;

	do {
		enc = rnd_sysreg_enc();
	} while (write && write_excluded(enc));
	o->insn = sys_insn(!write, enc, rt);
	o->may_undef = true;
	if (write)
		set_reg(o, rt, rnd_value());
	else
		o->may_change = reg_bit(rt);
}

/* Where a wild access goes. Only the scratch block is our own RAM. */
static uint64_t rnd_target(bool *in_scratch)
{
	unsigned pick = rnd_below(hb ? 11 : 7);

	/* Natively the GIC is QEMU's real model, and random accesses to it trip
	 * an assertion in QEMU 7.2 (gic_clear_pending_sgi): fuzz it under HB only. */
	if (!hb && (pick == 3 || pick == 4))
		pick = 0;
	*in_scratch = pick < 3;
	switch (pick) {
	case 0: case 1: case 2: return scratch_base + rnd() % (SCRATCH_SIZE - 128);
	case 3: return RT_GICD_BASE + (rnd() & 0xfff);
	case 4: return RT_GICC_BASE + (rnd() & 0x1fff);
	case 5: return RT_UART_BASE + (rnd() & 0xfff);
	case 6: return ram_end + rnd() % (GiB(2) - 128 - ram_end);	/* above RAM */
	case 7: return rnd() & (GiB(1) - 1);				/* the device GiB */
	case 8: return GiB(2) + (rnd() & (GiB(1) - 1));
	case 9: return rnd() | GiB(4);				/* no Stage-1 mapping */
	default:
		switch (rnd_below(4)) {
		case 0:		/* the device GiB, the emulated windows most of all */
			far_window_map(0, rnd_below(2));
			return FAR_WINDOW_VA + (rnd_below(2) ? RT_GICD_BASE + (rnd() & 0x1fff) :
						RT_UART_BASE + (rnd() & 0xfff));
		case 1:
			far_window_map(GiB(2 + rnd_below(2)), rnd_below(2));
			break;
		default:
			far_window_map((rnd() & GENMASK(47, 30)) >> rnd_below(16) & GENMASK(47, 30),
				       rnd_below(2));
			break;
		}
		return FAR_WINDOW_VA + (rnd() & (GiB(1) - 1));
	}
}

/* Load/store forms: opcode with Rt = Rn = 0, bytes per register, kind. */
enum mem_kind { LD, ST, LDP, STP, LDX, STX, LDXP, STXP, PRFM, ZVA, LD_WB, ST_WB };
static const struct {
	uint32_t opc;
	uint8_t size, kind;
} mem_forms[] = {
	{ 0x39000000, 1, ST }, { 0x39400000, 1, LD }, { 0x39800000, 1, LD }, { 0x39c00000, 1, LD },
	{ 0x79000000, 2, ST }, { 0x79400000, 2, LD }, { 0x79800000, 2, LD }, { 0x79c00000, 2, LD },
	{ 0xb9000000, 4, ST }, { 0xb9400000, 4, LD }, { 0xb9800000, 4, LD },
	{ 0xf9000000, 8, ST }, { 0xf9400000, 8, LD }, { 0xf9800000, 8, PRFM },
	{ 0xf8000000, 8, ST }, { 0xb8400000, 4, LD },			/* STUR, LDUR */
	{ 0xf8400800, 8, LD }, { 0xb8000800, 4, ST }, { 0x38400800, 1, LD }, /* LDTR, STTR */
	{ 0xf8008400, 8, ST_WB }, { 0xb8404400, 4, LD_WB },		/* post-index */
	{ 0x38001400, 1, ST_WB }, { 0xf8400c00, 8, LD_WB },		/* post, pre #0 */
	{ 0xa9000000, 8, STP }, { 0xa9400000, 8, LDP }, { 0x29000000, 4, STP },
	{ 0x29400000, 4, LDP }, { 0x69400000, 4, LDP }, { 0xa8000000, 8, STP }, /* .., LDPSW, STNP */
	{ 0xc85f7c00, 8, LDX }, { 0x885f7c00, 4, LDX }, { 0x085f7c00, 1, LDX }, { 0xc85ffc00, 8, LDX },
	{ 0xc8007c00, 8, STX }, { 0x88007c00, 4, STX }, { 0xc800fc00, 8, STX },
	{ 0xc87f0000, 8, LDXP }, { 0xc8200000, 8, STXP },
	{ 0xc8dffc00, 8, LD }, { 0xc89ffc00, 8, ST }, { 0x88dffc00, 4, LD }, { 0x889ffc00, 4, ST },
	{ 0x08dffc00, 1, LD }, { 0x089ffc00, 1, ST }, { 0x48dffc00, 2, LD }, { 0x489ffc00, 2, ST },
	{ 0xd50b7420, 64, ZVA },						/* DC ZVA */
};

static bool writes_memory(unsigned kind)
{
	return kind == ST || kind == STP || kind == STX || kind == STXP || kind == ZVA || kind == ST_WB;
}

/* The vUART's DR would print whatever we write: stores never start there. */
static uint64_t avoid_uart_dr(uint64_t addr, unsigned kind)
{
	if (writes_memory(kind) && (ipa_of(addr) & ~0xfffull) == RT_UART_BASE && (addr & 0xfff) < 64)
		addr += 64;
	return addr;
}

static void build_mem(struct op *o)
{
	unsigned f = rnd_below(ARRAY_SIZE(mem_forms));
	unsigned kind = mem_forms[f].kind, size = mem_forms[f].size;
	unsigned rt = rnd_reg(), rn = rnd_gpr_not(rt, rt), rt2 = 0, rs = 0;
	bool in_scratch;
	uint64_t addr = rnd_target(&in_scratch);

	if (rnd_below(8))
		addr &= ~(uint64_t)(MIN(size, 16u) - 1);	/* mostly aligned */
	addr = avoid_uart_dr(addr, kind);
	o->may_abort = true;
	if (kind == ZVA) {	/* DC ZVA, Xt: the address is in Rt */
		o->insn = mem_forms[f].opc | rn;
		set_reg(o, rn, addr);
		return;
	}
	o->insn = mem_forms[f].opc | (rn << 5);
	set_reg(o, rn, addr);
	switch (kind) {
	case LDP: case LDXP:
		rt = rnd_gpr_not(rn, rn);
		rt2 = rnd_gpr_not(rt, rn);
		o->may_change = BIT(rt) | BIT(rt2);
		o->insn |= rt2 << 10;
		break;
	case STP:
		rt2 = rnd_reg();
		o->insn |= rt2 << 10;
		break;
	case STX: case STXP:
		rs = rnd_gpr_not(rt, rn);
		rt2 = rnd_gpr_not(rs, rn);
		o->insn |= rs << 16 | (kind == STXP ? rt2 << 10 : 0);
		o->may_change = BIT(rs);
		break;
	case LD: case LDX:
		o->may_change = reg_bit(rt);
		break;
	case LD_WB:
		rt = rnd_gpr_not(rn, rn);
		o->may_change = BIT(rt) | BIT(rn);
		break;
	case ST_WB:
		rt = rnd_gpr_not(rn, rn);
		o->may_change = BIT(rn);
		break;
	case ST:
		if (in_scratch) {	/* read back unless it faulted (STTR does) */
			o->verify_addr = addr;
			o->verify_size = size;
			o->verify_reg = rt;
		}
		break;
	default:
		break;
	}
	o->insn |= rt;
	if (kind != PRFM && rt < 31 && !(o->may_change & BIT(rt)))
		set_reg(o, rt, rnd_value());
}

/* ---------------------------------------------------------------- calls */

#define HB_CALL_COUNT	0x8600ff00u
#define SMCCC_SOC_ID	0x80000002u
#define TRNG_VERSION	0x84000050u
#define MPIDR_AFF_MASK	0xff00ffffffull
#define INSN_HVC(imm)	(0xd4000002u | (uint32_t)(imm) << 5)
#define INSN_SMC(imm)	(0xd4000003u | (uint32_t)(imm) << 5)

enum call_kind { CALL_ANY, CALL_CPU_ON, CALL_AFFINITY, CALL_FEATURES, CALL_SUSPEND };

static bool is_psci(uint32_t fid)
{
	return (fid & 0xbfffffe0u) == 0x84000000u;
}

static uint64_t rnd_fid(void)
{
	static const uint32_t known[] = {
		SMCCC_VERSION, SMCCC_ARCH_FEATURES, SMCCC_SOC_ID, SMCCC_ARCH_WORKAROUND_1,
		SMCCC_ARCH_WORKAROUND_2, SMCCC_ARCH_WORKAROUND_3, HB_VERSION, HB_VM_ID,
		HB_CONSOLE_WRITE, HB_RUN_COUNT, HB_CALL_COUNT, HB_CALL_UID, HB_REVISION,
		PSCI_VERSION, PSCI_FEATURES, PSCI_AFFINITY_INFO, PSCI_MIGRATE_INFO_TYPE, TRNG_VERSION,
	};
	const uint32_t some_known = known[rnd_below(ARRAY_SIZE(known))];

	switch (rnd_below(8)) {
	case 0: return rnd();
	case 1: return (uint32_t)rnd();
	case 2: return 0x80000000u | rnd_below(128) << 24 | (rnd() & 0xffff);	/* any owner */
	case 3: return 0x84000000u | rnd_below(2) << 30 | rnd_below(0x20);	/* PSCI */
	case 4: return 0x86000000u | rnd_below(2) << 30 | (rnd_below(2) ? rnd_below(8) : 0xff00 | rnd_below(8));
	case 5: return (uint32_t)rnd() & 0x7fffffffu;				/* yielding */
	case 6: return rnd() << 32 | some_known;
	default: return some_known;
	}
}

/* CPU_ON may only ever start the other vCPU at the parking stub: a random
 * entry inside RAM would run our data as code with the MMU off. */
static uint64_t sanitize_entry(uint64_t entry)
{
	if (entry >= RT_RAM_BASE && entry < ram_end && !(entry & 3))
		return (uint64_t)hostile_secondary_park;
	return entry;
}

/* Keeps a random call from stopping, resetting or suspending us, and from
 * printing RAM to the console. Judged on the low 32 bits whatever the upper
 * ones are, in case a hypervisor ignores them (SMCCC passes the ID in W0). */
static void sanitize_call(struct op *o)
{
	uint32_t fid = (uint32_t)o->ctx.in[0];
	uint64_t buf = o->ctx.in[1], len = o->ctx.in[2];

	if (is_psci(fid) && psci_excluded(fid & 0x1f))
		o->ctx.in[0] = PSCI_VERSION;
	else if (is_psci(fid) && (fid & 0x1f) == 3)
		o->ctx.in[2] = sanitize_entry(o->ctx.in[2]);
	else if ((fid & 0xbfffffffu) == HB_CONSOLE_PUTC)
		o->ctx.in[0] = HB_VM_ID;
	else if ((fid & 0xbfffffffu) == HB_CONSOLE_WRITE && len <= HB_CONSOLE_WRITE_MAX &&
		 buf >= RT_RAM_BASE && buf < ram_end)
		o->ctx.in[2] = 0;	/* valid buffer: print nothing */
}

static unsigned call_imm(void)
{
	return rnd_below(8) ? 0 : rnd() & 0xffff;
}

static void build_call(struct op *o, bool smc)
{
	unsigned imm = call_imm();

	o->insn = smc ? INSN_SMC(imm) : INSN_HVC(imm);
	o->may_change = 0xf;
	o->may_undef = !hb;	/* natively SMC is UNDEF and QEMU may refuse an HVC */
	o->ctx.in[0] = rnd_fid();
	for (unsigned i = 1; i <= 3; i++)
		o->ctx.in[i] = rnd_below(2) ? rnd_value() : RT_RAM_BASE + rnd() % (ram_end - RT_RAM_BASE);
	sanitize_call(o);
}

static uint64_t rnd_mpidr(void)
{
	static const uint64_t mpidrs[] = { 0, 1, 2, 7, 0x80000001, 0x100, 0x10000, 0xff, 1ull << 32 };

	return rnd_below(4) ? mpidrs[rnd_below(ARRAY_SIZE(mpidrs))] : rnd();
}

static enum call_kind build_psci(struct op *o)
{
	static const uint64_t bad_entries[] = { 2, 0x40000001, 0x3ffffffc, 0xfffffffffffffffc };
	const uint64_t stub = (uint64_t)hostile_secondary_park;
	const bool wide = rnd_below(2);
	enum call_kind kind = (enum call_kind)(CALL_CPU_ON + rnd_below(3));

	o->insn = hb && rnd_below(2) ? INSN_SMC(0) : INSN_HVC(0);
	o->may_change = 0xf;
	o->ctx.in[1] = rnd_mpidr();
	switch (kind) {
	case CALL_CPU_ON:
		o->ctx.in[0] = wide ? PSCI_CPU_ON : (PSCI_CPU_ON & ~BIT(30));
		o->ctx.in[2] = rnd_below(2) ? stub : sanitize_entry(rnd_below(2) ? rnd() :
				bad_entries[rnd_below(ARRAY_SIZE(bad_entries))] + (rnd_below(2) ? ram_end : 0));
		o->ctx.in[3] = rnd();
		break;
	case CALL_AFFINITY:
		o->ctx.in[0] = wide ? PSCI_AFFINITY_INFO : (PSCI_AFFINITY_INFO & ~BIT(30));
		o->ctx.in[2] = rnd_below(4) ? 0 : rnd_value();
		break;
	default:
		o->ctx.in[0] = PSCI_FEATURES;
		o->ctx.in[1] = rnd_fid();
		break;
	}
	return kind;
}

/* --------------------------------------------------- cache, TLB and AT */

#define SYS_OP(op1, crn, crm, op2) \
	(0xd5080000u | (op1) << 16 | (crn) << 12 | (crm) << 8 | (op2) << 5)
enum cache_operand { OPND_ANY_VA, OPND_TARGET, OPND_SET_WAY, OPND_NONE, OPND_VALUE };
static const struct {
	uint32_t insn;
	uint8_t operand;
} cache_ops[] = {
	{ SYS_OP(3, 7, 14, 1), OPND_ANY_VA },	/* DC CIVAC */
	{ SYS_OP(3, 7, 10, 1), OPND_ANY_VA },	/* DC CVAC */
	{ SYS_OP(3, 7, 11, 1), OPND_ANY_VA },	/* DC CVAU */
	{ SYS_OP(0, 7, 6, 1), OPND_TARGET },	/* DC IVAC: would discard our own dirty lines */
	{ SYS_OP(3, 7, 4, 1), OPND_TARGET },	/* DC ZVA */
	{ SYS_OP(3, 7, 5, 1), OPND_ANY_VA },	/* IC IVAU */
	{ SYS_OP(0, 7, 5, 0), OPND_NONE },	/* IC IALLU */
	{ SYS_OP(0, 7, 1, 0), OPND_NONE },	/* IC IALLUIS */
	{ SYS_OP(0, 7, 6, 2), OPND_SET_WAY },	/* DC ISW */
	{ SYS_OP(0, 7, 10, 2), OPND_SET_WAY },	/* DC CSW */
	{ SYS_OP(0, 7, 14, 2), OPND_SET_WAY },	/* DC CISW */
	{ SYS_OP(0, 8, 7, 0), OPND_NONE },	/* TLBI VMALLE1 */
	{ SYS_OP(0, 8, 3, 0), OPND_NONE },	/* TLBI VMALLE1IS */
	{ SYS_OP(0, 8, 7, 1), OPND_VALUE },	/* TLBI VAE1 */
	{ SYS_OP(0, 8, 3, 1), OPND_VALUE },	/* TLBI VAE1IS */
	{ SYS_OP(0, 8, 7, 2), OPND_VALUE },	/* TLBI ASIDE1 */
	{ SYS_OP(0, 8, 7, 3), OPND_VALUE },	/* TLBI VAAE1 */
	{ SYS_OP(0, 8, 7, 5), OPND_VALUE },	/* TLBI VALE1 */
	{ SYS_OP(0, 8, 7, 7), OPND_VALUE },	/* TLBI VAALE1 */
	{ SYS_OP(0, 7, 8, 0), OPND_ANY_VA },	/* AT S1E1R */
	{ SYS_OP(0, 7, 8, 1), OPND_ANY_VA },	/* AT S1E1W */
	{ SYS_OP(0, 7, 8, 2), OPND_ANY_VA },	/* AT S1E0R */
	{ SYS_OP(0, 7, 8, 3), OPND_ANY_VA },	/* AT S1E0W */
};

/* Harmless by-VA maintenance may hit any of our RAM too. */
static uint64_t rnd_any_va(void)
{
	bool unused;

	return rnd_below(3) ? rnd_target(&unused) : RT_RAM_BASE + rnd() % (ram_end - RT_RAM_BASE);
}

/* Returns true for a set/way operation on set 0, way 0 (a full flush under HB). */
static bool build_cache(struct op *o)
{
	unsigned i = rnd_below(ARRAY_SIZE(cache_ops)), rt = rnd_below(30);
	bool unused, full = false;
	uint64_t operand;

	switch (cache_ops[i].operand) {
	case OPND_ANY_VA: operand = rnd_any_va(); break;
	case OPND_TARGET: operand = avoid_uart_dr(rnd_target(&unused), ZVA); break;
	case OPND_SET_WAY:
		full = !rnd_below(16);
		operand = full ? rnd() & 0xe : rnd_value();
		break;
	case OPND_NONE: rt = 31; operand = 0; break;
	default: operand = rnd_value(); break;
	}
	o->insn = cache_ops[i].insn | rt;
	set_reg(o, rt, operand);
	o->may_abort = true;
	o->may_undef = cache_ops[i].operand == OPND_SET_WAY;
	return full;
}

/* Anything in the op0=1 (SYS/SYSL) space. DC ZVA/IVAC-like encodings
 * (CRn=7 CRm=4 or 6) only ever get an address that is not our live RAM. */
static void build_sys(struct op *o)
{
	unsigned op1 = rnd_below(8), crn = rnd_below(16), crm = rnd_below(16), op2 = rnd_below(8);
	unsigned rt = rnd_reg();
	bool sysl = !rnd_below(10), unused;

	o->insn = SYS_OP(op1, crn, crm, op2) | (sysl ? BIT(21) : 0) | rt;
	o->may_undef = o->may_abort = true;
	if (sysl)
		o->may_change = reg_bit(rt);
	else
		set_reg(o, rt, crn == 7 && (crm == 4 || crm == 6) ? avoid_uart_dr(rnd_target(&unused), ZVA)
								  : rnd_any_va());
}

/* -------------------------------------------------------- console, GIC */

#define UART_CR		0x30
#define UART_LCR_H	0x2c
#define UART_IMSC	0x38
#define UART_ICR	0x44
#define GIC_CPU_APR0	0xd0

static void uart_write(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(RT_UART_BASE + off) = v;
}

/* Wild stores may have put the vUART in loopback or changed its framing:
 * undo that before every line we print. */
static void uart_restore(void)
{
	uart_write(UART_IMSC, 0);
	uart_write(UART_ICR, 0x7ff);
	uart_write(UART_LCR_H, 0x70);
	uart_write(UART_CR, 0x301);
}

/* Exceptions outside an operation are about to be reported by the runtime. */
static bool console_hook(struct rt_frame *frame, enum rt_vector vec)
{
	if (!in_op)
		uart_restore();
	return false;
}

/*
 * Puts back what WFI needs after the fuzzer scribbled over the distributor
 * and the CPU interface: PPI 27 enabled, inactive, a priority PMR lets
 * through, no active priorities left over from IAR reads nobody completed.
 */
static void gic_rearm(void)
{
	vtimer_set_ctl(0);
	gicd_write(GIC_DIST_CTLR, 1);
	gicd_write(GIC_DIST_IGROUPR, 0);
	gic_clear_active(GIC_INTID_VTIMER);
	gic_clear_pending(GIC_INTID_VTIMER);
	gic_set_priority(GIC_INTID_VTIMER, 0x80);
	gic_enable_irq(GIC_INTID_VTIMER);
	gicc_write(GIC_CPU_CTLR, 0);
	gicc_write(GIC_CPU_APR0, 0);
	gicc_write(GIC_CPU_PMR, 0xff);
	gicc_write(GIC_CPU_BPR, 0);
	gicc_write(GIC_CPU_CTLR, 3);	/* both groups, EOImode 0 */
}

static void drain_interrupts(void)
{
	for (unsigned i = 0; i < 32; i++) {
		uint32_t iar = gic_ack();

		if (GIC_IAR_INTID(iar) >= 1020)
			break;
		gic_eoi(iar);
	}
}

/* ------------------------------------------------------------- judging */

/* Console lines are at most 127 characters under HyperBerry: two lines. */
static void report(const struct op *o, const char *what, uint64_t a, uint64_t b)
{
	if (reports++ >= MAX_REPORTS)
		return;
	uart_restore();
	rt_printf("HOSTILE problem %llu: %s (0x%llx 0x%llx) -> x0=0x%llx x1=0x%llx\n",
		  (unsigned long long)op_number, what, (unsigned long long)a, (unsigned long long)b,
		  (unsigned long long)o->ctx.out[0], (unsigned long long)o->ctx.out[1]);
	rt_printf("HOSTILE problem %llu: %s 0x%08x x0-x3 0x%llx 0x%llx 0x%llx 0x%llx\n",
		  (unsigned long long)op_number, class_names[o->cls], o->insn,
		  (unsigned long long)o->ctx.in[0], (unsigned long long)o->ctx.in[1],
		  (unsigned long long)o->ctx.in[2], (unsigned long long)o->ctx.in[3]);
}

static void judge_exception(struct op *o, const struct rt_fault *f, const uint32_t *snippet)
{
	unsigned ec = ESR_EC(f->esr);
	bool expected = (ec == EC_UNKNOWN && o->may_undef) || (ec == EC_DABT_CUR && o->may_abort);

	stats[o->cls].faults++;
	stats[o->cls].undefs += ec == EC_UNKNOWN;
	if (f->count != 1 || !expected || f->vec != RT_VEC_CUR_SPX_SYNC || f->elr != (uint64_t)snippet) {
		odd_exceptions++;
		report(o, "unexpected exception ESR/ELR", f->esr, f->elr);
	}
}

static void judge_registers(struct op *o)
{
	for (unsigned r = 0; r < 30; r++) {
		if (!(o->may_change & BIT(r)) && o->ctx.out[r] != o->ctx.in[r]) {
			reg_corruptions++;
			report(o, "register changed (number, new value)", r, o->ctx.out[r]);
		}
	}
	if (o->ctx.sp_after != o->ctx.sp_before) {
		sp_corruptions++;
		report(o, "SP changed", o->ctx.sp_before, o->ctx.sp_after);
	}
}

static void judge_store(struct op *o)
{
	uint64_t v = o->verify_reg < 31 ? o->ctx.in[o->verify_reg] : 0;

	for (unsigned i = 0; i < o->verify_size; i++) {
		if (*(volatile uint8_t *)(o->verify_addr + i) != (uint8_t)(v >> (8 * i))) {
			ram_mismatches++;
			report(o, "scratch store not visible (address, value)", o->verify_addr, v);
			return;
		}
	}
}

static void smccc_violation(struct op *o, const char *what)
{
	smccc_violations++;
	report(o, what, o->ctx.out[2], o->ctx.out[3]);
}

/* SMCCC 1.1 as traps.md documents it: unknown IDs and non-zero immediates
 * answer -1, and calls that return one value leave x1..x3 alone. */
static void judge_call(struct op *o)
{
	const uint64_t fid = o->ctx.in[0];
	const bool unknown = (o->insn >> 5 & 0xffff) || fid >> 32 || !(fid & BIT(31));
	const bool multi = fid == HB_CALL_UID || fid == HB_REVISION;

	if (unknown && o->ctx.out[0] != (uint64_t)SMCCC_NOT_SUPPORTED)
		smccc_violation(o, "unknown call did not answer NOT_SUPPORTED");
	if (!multi && (o->ctx.out[1] != o->ctx.in[1] || o->ctx.out[2] != o->ctx.in[2] ||
		       o->ctx.out[3] != o->ctx.in[3]))
		smccc_violation(o, "one-result call changed x1..x3");
}

static bool mpidr_is(uint64_t mpidr, uint64_t vcpu)
{
	return (mpidr & MPIDR_AFF_MASK) == vcpu;
}

static void judge_psci(struct op *o, enum call_kind kind)
{
	const uint64_t mpidr = o->ctx.in[1];
	const int64_t r = (int64_t)o->ctx.out[0];
	const bool entry_ok = o->ctx.in[2] == (uint64_t)hostile_secondary_park;
	bool ok;

	switch (kind) {
	case CALL_CPU_ON:
		if (mpidr_is(mpidr, 0))
			ok = r == (entry_ok ? PSCI_RET_ALREADY_ON : PSCI_RET_INVALID_ADDRESS);
		else if (mpidr_is(mpidr, 1))
			ok = entry_ok ? (r == 0 || r == PSCI_RET_ALREADY_ON || r == PSCI_RET_ON_PENDING)
				      : r == PSCI_RET_INVALID_ADDRESS;
		else
			ok = r == PSCI_RET_INVALID_PARAMETERS;
		break;
	case CALL_AFFINITY:
		if (o->ctx.in[2] != 0 || !(mpidr_is(mpidr, 0) || mpidr_is(mpidr, 1)))
			ok = r == PSCI_RET_INVALID_PARAMETERS;
		else if (mpidr_is(mpidr, 0))
			ok = r == PSCI_AFF_ON;
		else
			ok = r >= PSCI_AFF_ON && r <= PSCI_AFF_ON_PENDING;
		break;
	case CALL_SUSPEND:
		ok = r == 0;
		break;
	default:
		ok = r == 0 || r == PSCI_RET_NOT_SUPPORTED;
		break;
	}
	if (!ok)
		smccc_violation(o, "PSCI result not as documented");
	if (o->ctx.out[1] != o->ctx.in[1] || o->ctx.out[2] != o->ctx.in[2] ||
	    o->ctx.out[3] != o->ctx.in[3])
		smccc_violation(o, "PSCI call changed x1..x3");
}

/* Returns whether the operation took an exception. */
static bool execute(struct op *o, enum call_kind kind)
{
	const uint32_t *snippet = snippet_for(o->insn);
	struct rt_fault f;

	if (op_number >= trace_from) {
		uart_restore();
		rt_printf("HOSTILE trace %llu %s 0x%08x 0x%llx 0x%llx 0x%llx 0x%llx\n",
			  (unsigned long long)op_number, class_names[o->cls], o->insn,
			  (unsigned long long)o->ctx.in[0], (unsigned long long)o->ctx.in[1],
			  (unsigned long long)o->ctx.in[2], (unsigned long long)o->ctx.in[3]);
	}
	in_op = true;
	rt_fault_expect(RT_FAULT_SKIP);
	hostile_run_op(&o->ctx, snippet);
	rt_fault_end(&f);
	in_op = false;
	stats[o->cls].ops++;
	if (f.count)
		judge_exception(o, &f, snippet);
	judge_registers(o);
	if (o->verify_addr && !f.count)
		judge_store(o);
	if (hb && (o->cls == C_HVC || o->cls == C_SMC))
		judge_call(o);
	if (hb && kind != CALL_ANY)
		judge_psci(o, kind);
	return f.count != 0;
}

/* ------------------------------------------------------------------ WFx */

static uint64_t us_to_ticks(uint64_t us)
{
	return us * rt_cntfrq() / 1000000ull;
}

static void arm_timer(uint64_t cval)
{
	vtimer_set_cval(cval);
	vtimer_set_ctl(CNTV_CTL_ENABLE);
}

/* WFI or PSCI CPU_SUSPEND with a wake-up on its way (timer, SGI) or
 * already pending, and WFE after SEVL. Under HyperBerry each of them would
 * hang for good if a wake-up were lost. */
static void run_wfx(struct op *o)
{
	enum call_kind kind = CALL_ANY;
	unsigned variant = rnd_below(6), sgi = rnd_below(16);
	uint64_t t0;

	gic_rearm();
	o->insn = 0xd503207f;	/* WFI */
	switch (variant) {
	case 0: case 1:
		arm_timer(rt_cntvct() + us_to_ticks(50 + rnd_below(250)));
		break;
	case 2:
		gic_set_priority(sgi, 0x80);
		gic_enable_irq(sgi);
		gic_send_sgi(GIC_SGI_TO_SELF, 0, sgi);
		break;
	case 3:
		o->insn = 0xd503205f;	/* WFE */
		__asm__ volatile("sevl" : : : "memory");
		break;
	default:
		arm_timer(variant == 5 ? rt_cntvct() : rt_cntvct() + us_to_ticks(50 + rnd_below(250)));
		if (variant == 5) {	/* wait until the wake-up is already pending */
			t0 = rt_cntvct();
			while (!gic_is_pending(GIC_INTID_VTIMER) && rt_cntvct() - t0 < us_to_ticks(2000))
				;
		}
		if (rnd_below(2) || variant == 4) {
			kind = CALL_SUSPEND;
			o->insn = hb && rnd_below(2) ? INSN_SMC(0) : INSN_HVC(0);
			o->may_change = 0xf;
			o->ctx.in[0] = rnd_below(2) ? PSCI_CPU_SUSPEND : (PSCI_CPU_SUSPEND & ~BIT(30));
			o->ctx.in[1] = rnd_value();
			o->ctx.in[2] = (uint64_t)hostile_secondary_park;
		}
		break;
	}
	if (op_number >= trace_from)
		rt_printf("HOSTILE trace wfx variant %u, timer pending %d\n", variant,
			  gic_is_pending(GIC_INTID_VTIMER));
	t0 = rt_cntvct();
	execute(o, kind);
	wfx_worst_ticks = MAX(wfx_worst_ticks, rt_cntvct() - t0);
	drain_interrupts();
	vtimer_set_ctl(0);
}

/* --------------------------------------------------------------- virtio */

/*
 * The virtio-mmio devices tests/integration/test_hostile.py gives this VM (a
 * virtio-blk RAM disk and two virtio-net ports on the VM switch, so frames
 * one sends reach the other), found by probing the windows from 0x0a000000.
 * A device reads and writes only our RAM, but anywhere in it, which is its
 * right: so every address that lands inside RAM, in a descriptor or a queue
 * register, is folded into the virtio area (the top MiB of RAM), and the
 * device never writes over our code, stack or tables. Addresses outside RAM
 * stay as random as they come. The area starts with a home slot of rings
 * per queue (descriptors +0, available ring +4 KiB, used ring +8 KiB).
 */
#define VIRTIO_WINDOWS		0x0a000000ull
#define VIRTIO_WINDOW_SIZE	0x200u
#define VIRTIO_MAX_DEVS		4		/* a VM has at most 4 */
#define VIRTIO_AREA_SIZE	MiB(1)
#define VIRTIO_RING_SLOT	KiB(16)
#define VIRTIO_BUFFERS		(VIRTIO_MAX_DEVS * 2 * VIRTIO_RING_SLOT)
#define CHAIN_MAX		8

/* virtio-mmio registers (virtio 1.2, 4.2.2; docs/virtio.md) */
#define VR_MAGIC		0x000
#define VR_VERSION		0x004
#define VR_DEVICE_ID		0x008
#define VR_VENDOR		0x00c
#define VR_DEV_FEAT		0x010
#define VR_DEV_FEAT_SEL		0x014
#define VR_DRV_FEAT		0x020
#define VR_DRV_FEAT_SEL		0x024
#define VR_QUEUE_SEL		0x030
#define VR_QUEUE_NUM_MAX	0x034
#define VR_QUEUE_NUM		0x038
#define VR_QUEUE_READY		0x044
#define VR_QUEUE_NOTIFY		0x050
#define VR_ISR			0x060
#define VR_ISR_ACK		0x064
#define VR_STATUS		0x070
#define VR_DESC			0x080	/* low word; the high word follows */
#define VR_DRIVER		0x090
#define VR_DEVICE		0x0a0
#define VR_CONFIG_GEN		0x0fc
#define VR_CONFIG		0x100

#define VIRTIO_MAGIC		0x74726976u	/* "virt" */
#define VIRTIO_VENDOR		0x59524248u	/* "HBRY" */
#define VIRTIO_ID_NET		1u
#define VIRTIO_ID_BLK		2u
#define VS_ACK			1u
#define VS_DRIVER		2u
#define VS_DRIVER_OK		4u
#define VS_FEATURES_OK		8u
#define VS_VALID		0xcfu	/* the above, NEEDS_RESET (0x40), FAILED (0x80) */
#define VS_RUNNING		(VS_ACK | VS_DRIVER | VS_FEATURES_OK | VS_DRIVER_OK)
#define VD_NEXT			1u
#define VD_WRITE		2u
#define VD_INDIRECT		4u

static const uint16_t virtio_regs[] = {
	VR_MAGIC, VR_VERSION, VR_DEVICE_ID, VR_VENDOR, VR_DEV_FEAT, VR_DEV_FEAT_SEL, VR_DRV_FEAT,
	VR_DRV_FEAT_SEL, VR_QUEUE_SEL, VR_QUEUE_NUM_MAX, VR_QUEUE_NUM, VR_QUEUE_READY,
	VR_QUEUE_NOTIFY, VR_ISR, VR_ISR_ACK, VR_STATUS, VR_DESC, VR_DESC + 4, VR_DRIVER,
	VR_DRIVER + 4, VR_DEVICE, VR_DEVICE + 4, VR_CONFIG_GEN,
};

/* What we last told the device about a queue; only a guide for the fuzzer. */
struct vq_model {
	uint64_t desc, avail, used;
	uint32_t num;
	uint16_t avail_idx;	/* the next available index we publish */
};

struct vdev {
	uint64_t base;
	uint32_t id, queue_max;
	unsigned queues, slot, config_size;
	uint8_t config[24];	/* read at start; these devices never change it */
	uint32_t status;	/* after our last operation on it */
	struct vq_model q[2];
};

/* The harness access of a virtio operation. */
struct vaccess {
	uint64_t ipa, value;
	unsigned size;		/* 1, 2, 4 or 8 bytes */
	bool store;
};

static struct vdev vdevs[VIRTIO_MAX_DEVS];
static unsigned vdev_count;
static uint64_t virtio_area;
static uint64_t virtio_violations, virtio_setups, virtio_setups_correct, virtio_chains;
static uint64_t virtio_notifies, virtio_resets;

static uint32_t vread(const struct vdev *d, unsigned off)
{
	return *(volatile uint32_t *)(d->base + off);
}

static void vwrite(const struct vdev *d, unsigned off, uint32_t value)
{
	*(volatile uint32_t *)(d->base + off) = value;
}

static bool in_area(uint64_t ipa, uint64_t len)
{
	return ipa >= virtio_area && ipa <= ram_end && len <= ram_end - ipa;
}

/* Byte by byte (rings may be misaligned on purpose), only inside the area. */
static void area_put(uint64_t ipa, uint64_t value, unsigned bytes)
{
	if (!in_area(ipa, bytes))
		return;
	for (unsigned i = 0; i < bytes; i++, value >>= 8)
		((volatile uint8_t *)ipa)[i] = (uint8_t)value;
}

static uint64_t area_get(uint64_t ipa, unsigned bytes)
{
	uint64_t v = 0;

	if (!in_area(ipa, bytes))
		return ~0ull;
	while (bytes--)
		v = v << 8 | ((volatile uint8_t *)ipa)[bytes];
	return v;
}

static uint64_t fold_into_area(uint64_t ipa)
{
	if (ipa >= RT_RAM_BASE && ipa < virtio_area)
		return virtio_area + (ipa - RT_RAM_BASE) % VIRTIO_AREA_SIZE;
	return ipa;
}

/* Where a ring, table or buffer of len bytes goes: mostly the buffer part of
 * the area; else across either end of RAM, on the device windows, on one of
 * this device's rings, anywhere in our RAM (folded) or anywhere at all. */
static uint64_t rnd_virtio_ipa(const struct vdev *d, uint64_t len, unsigned align)
{
	const struct vq_model *q = &d->q[rnd_below(d->queues)];
	const uint64_t room = VIRTIO_AREA_SIZE - VIRTIO_BUFFERS;
	uint64_t ipa;

	switch (rnd_below(32)) {
	case 0: ipa = rnd_value(); break;
	case 1: ipa = rnd() & GENMASK(47, 0); break;
	case 2: ipa = ram_end - (len ? rnd() % len : 0); break;
	case 3: ipa = RT_RAM_BASE - 1 - rnd_below(4096); break;
	case 4: ipa = VIRTIO_WINDOWS + rnd_below(0x1000); break;
	case 5: ipa = RT_RAM_BASE + rnd() % (ram_end - RT_RAM_BASE); break;
	case 6: ipa = q->desc + rnd_below(64); break;
	case 7: ipa = q->avail + rnd_below(16); break;
	case 8: ipa = q->used + rnd_below(16); break;
	default: ipa = virtio_area + VIRTIO_BUFFERS + (len < room ? rnd() % (room - len + 1) : 0); break;
	}
	if (rnd_below(8))
		ipa &= ~(uint64_t)(align - 1);
	return fold_into_area(ipa);
}

static uint32_t rnd_buf_len(void)
{
	switch (rnd_below(8)) {
	case 0: return rnd_below(2) ? 0 : (uint32_t)rnd_value();
	case 1: return 16;
	case 2: return 1;
	case 3: return 512u << rnd_below(4);
	default: return 1 + rnd_below(2048);
	}
}

/* The one way descriptors are written: the address is folded. */
static void put_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	const uint64_t p = table + 16ull * i;

	area_put(p, fold_into_area(addr), 8);
	area_put(p + 8, len, 4);
	area_put(p + 12, flags, 2);
	area_put(p + 14, next, 2);
}

static unsigned queue_entries(const struct vq_model *q)	/* what we fill */
{
	return q->num && q->num <= 256 && !(q->num & (q->num - 1)) ? q->num : 8;
}

static uint64_t home_ring(const struct vdev *d, unsigned queue)
{
	return virtio_area + (d->slot * 2 + queue) * VIRTIO_RING_SLOT;
}

/*
 * The driver's set-up (virtio 1.2, 3.1.1). care/16 is the chance that each
 * step is made, and made right; 16 is a correct driver with its rings at
 * their home slots and qsize entries (0: a random size). DRIVER_OK is left
 * to the caller.
 */
static void virtio_setup(struct vdev *d, unsigned care, uint32_t qsize)
{
	uint32_t offered[2] = { 0, 1 };	/* the high word's bit 0 is VERSION_1 */
	unsigned bits = 0;

#define VSTEP()	(rnd_below(16) < care)
	if (VSTEP())
		vwrite(d, VR_STATUS, 0);
	if (VSTEP())
		vwrite(d, VR_STATUS, VS_ACK);
	if (VSTEP())
		vwrite(d, VR_STATUS, VS_ACK | VS_DRIVER);
	for (unsigned w = 0; w < 2; w++) {
		if (VSTEP()) {
			vwrite(d, VR_DEV_FEAT_SEL, w);
			offered[w] = vread(d, VR_DEV_FEAT);
		}
	}
	for (unsigned w = 0; w < 2; w++) {
		if (VSTEP())
			vwrite(d, VR_DRV_FEAT_SEL, VSTEP() ? w : (uint32_t)rnd_value());
		if (VSTEP())	/* a random subset of the offer, with VERSION_1 */
			vwrite(d, VR_DRV_FEAT, VSTEP() ? (offered[w] & (uint32_t)rnd()) | w
						      : (uint32_t)rnd_value());
	}
	if (VSTEP())
		vwrite(d, VR_STATUS, VS_ACK | VS_DRIVER | VS_FEATURES_OK);
	while ((1u << bits) < d->queue_max)
		bits++;
	for (unsigned j = 0; j < d->queues; j++) {
		struct vq_model *q = &d->q[j];
		const uint64_t home = home_ring(d, j);
		uint32_t num = qsize ? qsize : 1u << rnd_below(bits + 1);

		if (VSTEP())
			vwrite(d, VR_QUEUE_SEL, VSTEP() ? j : (uint32_t)rnd_value());
		if (VSTEP())
			(void)vread(d, VR_QUEUE_NUM_MAX);
		if (!VSTEP())
			num = rnd_below(2) ? (uint32_t)rnd_value() : num + 1 + rnd_below(3);
		q->num = num;
		q->desc = VSTEP() ? home : rnd_virtio_ipa(d, 16ull * (uint16_t)num, 16);
		q->avail = VSTEP() ? home + KiB(4) : rnd_virtio_ipa(d, 6 + 2ull * (uint16_t)num, 2);
		q->used = VSTEP() ? home + KiB(8) : rnd_virtio_ipa(d, 6 + 8ull * (uint16_t)num, 4);
		if (VSTEP())
			vwrite(d, VR_QUEUE_NUM, num);
		for (unsigned r = 0; r < 3; r++) {
			const uint64_t ipa = r == 0 ? q->desc : r == 1 ? q->avail : q->used;

			if (VSTEP())	/* folded: the high word may stay 0 */
				vwrite(d, VR_DESC + 0x10 * r, (uint32_t)fold_into_area((uint32_t)ipa));
			if (VSTEP())
				vwrite(d, VR_DESC + 0x10 * r + 4, (uint32_t)(ipa >> 32));
		}
		q->avail_idx = 0;
		area_put(q->avail, 0, 4);	/* flags, idx */
		area_put(q->used, 0, 4);
		if (VSTEP())
			vwrite(d, VR_QUEUE_READY, VSTEP() ? 1 : (uint32_t)rnd_value());
	}
#undef VSTEP
}

/* A chain the device should like, most of the time: a block request
 * (header, data, status byte), a frame for the switch, or room for one. */
struct chain {
	unsigned n;
	uint64_t addr[CHAIN_MAX];
	uint32_t len[CHAIN_MAX];
	bool write[CHAIN_MAX];
};

static void chain_add(struct chain *c, uint64_t addr, uint32_t len, bool write)
{
	if (c->n < CHAIN_MAX) {
		c->addr[c->n] = addr;
		c->len[c->n] = len;
		c->write[c->n++] = write;
	}
}

static void put_mac(uint64_t at)
{
	const struct vdev *d = &vdevs[rnd_below(vdev_count)];

	switch (rnd_below(4)) {
	case 0: area_put(at, 0xffffffffffffull, 6); break;		/* broadcast */
	case 1: area_put(at, rnd() | 1, 6); break;			/* multicast */
	case 2: area_put(at, rnd() & ~1ull, 6); break;			/* unknown unicast */
	default:	/* a port's own MAC: as destination, or posing as its source */
		for (unsigned i = 0; i < 6; i++)
			area_put(at + i, d->id == VIRTIO_ID_NET ? d->config[i] : 0xff, 1);
		break;
	}
}

static void plausible_request(const struct vdev *d, unsigned queue, struct chain *c)
{
	static const uint32_t blk_types[] = { 0, 1, 4, 8, 11 };	/* IN OUT FLUSH GET_ID DISCARD */
	uint64_t a;
	uint32_t len;

	if (d->id == VIRTIO_ID_BLK) {
		const uint32_t type = rnd_below(8) ? blk_types[rnd_below(5)] : (uint32_t)rnd();
		const unsigned data = rnd_below(4);

		a = rnd_virtio_ipa(d, 16, 8);
		area_put(a, type, 4);
		area_put(a + 4, 0, 4);
		area_put(a + 8, rnd_below(4) ? rnd_below(2100) : rnd_value(), 8);	/* sector */
		chain_add(c, a, 16, false);
		for (unsigned i = 0; i < data; i++) {
			len = rnd_below(4) ? 512u << rnd_below(3) : rnd_buf_len();
			/* mostly device-writable for IN, readable otherwise */
			chain_add(c, rnd_virtio_ipa(d, len, 8), len, (type == 0) == (rnd_below(8) != 0));
		}
		chain_add(c, rnd_virtio_ipa(d, 1, 1), 1, rnd_below(8));
	} else if (queue == 1) {	/* transmit: header, then the frame */
		len = rnd_below(8) ? 12 + 14 + rnd_below(1600) : rnd_buf_len();
		a = rnd_virtio_ipa(d, len, 2);
		put_mac(a + 12);
		put_mac(a + 18);
		if (len > 12 && rnd_below(2)) {
			chain_add(c, a, 12, false);
			chain_add(c, a + 12, len - 12, false);
		} else {
			chain_add(c, a, len, !rnd_below(8));
		}
	} else {			/* receive */
		for (unsigned i = 1 + rnd_below(2); i; i--) {
			len = rnd_below(4) ? 1526 + rnd_below(600) : rnd_buf_len();
			chain_add(c, rnd_virtio_ipa(d, len, 2), len, rnd_below(8));
		}
	}
}

/* Into `entries` slots of table from a random one, with an odd stride
 * (distinct entries when they are a power of two); returns the head. */
static unsigned link_chain(uint64_t table, unsigned entries, const struct chain *c, bool from0)
{
	const unsigned start = from0 ? 0 : rnd_below(entries);
	const unsigned stride = from0 ? 1 : 1 + 2 * rnd_below(entries);

	for (unsigned i = 0; i < c->n; i++) {
		const bool last = i + 1 == c->n;

		put_desc(table, (start + i * stride) % entries, c->addr[i], c->len[i],
			 (c->write[i] ? VD_WRITE : 0) | (last ? 0 : VD_NEXT),
			 last ? (uint16_t)rnd() : (start + (i + 1) * stride) % entries);
	}
	return start;
}

/* Random descriptors, random links: loops, bad next, bad flags. */
static unsigned random_chain(const struct vdev *d, uint64_t table, unsigned entries)
{
	const unsigned n = 1 + rnd_below(CHAIN_MAX);
	unsigned head = rnd_below(entries);

	for (unsigned i = 0, at = head; i < n; i++) {
		const uint32_t len = rnd_buf_len();
		const unsigned next = rnd_below(8) ? rnd_below(entries) : (uint16_t)rnd();

		put_desc(table, at, rnd_virtio_ipa(d, len, 1), len,
			 rnd_below(4) ? rnd_below(8) : (uint16_t)rnd(), (uint16_t)next);
		at = next % entries;
	}
	return rnd_below(16) ? head : (uint16_t)rnd();
}

/* Writes a few chains into a queue's table and publishes them. */
static void virtio_fill_ring(struct vdev *d, unsigned queue)
{
	struct vq_model *q = &d->q[queue];
	const unsigned entries = queue_entries(q);
	const uint64_t used = area_get(q->used + 2, 2);

	/* Where the device is, if it took everything it was given. */
	if (used <= 0xffff && rnd_below(8))
		q->avail_idx = (uint16_t)used;
	for (unsigned n = 1 + rnd_below(4); n; n--) {
		struct chain c = { 0 };
		unsigned head, kind = rnd_below(8);
		uint64_t table;

		if (kind < 5) {
			plausible_request(d, queue, &c);
			head = link_chain(q->desc, entries, &c, false);
		} else if (kind < 7) {	/* the same through an indirect table */
			plausible_request(d, queue, &c);
			table = rnd_virtio_ipa(d, 16ull * c.n, 16);
			link_chain(table, c.n, &c, true);
			if (!rnd_below(8))	/* indirect in indirect, often a loop */
				put_desc(table, rnd_below(c.n),
					 rnd_below(2) ? table : rnd_virtio_ipa(d, 64, 16), 16 * c.n,
					 VD_INDIRECT | (uint16_t)(rnd() & 3), (uint16_t)rnd());
			head = rnd_below(entries);
			put_desc(q->desc, head, table, rnd_below(8) ? 16 * c.n : rnd_buf_len(),
				 VD_INDIRECT | (rnd_below(8) ? 0 : (uint16_t)rnd()), rnd_below(entries));
		} else {
			head = random_chain(d, rnd_below(8) ? q->desc : rnd_virtio_ipa(d, 256, 16),
					    entries);
		}
		if (!rnd_below(8)) {	/* one more stray descriptor, maybe in the chain */
			const uint32_t len = rnd_buf_len();

			put_desc(q->desc, rnd_below(entries), rnd_virtio_ipa(d, len, 1), len,
				 (uint16_t)rnd(), (uint16_t)rnd());
		}
		area_put(q->avail + 4 + 2 * (q->avail_idx % entries),
			 rnd_below(32) ? head : rnd_value(), 2);
		q->avail_idx++;
		virtio_chains++;
	}
	if (!rnd_below(32))
		q->avail_idx += (uint16_t)rnd();
	area_put(q->avail, rnd_below(4) ? 0 : rnd_value(), 2);	/* flags */
	if (!rnd_below(8))
		area_put(q->avail + 4 + 2 * entries, rnd_value(), 2);	/* used_event */
	area_put(q->avail + 2, q->avail_idx, 2);
}

/* The device whose window holds all of [ipa, ipa + size), if the access is
 * naturally aligned; else NULL. */
static const struct vdev *virtio_device_at(uint64_t ipa, unsigned size)
{
	for (unsigned i = 0; i < vdev_count; i++) {
		if (ipa >= vdevs[i].base && ipa + size <= vdevs[i].base + VIRTIO_WINDOW_SIZE &&
		    !(ipa & (size - 1)))
			return &vdevs[i];
	}
	return NULL;
}

/*
 * What a load must return where docs/virtio.md fixes it: the identification
 * registers, 0 for write-only registers, holes and any access to the
 * registers that is not 32 bits, the config bytes for aligned 1/2/4-byte
 * accesses inside it and 0 for anything else there. The registers that hold
 * state (features, queue, status) are only held to their possible values.
 */
static bool virtio_load_ok(const struct vdev *d, unsigned off, unsigned size, uint64_t v)
{
	uint64_t want = 0;

	if (size < 8 && v >> (8 * size))
		return false;
	if (off >= VR_CONFIG) {
		off -= VR_CONFIG;
		if (size <= 4 && off + size <= d->config_size) {
			for (unsigned i = size; i--;)
				want = want << 8 | d->config[off + i];
		}
		return v == want;
	}
	if (size != 4)
		return v == 0;
	switch (off) {
	case VR_MAGIC: return v == VIRTIO_MAGIC;
	case VR_VERSION: return v == 2;
	case VR_DEVICE_ID: return v == d->id;
	case VR_VENDOR: return v == VIRTIO_VENDOR;
	case VR_QUEUE_NUM_MAX: return v == 0 || v == d->queue_max;
	case VR_QUEUE_READY: return v <= 1;
	case VR_ISR: return v <= 3;
	case VR_STATUS: return !(v & ~VS_VALID) && (!(v & VS_DRIVER_OK) || (v & VS_FEATURES_OK));
	case VR_DEV_FEAT: case VR_CONFIG_GEN: return true;
	default: return v == 0;
	}
}

static void virtio_violation(struct op *o, const char *what, uint64_t a, uint64_t b)
{
	virtio_violations++;
	report(o, what, a, b);
}

/* The operation's own access, through the harness so every register is
 * checked across the trap (a notify does all of the device's work in it).
 * A quarter go through the far window, Device or Normal memory: with
 * Normal memory misaligned accesses reach the hypervisor too. */
static void build_virtio_access(struct op *o, const struct vaccess *a)
{
	static const uint32_t loads[] = { 0x39400000, 0x79400000, 0xb9400000, 0xf9400000 };
	static const uint32_t stores[] = { 0x39000000, 0x79000000, 0xb9000000, 0xf9000000 };
	const unsigned log = a->size == 8 ? 3 : a->size / 2;
	uint64_t va = a->ipa;
	unsigned rt, rn;

	if (a->store)	/* XZR stores 0, so it only stands in for a 0 */
		rt = a->value == 0 && rnd_below(2) ? 31 : rnd_gpr_not(30, 30);
	else
		rt = rnd_reg();
	rn = rnd_gpr_not(rt, rt);
	if (!rnd_below(4)) {
		far_window_map(0, rnd_below(2));
		va = FAR_WINDOW_VA + a->ipa;
	}
	o->insn = (a->store ? stores : loads)[log] | rn << 5 | rt;
	set_reg(o, rn, va);
	if (a->store)
		set_reg(o, rt, a->value);
	else
		o->may_change = reg_bit(rt);
	o->may_abort = !virtio_device_at(a->ipa, a->size);
}

static void judge_virtio(struct op *o, struct vdev *d, const struct vaccess *a, bool faulted,
			 bool correct_setup)
{
	const struct vdev *hit = virtio_device_at(a->ipa, a->size);
	const unsigned rt = o->insn & 31, off = hit ? (unsigned)(a->ipa - hit->base) : 0;
	const uint64_t stored = rt == 31 ? 0 : a->value;
	uint32_t status;

	if (faulted || !hit) {
		/* nothing the documentation fixes */
	} else if (!a->store && rt != 31 && !virtio_load_ok(hit, off, a->size, o->ctx.out[rt])) {
		virtio_violation(o, "virtio load (offset, value)", off, o->ctx.out[rt]);
	} else if (a->store && a->size == 4 && off == VR_STATUS && (uint32_t)stored == 0) {
		virtio_resets++;
		if (vread(hit, VR_STATUS) || vread(hit, VR_ISR) || vread(hit, VR_QUEUE_READY))
			virtio_violation(o, "virtio reset left status, ISR or queue 0 live",
					 vread(hit, VR_STATUS), vread(hit, VR_ISR));
	} else if (correct_setup) {
		status = vread(d, VR_STATUS);
		for (unsigned j = 0; j < d->queues; j++) {
			vwrite(d, VR_QUEUE_SEL, j);
			if (!vread(d, VR_QUEUE_READY))
				status |= 0x100u << j;
		}
		if (status != VS_RUNNING)
			virtio_violation(o, "virtio correct set-up refused (status, queues)",
					 status, d->base);
	}
	d->status = status = vread(d, VR_STATUS);
	if (!virtio_load_ok(d, VR_STATUS, 4, status))
		virtio_violation(o, "virtio status impossible (status, window)", status, d->base);
}

/* A value for a register store; any address we give lands outside our RAM
 * or in the area, even once combined with either half already there. */
static uint64_t rnd_virtio_reg_value(const struct vdev *d, unsigned off)
{
	switch (off) {
	case VR_QUEUE_SEL: case VR_QUEUE_NOTIFY:
	case VR_DEV_FEAT_SEL: case VR_DRV_FEAT_SEL: return rnd_below(2) ? rnd_below(4) : rnd_value();
	case VR_STATUS: return rnd_below(2) ? rnd_below(256) : rnd_value();
	case VR_QUEUE_NUM: return rnd_below(2) ? 1u << rnd_below(10) : rnd_value();
	case VR_QUEUE_READY: return rnd_below(4) ? 1 : rnd_value();
	case VR_DESC: case VR_DRIVER: case VR_DEVICE:
		return fold_into_area((uint32_t)(rnd_below(2) ? rnd_virtio_ipa(d, 64, 16) : rnd_value()));
	default: return rnd_value();
	}
}

static void run_virtio(struct op *o)
{
	struct vdev *d = &vdevs[rnd_below(vdev_count)];
	const unsigned queue = rnd_below(d->queues);
	unsigned action = rnd_below(16);
	struct vaccess a = { .ipa = d->base, .size = 4, .store = true };
	bool correct = false, faulted;
	unsigned care, off;

	/* Like a driver, half the time a device that is not running (a broken
	 * ring sets NEEDS_RESET) is set up again before new requests. */
	if (action >= 2 && action <= 6 && d->status != VS_RUNNING && rnd_below(2))
		action = 0;
	if (op_number >= trace_from) {
		uart_restore();
		rt_printf("HOSTILE trace %llu virtio window 0x%llx action %u\n",
			  (unsigned long long)op_number, (unsigned long long)d->base, action);
	}
	switch (action) {
	case 0: case 1:		/* (some of) the set-up, then DRIVER_OK */
		care = rnd_below(2) ? (rnd_below(2) ? 15 : 10) : 16;
		correct = care == 16;
		virtio_setup(d, care, 0);
		a.ipa += VR_STATUS;
		a.value = correct || rnd_below(4) ? VS_RUNNING : rnd_below(256);
		virtio_setups++;
		virtio_setups_correct += correct;
		break;
	case 2: case 3: case 4: case 5: case 6:	/* random descriptors, then notify */
		virtio_fill_ring(d, queue);
		a.ipa += VR_QUEUE_NOTIFY;
		a.value = rnd_below(8) ? queue : rnd_value();
		virtio_notifies++;
		break;
	case 7:
		a.ipa += VR_QUEUE_NOTIFY;
		a.value = rnd_below(2) ? rnd_below(4) : rnd_value();
		virtio_notifies++;
		break;
	case 8:			/* reset, random status bits, InterruptACK */
		a.ipa += rnd_below(2) ? VR_STATUS : VR_ISR_ACK;
		a.value = rnd_below(2) ? 0 : rnd_value();
		break;
	case 9: case 10: case 11:	/* config space, every width */
		a.ipa += VR_CONFIG + (rnd_below(4) ? rnd_below(d->config_size + 8) : rnd_below(0x100));
		a.size = 1u << rnd_below(4);
		a.store = !rnd_below(4);
		a.value = rnd_value();
		break;
	default:		/* any register, width and alignment, or near the windows */
		switch (rnd_below(8)) {
		case 0: a.ipa += rnd_below(VIRTIO_WINDOW_SIZE); break;
		case 1: a.ipa = VIRTIO_WINDOWS + rnd_below(0x1000); break;
		default: a.ipa += virtio_regs[rnd_below(ARRAY_SIZE(virtio_regs))]; break;
		}
		a.size = rnd_below(4) ? 4 : 1u << rnd_below(4);
		if (!rnd_below(8))
			a.ipa += rnd_below(a.size);
		a.store = rnd_below(2);
		off = (unsigned)(a.ipa & (VIRTIO_WINDOW_SIZE - 1));
		a.value = rnd_virtio_reg_value(d, off - VR_DESC < 0x30 ? off & ~4u : off);
		break;
	}
	/* Only aligned 32-bit stores reach a register: one to a queue address
	 * register, of any window, keeps the folding promise. */
	off = (unsigned)(a.ipa & (VIRTIO_WINDOW_SIZE - 1));
	if (a.store && a.size == 4 && (a.ipa & 3) == 0 && off - VR_DESC < 0x30)
		a.value = fold_into_area((uint32_t)a.value);
	build_virtio_access(o, &a);
	faulted = execute(o, CALL_ANY);
	judge_virtio(o, d, &a, faulted, correct);
}

static bool probe_read32(uint64_t addr, uint32_t *value)
{
	struct rt_fault f;
	uint32_t v = 0;

	rt_fault_expect(RT_FAULT_SKIP);
	__asm__ volatile("ldr %w0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	rt_fault_end(&f);
	*value = v;
	return f.count == 0;
}

/* Under HyperBerry only: natively the windows are QEMU's own, empty ones. */
static void virtio_probe(void)
{
	for (unsigned i = 0; hb && i < VIRTIO_MAX_DEVS; i++) {
		struct vdev *d = &vdevs[vdev_count];
		uint32_t magic, id;

		d->base = VIRTIO_WINDOWS + i * VIRTIO_WINDOW_SIZE;
		if (!probe_read32(d->base + VR_MAGIC, &magic) || magic != VIRTIO_MAGIC ||
		    !probe_read32(d->base + VR_DEVICE_ID, &id) ||
		    (id != VIRTIO_ID_NET && id != VIRTIO_ID_BLK))
			continue;
		d->id = id;
		d->slot = vdev_count++;
		d->queues = id == VIRTIO_ID_NET ? 2 : 1;
		d->config_size = id == VIRTIO_ID_NET ? 8 : 24;	/* MAC, status; capacity..blk_size */
		vwrite(d, VR_STATUS, 0);
		d->queue_max = vread(d, VR_QUEUE_NUM_MAX);
		for (unsigned j = 0; j < d->config_size; j++)
			d->config[j] = *(volatile uint8_t *)(d->base + VR_CONFIG + j);
	}
}

static void go_live(struct vdev *d)
{
	virtio_setup(d, 16, 8);
	vwrite(d, VR_STATUS, VS_RUNNING);
}

static void publish(struct vq_model *q, unsigned head)
{
	area_put(q->avail + 4 + 2 * (q->avail_idx % q->num), head, 2);
	q->avail_idx++;
	__asm__ volatile("dmb ishst" : : : "memory");
	area_put(q->avail + 2, q->avail_idx, 2);
	__asm__ volatile("dsb sy" : : : "memory");
}

/* After the fuzzing a correct driver still gets correct answers: sector 5
 * written and read back, with status bytes and used lengths right. */
static bool blk_round_trip(struct vdev *d)
{
	struct vq_model *q = &d->q[0];
	const uint64_t buf = virtio_area + VIRTIO_BUFFERS;
	bool ok;

	go_live(d);
	for (unsigned i = 0; i < 512; i++) {
		area_put(buf + 512 + i, (uint8_t)(i * 7 + rng_state), 1);
		area_put(buf + 2048 + i, 0, 1);
	}
	for (unsigned r = 0; r < 2; r++) {	/* OUT, then IN */
		const uint64_t req = buf + 1536 * r;

		area_put(req, r == 0, 4);
		area_put(req + 4, 0, 4);
		area_put(req + 8, 5, 8);
		area_put(req + 1024, 0xff, 1);
		put_desc(q->desc, 3 * r, req, 16, VD_NEXT, 3 * r + 1);
		put_desc(q->desc, 3 * r + 1, req + 512, 512, VD_NEXT | (r ? VD_WRITE : 0), 3 * r + 2);
		put_desc(q->desc, 3 * r + 2, req + 1024, 1, VD_WRITE, 0);
		publish(q, 3 * r);
	}
	vwrite(d, VR_QUEUE_NOTIFY, 0);
	ok = area_get(q->used + 2, 2) == 2 && area_get(buf + 1024, 1) == 0 &&
	     area_get(buf + 2560, 1) == 0 && area_get(q->used + 16, 4) == 513;
	for (unsigned i = 0; i < 512; i++)
		ok = ok && area_get(buf + 512 + i, 1) == area_get(buf + 2048 + i, 1);
	if (!ok)
		rt_printf("HOSTILE virtio-blk after fuzzing: used %llu, status 0x%llx 0x%llx, len %llu\n",
			  (unsigned long long)area_get(q->used + 2, 2),
			  (unsigned long long)area_get(buf + 1024, 1),
			  (unsigned long long)area_get(buf + 2560, 1),
			  (unsigned long long)area_get(q->used + 16, 4));
	return ok;
}

/* ... and a broadcast frame crosses the switch from one port to the other. */
static bool net_round_trip(struct vdev *tx, struct vdev *rx)
{
	static const uint8_t eth[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x02, 0x48, 0x42, 0x00, 0x00, 0x01, 0x88, 0xb5 };
	struct vq_model *rq = &rx->q[0], *tq = &tx->q[1];
	const uint64_t frame = virtio_area + VIRTIO_BUFFERS + KiB(4), room = frame + KiB(4);
	bool ok;

	go_live(rx);
	go_live(tx);
	for (unsigned i = 0; i < 72; i++)
		area_put(frame + i, i < 12 ? 0 : i < 26 ? eth[i - 12] : (uint8_t)(i * 3 + rng_state), 1);
	for (unsigned i = 0; i < 2048; i++)
		area_put(room + i, 0xee, 1);
	put_desc(rq->desc, 0, room, 2048, VD_WRITE, 0);
	publish(rq, 0);
	vwrite(rx, VR_QUEUE_NOTIFY, 0);
	put_desc(tq->desc, 0, frame, 72, 0, 0);
	publish(tq, 0);
	vwrite(tx, VR_QUEUE_NOTIFY, 1);
	ok = area_get(tq->used + 2, 2) == 1 && area_get(rq->used + 2, 2) == 1 &&
	     area_get(rq->used + 8, 4) == 72 && area_get(room + 10, 2) == 1;
	for (unsigned i = 12; i < 72; i++)
		ok = ok && area_get(room + i, 1) == area_get(frame + i, 1);
	if (!ok)
		rt_printf("HOSTILE virtio-net after fuzzing: tx used %llu, rx used %llu, len %llu\n",
			  (unsigned long long)area_get(tq->used + 2, 2),
			  (unsigned long long)area_get(rq->used + 2, 2),
			  (unsigned long long)area_get(rq->used + 8, 4));
	return ok;
}

static void virtio_final_checks(void)
{
	struct vdev *blk = NULL, *net[2] = { NULL, NULL };

	for (unsigned i = 0; i < vdev_count; i++) {
		vwrite(&vdevs[i], VR_STATUS, 0);
		if (vdevs[i].id == VIRTIO_ID_BLK && !blk)
			blk = &vdevs[i];
		else if (vdevs[i].id == VIRTIO_ID_NET)
			net[!!net[0]] = &vdevs[i];
	}
	rt_printf("HOSTILE virtio devices=%u set-ups=%llu correct=%llu chains=%llu notifies=%llu "
		  "resets=%llu\n", vdev_count, (unsigned long long)virtio_setups,
		  (unsigned long long)virtio_setups_correct, (unsigned long long)virtio_chains,
		  (unsigned long long)virtio_notifies, (unsigned long long)virtio_resets);
	if (blk)
		CHECK_TRUE("virtio_blk_works_after_fuzzing", blk_round_trip(blk));
	if (net[0] && net[1])
		CHECK_TRUE("virtio_net_works_after_fuzzing", net_round_trip(net[0], net[1]));
	CHECK_HB_EQ("virtio_as_documented", 0, virtio_violations);
}

/* ---------------------------------------------------------------- main */

static void run_one(void)
{
	struct op o;
	unsigned pick = rnd_below(1000), cls = 0;
	uint64_t base = rnd(), t0;
	enum call_kind kind = CALL_ANY;

	while (pick >= class_weight[cls])
		pick -= class_weight[cls++];
	memset(&o, 0, sizeof(o));
	o.cls = (enum op_class)cls;
	for (unsigned r = 0; r < 31; r++)
		o.ctx.in[r] = base ^ (0x0101010101010101ull * r);
	switch (o.cls) {
	case C_MRS: build_sysreg(&o, false); break;
	case C_MSR: build_sysreg(&o, true); break;
	case C_SYS: build_sys(&o); break;
	case C_MEM: build_mem(&o); break;
	case C_HVC: build_call(&o, false); break;
	case C_SMC: build_call(&o, hb); break;
	case C_PSCI: kind = build_psci(&o); break;
	case C_WFX: run_wfx(&o); return;
	case C_VIRTIO:
		if (vdev_count) {
			run_virtio(&o);
			return;
		}
		o.cls = C_MEM;
		build_mem(&o);
		break;
	default:
		if (build_cache(&o)) {
			t0 = rt_cntvct();
			execute(&o, CALL_ANY);
			setway_flushes++;
			setway_worst_ticks = MAX(setway_worst_ticks, rt_cntvct() - t0);
			return;
		}
		break;
	}
	execute(&o, kind);
}

static void print_counts(const char *what, uint64_t n)
{
	uint64_t faults = 0, undefs = 0;

	uart_restore();
	rt_printf("HOSTILE ops");
	for (unsigned c = 0; c < C_COUNT; c++) {
		rt_printf(" %s=%llu", class_names[c], (unsigned long long)stats[c].ops);
		faults += stats[c].faults;
		undefs += stats[c].undefs;
	}
	rt_printf("\nHOSTILE %s %llu faults=%llu undefs=%llu problems=%u\n", what,
		  (unsigned long long)n, (unsigned long long)faults, (unsigned long long)undefs,
		  reports);
}

/* Reads "key=<number>" (decimal or 0x hex) from /chosen/bootargs, if any. */
static void bootarg(const char *key, uint64_t *value)
{
	struct dt dt;
	const char *args, *p;
	int node;
	size_t klen = strlen(key);
	uint64_t v = 0;

	if (!rt_dtb() || dt_open(&dt, (const void *)rt_dtb(), MiB(2)) < 0 ||
	    (node = dt_path(&dt, "/chosen")) < 0 || !(args = dt_prop_str(&dt, node, "bootargs")))
		return;
	for (p = args; (p = strchr(p, key[0])) != NULL; p++) {
		if ((p == args || p[-1] == ' ') && !strncmp(p, key, klen) && p[klen] == '=')
			break;
	}
	if (!p)
		return;
	p += klen + 1;
	if (p[0] == '0' && p[1] == 'x') {
		for (p += 2; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
			v = v << 4 | (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
	} else {
		for (; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (uint64_t)(*p - '0');
	}
	*value = v;
}

static void setup(void)
{
	uint64_t tcr;

	ram_end = rt_ram_base() + rt_ram_size();
	slot_base = ALIGN_UP((uint64_t)_end, SLOT_AREA_SIZE);
	canary_base = slot_base + SLOT_AREA_SIZE;
	scratch_base = ALIGN_UP(canary_base + CANARY_SIZE, MiB(2));
	virtio_area = ram_end - VIRTIO_AREA_SIZE;
	if (scratch_base + SCRATCH_SIZE > virtio_area || ram_end > GiB(2) - MiB(4))
		rt_abort("needs RAM from 0x40000000 of at least 8 MiB and below 2 GiB");
	memset((void *)slot_base, 0, SLOT_AREA_SIZE);
	__asm__ volatile("dsb ish\n\tic iallu\n\tdsb ish\n\tisb" : : : "memory");
	canary_fill();
	/* 2-3 GiB: IPAs above RAM; 3-4 GiB: the far window, mapped on use. A
	 * 48-bit IPS lets it point past 4 GiB (the A72 caps it at 44 bits). */
	l1_table = (uint64_t *)rt_ttbr0();
	l1_table[2] = GiB(2) | DESC_DEVICE_BLOCK;
	__asm__ volatile("mrs %0, tcr_el1" : "=r"(tcr));
	tcr = (tcr & ~GENMASK(34, 32)) | (5ull << 32);
	__asm__ volatile("dsb ishst\n\tmsr tcr_el1, %0\n\tisb\n\ttlbi vmalle1\n\tdsb ish\n\tisb"
			 : : "r"(tcr) : "memory");
	virtio_probe();
	rt_set_exception_hook(console_hook);
}

void test_main(void)
{
	uint64_t ops = HOSTILE_OPS, every = PROGRESS_EVERY, seed, t0, n;
	int64_t vm_id;

	hb = rt_under_hyperberry();
	vm_id = hb ? hvc0(HB_VM_ID) : -1;
#ifdef HOSTILE_SEED
	seed = HOSTILE_SEED;
#else
	seed = HOSTILE_SEED_BASE + (uint64_t)(vm_id < 0 ? 0 : vm_id);
#endif
	bootarg("hostile.seed", &seed);
	bootarg("hostile.ops", &ops);
	bootarg("hostile.progress", &every);
	bootarg("hostile.trace", &trace_from);
	rng_state = seed ? seed : 1;
	setup();
	rt_printf("HOSTILE seed=0x%llx ops=%llu vm=%lld scratch=0x%llx+0x%llx RAM end 0x%llx\n",
		  (unsigned long long)seed, (unsigned long long)ops, (long long)vm_id,
		  (unsigned long long)scratch_base, (unsigned long long)SCRATCH_SIZE,
		  (unsigned long long)ram_end);
	cpu_irq_mask();
	t0 = rt_cntvct();
	for (n = 1; n <= ops; n++) {
		op_number = n;
		run_one();
		if (every && n % every == 0) {
			canary_check();
			print_counts("progress", n);
		}
	}
	gic_rearm();
	drain_interrupts();
	canary_check();
	print_counts("done", n - 1);
	if (hb)
		virtio_final_checks();
	for (unsigned c = 0; c < C_COUNT; c++)
		rt_printf("HOSTILE class %s ops=%llu faults=%llu undefs=%llu\n", class_names[c],
			  (unsigned long long)stats[c].ops, (unsigned long long)stats[c].faults,
			  (unsigned long long)stats[c].undefs);
	rt_printf("HOSTILE time us=%llu set/way full flushes=%llu worst_us=%llu wfx worst_us=%llu\n",
		  (unsigned long long)(rt_ticks_to_ns(rt_cntvct() - t0) / 1000),
		  (unsigned long long)setway_flushes,
		  (unsigned long long)(rt_ticks_to_ns(setway_worst_ticks) / 1000),
		  (unsigned long long)(rt_ticks_to_ns(wfx_worst_ticks) / 1000));
	CHECK_EQ("ops_completed", ops, n - 1);
	CHECK_EQ("registers_preserved", 0, reg_corruptions);
	CHECK_EQ("sp_preserved", 0, sp_corruptions);
	CHECK_EQ("exceptions_as_expected", 0, odd_exceptions);
	CHECK_EQ("scratch_stores_visible", 0, ram_mismatches);
	CHECK_EQ("canary_intact", 0, canary_damage);
	CHECK_HB_EQ("smccc_psci_as_documented", 0, smccc_violations);
}
