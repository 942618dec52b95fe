/* psci: PSCI 1.1 / SMCCC 1.1 discovery, unknown function IDs over HVC and SMC,
 * the HyperBerry calls, and register preservation across a call and across
 * an emulated MMIO load (the same fast exit path). */
#include "guests/lib/rt.h"

const char rt_test_name[] = "psci";

/* x4..x28 get these patterns before the call; x0..x3 are results. */
#define PATTERN(n) (0xa5a5000000000000ull | ((uint64_t)(n) << 32) | (uint64_t)(n))

/*
 * uint64_t call_and_dump(uint64_t fid, uint64_t regs[32], uint64_t conduit)
 * Loads x4..x28 with PATTERN(n), makes the call (conduit 0: HVC, 1: SMC, 2:
 * `ldr w0, [x0]` with fid as the address), and stores x0..x28 plus the SP
 * delta (regs[29], 0 when SP survived) into regs. In asm because no C
 * compiler would let us own every register across the call.
 */
__asm__(
	"	.text\n"
	"	.balign	4\n"
	"call_and_dump:\n"
	"	stp	x29, x30, [sp, #-112]!\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	"	stp	x1, x18, [sp, #96]\n"
	"	sub	sp, sp, #16\n"
	"	mov	x16, sp\n"
	"	stp	x16, x2, [sp]\n"	/* SP before the call, conduit */
	"	.irp	n, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	movz	x\\n, #\\n\n"
	"	movk	x\\n, #\\n, lsl #32\n"
	"	movk	x\\n, #0xa5a5, lsl #48\n"
	"	.endr\n"
	"	mov	x1, xzr\n"
	"	mov	x2, xzr\n"
	"	mov	x3, xzr\n"
	"	ldr	x29, [sp, #8]\n"
	"	cmp	x29, #1\n"
	"	b.eq	1f\n"
	"	b.hi	3f\n"
	"	hvc	#0\n"
	"	b	2f\n"
	"1:	smc	#0\n"
	"	b	2f\n"
	"3:	ldr	w0, [x0]\n"
	"2:	mov	x29, sp\n"
	"	ldr	x30, [sp, #112]\n"	/* regs pointer (saved x1) */
	"	stp	x0, x1, [x30, #0]\n"
	"	stp	x2, x3, [x30, #16]\n"
	"	stp	x4, x5, [x30, #32]\n"
	"	stp	x6, x7, [x30, #48]\n"
	"	stp	x8, x9, [x30, #64]\n"
	"	stp	x10, x11, [x30, #80]\n"
	"	stp	x12, x13, [x30, #96]\n"
	"	stp	x14, x15, [x30, #112]\n"
	"	stp	x16, x17, [x30, #128]\n"
	"	stp	x18, x19, [x30, #144]\n"
	"	stp	x20, x21, [x30, #160]\n"
	"	stp	x22, x23, [x30, #176]\n"
	"	stp	x24, x25, [x30, #192]\n"
	"	stp	x26, x27, [x30, #208]\n"
	"	ldr	x16, [sp], #16\n"
	"	sub	x16, x29, x16\n"
	"	stp	x28, x16, [x30, #224]\n"	/* regs[29] = SP delta */
	"	ldp	x1, x18, [sp, #96]\n"
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	x29, x30, [sp], #112\n"
	"	ret\n");
void call_and_dump(uint64_t fid, uint64_t regs[32], uint64_t use_smc);

enum conduit { CONDUIT_HVC, CONDUIT_SMC, CONDUIT_MMIO_LOAD };

static void check_preserved(const char *name, uint64_t fid, enum conduit conduit)
{
	uint64_t regs[32] = { 0 };
	unsigned bad = 0;

	call_and_dump(fid, regs, conduit);
	for (unsigned n = 4; n <= 28 && !bad; n++) {
		if (regs[n] != PATTERN(n))
			bad = n;
	}
	if (bad)
		rt_check(name, false, "x%u expected 0x%llx, got 0x%llx", bad,
			 (unsigned long long)PATTERN(bad), (unsigned long long)regs[bad]);
	else
		rt_check(name, regs[29] == 0, "SP moved by 0x%llx", (unsigned long long)regs[29]);
}

static void check_unknown_ids(void)
{
	static const uint32_t unknown[] = { 0x84000FFFu, 0xC2001234u, 0x0u, 0xFFFFFFFFu, 0x86001234u };
	static const char *const hvc_names[] = {
		"hvc_unknown_84000fff", "hvc_unknown_c2001234", "hvc_unknown_0",
		"hvc_unknown_ffffffff", "hvc_unknown_86001234",
	};
	static const char *const smc_names[] = {
		"smc_unknown_84000fff", "smc_unknown_c2001234", "smc_unknown_0",
		"smc_unknown_ffffffff", "smc_unknown_86001234",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(unknown); i++) {
		/* 0x86001234 is HB's own range: natively it is just another unknown ID. */
		CHECK_EQ(hvc_names[i], SMCCC_NOT_SUPPORTED, hvc0(unknown[i]));
		CHECK_HB_EQ(smc_names[i], SMCCC_NOT_SUPPORTED, smc0(unknown[i]));
	}
}

static void check_discovery(bool hb)
{
	int64_t version = hvc0(PSCI_VERSION);

	if (hb)
		CHECK_EQ("psci_version", 0x10001, version);
	else
		rt_check("psci_version", version >= 0x10000, "native PSCI 0x%llx < 1.0",
			 (unsigned long long)version);
	CHECK_HB_EQ("smc_psci_version", 0x10001, smc0(PSCI_VERSION));
	CHECK_HB_EQ("psci_features_smccc_version", PSCI_RET_SUCCESS, psci_features(SMCCC_VERSION));
	CHECK_EQ("psci_features_cpu_on", PSCI_RET_SUCCESS, psci_features(PSCI_CPU_ON));
	CHECK_EQ("psci_features_unknown", PSCI_RET_NOT_SUPPORTED, psci_features(0x84000FFFu));
	CHECK_HB_EQ("smccc_version", 0x10001, hvc0(SMCCC_VERSION));
	CHECK_EQ("arch_features_workaround_1", SMCCC_NOT_SUPPORTED,
		 smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_1, 0, 0).a0);
	CHECK_EQ("arch_features_workaround_2", SMCCC_NOT_SUPPORTED,
		 smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_2, 0, 0).a0);
	CHECK_EQ("arch_features_workaround_3", SMCCC_NOT_SUPPORTED,
		 smccc_hvc(SMCCC_ARCH_FEATURES, SMCCC_ARCH_WORKAROUND_3, 0, 0).a0);
	CHECK_EQ("migrate_info_type", 2, hvc0(PSCI_MIGRATE_INFO_TYPE));
}

static void check_hb_identity(bool hb)
{
	struct smccc_res uid, uid2, rev;
	int64_t vm_id;

	CHECK_EQ("hb_version", hb ? HB_VERSION_1_0 : (uint64_t)SMCCC_NOT_SUPPORTED, hvc0(HB_VERSION));
	if (!hb) {
		rt_check_skip("hb_vm_id", "native");
		rt_check_skip("hb_call_uid", "native");
		rt_check_skip("hb_call_uid_stable", "native");
		rt_check_skip("hb_revision", "native");
		return;
	}
	vm_id = hvc0(HB_VM_ID);
	rt_check("hb_vm_id", vm_id >= 0 && vm_id == hvc0(HB_VM_ID), "id 0x%llx (or unstable)",
		 (unsigned long long)vm_id);
	uid = smccc_hvc(HB_CALL_UID, 0, 0, 0);
	rt_check("hb_call_uid", (int64_t)uid.a0 != SMCCC_NOT_SUPPORTED && (uid.a0 | uid.a1 | uid.a2 | uid.a3),
		 "uid %llx %llx %llx %llx", (unsigned long long)uid.a0, (unsigned long long)uid.a1,
		 (unsigned long long)uid.a2, (unsigned long long)uid.a3);
	uid2 = smccc_hvc(HB_CALL_UID, 0, 0, 0);
	CHECK_TRUE("hb_call_uid_stable",
		   uid.a0 == uid2.a0 && uid.a1 == uid2.a1 && uid.a2 == uid2.a2 && uid.a3 == uid2.a3);
	rev = smccc_hvc(HB_REVISION, 0, 0, 0);
	rt_check("hb_revision", rev.a0 == 1 && rev.a1 == 0, "expected 1.0, got 0x%llx.0x%llx",
		 (unsigned long long)rev.a0, (unsigned long long)rev.a1);
}

static char big_buffer[HB_CONSOLE_WRITE_MAX + 1];

static void check_hb_console(void)
{
	static const char line[] = "HB_CONSOLE_WRITE from the psci guest\n";
	static const char putc_line[] = "HB_CONSOLE_PUTC from the psci guest\n";
	const uint64_t ram_end = rt_ram_base() + rt_ram_size();
	int64_t ret, putc_bad = 0;

	if (!rt_under_hyperberry()) {
		rt_check_skip("hb_console_putc", "native");
		rt_check_skip("hb_console_write", "native");
		rt_check_skip("hb_console_write_empty", "native");
		rt_check_skip("hb_console_write_bogus_ipa", "native");
		rt_check_skip("hb_console_write_straddles_ram_end", "native");
		rt_check_skip("hb_console_write_too_long", "native");
		return;
	}
	for (const char *c = putc_line; *c; c++) {
		ret = (int64_t)smccc_hvc(HB_CONSOLE_PUTC, (uint8_t)*c, 0, 0).a0;
		if (ret != 0)
			putc_bad = ret;
	}
	CHECK_EQ("hb_console_putc", 0, putc_bad);
	CHECK_EQ("hb_console_write", sizeof(line) - 1,
		 smccc_hvc(HB_CONSOLE_WRITE, (uint64_t)line, sizeof(line) - 1, 0).a0);
	CHECK_EQ("hb_console_write_empty", 0, smccc_hvc(HB_CONSOLE_WRITE, (uint64_t)line, 0, 0).a0);
	CHECK_EQ("hb_console_write_bogus_ipa", SMCCC_INVALID_PARAMETER,
		 smccc_hvc(HB_CONSOLE_WRITE, 0x20000000, 16, 0).a0);
	CHECK_EQ("hb_console_write_straddles_ram_end", SMCCC_INVALID_PARAMETER,
		 smccc_hvc(HB_CONSOLE_WRITE, ram_end - 8, 16, 0).a0);

	/* Over the limit: either refused or cut to the limit, never more. */
	for (unsigned i = 0; i < sizeof(big_buffer); i++)
		big_buffer[i] = '.';
	ret = (int64_t)smccc_hvc(HB_CONSOLE_WRITE, (uint64_t)big_buffer, sizeof(big_buffer), 0).a0;
	rt_putc('\n');
	rt_check("hb_console_write_too_long",
		 ret == SMCCC_INVALID_PARAMETER || (ret >= 0 && ret <= (int64_t)HB_CONSOLE_WRITE_MAX),
		 "0x%llx for %u bytes", (unsigned long long)ret, (unsigned)sizeof(big_buffer));
}

void test_main(void)
{
	bool hb = rt_under_hyperberry();

	check_discovery(hb);
	check_unknown_ids();
	check_hb_identity(hb);
	check_hb_console();

	check_preserved("hvc_preserves_x4_x28_sp", PSCI_VERSION, CONDUIT_HVC);
	check_preserved("hvc_unknown_preserves_x4_x28_sp", 0xC2001234u, CONDUIT_HVC);
	/* UARTFR: emulated by the vUART, a real PL011 natively. */
	check_preserved("mmio_load_preserves_x4_x28_sp", RT_UART_BASE + 0x18, CONDUIT_MMIO_LOAD);
	if (hb) {
		check_preserved("hvc_hb_version_preserves_x4_x28_sp", HB_VERSION, CONDUIT_HVC);
		check_preserved("smc_preserves_x4_x28_sp", PSCI_VERSION, CONDUIT_SMC);
	} else {
		rt_check_skip("hvc_hb_version_preserves_x4_x28_sp", "native");
		rt_check_skip("smc_preserves_x4_x28_sp", "native");
	}
}
