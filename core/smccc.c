/* SMCCC 1.1 call dispatch. The function ID's owner field picks the service;
 * anything unknown answers NOT_SUPPORTED, never hangs or stops the VM. x4-x17
 * are never written, as SMCCC 1.1 promises callers. */
#include "core/smccc.h"
#include "core/log.h"
#include "core/psci.h"
#include "core/vm.h"

#define OWNER(fid)	(((fid) >> 24) & 0x3f)
#define OWNER_ARCH	0
#define OWNER_STANDARD	4
#define OWNER_VENDOR_HYP 6
#define FAST_CALL	BIT(31)

static int64_t arch_features(uint32_t queried)
{
	switch (queried) {
	case SMCCC_VERSION:
	case SMCCC_ARCH_FEATURES:
		return SMCCC_SUCCESS;
	default:
		/* WORKAROUND_1/2/3 included: HyperBerry implements none of them,
		 * and claiming one would make Linux rely on it. */
		return SMCCC_NOT_SUPPORTED;
	}
}

static void console_write(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t *x = v->regs.x;
	ipa_t buf = x[1];
	uint64_t len = x[2];
	const char *s;

	if (len > HB_CONSOLE_WRITE_MAX || !vm_ipa_in_ram(vm, buf, len ? len : 1)) {
		x[0] = (uint64_t)SMCCC_INVALID_PARAMETER;
		return;
	}
	s = vm_ipa_to_hva(vm, buf);
	spin_lock(&vm->vuart_lock);
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(vm, s[i]);
	spin_unlock(&vm->vuart_lock);
	x[0] = len;
}

/* Unknown calls are rare and log: kept out of line so the hot dispatch
 * needs no stack frame. */
__attribute__((noinline, cold)) void smccc_unknown(struct vcpu *v)
{
	if (vm_log_once(v->vm, LOG_ONCE_UNKNOWN_CALL))
		log_info("vm \"%s\": unknown SMCCC function 0x%lx -> NOT_SUPPORTED (logged once)",
			 v->vm->name, v->regs.x[0]);
	v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
}

static void hb_version(struct vcpu *v)
{
	v->regs.x[0] = HB_VERSION_VALUE;
}

static void hb_vm_id(struct vcpu *v)
{
	v->regs.x[0] = v->vm->id;
}

static void hb_run_count(struct vcpu *v)
{
	v->regs.x[0] = v->vm->restarts + 1;
}

static void hb_console_putc(struct vcpu *v)
{
	spin_lock(&v->vm->vuart_lock);
	vm_console_putc(v->vm, (char)v->regs.x[1]);
	spin_unlock(&v->vm->vuart_lock);
	v->regs.x[0] = SMCCC_SUCCESS;
}

/* HyperBerry calls by number within the vendor-hypervisor range. */
static void (*const hb_calls[])(struct vcpu *v) = {
	[HB_CALL_VERSION - HB_CALL_BASE] = hb_version,
	[HB_CALL_VM_ID - HB_CALL_BASE] = hb_vm_id,
	[HB_CALL_CONSOLE_PUTC - HB_CALL_BASE] = hb_console_putc,
	[HB_CALL_CONSOLE_WRITE - HB_CALL_BASE] = console_write,
	[HB_CALL_RUN_COUNT - HB_CALL_BASE] = hb_run_count,
};

/* The standard queries at the top of the range (SMCCC's general service
 * queries: call count, UID, revision). */
static void hb_query(struct vcpu *v, uint32_t fid)
{
	uint64_t *x = v->regs.x;

	switch (fid) {
	case HB_CALL_COUNT_QUERY:
		x[0] = ARRAY_SIZE(hb_calls);
		break;
	case HB_CALL_UID_QUERY:
		/* HyperBerry's service UUID 6b2a1f3e-8d4c-4b7a-9e51-0c2f7d9a4e63. */
		x[0] = 0x6b2a1f3e;
		x[1] = 0x4b7a8d4c;
		x[2] = 0x2f0c519e;
		x[3] = 0x634e9a7d;
		break;
	case HB_CALL_REVISION_QUERY:
		x[0] = 1;
		x[1] = 0;
		break;
	default:
		smccc_unknown(v);
		break;
	}
}

static void vendor_hyp_call(struct vcpu *v, uint32_t fid)
{
	uint32_t n = fid - HB_CALL_BASE;

	if (n < ARRAY_SIZE(hb_calls))
		hb_calls[n](v);
	else
		hb_query(v, fid);
}

static void arch_call(struct vcpu *v, uint32_t fid)
{
	uint64_t *x = v->regs.x;

	if (fid == SMCCC_VERSION)
		x[0] = 0x10001;	/* 1.1 */
	else if (fid == SMCCC_ARCH_FEATURES)
		x[0] = (uint64_t)arch_features((uint32_t)x[1]);
	else
		smccc_unknown(v);
}

static void unknown_owner(struct vcpu *v, uint32_t fid)
{
	smccc_unknown(v);
}

/* Services by the function ID's owner field. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static void (*const owners[64])(struct vcpu *v, uint32_t fid) = {
	[0 ... 63] = unknown_owner,
	[OWNER_ARCH] = arch_call,
	[OWNER_STANDARD] = psci_handle,
	[OWNER_VENDOR_HYP] = vendor_hyp_call,
};
#pragma GCC diagnostic pop

void smccc_handle(struct vcpu *v)
{
	uint64_t fid = v->regs.x[0];

	/* A 64-bit function ID with non-zero upper bits is not SMCCC, and
	 * HyperBerry offers no yielding calls. */
	if (unlikely(fid >> 32 || !(fid & FAST_CALL))) {
		smccc_unknown(v);
		return;
	}
	owners[OWNER(fid)](v, (uint32_t)fid);
}
