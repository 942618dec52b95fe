/* A virtual CPU: guest registers, its EL1 system-register context, and the
 * bookkeeping the scheduler and PSCI need. */
#ifndef HB_CORE_VCPU_H
#define HB_CORE_VCPU_H

#include "core/config_limits.h"
#include "core/vcpu_offsets.h"
#include "lib/types.h"
#include "vdev/vgic.h"

struct vm;
struct mmio_region;

/* Saved on every exit by guest_entry.S; must stay first in struct vcpu. */
struct vcpu_gprs {
	uint64_t x[31];
	uint64_t pc;		/* ELR_EL2 */
	uint64_t pstate;	/* SPSR_EL2 */
};

/* EL1 state a guest OS owns. Loaded when the vCPU is put on a core and
 * saved when it leaves it, never on an ordinary exit. */
struct vcpu_el1 {
	uint64_t sctlr, actlr_unused, cpacr, ttbr0, ttbr1, tcr, mair, amair, vbar;
	uint64_t contextidr, tpidr_el0, tpidr_el1, tpidrro_el0, esr, far, afsr0, afsr1;
	uint64_t par, cntkctl, csselr, sp_el0, sp_el1, elr, spsr;
	uint64_t cntv_ctl, cntv_cval;
};

struct fpsimd_state {
	__uint128_t q[32];
	uint64_t fpsr, fpcr;
};

enum vcpu_state {
	VCPU_OFF,		/* never started, or PSCI CPU_OFF */
	VCPU_RUNNABLE,
	VCPU_BLOCKED,		/* WFI: waits for an interrupt */
	VCPU_STOPPED,		/* its VM is stopped */
};

/* Exit reasons counted per vCPU: the 64 exception classes, then these. */
#define EXIT_IRQ	64
#define EXIT_SERROR	65
#define EXIT_FIQ	66
#define EXIT_REASONS	67

struct vcpu {
	struct vcpu_gprs regs;
	uint64_t exits[EXIT_REASONS];	/* per exit reason; the vector counts HVCs */
	/* Non-zero when the exit path must leave its fast path: a state
	 * change, new virtual interrupts, an SError, or a reschedule. The
	 * assembly reads it at VCPU_ATTENTION. */
	volatile uint8_t attention;
	struct vm *vm;
	unsigned id;			/* index in the VM = vCPU interface number */
	unsigned pcpu;			/* physical core it is pinned to */
	uint64_t vmpidr;
	volatile enum vcpu_state state;
	bool loaded;			/* its EL1 context is in the core's registers */
	/* PSCI CPU_ON that has been accepted but not yet run. */
	volatile bool on_pending;
	uint64_t on_entry, on_context;
	/* Emulated debug state (MDCR_EL2 traps every debug access). */
	uint64_t mdscr_el1;
	bool os_lock;
	/* A whole-RAM clean requested by a set/way operation, done a chunk per
	 * trap (core/exit.c): whether one is under way, and the next offset. */
	bool sw_clean_active;
	uint64_t sw_clean_next;
	uint64_t sw_cleans;		/* whole-RAM cleans completed */
	volatile bool serror_pending;	/* SError taken in its exit window */
	volatile bool irq_work;		/* new virtual interrupts to put in LRs */
	bool vtimer_active;		/* physical PPI 27 active when switched out */
	/* Its CPU interface in the VM's vGIC (NULL without one): the IRQ exit's
	 * timer path reaches it without indexing struct vgic. */
	struct vgic_cpu *vgic_cpu;
	/* The MMIO window this vCPU's last emulated access hit (mmio_find_cached). */
	const struct mmio_region *mmio_last;
	/* Set by a device's write handler: leave PC on the store so the guest
	 * executes it again (long device work split at a preemption point). */
	bool mmio_retry;
	struct vgic_cpu_hw_ctx gich_ctx;
	struct vcpu_el1 el1;
	struct fpsimd_state fp __attribute__((aligned(16)));
	struct vcpu *next_on_core;	/* run queue link */
};

_Static_assert(__builtin_offsetof(struct vcpu, regs) == 0, "asm expects regs first");
_Static_assert(__builtin_offsetof(struct vcpu, exits) == VCPU_EXITS_OFFSET, "asm offset");
_Static_assert(__builtin_offsetof(struct vcpu, attention) == VCPU_ATTENTION_OFFSET, "asm offset");
_Static_assert(EXIT_REASONS == 67, "update VCPU_ATTENTION_OFFSET");

#define VCPU_REG_PC	(31 * 8)
#define VCPU_REG_PSTATE	(32 * 8)

static inline void vcpu_attention(struct vcpu *v)
{
	v->attention = 1;
}

static inline void vcpu_set_state(struct vcpu *v, enum vcpu_state state)
{
	v->state = state;
	vcpu_attention(v);
}

/* Writing x31 means writing XZR: discarded. */
static inline void vcpu_set_reg(struct vcpu *v, unsigned reg, uint64_t val)
{
	if (reg < 31)
		v->regs.x[reg] = val;
}

static inline uint64_t vcpu_get_reg(const struct vcpu *v, unsigned reg)
{
	return reg < 31 ? v->regs.x[reg] : 0;
}

#endif
