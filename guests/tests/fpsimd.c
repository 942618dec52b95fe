/* fpsimd: q0-q31, FPCR and FPSR survive hypercalls, trapped system-register
 * reads and MMIO exits, on two vCPUs at once with different patterns.
 * Built WITHOUT -mgeneral-regs-only (guests.mk: GUEST_FP_TESTS). */
#include "guests/lib/rt.h"

const char rt_test_name[] = "fpsimd";

#define ROUNDS		2000
#define TIMEOUT_US	5000000

/* Layout shared with the asm below: q regs at 0, FPCR at 512, FPSR at 520. */
struct fp_state {
	uint64_t q[32][2];
	uint64_t fpcr, fpsr;
} __attribute__((aligned(16)));

/* AHP | DN | FZ | RMode = toward zero: every writable A72 FPCR control bit. */
#define FPCR_PATTERN	0x07c00000ull
/* QC plus all cumulative exception flags. */
#define FPSR_PATTERN	0x0800009full

static void make_pattern(struct fp_state *s, uint64_t salt)
{
	for (uint64_t i = 0; i < 32; i++) {
		s->q[i][0] = (0xf00d000000000000ull | (i << 32) | (i * 0x1111)) ^ salt;
		s->q[i][1] = ~s->q[i][0] ^ (salt << 1);
	}
	s->fpcr = FPCR_PATTERN;
	s->fpsr = FPSR_PATTERN;
}

/*
 * Loads all FP/SIMD state from *in, makes `rounds` rounds of exits (HVC,
 * ACTLR_EL1 read, UART read), then stores the state to *out. One asm block so
 * the compiler cannot touch a vector register in between.
 */
static void fill_and_exit(const struct fp_state *in, struct fp_state *out, uint64_t rounds)
{
	__asm__ volatile(
		"ldp	q0, q1, [%[in], #0]\n"
		"ldp	q2, q3, [%[in], #32]\n"
		"ldp	q4, q5, [%[in], #64]\n"
		"ldp	q6, q7, [%[in], #96]\n"
		"ldp	q8, q9, [%[in], #128]\n"
		"ldp	q10, q11, [%[in], #160]\n"
		"ldp	q12, q13, [%[in], #192]\n"
		"ldp	q14, q15, [%[in], #224]\n"
		"ldp	q16, q17, [%[in], #256]\n"
		"ldp	q18, q19, [%[in], #288]\n"
		"ldp	q20, q21, [%[in], #320]\n"
		"ldp	q22, q23, [%[in], #352]\n"
		"ldp	q24, q25, [%[in], #384]\n"
		"ldp	q26, q27, [%[in], #416]\n"
		"ldp	q28, q29, [%[in], #448]\n"
		"ldp	q30, q31, [%[in], #480]\n"
		"ldr	x9, [%[in], #512]\n"
		"msr	fpcr, x9\n"
		"ldr	x9, [%[in], #520]\n"
		"msr	fpsr, x9\n"
		"mov	x10, %[rounds]\n"
		"cbz	x10, 2f\n"
		"1:	mov	w0, #0x84000000\n"	/* PSCI_VERSION */
		"hvc	#0\n"
		"mrs	x9, actlr_el1\n"
		"ldr	w9, [%[uart], #0x18]\n"
		"subs	x10, x10, #1\n"
		"b.ne	1b\n"
		"2:	stp	q0, q1, [%[out], #0]\n"
		"stp	q2, q3, [%[out], #32]\n"
		"stp	q4, q5, [%[out], #64]\n"
		"stp	q6, q7, [%[out], #96]\n"
		"stp	q8, q9, [%[out], #128]\n"
		"stp	q10, q11, [%[out], #160]\n"
		"stp	q12, q13, [%[out], #192]\n"
		"stp	q14, q15, [%[out], #224]\n"
		"stp	q16, q17, [%[out], #256]\n"
		"stp	q18, q19, [%[out], #288]\n"
		"stp	q20, q21, [%[out], #320]\n"
		"stp	q22, q23, [%[out], #352]\n"
		"stp	q24, q25, [%[out], #384]\n"
		"stp	q26, q27, [%[out], #416]\n"
		"stp	q28, q29, [%[out], #448]\n"
		"stp	q30, q31, [%[out], #480]\n"
		"mrs	x9, fpcr\n"
		"str	x9, [%[out], #512]\n"
		"mrs	x9, fpsr\n"
		"str	x9, [%[out], #520]\n"
		/* Leave the controls at their defaults for any later FP code. */
		"msr	fpcr, xzr\n"
		"msr	fpsr, xzr\n"
		:
		: [in] "r"(in), [out] "r"(out), [rounds] "r"(rounds), [uart] "r"(RT_UART_BASE)
		: "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
		  "x12", "x13", "x14", "x15", "x16", "x17",
		  "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11",
		  "v12", "v13", "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
		  "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "memory", "cc");
}

/* First differing register of after vs. expected, as one check. */
static void compare(const char *name, const struct fp_state *expected, const struct fp_state *after)
{
	for (unsigned i = 0; i < 32; i++) {
		if (after->q[i][0] != expected->q[i][0] || after->q[i][1] != expected->q[i][1]) {
			rt_check(name, false, "q%u expected 0x%016llx%016llx, got 0x%016llx%016llx", i,
				 (unsigned long long)expected->q[i][1], (unsigned long long)expected->q[i][0],
				 (unsigned long long)after->q[i][1], (unsigned long long)after->q[i][0]);
			return;
		}
	}
	if (after->fpcr != expected->fpcr)
		rt_check(name, false, "FPCR expected 0x%llx, got 0x%llx",
			 (unsigned long long)expected->fpcr, (unsigned long long)after->fpcr);
	else if (after->fpsr != expected->fpsr)
		rt_check(name, false, "FPSR expected 0x%llx, got 0x%llx",
			 (unsigned long long)expected->fpsr, (unsigned long long)after->fpsr);
	else
		rt_check(name, true, "ok");
}

static struct fp_state primary_in, primary_calibration, primary_out;
static struct fp_state secondary_in, secondary_calibration, secondary_out;
static volatile bool secondary_done;

static void secondary(uint64_t unused)
{
	fill_and_exit(&secondary_in, &secondary_calibration, 0);
	fill_and_exit(&secondary_in, &secondary_out, ROUNDS);
	__asm__ volatile("dmb ish" : : : "memory");
	secondary_done = true;
}

void test_main(void)
{
	uint64_t start, limit;
	int64_t on;

	make_pattern(&primary_in, 0);
	make_pattern(&secondary_in, 0x5a5a5a5a5a5a5a5aull);

	/* No exits: FP works at all and shows which FPCR/FPSR bits are real. */
	fill_and_exit(&primary_in, &primary_calibration, 0);
	compare("fp_registers_load_store", &primary_in, &primary_calibration);

	/* Alone first, then with vCPU 1 using other values at the same time. */
	fill_and_exit(&primary_in, &primary_out, ROUNDS);
	compare("fp_state_survives_exits", &primary_calibration, &primary_out);

	on = rt_cpu_on(1, secondary, 0);
	CHECK_EQ("secondary_cpu_on", PSCI_RET_SUCCESS, on);
	fill_and_exit(&primary_in, &primary_out, ROUNDS);
	compare("fp_state_survives_exits_with_2_vcpus", &primary_calibration, &primary_out);
	if (on != PSCI_RET_SUCCESS)
		return;
	start = rt_cntvct();
	limit = TIMEOUT_US * rt_cntfrq() / 1000000;
	while (!secondary_done && rt_cntvct() - start < limit)
		;
	__asm__ volatile("dmb ish" : : : "memory");
	CHECK_TRUE("secondary_finished", secondary_done);
	if (secondary_done) {
		compare("secondary_fp_registers_load_store", &secondary_in, &secondary_calibration);
		compare("secondary_fp_state_survives_exits", &secondary_calibration, &secondary_out);
	}
}
