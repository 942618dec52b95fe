/* PSCI 1.1: vCPU power states within one VM and whole-VM power control. A
 * guest can only name its own vCPUs (by their VMPIDR), so PSCI can never
 * reach another VM. */
#include "core/psci.h"
#include "core/log.h"
#include "core/sched.h"
#include "core/vm.h"
#include "core/smccc.h"
#include "vdev/vgic_dev.h"

/* Both calling conventions name the same function. */
static uint32_t psci_fn32(uint32_t fid)
{
	return fid & ~PSCI_64BIT;
}

int64_t psci_features(uint32_t fid)
{
	if (fid == SMCCC_VERSION)
		return PSCI_RET_SUCCESS;
	switch (psci_fn32(fid)) {
	case PSCI_CPU_SUSPEND:
		return 0;	/* original power_state format, platform-coordinated */
	case PSCI_VERSION:
	case PSCI_CPU_OFF:
	case PSCI_CPU_ON:
	case PSCI_AFFINITY_INFO:
	case PSCI_MIGRATE_INFO_TYPE:
	case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET:
	case PSCI_FEATURES:
		return PSCI_RET_SUCCESS;
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

static int64_t cpu_on(struct vcpu *caller, uint64_t mpidr, uint64_t entry, uint64_t context)
{
	struct vm *vm = caller->vm;
	struct vcpu *target = vm_find_vcpu_by_mpidr(vm, mpidr);
	int64_t ret = PSCI_RET_SUCCESS;

	if (!target)
		return PSCI_RET_INVALID_PARAMETERS;
	if (!vm_ipa_in_ram(vm, entry, 4) || (entry & 3))
		return PSCI_RET_INVALID_ADDRESS;
	spin_lock(&vm->lock);
	if (target->on_pending)
		ret = PSCI_RET_ON_PENDING;
	else if (target->state != VCPU_OFF)
		ret = PSCI_RET_ALREADY_ON;
	else {
		target->on_entry = entry;
		target->on_context = context;
		target->on_pending = true;
	}
	spin_unlock(&vm->lock);
	if (ret == PSCI_RET_SUCCESS)
		sched_kick(target);
	return ret;
}

static int64_t affinity_info(struct vcpu *caller, uint64_t mpidr, uint64_t level)
{
	struct vcpu *target = vm_find_vcpu_by_mpidr(caller->vm, mpidr);

	if (!target || level != 0)
		return PSCI_RET_INVALID_PARAMETERS;
	if (target->on_pending)
		return PSCI_AFFINITY_ON_PENDING;
	return target->state == VCPU_OFF || target->state == VCPU_STOPPED ? PSCI_AFFINITY_OFF
									  : PSCI_AFFINITY_ON;
}

void psci_handle(struct vcpu *v, uint32_t fid)
{
	uint64_t *x = v->regs.x;
	int64_t ret;

	if ((fid & 0xbfffffe0u) != 0x84000000u) {
		smccc_unknown(v);
		return;
	}
	switch (psci_fn32(fid)) {
	case PSCI_VERSION:
		ret = 0x10001;	/* 1.1 */
		break;
	case PSCI_CPU_SUSPEND:
		/* Every state is treated as standby: wait for an interrupt.
		 * Returning success from a power-down request is allowed. */
		if (!vgic_dev_has_pending(v))
			vcpu_set_state(v, VCPU_BLOCKED);
		ret = PSCI_RET_SUCCESS;
		break;
	case PSCI_CPU_OFF:
		vcpu_set_state(v, VCPU_OFF);
		ret = PSCI_RET_SUCCESS;	/* not seen: the vCPU does not return */
		break;
	case PSCI_CPU_ON:
		ret = cpu_on(v, x[1], x[2], x[3]);
		break;
	case PSCI_AFFINITY_INFO:
		ret = affinity_info(v, x[1], x[2]);
		break;
	case PSCI_MIGRATE_INFO_TYPE:
		ret = 2;	/* no Trusted OS that would need migrating */
		break;
	case PSCI_SYSTEM_OFF:
		vm_stop(v->vm, "guest called PSCI SYSTEM_OFF");
		ret = PSCI_RET_SUCCESS;
		break;
	case PSCI_SYSTEM_RESET:
		vm_restart(v->vm, "guest called PSCI SYSTEM_RESET");
		ret = PSCI_RET_SUCCESS;
		break;
	case PSCI_FEATURES:
		ret = psci_features((uint32_t)x[1]);
		break;
	default:
		ret = PSCI_RET_NOT_SUPPORTED;
		break;
	}
	/* Sign-extended: correct as a 64-bit result and as w0 for SMC32. */
	x[0] = (uint64_t)ret;
}
