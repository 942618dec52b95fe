/* Secondary-core bring-up. The board decides the method: PSCI CPU_ON over SMC
 * with the logical index as context id (qemu-virt), or the DT's spin table
 * (rpi4: firmware or QEMU holds the cores in a loop polling cpu-release-addr). */
#include "core/smp.h"
#include "arch/aarch64/cache.h"
#include "arch/aarch64/smccc_call.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "core/hyp.h"
#include "core/log.h"
#include "core/percpu.h"
#include "board.h"

void secondary_entry(void);

/* Generous: a loaded host running QEMU can take well over 200 ms to bring a
 * core up, and a core declared missing costs the VMs pinned to it. */
#define CPU_ON_TIMEOUT_US 3000000

#if BOARD_SMP_SPIN_TABLE
void secondary_spin_entry(void);

/* Logical index of the core being released, read by secondary_spin_entry
 * with its caches off: cores are released one at a time, so one slot will do. */
volatile uint64_t smp_spin_index;

static bool in_ram(uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < hyp.ram_count; i++) {
		if (range_within(pa, size, hyp.ram[i].base, hyp.ram[i].size))
			return true;
	}
	return false;
}

static bool release_core(const struct dt *dt, unsigned idx, uint64_t mpidr)
{
	uint64_t addr;
	int err = dt_cpu_release_addr(dt, mpidr, &addr);

	if (err) {
		log_warn("core MPIDR 0x%lx: no spin-table cpu-release-addr in the device tree (%s)",
			 mpidr, dt_strerror(err));
		return false;
	}
	/* The EL2 map covers RAM only; the firmware's table sits in RAM's first page. */
	if (!IS_ALIGNED(addr, 8) || !in_ram(addr, 8)) {
		log_warn("core MPIDR 0x%lx: cpu-release-addr 0x%lx is not aligned RAM", mpidr, addr);
		return false;
	}
	smp_spin_index = idx;
	dcache_clean_range((const void *)&smp_spin_index, sizeof(smp_spin_index));
	dsb(sy);
	/* The waiting core reads with its caches off: the address must reach
	 * the point of coherency before the event wakes it. */
	*(volatile uint64_t *)(uintptr_t)addr = (uint64_t)(uintptr_t)secondary_spin_entry;
	dcache_clean_inval_range((const void *)(uintptr_t)addr, sizeof(uint64_t));
	dsb(sy);
	sev();
	return true;
}
#endif

static bool start_core(const struct dt *dt, unsigned idx, uint64_t mpidr)
{
#if BOARD_SMP_PSCI_SMC
	int64_t ret = smc_call3(PSCI_0_2_FN64_CPU_ON, mpidr, (uint64_t)(uintptr_t)secondary_entry, idx);

	if (ret != 0) {
		log_warn("PSCI CPU_ON of MPIDR 0x%lx failed: %ld", mpidr, ret);
		return false;
	}
#elif BOARD_SMP_SPIN_TABLE
	if (!release_core(dt, idx, mpidr))
		return false;
#else
#error "board has no secondary-core start method"
#endif
	uint64_t deadline = timer_now() + timer_us_to_ticks(CPU_ON_TIMEOUT_US);

	while (!cpus[idx].online) {
		if (timer_now() > deadline) {
			log_warn("core MPIDR 0x%lx did not come online", mpidr);
			return false;
		}
	}
	return true;
}

void smp_boot_secondaries(const struct dt *dt)
{
	uint64_t mpidrs[MAX_CPUS * 2];
	int n = dt_cpu_mpidrs(dt, mpidrs, ARRAY_SIZE(mpidrs));
	uint64_t self = mpidr_affinity(read_sysreg(mpidr_el1));

	if (n < 0) {
		log_warn("no /cpus in the device tree: running on the boot core only");
		return;
	}
	for (int i = 0; i < n; i++) {
		uint64_t mpidr = mpidr_affinity(mpidrs[i]);
		unsigned idx = cpu_count;

		if (mpidr == self)
			continue;
		if (idx >= MAX_CPUS) {
			log_warn("more than %u cores: ignoring MPIDR 0x%lx", MAX_CPUS, mpidr);
			continue;
		}
		cpus[idx].mpidr = mpidr;
		cpus[idx].id = idx;
		cpu_count = idx + 1;
		if (!start_core(dt, idx, mpidr))
			cpu_count = idx;	/* leave the slot for the next core */
	}
}

unsigned smp_online_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cpu_count; i++)
		n += cpus[i].online;
	return n;
}
