/* Secondary-core bring-up. The board decides the method; qemu-virt uses PSCI
 * CPU_ON over SMC, passing the logical index as context id. */
#include "core/smp.h"
#include "arch/aarch64/smccc_call.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/timer.h"
#include "core/log.h"
#include "core/percpu.h"
#include "board.h"

void secondary_entry(void);

#define CPU_ON_TIMEOUT_US 200000

static bool start_core(unsigned idx, uint64_t mpidr)
{
#if BOARD_SMP_PSCI_SMC
	int64_t ret = smc_call3(PSCI_0_2_FN64_CPU_ON, mpidr, (uint64_t)(uintptr_t)secondary_entry, idx);

	if (ret != 0) {
		log_warn("PSCI CPU_ON of MPIDR 0x%lx failed: %ld", mpidr, ret);
		return false;
	}
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
		if (!start_core(idx, mpidr))
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
