/* EL1 context switching and exception injection. A vCPU's EL1 registers
 * live in hardware while it owns its core; they move only when another vCPU
 * takes the core, so ordinary exits never touch them. */
#include "arch/aarch64/vcpu_arch.h"
#include "arch/aarch64/esr.h"
#include "arch/aarch64/stage2.h"
#include "arch/aarch64/sysreg.h"
#include "core/vm.h"
#include "lib/string.h"

#define TCR_EPD0 BIT(7)
#define TCR_EPD1 BIT(23)

uint64_t vcpu_arch_hcr(void)
{
	return HCR_RW | HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB |
	       HCR_BSU_IS | HCR_TWI | HCR_TSC | HCR_TID3 | HCR_TIDCP | HCR_TACR | HCR_TSW;
}

void vcpu_arch_reset(struct vcpu *v, uint64_t entry, uint64_t arg)
{
	memset(&v->regs, 0, sizeof(v->regs));
	memset(&v->el1, 0, sizeof(v->el1));
	memset(&v->fp, 0, sizeof(v->fp));
	v->regs.x[0] = arg;
	v->regs.pc = entry;
	/* Linux boot protocol: EL1h, all of DAIF masked, MMU and caches off. */
	v->regs.pstate = PSR_MODE_EL1h | PSR_DAIF;
	v->el1.sctlr = SCTLR_EL1_RES1;
	v->mdscr_el1 = 0;
	v->os_lock = true;	/* architectural cold-reset value */
}

void vcpu_arch_load(struct vcpu *v)
{
	const struct vcpu_el1 *c = &v->el1;
	struct vm *vm = v->vm;

	/* Cortex-A72 erratum 1319367: no speculative walks with a half-switched
	 * context, so Stage-1 walks stay disabled until everything is in. */
	write_sysreg(tcr_el1, c->tcr | TCR_EPD0 | TCR_EPD1);
	isb();
	write_sysreg(vtcr_el2, stage2_vtcr());
	write_sysreg(vttbr_el2, vm->vttbr);
	write_sysreg(vmpidr_el2, v->vmpidr);
	write_sysreg(cntvoff_el2, vm->cntvoff);
	write_sysreg(hcr_el2, vcpu_arch_hcr());
	write_sysreg(sctlr_el1, c->sctlr);
	write_sysreg(cpacr_el1, c->cpacr);
	write_sysreg(ttbr0_el1, c->ttbr0);
	write_sysreg(ttbr1_el1, c->ttbr1);
	write_sysreg(mair_el1, c->mair);
	write_sysreg(amair_el1, c->amair);
	write_sysreg(vbar_el1, c->vbar);
	write_sysreg(contextidr_el1, c->contextidr);
	write_sysreg(tpidr_el0, c->tpidr_el0);
	write_sysreg(tpidr_el1, c->tpidr_el1);
	write_sysreg(tpidrro_el0, c->tpidrro_el0);
	write_sysreg(esr_el1, c->esr);
	write_sysreg(far_el1, c->far);
	write_sysreg(afsr0_el1, c->afsr0);
	write_sysreg(afsr1_el1, c->afsr1);
	write_sysreg(par_el1, c->par);
	write_sysreg(cntkctl_el1, c->cntkctl);
	write_sysreg(csselr_el1, c->csselr);
	write_sysreg(sp_el0, c->sp_el0);
	write_sysreg(sp_el1, c->sp_el1);
	write_sysreg(elr_el1, c->elr);
	write_sysreg(spsr_el1, c->spsr);
	write_sysreg(cntv_cval_el0, c->cntv_cval);
	write_sysreg(cntv_ctl_el0, c->cntv_ctl);
	fpsimd_restore(&v->fp);
	isb();
	write_sysreg(tcr_el1, c->tcr);
	isb();
	v->loaded = true;
}

void vcpu_arch_save(struct vcpu *v)
{
	struct vcpu_el1 *c = &v->el1;

	c->tcr = read_sysreg(tcr_el1);
	write_sysreg(tcr_el1, c->tcr | TCR_EPD0 | TCR_EPD1);
	isb();
	c->sctlr = read_sysreg(sctlr_el1);
	c->cpacr = read_sysreg(cpacr_el1);
	c->ttbr0 = read_sysreg(ttbr0_el1);
	c->ttbr1 = read_sysreg(ttbr1_el1);
	c->mair = read_sysreg(mair_el1);
	c->amair = read_sysreg(amair_el1);
	c->vbar = read_sysreg(vbar_el1);
	c->contextidr = read_sysreg(contextidr_el1);
	c->tpidr_el0 = read_sysreg(tpidr_el0);
	c->tpidr_el1 = read_sysreg(tpidr_el1);
	c->tpidrro_el0 = read_sysreg(tpidrro_el0);
	c->esr = read_sysreg(esr_el1);
	c->far = read_sysreg(far_el1);
	c->afsr0 = read_sysreg(afsr0_el1);
	c->afsr1 = read_sysreg(afsr1_el1);
	c->par = read_sysreg(par_el1);
	c->cntkctl = read_sysreg(cntkctl_el1);
	c->csselr = read_sysreg(csselr_el1);
	c->sp_el0 = read_sysreg(sp_el0);
	c->sp_el1 = read_sysreg(sp_el1);
	c->elr = read_sysreg(elr_el1);
	c->spsr = read_sysreg(spsr_el1);
	c->cntv_cval = read_sysreg(cntv_cval_el0);
	c->cntv_ctl = read_sysreg(cntv_ctl_el0);
	/* The next vCPU must not inherit a running virtual timer. */
	write_sysreg(cntv_ctl_el0, 0);
	fpsimd_save(&v->fp);
	v->loaded = false;
}

/* Vector offset for an exception taken to EL1 from the guest's current
 * mode: current EL with SP_EL0 / SP_EL1, lower EL AArch64 / AArch32. */
static uint64_t vector_offset(uint64_t pstate)
{
	if (pstate & PSR_AARCH32)
		return 0x600;
	switch (pstate & PSR_MODE_MASK) {
	case PSR_MODE_EL0t:
		return 0x400;
	case PSR_MODE_EL1t:
		return 0x000;
	default:
		return 0x200;
	}
}

static bool from_el0(uint64_t pstate)
{
	return (pstate & PSR_AARCH32) || (pstate & PSR_MODE_MASK) == PSR_MODE_EL0t;
}

static void inject_sync(struct vcpu *v, uint64_t esr, uint64_t far, bool set_far)
{
	write_sysreg(elr_el1, v->regs.pc);
	write_sysreg(spsr_el1, v->regs.pstate);
	write_sysreg(esr_el1, esr);
	if (set_far)
		write_sysreg(far_el1, far);
	v->regs.pc = read_sysreg(vbar_el1) + vector_offset(v->regs.pstate);
	v->regs.pstate = PSR_MODE_EL1h | PSR_DAIF;
}

#define ESR_IL BIT(25)
#define FSC_SYNC_EXTERNAL 0x10

void inject_undef(struct vcpu *v)
{
	inject_sync(v, ((uint64_t)ESR_EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL, 0, false);
}

void inject_data_abort(struct vcpu *v, uint64_t far, bool write)
{
	uint64_t ec = from_el0(v->regs.pstate) ? ESR_EC_DABT_LOW : ESR_EC_DABT_CUR;

	inject_sync(v, (ec << ESR_EC_SHIFT) | ESR_IL | (write ? BIT(6) : 0) | FSC_SYNC_EXTERNAL, far,
		    true);
}

void inject_prefetch_abort(struct vcpu *v, uint64_t far)
{
	uint64_t ec = from_el0(v->regs.pstate) ? ESR_EC_IABT_LOW : ESR_EC_IABT_CUR;

	inject_sync(v, (ec << ESR_EC_SHIFT) | ESR_IL | FSC_SYNC_EXTERNAL, far, true);
}
