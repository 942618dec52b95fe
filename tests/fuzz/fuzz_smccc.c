/* libFuzzer target for hypercall dispatch (core/smccc.c, core/psci.c): each
 * input is a sequence of guest calls on a two-vCPU VM; after every call the
 * register, vCPU-state and result promises of docs/traps.md are checked.
 * Build: clang -fsanitize=fuzzer,address,undefined -DHB_HOST -D_DEFAULT_SOURCE -I.
 *        this file core/smccc.c core/psci.c */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/psci.h"
#include "core/smccc.h"
#include "core/vm.h"

#define REQUIRE(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "REQUIRE failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                         \
		}                                                                        \
	} while (0)

#define RAM_IPA		0x40000000ull
#define NR_VCPUS	2
#define MPIDR_AFF_MASK	0xff00ffffffull

static struct vm vm;
static uint8_t guest_ram[64 * 1024];

/* What the stubs saw during one call. */
static struct {
	size_t console_bytes;
	char console[HB_CONSOLE_WRITE_MAX + 1];
	unsigned kicks, stops, restarts;
	struct vcpu *kicked;
	bool pending_irq;	/* answer of vgic_dev_has_pending */
} seen;

/* ---- the hypervisor functions smccc.c and psci.c call */

void log_write(enum log_level level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	/* Formatting for real lets UBSan and ASan check the arguments. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

bool vm_log_once(struct vm *v, enum vm_log_once event)
{
	bool first = !(v->logged_once & event);

	v->logged_once |= event;
	return first;
}

void vm_console_putc(struct vm *v, char c)
{
	REQUIRE(v == &vm);
	/* The host spinlock counts: held means next != owner. */
	REQUIRE(v->vuart_lock.next != v->vuart_lock.owner);
	REQUIRE(seen.console_bytes < sizeof(seen.console));
	seen.console[seen.console_bytes++] = c;
}

void sched_kick(struct vcpu *v)
{
	REQUIRE(v >= vm.vcpus && v < vm.vcpus + vm.vcpu_count);
	seen.kicks++;
	seen.kicked = v;
}

struct vcpu *vm_find_vcpu_by_mpidr(struct vm *v, uint64_t mpidr)
{
	for (unsigned i = 0; i < v->vcpu_count; i++) {
		if ((v->vcpus[i].vmpidr & MPIDR_AFF_MASK) == (mpidr & MPIDR_AFF_MASK))
			return &v->vcpus[i];
	}
	return NULL;
}

void vm_stop(struct vm *v, const char *why)
{
	REQUIRE(v == &vm && why);
	seen.stops++;
	for (unsigned i = 0; i < v->vcpu_count; i++)
		v->vcpus[i].state = VCPU_STOPPED;
	v->state = VM_STOPPED;
}

void vm_restart(struct vm *v, const char *why)
{
	REQUIRE(v == &vm && why);
	seen.restarts++;
	vm_stop(v, why);
}

/* Not called today; a CPU_SUSPEND that honours pending interrupts will. */
bool vgic_dev_has_pending(struct vcpu *v);
bool vgic_dev_has_pending(struct vcpu *v)
{
	return seen.pending_irq;
}

/* ---- input */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

/* Function IDs: mostly well-formed SMCCC IDs around the implemented ones. */
static uint64_t pick_fid(struct input *in)
{
	uint8_t sel = (uint8_t)take(in, 1);
	uint64_t raw = take(in, 4);

	switch (sel & 7) {
	case 0: return raw | take(in, 4) << 32;
	case 1: return raw;
	case 2: return 0x80000000u | (raw & 0x4000ffffu);		/* arch, either width */
	case 3: return 0x84000000u | (raw & 0x4000001fu);		/* PSCI */
	case 4: return 0x86000000u | (raw & 0x4000ffffu);		/* HyperBerry */
	case 5: return 0x80000000u | (raw & 0x7f00ffffu);		/* any owner */
	default: return 0x84000000u | (raw & 0x1f);
	}
}

/* Addresses around the VM's RAM, the edges most of all. */
static uint64_t pick_arg(struct input *in)
{
	uint8_t sel = (uint8_t)take(in, 1);
	uint64_t raw = take(in, 8);

	switch (sel & 3) {
	case 0: return raw;
	case 1: return RAM_IPA + (raw % (sizeof(guest_ram) + 64)) - 32;
	case 2: return raw & 0xffff;
	default: return (raw & 0x3) | (sel >> 2);
	}
}

static void vm_reset(void)
{
	memset(&vm, 0, sizeof(vm));
	strcpy(vm.name, "fuzz");
	vm.id = 3;
	vm.state = VM_RUNNING;
	vm.ram_ipa = RAM_IPA;
	vm.ram_pa = (paddr_t)(uintptr_t)guest_ram;
	vm.ram_size = sizeof(guest_ram);
	vm.vcpu_count = NR_VCPUS;
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].id = i;
		vm.vcpus[i].vmpidr = 0x80000000u | i;
		vm.vcpus[i].state = i == 0 ? VCPU_RUNNABLE : VCPU_OFF;
	}
}

/* What the scheduler does between calls: accepted CPU_ONs start, blocked
 * vCPUs wake, and a stopped VM may be started again. */
static void run_scheduler(uint8_t sel)
{
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		struct vcpu *v = &vm.vcpus[i];

		if (v->on_pending && (sel & 1)) {
			v->on_pending = false;
			v->state = VCPU_RUNNABLE;
		}
		if (v->state == VCPU_BLOCKED && (sel & 2))
			v->state = VCPU_RUNNABLE;
	}
	if (vm.state != VM_RUNNING && (sel & 4))
		vm_reset();
}

static bool in_ram(uint64_t ipa, uint64_t len)
{
	return ipa >= RAM_IPA && len <= sizeof(guest_ram) && ipa - RAM_IPA <= sizeof(guest_ram) - len;
}

/* ---- the promises */

static void check_call(struct vcpu *v, const struct vcpu_gprs *before, enum vcpu_state state_before,
		       const struct vcpu before_all[NR_VCPUS])
{
	const uint64_t fid = before->x[0];
	const bool smccc_call = !(fid >> 32) && (fid & 0x80000000u);
	/* HyperBerry calls exist in the 32-bit form only; PSCI in both. */
	const uint32_t call = !smccc_call ? 0 :
		(fid & 0xbfffffe0u) == 0x84000000u ? (uint32_t)fid & 0xbfffffffu : (uint32_t)fid;
	const bool multi = call == HB_CALL_UID_QUERY || call == HB_CALL_REVISION_QUERY;
	const int64_t r = (int64_t)v->regs.x[0];

	/* Only x0..x3 may change, and pc/pstate are not even saved on HVC. */
	for (unsigned i = 4; i < 31; i++)
		REQUIRE(v->regs.x[i] == before->x[i]);
	REQUIRE(v->regs.pc == before->pc && v->regs.pstate == before->pstate);
	if (fid != ~0ull)
		REQUIRE(v->regs.x[0] != fid);	/* x0 always carries a result */
	if (!multi)
		REQUIRE(!memcmp(&v->regs.x[1], &before->x[1], 3 * sizeof(uint64_t)));
	if (!smccc_call)
		REQUIRE(r == SMCCC_NOT_SUPPORTED);
	REQUIRE(vm.vuart_lock.next == vm.vuart_lock.owner && vm.lock.next == vm.lock.owner);

	/* Other vCPUs change only through an accepted CPU_ON, or a VM stop. */
	for (unsigned i = 0; i < NR_VCPUS; i++) {
		const struct vcpu *o = &vm.vcpus[i];

		if (o == v || seen.stops)
			continue;
		REQUIRE(o->state == before_all[i].state);
		if (o->on_pending != before_all[i].on_pending) {
			REQUIRE(call == PSCI_CPU_ON && r == PSCI_RET_SUCCESS);
			REQUIRE(o->on_entry == before->x[2] && o->on_context == before->x[3]);
			REQUIRE(seen.kicks == 1 && seen.kicked == o);
		}
	}
	if (call != PSCI_SYSTEM_OFF && call != PSCI_SYSTEM_RESET)
		REQUIRE(seen.stops == 0 && seen.restarts == 0);
	if (call != HB_CALL_CONSOLE_WRITE && call != HB_CALL_CONSOLE_PUTC)
		REQUIRE(seen.console_bytes == 0);
	if (call != PSCI_CPU_ON)
		REQUIRE(seen.kicks == 0);

	switch (call) {
	case PSCI_CPU_ON:
		if (r == PSCI_RET_SUCCESS) {
			REQUIRE(in_ram(before->x[2], 4) && !(before->x[2] & 3));
			REQUIRE(seen.kicks == 1 && seen.kicked->on_pending);
		} else {
			REQUIRE(r == PSCI_RET_INVALID_PARAMETERS || r == PSCI_RET_INVALID_ADDRESS ||
				r == PSCI_RET_ALREADY_ON || r == PSCI_RET_ON_PENDING);
			REQUIRE(seen.kicks == 0);
		}
		if (r == PSCI_RET_INVALID_ADDRESS)
			REQUIRE(!in_ram(before->x[2], 4) || (before->x[2] & 3));
		break;
	case PSCI_CPU_OFF:
		REQUIRE(v->state == VCPU_OFF && v->attention);
		break;
	case PSCI_CPU_SUSPEND:
		REQUIRE(r == PSCI_RET_SUCCESS);
		REQUIRE((v->state == VCPU_BLOCKED && v->attention) ||
			(seen.pending_irq && v->state == state_before));
		break;
	case PSCI_AFFINITY_INFO:
		REQUIRE((r >= PSCI_AFFINITY_ON && r <= PSCI_AFFINITY_ON_PENDING) ||
			r == PSCI_RET_INVALID_PARAMETERS);
		if (before->x[2] != 0)
			REQUIRE(r == PSCI_RET_INVALID_PARAMETERS);
		break;
	case PSCI_SYSTEM_OFF:
		REQUIRE(seen.stops == 1 && seen.restarts == 0);
		break;
	case PSCI_SYSTEM_RESET:
		REQUIRE(seen.restarts == 1);
		break;
	case HB_CALL_CONSOLE_WRITE:
		if (r == SMCCC_INVALID_PARAMETER) {
			REQUIRE(seen.console_bytes == 0);
			REQUIRE(before->x[2] > HB_CONSOLE_WRITE_MAX ||
				!in_ram(before->x[1], before->x[2] ? before->x[2] : 1));
		} else {
			REQUIRE((uint64_t)r == before->x[2] && seen.console_bytes == before->x[2]);
			REQUIRE(!memcmp(seen.console, guest_ram + (before->x[1] - RAM_IPA), seen.console_bytes));
		}
		break;
	case HB_CALL_CONSOLE_PUTC:
		REQUIRE(r == 0 && seen.console_bytes == 1 && seen.console[0] == (char)before->x[1]);
		break;
	case HB_CALL_VM_ID:
		REQUIRE(r == vm.id);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	vm_reset();
	for (unsigned i = 0; i < sizeof(guest_ram); i++)
		guest_ram[i] = (uint8_t)(i * 7 + 1);
	while (in.left) {
		uint8_t sel = (uint8_t)take(&in, 1);
		struct vcpu before_all[NR_VCPUS];
		struct vcpu_gprs before;
		struct vcpu *v = &vm.vcpus[(sel >> 1) % NR_VCPUS];
		enum vcpu_state state_before;

		run_scheduler(sel >> 3);
		/* Only a running vCPU makes calls. */
		if (v->state != VCPU_RUNNABLE)
			continue;
		for (unsigned i = 0; i < 31; i++)
			v->regs.x[i] = 0x5eed000000000000ull | (uint64_t)i << 40 | i;
		v->regs.x[0] = pick_fid(&in);
		for (unsigned i = 1; i <= 3; i++)
			v->regs.x[i] = pick_arg(&in);
		v->regs.pc = 0x40201000;
		v->regs.pstate = 0x3c5;
		v->attention = 0;
		memset(&seen, 0, sizeof(seen));
		seen.pending_irq = sel & 1;
		before = v->regs;
		state_before = v->state;
		memcpy(before_all, vm.vcpus, sizeof(before_all));
		smccc_handle(v);
		check_call(v, &before, state_before, before_all);
	}
	return 0;
}
