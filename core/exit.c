/* Guest exit dispatch: one handler per exception class, in a table, so the
 * path from the vector to the handler is a load and a branch. */
#include "arch/aarch64/cache.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/frame.h"
#include "arch/aarch64/mmio_decode.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/sysreg_trap.h"
#include "arch/aarch64/vcpu_arch.h"
#include "core/irq.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/sched.h"
#include "core/smccc.h"
#include "core/vm.h"
#include "vdev/vgic_dev.h"
#include "drivers/gicv2.h"
#include "board.h"

typedef void (*exit_handler_fn)(struct vcpu *v, uint64_t esr);

uint64_t id_reg_read_hw(unsigned crm, unsigned op2);
void el2_fatal_exception(struct trap_frame *f, unsigned kind);
extern const uint64_t __serror_windows_start[], __serror_windows_end[];

static inline void skip_instruction(struct vcpu *v, uint64_t esr)
{
	v->regs.pc += (esr & BIT(25)) ? 4 : 2;
}

/* Called straight from the vector (guest_entry.S), which counted the exit. */
void handle_hvc(struct vcpu *v, uint64_t esr)
{
	/* SMCCC uses HVC #0; other immediates are not calls we know. */
	if (esr & 0xffff)
		v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
	else
		smccc_handle(v);
}

static void handle_smc(struct vcpu *v, uint64_t esr)
{
	/* A trapped SMC returns to itself: step over it. */
	skip_instruction(v, esr);
	if (esr & 0xffff)
		v->regs.x[0] = (uint64_t)SMCCC_NOT_SUPPORTED;
	else
		smccc_handle(v);
}

static void handle_wfx(struct vcpu *v, uint64_t esr)
{
	skip_instruction(v, esr);
	/* WFI blocks unless an interrupt is already waiting for the vCPU; a
	 * trapped WFE is only a hint. */
	if (!(esr & 1) && !vgic_dev_has_pending(v))
		vcpu_set_state(v, VCPU_BLOCKED);
}

static void sysreg_undef(struct vcpu *v, const struct sysreg_access *a)
{
	if (vm_log_once(v->vm, LOG_ONCE_SYSREG_UNDEF))
		log_info("vm \"%s\": %s of S%u_%u_C%u_C%u_%u -> UNDEF (logged once)", v->vm->name,
			 a->read ? "read" : "write", a->op0, a->op1, a->crn, a->crm, a->op2);
	inject_undef(v);
}

/* DC ISW/CSW/CISW (op0=1 op1=0 CRn=7 CRm=6/10/14 op2=2), trapped by
 * HCR_EL2.TSW: set/way operations only reach the physical core's own cache,
 * which is meaningless once vCPUs move or share caches. A guest cleans by
 * looping over every set and way of each level; the operation on set 0,
 * way 0 starts each pass, so that one cleans and invalidates all of the VM's
 * RAM to PoC and the rest are dropped.
 *
 * Cleaning a whole VM takes milliseconds to over a hundred (1 GiB) with
 * interrupts masked, so it is done SW_CLEAN_CHUNK at a time: the trapping
 * instruction is not stepped over until the last chunk is done, so the guest
 * re-executes it and traps again, and between two chunks the core takes its
 * interrupts (time slice, kicks) like after any exit. The cost lands on the
 * guest's own time slice; one trap never holds the core for more than one
 * chunk. Any set/way operation while a clean is under way continues it. */
#define SW_CLEAN_CHUNK MiB(1)

static bool is_set_way_op(const struct sysreg_access *a)
{
	return a->op0 == 1 && a->op1 == 0 && a->crn == 7 && a->op2 == 2 &&
	       (a->crm == 6 || a->crm == 10 || a->crm == 14);
}

/* Returns true when the operation is complete (the PC may move on). */
static bool emulate_set_way(struct vcpu *v, uint64_t operand)
{
	struct vm *vm = v->vm;
	uint64_t len;

	/* Bits [3:1] are the level; everything above is set and way. */
	if (!v->sw_clean_active) {
		if ((operand & ~0xeUL) != 0)
			return true;
		v->sw_clean_active = true;
		v->sw_clean_next = 0;
	}
	len = MIN((uint64_t)SW_CLEAN_CHUNK, vm->ram_size - v->sw_clean_next);
	dcache_clean_inval_range((void *)(uintptr_t)(vm->ram_pa + v->sw_clean_next), len);
	v->sw_clean_next += len;
	if (v->sw_clean_next < vm->ram_size)
		return false;
	v->sw_clean_active = false;
	v->sw_cleans++;
	return true;
}

static void handle_sysreg(struct vcpu *v, uint64_t esr)
{
	struct sysreg_access a;
	uint64_t val = 0;

	if (!sysreg_decode(esr, &a)) {
		inject_undef(v);
		return;
	}
	if (is_set_way_op(&a) && !a.read) {
		if (emulate_set_way(v, vcpu_get_reg(v, a.rt)))
			skip_instruction(v, esr);
		return;
	}
	switch (sysreg_classify(a.encoding)) {
	case SYSREG_CLASS_ID:
		if (sysreg_id_access(&a, id_reg_read_hw(a.crm, a.op2), &val) != SYSREG_EMULATED) {
			sysreg_undef(v, &a);
			return;
		}
		break;
	case SYSREG_CLASS_DEBUG_RAZ_WI:
	case SYSREG_CLASS_PMU_RAZ_WI:
	case SYSREG_CLASS_ACTLR:
	/* The EL1 physical timer (CNTHCTL_EL2.EL1PCEN=0): guests use the
	 * virtual timer, which HyperBerry virtualizes; CNTP is inert. */
	case SYSREG_CLASS_CNTP:
		break;		/* read as zero, writes ignored */
	case SYSREG_CLASS_OSLOCK:
		if (a.read)
			val = sysreg_oslsr_value(v->os_lock);
		else
			v->os_lock = sysreg_oslar_locks(vcpu_get_reg(v, a.rt));
		break;
	case SYSREG_CLASS_MDSCR:
		if (a.read)
			val = v->mdscr_el1;
		else
			v->mdscr_el1 = vcpu_get_reg(v, a.rt);
		break;
	default:
		/* IMPLEMENTATION DEFINED registers (TIDCP) and everything else. */
		sysreg_undef(v, &a);
		return;
	}
	if (a.read)
		vcpu_set_reg(v, a.rt, val);
	skip_instruction(v, esr);
}

static void bad_guest_access(struct vcpu *v, uint64_t esr, enum vm_log_once event, const char *what)
{
	uint64_t far = read_sysreg(far_el2);

	if (vm_log_once(v->vm, event))
		log_info("vm \"%s\": %s at IPA 0x%lx (VA 0x%lx, PC 0x%lx) -> external abort (logged once)",
			 v->vm->name, what,
			 (read_sysreg(hpfar_el2) >> 4 << 12) | (far & 0xfff), far, v->regs.pc);
	inject_data_abort(v, far, esr & BIT(6));
}

static void handle_dabt(struct vcpu *v, uint64_t esr)
{
	struct mmio_access a;
	const struct mmio_region *r;
	enum mmio_decode_result res =
		mmio_decode(esr, read_sysreg(far_el2), read_sysreg(hpfar_el2), &a);
	uint64_t val;

	switch (res) {
	case MMIO_DECODE_OK:
		break;
	case MMIO_DECODE_CACHE_OP:
		skip_instruction(v, esr);	/* no effect on emulated devices */
		return;
	case MMIO_DECODE_S1PTW:
		bad_guest_access(v, esr, LOG_ONCE_S1PTW, "page-table walk outside RAM");
		return;
	case MMIO_DECODE_NO_ISV:
		bad_guest_access(v, esr, LOG_ONCE_NO_ISV,
				 "MMIO access without syndrome (LDP/STP, writeback, SIMD, atomic)");
		return;
	default:
		bad_guest_access(v, esr, LOG_ONCE_UNMAPPED_ACCESS, "unexpected data abort");
		return;
	}
	r = mmio_find_cached(&v->vm->mmio, &v->mmio_last, a.ipa, a.size);
	if (!r) {
		bad_guest_access(v, esr, LOG_ONCE_UNMAPPED_ACCESS, "access outside RAM and devices");
		return;
	}
	if (a.write) {
		if (!r->ops->write(r->dev, v, a.ipa - r->base, a.size, mmio_store_value(&a, v->regs.x))) {
			bad_guest_access(v, esr, LOG_ONCE_BAD_MMIO_SIZE, "unsupported device access");
			return;
		}
		if (v->mmio_retry) {
			v->mmio_retry = false;
			return;
		}
	} else {
		if (!r->ops->read(r->dev, v, a.ipa - r->base, a.size, &val)) {
			bad_guest_access(v, esr, LOG_ONCE_BAD_MMIO_SIZE, "unsupported device access");
			return;
		}
		mmio_load_to_gpr(&a, v->regs.x, val);
	}
	skip_instruction(v, esr);
}

/* The fast path's leftovers: handle_dabt, or the abort for an access the
 * device refused, work on regs.pc/pstate, so those are brought in from the
 * hardware and handed back. */
static __attribute__((noinline, cold)) void dabt_general(struct vcpu *v, uint64_t esr,
							 bool refused)
{
	v->regs.pc = read_sysreg(elr_el2);
	v->regs.pstate = read_sysreg(spsr_el2);
	if (refused)
		bad_guest_access(v, esr, LOG_ONCE_BAD_MMIO_SIZE, "unsupported device access");
	else
		handle_dabt(v, esr);
	write_sysreg(elr_el2, v->regs.pc);
	write_sysreg(spsr_el2, v->regs.pstate);
}

/*
 * Called straight from the vector (guest_entry.S) for data aborts whose
 * register is not x19-x29, with ELR_EL2/SPSR_EL2 still live in hardware as
 * on an HVC. The common case - the syndrome decodes, the access is to the
 * VM's last-hit window and the device accepts it - steps ELR_EL2 itself and
 * never stores PC or PSTATE; everything else goes to dabt_general. Returns v,
 * which saves the vector reloading it.
 */
struct vcpu *handle_dabt_fast(struct vcpu *v, uint64_t esr)
{
	struct mmio_access a;
	const struct mmio_region *r;
	uint64_t val;

	/* The vector checked the class: tell the compiler, which then drops
	 * mmio_decode's own test. */
	if (ESR_EC(esr) != ESR_EC_DABT_LOW)
		__builtin_unreachable();
	if (mmio_decode(esr, read_sysreg(far_el2), read_sysreg(hpfar_el2), &a) != MMIO_DECODE_OK)
		goto general;
	r = mmio_find_cached(&v->vm->mmio, &v->mmio_last, a.ipa, a.size);
	if (!r)
		goto general;
	if (a.write) {
		if (!r->ops->write(r->dev, v, a.ipa - r->base, a.size, mmio_store_value(&a, v->regs.x)))
			goto refused;
		if (__builtin_expect(v->mmio_retry, 0)) {
			v->mmio_retry = false;
			return v;	/* ELR stays on the store */
		}
	} else {
		if (!r->ops->read(r->dev, v, a.ipa - r->base, a.size, &val))
			goto refused;
		mmio_load_to_gpr(&a, v->regs.x, val);
	}
	/* Step over it: 4 bytes, or 2 for a 16-bit T32 instruction (ESR.IL). */
	write_sysreg(elr_el2, read_sysreg(elr_el2) + 2 + ((esr >> 24) & 2));
	return v;
general:
	dabt_general(v, esr, false);
	return v;
refused:
	dabt_general(v, esr, true);
	return v;
}

static void handle_iabt(struct vcpu *v, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2);
	uint64_t vbar = read_sysreg(vbar_el1);

	/* Fetching its own exception vector failed: injecting another abort
	 * would loop forever, so the guest is beyond recovery. */
	if (v->regs.pc >= vbar && v->regs.pc < vbar + 0x800) {
		vm_crash(v, "instruction fetch from its exception vectors faults", esr);
		return;
	}
	if (vm_log_once(v->vm, LOG_ONCE_IABT))
		log_info("vm \"%s\": instruction fetch outside RAM at 0x%lx -> prefetch abort (logged once)",
			 v->vm->name, far);
	inject_prefetch_abort(v, far);
}

static void handle_unknown(struct vcpu *v, uint64_t esr)
{
	if (vm_log_once(v->vm, LOG_ONCE_UNKNOWN_EC))
		log_info("vm \"%s\": unexpected exit EC 0x%x (%s) -> UNDEF (logged once)", v->vm->name,
			 ESR_EC(esr), esr_ec_name(ESR_EC(esr)));
	inject_undef(v);
}

/* Every class not listed gets UNDEF. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_fn exit_handlers[64] = {
	[0 ... 63] = handle_unknown,
	[ESR_EC_WFX] = handle_wfx,
	[ESR_EC_HVC64] = handle_hvc,
	[ESR_EC_SMC64] = handle_smc,
	[ESR_EC_SYS64] = handle_sysreg,
	[ESR_EC_IABT_LOW] = handle_iabt,
	[ESR_EC_DABT_LOW] = handle_dabt,
};
#pragma GCC diagnostic pop

static struct vcpu *contain_serror(struct vcpu *v)
{
	v->exits[EXIT_SERROR]++;
	v->serror_pending = false;
	vm_crash(v, "SError (asynchronous abort) while it ran", read_sysreg(esr_el2));
	return sched_next(v);
}

/* Called by guest_entry.S with the syndrome; a tail call into the class's
 * handler, so the common exit costs no stack frame here. */
void vcpu_exit_sync(struct vcpu *v, uint64_t esr)
{
	unsigned ec = ESR_EC(esr);

	v->exits[ec]++;
	exit_handlers[ec](v, esr);
}

/* The virtual timer of v, the vCPU loaded on this core, fired: into a list
 * register at once when that needs no decision (vgic_inject_hw_fast), the
 * steady state inline with a direct GICH write. False, with nothing done,
 * when the general injection must do it. */
static inline bool vtimer_inject_fast(struct vcpu *v)
{
	uint32_t lr;
	int n;

	if (!v->vgic_cpu)
		return false;
	n = vgic_hw_fast_reuse(v->vgic_cpu, BOARD_IRQ_VIRT_TIMER, gich_read(GICH_ELRSR0), &lr);
	if (n >= 0) {
		gich_write(GICH_LR0 + 4 * (uint32_t)n, lr);
		return true;
	}
	return vgic_inject_hw_fast(v->vgic_cpu->vgic, v->id, BOARD_IRQ_VIRT_TIMER);
}

/* Called from the vector (guest_entry.S) with x19-x29, ELR and SPSR live. */
void vcpu_exit_irq(struct vcpu *v)
{
	uint32_t iar = gic_acknowledge();

	v->exits[EXIT_IRQ]++;
	/* The loaded vCPU's own virtual timer is the interrupt guests wait on
	 * most: when it can go straight into a list register it does, and the
	 * guest takes it right after the ERET, with no kick and no slow path.
	 * The physical PPI stays active until the guest deactivates the HW=1
	 * entry. Anything else still pending raises a new exit at once. */
	if ((iar & GIC_INTID_MASK) == BOARD_IRQ_VIRT_TIMER && vtimer_inject_fast(v)) {
		gic_priority_drop(iar);
		return;
	}
	if (irq_dispatch(iar))
		irq_handle_pending();
}

/* The exit raised `attention`: everything that is not the fast path. All
 * general registers of v are saved by now, so a switch may happen. */
struct vcpu *vcpu_exit_slow(struct vcpu *v)
{
	v->attention = 0;
	dmb(ish);
	if (v->serror_pending)
		return contain_serror(v);
	return sched_next(v);
}

struct vcpu *vcpu_exit_serror_or_fiq(struct vcpu *v, int serror)
{
	if (serror)
		return contain_serror(v);
	v->exits[EXIT_FIQ]++;
	return vcpu_exit_slow(v);
}

/* An SError taken at EL2: inside an exit's window it belongs to the guest
 * that just ran; anywhere else it is the hypervisor's and fatal. */
void hyp_serror(struct trap_frame *f)
{
	/* Compared as integers: they are different linker symbols. */
	uintptr_t end = (uintptr_t)__serror_windows_end;

	for (uintptr_t p = (uintptr_t)__serror_windows_start; p < end; p += 2 * sizeof(uint64_t)) {
		const uint64_t *w = (const uint64_t *)p;

		if (f->elr >= w[0] && f->elr <= w[1] && this_cpu()->current) {
			this_cpu()->current->serror_pending = true;
			vcpu_attention(this_cpu()->current);
			return;
		}
	}
	el2_fatal_exception(f, 7);
}
