/* isolate: several VMs at the same IPAs each see only their own RAM, vCPUs and
 * devices; then each plays its HB_VM_ID's role (power off, crash, heartbeat). */
#include "guests/lib/rt.h"

const char rt_test_name[] = "isolate";

extern char _end[];	/* linker: end of image, .bss and stacks */

/* One word per cache line: dense enough that any page another VM touched
 * shows up, sparse enough to cover all of RAM quickly under TCG. */
#define LINE		64ull
/* Bits 63..48 say "an isolate pattern", 47..40 whose, 31..0 where. */
#define PATTERN_MAGIC	0x15a7ull
#define NATIVE_TAG	0xffull
#define PATTERN(tag, addr) ((PATTERN_MAGIC << 48) | ((uint64_t)(tag) << 40) | (addr))
#define PATTERN_TAG(v)	(((v) >> 40) & 0xff)
#define IS_PATTERN(v)	(((v) >> 48) == PATTERN_MAGIC)

/* QEMU virt with -m 2G: RAM ends here, so every IPA probed below is either
 * another VM's RAM or hypervisor memory if a VM's IPA were its PA. */
#define PHYS_RAM_END	0xC0000000ull
#define RAM_PROBE_STEP	MiB(64)
#define GRID_STEP	MiB(2)

#define HEARTBEATS	40
#define HEARTBEAT_US	50000ull

/* Stage-1 descriptors for the extra 2-4 GiB blocks (see guests/lib/mmu.c). */
#define DESC_BLOCK	0x1ull
#define ATTR_DEVICE	(0ull << 2)
#define AP_EL1_RW	(0ull << 6)
#define DESC_AF		(1ull << 10)
#define DESC_PXN	(1ull << 53)
#define DESC_UXN	(1ull << 54)

/* Devices QEMU virt has but a VM must not see; GICD (emulated) and the PL011
 * (the vUART) are deliberately absent. */
static const struct {
	uint64_t addr;
	const char *what;
} device_probes[] = {
	{ 0x00000000ull, "flash0" },
	{ 0x04000000ull, "flash1" },
	{ 0x08020000ull, "gicv2m" },
	{ 0x08030000ull, "gich" },
	{ 0x08040000ull, "gicv" },
	{ 0x09010000ull, "rtc" },
	{ 0x09020000ull, "fw_cfg" },
	{ 0x09030000ull, "gpio" },
	{ 0x0A000000ull, "virtio" },
	{ 0x10000000ull, "pcie_mmio" },
	{ 0x3F000000ull, "pcie_ecam" },
};

/* MPIDRs this 1-vCPU VM does not have (other VMs' vCPUs are "0" too, so the
 * only way to reach them would be a physical-looking MPIDR). */
static const uint64_t foreign_mpidrs_hb[] = { 1, 2, 3, 4, 5, 6, 7 };
static const uint64_t foreign_mpidrs_any[] = { 0x100, 0x10000, 0x100000000ull };

static unsigned probes_total, probes_faulted;

static uint64_t line_size_dcache(void)
{
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return 4ull << ((ctr >> 16) & 0xf);
}

/* op 0: clean (push our pattern to memory, where another VM sharing the PA
 * would overwrite it); op 1: clean+invalidate (read memory, not our cache). */
static void dcache_range(uint64_t start, uint64_t end, int op)
{
	uint64_t step = line_size_dcache();

	for (uint64_t a = start & ~(step - 1); a < end; a += step) {
		if (op == 0)
			__asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
		else
			__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	}
	__asm__ volatile("dsb sy" : : : "memory");
}

/* Natively QEMU puts the DTB inside RAM; leave it out of the pattern. */
static void dtb_extent(uint64_t *lo, uint64_t *len)
{
	const uint8_t *hdr = (const uint8_t *)rt_dtb();
	uint32_t totalsize;

	*lo = (uint64_t)hdr;
	*len = 0;
	if (!hdr)
		return;
	totalsize = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	*len = ALIGN_UP((uint64_t)totalsize, PAGE_SIZE);
}

static void check_ram_is_private(uint64_t tag)
{
	const uint64_t start = ALIGN_UP((uint64_t)_end, PAGE_SIZE);
	const uint64_t end = rt_ram_base() + rt_ram_size();
	uint64_t lines = (end - start) / LINE, nonzero = 0, wrong = 0;
	uint64_t first_addr = 0, first_val = 0, t0, write_ticks, wait_us, dtb, dtb_len;

	if (end > RT_EL0_PROBE_WINDOW || start >= end)
		rt_abort("RAM must end below the EL0 probe window and beyond the image");
	rt_printf("ISOLATE vm tag 0x%llx: pattern over 0x%llx..0x%llx (%llu lines)\n",
		  (unsigned long long)tag, (unsigned long long)start, (unsigned long long)end,
		  (unsigned long long)lines);
	dtb_extent(&dtb, &dtb_len);

	/* A fresh VM's RAM is zeroed: nothing of another VM (or an earlier run). */
	for (uint64_t a = start; a < end; a += LINE) {
		uint64_t v;

		if (a - dtb < dtb_len)
			continue;
		v = *(volatile uint64_t *)a;
		if (v != 0 && nonzero++ == 0) {
			first_addr = a;
			first_val = v;
		}
	}
	rt_check("ram_zero_at_start", nonzero == 0, "0x%llx lines non-zero, first 0x%llx = 0x%llx",
		 (unsigned long long)nonzero, (unsigned long long)first_addr,
		 (unsigned long long)first_val);

	t0 = rt_cntvct();
	for (uint64_t a = start; a < end; a += LINE) {
		if (a - dtb >= dtb_len)
			*(volatile uint64_t *)a = PATTERN(tag, a);
	}
	dcache_range(start, end, 0);
	write_ticks = rt_cntvct() - t0;

	/* The other VMs do the same work at the same time; give them several
	 * times our own write time (plus a second) to overwrite us if they can. */
	wait_us = 1000000ull + 4 * rt_ticks_to_ns(write_ticks) / 1000;
	rt_printf("ISOLATE pattern written in %llu us, waiting %llu us\n",
		  (unsigned long long)(rt_ticks_to_ns(write_ticks) / 1000),
		  (unsigned long long)wait_us);
	rt_delay_us(wait_us);

	dcache_range(start, end, 1);
	for (uint64_t a = start; a < end; a += LINE) {
		uint64_t v;

		if (a - dtb < dtb_len)
			continue;
		v = *(volatile uint64_t *)a;
		if (v != PATTERN(tag, a) && wrong++ == 0) {
			first_addr = a;
			first_val = v;
		}
	}
	rt_check("ram_own_pattern_only", wrong == 0,
		 "0x%llx of 0x%llx lines changed, first 0x%llx = 0x%llx (%s 0x%llx)",
		 (unsigned long long)wrong, (unsigned long long)lines,
		 (unsigned long long)first_addr, (unsigned long long)first_val,
		 IS_PATTERN(first_val) ? "pattern of VM tag" : "not a pattern, tag bits",
		 (unsigned long long)PATTERN_TAG(first_val));
}

static uint64_t probe_load(uint64_t addr)
{
	uint64_t v = 0, pc;

	__asm__ volatile("adr %1, 1f\n1:	ldr %0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
	return pc;
}

static uint64_t probe_store(uint64_t addr, uint64_t value)
{
	uint64_t pc;

	__asm__ volatile("adr %0, 1f\n1:	str %1, [%2]" : "=&r"(pc) : "r"(value), "r"(addr) : "memory");
	return pc;
}

/* One access that must come back to our own EL1 vector as a synchronous
 * external abort on exactly this address. Empty string when it did. */
static const char *access_faults(uint64_t addr, bool write, uint64_t tag)
{
	struct rt_fault f;
	uint64_t pc;

	probes_total++;
	rt_fault_expect(RT_FAULT_SKIP);
	pc = write ? probe_store(addr, PATTERN(tag, addr)) : probe_load(addr);
	rt_fault_end(&f);
	if (f.count != 1)
		return f.count ? "several exceptions" : "no fault";
	if (f.vec != RT_VEC_CUR_SPX_SYNC)
		return "wrong vector";
	if (ESR_EC(f.esr) != EC_DABT_CUR || ESR_FSC(f.esr) != FSC_SEA)
		return "not a synchronous external abort";
	if (f.far != addr || f.elr != pc)
		return "wrong FAR or ELR";
	if (!!(f.esr & ESR_WNR) != write)
		return "wrong WnR";
	probes_faulted++;
	return "";
}

static void probe(const char *what, uint64_t addr, uint64_t tag)
{
	char name[64];
	const char *load = access_faults(addr, false, tag);
	const char *store = access_faults(addr, true, tag);

	fmt_snprintf(name, sizeof(name), "probe_%s_0x%llx", what, (unsigned long long)addr);
	rt_check(name, !*load && !*store, "load: %s, store: %s", *load ? load : "SEA",
		 *store ? store : "SEA");
}

/* The runtime leaves 2-4 GiB unmapped (a Stage-1 fault would hide Stage-2);
 * map it Device, EL1-only, never executable, so probes reach Stage-2. The
 * entries were invalid, so no break-before-make is needed. */
static void map_high_gib_for_probes(void)
{
	uint64_t *l1 = (uint64_t *)rt_ttbr0();

	for (unsigned i = 2; i < 4; i++)
		l1[i] = ((uint64_t)i << 30) | DESC_BLOCK | ATTR_DEVICE | AP_EL1_RW | DESC_AF |
			DESC_PXN | DESC_UXN;
	__asm__ volatile("dsb ishst\n\ttlbi vmalle1\n\tdsb nsh\n\tisb" : : : "memory");
}

/* For the isolation matrix: the first and last word of every 2 MiB block
 * from our RAM's end to the end of physical RAM, read and written. VM RAM
 * and the hypervisor's allocations are 2 MiB blocks or lie in one, so every
 * other VM's RAM and the hypervisor's memory beyond our own IPA range is
 * tried. Only accesses that did not fault are printed; the test maps the
 * addresses to their owners (from HyperBerry's boot log) and prints the
 * matrix. */
static void probe_grid(uint64_t tag)
{
	const uint64_t start = ALIGN_UP(rt_ram_base() + rt_ram_size(), GRID_STEP);
	unsigned tried = 0, open = 0;

	for (uint64_t a = start; a < PHYS_RAM_END; a += GRID_STEP) {
		const uint64_t words[2] = { a, a + GRID_STEP - 8 };

		for (unsigned i = 0; i < 2; i++) {
			const char *load = access_faults(words[i], false, tag);
			const char *store = access_faults(words[i], true, tag);

			tried++;
			if (!*load && !*store)
				continue;
			open++;
			rt_printf("ISOLATE open 0x%llx load: %s store: %s\n",
				  (unsigned long long)words[i], *load ? load : "SEA",
				  *store ? store : "SEA");
		}
	}
	rt_printf("ISOLATE grid 0x%llx-0x%llx step 0x%llx: %u addresses, %u open\n",
		  (unsigned long long)start, (unsigned long long)PHYS_RAM_END,
		  (unsigned long long)GRID_STEP, tried, open);
	CHECK_EQ("grid_all_faulted", 0, open);
}

static void check_foreign_addresses_fault(uint64_t tag)
{
	const uint64_t ram_end = rt_ram_base() + rt_ram_size();

	map_high_gib_for_probes();
	for (uint64_t a = ram_end; a < PHYS_RAM_END; a += RAM_PROBE_STEP)
		probe("ram", a, tag);
	probe("ram", PHYS_RAM_END - 8, tag);
	if (rt_under_hyperberry())
		probe_grid(tag);
	else
		rt_check_skip("grid_all_faulted", "native");	/* QEMU's RAM answers */
	if (rt_under_hyperberry()) {
		for (unsigned i = 0; i < ARRAY_SIZE(device_probes); i++)
			probe(device_probes[i].what, device_probes[i].addr, tag);
	} else {
		rt_check_skip("probe_devices", "native");	/* QEMU's devices answer */
	}
	rt_printf("ISOLATE probes: %u/%u accesses faulted\n", probes_faulted, probes_total);
	CHECK_EQ("all_probes_faulted", probes_total, probes_faulted);
}

static void check_psci_reaches_only_own_vcpus(void)
{
	char name[64];

	CHECK_EQ("affinity_self_on", PSCI_AFF_ON, psci_affinity_info(0, 0));
	for (unsigned i = 0; i < ARRAY_SIZE(foreign_mpidrs_hb); i++) {
		uint64_t mpidr = foreign_mpidrs_hb[i];

		fmt_snprintf(name, sizeof(name), "cpu_on_mpidr_0x%llx", (unsigned long long)mpidr);
		CHECK_HB_EQ(name, PSCI_RET_INVALID_PARAMETERS,
			    psci_cpu_on(mpidr, (uint64_t)rt_secondary_entry, 0));
		fmt_snprintf(name, sizeof(name), "affinity_mpidr_0x%llx", (unsigned long long)mpidr);
		CHECK_HB_EQ(name, PSCI_RET_INVALID_PARAMETERS, psci_affinity_info(mpidr, 0));
	}
	for (unsigned i = 0; i < ARRAY_SIZE(foreign_mpidrs_any); i++) {
		uint64_t mpidr = foreign_mpidrs_any[i];

		fmt_snprintf(name, sizeof(name), "cpu_on_mpidr_0x%llx", (unsigned long long)mpidr);
		CHECK_EQ(name, PSCI_RET_INVALID_PARAMETERS,
			 psci_cpu_on(mpidr, (uint64_t)rt_secondary_entry, 0));
		fmt_snprintf(name, sizeof(name), "affinity_mpidr_0x%llx", (unsigned long long)mpidr);
		CHECK_EQ(name, PSCI_RET_INVALID_PARAMETERS, psci_affinity_info(mpidr, 0));
	}
}

/* Same trick as the crash guest: MMU off so the vector fetch reaches Stage-2. */
static void crash_on_purpose(void)
{
	rt_printf("ISOLATE-CRASH about to crash (%u checks failed so far)\n", rt_checks_failed());
	rt_mmu_disable();
	__asm__ volatile("msr vbar_el1, %0\n\t"
			 "isb\n\t"
			 "udf #0"
			 : : "r"(0x20000000ull) : "memory");
	rt_check("vm_stopped_after_crash", false, "guest still running after the vector fetch fault");
}

/* Keeps printing on a fixed schedule while the other VMs stop and crash. */
static void heartbeat(void)
{
	const uint64_t period = HEARTBEAT_US * rt_cntfrq() / 1000000ull;
	const uint64_t start = rt_cntvct();

	for (unsigned n = 1; n <= HEARTBEATS; n++) {
		while (rt_cntvct() - start < n * period)
			;
		rt_printf("HEARTBEAT %u\n", n);
	}
	CHECK_TRUE("heartbeat_timer_advances", rt_cntvct() - start >= HEARTBEATS * period);
}

void test_main(void)
{
	const bool hb = rt_under_hyperberry();
	const int64_t vm_id = hb ? hvc0(HB_VM_ID) : -1;
	const uint64_t tag = vm_id >= 0 && vm_id < 0xff ? (uint64_t)vm_id : NATIVE_TAG;

	if (hb)
		CHECK_TRUE("vm_id_valid", vm_id >= 0 && vm_id < 0xff);
	check_ram_is_private(tag);
	check_foreign_addresses_fault(tag);
	check_psci_reaches_only_own_vcpus();

	switch (vm_id) {
	case 1:
		crash_on_purpose();
		break;
	case 2:
		heartbeat();
		break;
	default:	/* VM 0 (and any other) powers off; natively: just finish */
		if (hb)
			rt_printf("ISOLATE-POWEROFF vm %lld powers off\n", (long long)vm_id);
		break;
	}
}
