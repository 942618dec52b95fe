/* hostile: a guest that spends a million operations trying to hurt the
 * hypervisor (system registers, wild loads/stores, hypercalls, PSCI, cache,
 * TLB and WFx) and checks that it, and every one of its registers, survive. */
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

enum op_class { C_MRS, C_MSR, C_SYS, C_MEM, C_HVC, C_SMC, C_PSCI, C_CACHE, C_WFX, C_COUNT };
static const char *const class_names[C_COUNT] = {
	"mrs", "msr", "sys", "mem", "hvc", "smc", "psci", "cache", "wfx",
};
static const unsigned class_weight[C_COUNT] = { 200, 150, 50, 350, 70, 50, 40, 80, 10 }; /* per mille */

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

static void execute(struct op *o, enum call_kind kind)
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
	if (scratch_base + SCRATCH_SIZE > ram_end || ram_end > GiB(2) - MiB(4))
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
