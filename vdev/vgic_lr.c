/* Virtual GICv2 list-register management: moves queued interrupts into the
 * GICH_LRs, folds guest progress back into distributor state, and switches
 * a vCPU's virtual CPU interface in and out. Runs on the vCPU's own core. */
#include "vdev/vgic.h"
#include "lib/check.h"

#define LR_STATE_MASK VGIC_LR_STATE_MASK
#define LR_PRIO_MASK VGIC_LR_PRIO_MASK

static unsigned lr_state(uint32_t lr)
{
	return (lr >> GICH_LR_STATE_SHIFT) & 3;
}

static unsigned lr_cpuid(uint32_t lr)
{
	return (lr >> GICH_LR_CPUID_SHIFT) & 7;
}

static unsigned lr_pirq(uint32_t lr)
{
	return (lr >> GICH_LR_PHYS_ID_SHIFT) & 0x3ff;
}

static unsigned lr_prio(uint32_t lr)
{
	return (lr >> GICH_LR_PRIO_SHIFT) & 0x1f;
}

/* A HW=0 LR whose EOI bit asks for a maintenance interrupt on deactivation;
 * on a HW=1 LR bit 19 belongs to the physical INTID instead. */
static bool lr_wants_eoi(uint32_t lr)
{
	return (lr & (GICH_LR_HW | GICH_LR_EOI)) == GICH_LR_EOI;
}

static unsigned lowest_bit(uint32_t mask)
{
	return (unsigned)__builtin_ctz(mask);
}

static struct vgic_irq *lr_irq(struct vgic *vgic, unsigned vcpu, unsigned n)
{
	uint32_t lr = vgic->cpu[vcpu].lr_shadow[n];
	struct vgic_irq *irq = vgic_irq_get(vgic, vcpu, lr & GICH_LR_VIRTUAL_ID_MASK);

	CHECK(irq && irq->lr == n && irq->lr_vcpu == vcpu);
	return irq;
}

/* Work the distributor holds for this INTID beyond what its LR carries: more
 * SGI sources, a pending that could not join the LR, a level line still high
 * (re-sampled at EOI), or another activation of the physical interrupt. */
static bool irq_more_work(const struct vgic_irq *irq)
{
	if (irq->intid < VGIC_NR_SGIS)
		return irq->sgi_sources != 0;
	return (irq->enabled && irq->latch) || (!irq->edge && irq->line) || irq->phys_owned;
}

/* Then we must hear when the guest deactivates the LR: HW=0 with EOI set. */
static bool irq_needs_eoi(const struct vgic_irq *irq)
{
	return irq_more_work(irq) || irq->lr_owes_phys;
}

static uint32_t lr_release(struct vgic *vgic, unsigned vcpu, unsigned n, struct vgic_irq *irq)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];

	vc->lr_used &= ~(1u << n);
	vc->lr_refresh &= ~(1u << n);
	vc->lr_shadow[n] = 0;
	if (irq->lr_owes_phys) {
		irq->lr_owes_phys = false;
		vgic->ops->deactivate_phys(vgic->ops_ctx, irq->hw_pirq);
	}
	irq->lr = VGIC_NONE;
	irq->lr_vcpu = VGIC_NONE;
	/* Requests aimed at this LR's state are moot once the guest finished
	 * it: its deactivation also ends an active state ISACTIVER set. */
	irq->drop_pending = 0;
	irq->drop_active = false;
	irq->add_active = false;
	irq->lr_latched = false;
	return vgic_irq_requeue(vgic, irq);
}

/* Hands a pending state that never reached the guest back to the distributor. */
static void lr_return_pending(struct vgic_irq *irq, uint32_t lr)
{
	if (irq->intid < VGIC_NR_SGIS) {
		irq->sgi_sources |= (uint8_t)(1u << lr_cpuid(lr));
	} else if ((lr & GICH_LR_HW) || irq->lr_owes_phys) {
		irq->latch = true;
		irq->phys_owned = true; /* the physical stays active for it */
		irq->lr_owes_phys = false;
	} else if (irq->edge || irq->lr_latched) {
		irq->latch = true; /* a level line needs nothing: it is still sampled */
	}
}

static void lr_place(struct vgic *vgic, unsigned vcpu, unsigned n, struct vgic_irq *irq)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	unsigned state = 0, id_field = 0;
	bool hw = false;
	uint32_t lr;

	vgic_irq_dequeue(vgic, irq);
	if (irq->active) {
		state |= GICH_LR_ACTIVE;
		irq->active = false;
	}
	if (irq->enabled && vgic_irq_dist_pending(irq)) {
		if (irq->intid < VGIC_NR_SGIS) {
			/* One source per LR: two LRs with one VirtualID would be
			 * UNPREDICTABLE, so further sources wait for the EOI. */
			id_field = lowest_bit(irq->sgi_sources);
			irq->sgi_sources &= (uint8_t)~(1u << id_field);
			state |= GICH_LR_PENDING;
		} else if (!(irq->phys_owned && (state & GICH_LR_ACTIVE))) {
			/* (HW=1 cannot be pending+active: the physical part then
			 * waits for this entry's EOI maintenance.) */
			state |= GICH_LR_PENDING;
			if (irq->phys_owned) {
				hw = true;
				id_field = irq->hw_pirq;
				irq->phys_owned = false;
			}
			irq->lr_latched = irq->latch;
			irq->latch = false;
		}
	}
	DCHECK(state != 0);
	if (hw && irq_more_work(irq)) {
		/* See lr_reconcile: a HW=1 entry could not tell us when it ends. */
		hw = false;
		id_field = 0;
		irq->lr_owes_phys = true;
	}
	lr = (irq->intid & GICH_LR_VIRTUAL_ID_MASK) | (id_field << GICH_LR_CPUID_SHIFT) |
	     ((uint32_t)(irq->priority >> 3) << GICH_LR_PRIO_SHIFT) | (state << GICH_LR_STATE_SHIFT);
	if (hw)
		lr |= GICH_LR_HW;
	else if (irq_needs_eoi(irq))
		lr |= GICH_LR_EOI;
	vgic->ops->write_lr(n, lr);
	vc->lr_shadow[n] = lr;
	vc->lr_used |= 1u << n;
	irq->lr = (uint8_t)n;
	irq->lr_vcpu = (uint8_t)vcpu;
}

/* New pending state for an interrupt already in an LR joins that LR when the
 * architecture allows; otherwise it stays in the distributor. */
static void lr_merge_pending(struct vgic_irq *irq, uint32_t lr, unsigned *state)
{
	if (irq->intid < VGIC_NR_SGIS) {
		uint8_t source = (uint8_t)(1u << lr_cpuid(lr));

		if (irq->sgi_sources & source) {
			irq->sgi_sources &= (uint8_t)~source;
			*state |= GICH_LR_PENDING;
		}
	} else if (irq->latch && !irq->phys_owned) {
		if (*state & GICH_LR_PENDING) {
			irq->latch = false; /* still unacknowledged: the edges coalesce */
			irq->lr_latched = true;
		} else if (!(lr & GICH_LR_HW) && !irq->lr_owes_phys) {
			irq->latch = false;
			irq->lr_latched = true;
			*state |= GICH_LR_PENDING;
		}
	}
}

/* Brings LR n in line with the distributor after the guest's progress and any
 * requests recorded while the LR was out of reach. */
static uint32_t lr_reconcile(struct vgic *vgic, unsigned vcpu, unsigned n)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	struct vgic_irq *irq = lr_irq(vgic, vcpu, n);
	uint32_t lr = vgic->ops->read_lr(n);
	uint32_t new_lr;
	unsigned state = lr_state(lr);
	bool hw = lr & GICH_LR_HW;

	vc->lr_refresh &= ~(1u << n);
	if (state == 0) {
		/* Rewriting retires an outstanding EOI maintenance for it. */
		if (lr_wants_eoi(lr))
			vgic->ops->write_lr(n, 0);
		return lr_release(vgic, vcpu, n, irq);
	}
	if (irq->drop_active && (state & GICH_LR_ACTIVE)) {
		state &= ~GICH_LR_ACTIVE;
		if (hw)
			vgic->ops->deactivate_phys(vgic->ops_ctx, lr_pirq(lr));
	}
	if (irq->drop_pending && (state & GICH_LR_PENDING) &&
	    (irq->intid >= VGIC_NR_SGIS || (irq->drop_pending & (1u << lr_cpuid(lr))))) {
		state &= ~GICH_LR_PENDING;
		if (hw)
			vgic->ops->deactivate_phys(vgic->ops_ctx, lr_pirq(lr));
	}
	/* ISACTIVER on an LR-held interrupt. A HW=1 entry cannot be pending
	 * and active, and its active state is the physical interrupt's: the
	 * request is dropped for it. */
	if (irq->add_active) {
		if (!hw)
			state |= GICH_LR_ACTIVE;
		irq->add_active = false;
	}
	irq->drop_active = false;
	irq->drop_pending = 0;
	/* Disabled: a not-yet-acknowledged pending state goes back to the
	 * distributor; an active one stays until the guest deactivates it. */
	if (!irq->enabled && (state & GICH_LR_PENDING)) {
		state &= ~GICH_LR_PENDING;
		lr_return_pending(irq, lr);
	}
	/* A level line that fell before the guest took the interrupt. */
	if (irq->intid >= VGIC_NR_SGIS && !hw && !irq->edge && state == GICH_LR_PENDING &&
	    !irq->line && !irq->lr_latched)
		state = 0;
	if (irq->enabled)
		lr_merge_pending(irq, lr, &state);
	/* HW=1 can be neither pending+active nor ask for EOI maintenance, so
	 * with more work queued behind it the entry becomes HW=0 + EOI and the
	 * vgic deactivates the physical interrupt itself when the guest is done
	 * (in lr_release); the queued work then follows in a fresh LR. */
	if (hw && state && irq_more_work(irq)) {
		DCHECK(lr_pirq(lr) == irq->hw_pirq);
		lr &= ~(GICH_LR_HW | (0x3ffu << GICH_LR_PHYS_ID_SHIFT));
		hw = false;
		irq->lr_owes_phys = true;
	}
	if (state == 0) {
		vgic->ops->write_lr(n, 0);
		return lr_release(vgic, vcpu, n, irq);
	}
	new_lr = lr & ~(LR_STATE_MASK | LR_PRIO_MASK);
	new_lr |= (state << GICH_LR_STATE_SHIFT) | ((uint32_t)(irq->priority >> 3) << GICH_LR_PRIO_SHIFT);
	if (!hw) {
		new_lr &= ~GICH_LR_EOI;
		if (irq_needs_eoi(irq))
			new_lr |= GICH_LR_EOI;
	}
	if (new_lr != lr)
		vgic->ops->write_lr(n, new_lr);
	vc->lr_shadow[n] = new_lr;
	return vgic_irq_requeue(vgic, irq);
}

/* Releases LRs the guest has finished: ELRSR lists the plain ones, EISR the
 * ones that asked for EOI maintenance (those are not "empty" until rewritten). */
static uint32_t lr_fold_completed(struct vgic *vgic, unsigned vcpu, bool check_eisr)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t kick = 0, done;

	if (vc->lr_used == 0)
		return 0;
	done = vgic->ops->read_elrsr0() & vc->lr_used;
	if (check_eisr)
		done |= vgic->ops->read_eisr0() & vc->lr_used;
	while (done) {
		unsigned n = lowest_bit(done);
		struct vgic_irq *irq = lr_irq(vgic, vcpu, n);

		done &= done - 1;
		if (lr_wants_eoi(vc->lr_shadow[n]))
			vgic->ops->write_lr(n, 0);
		kick |= lr_release(vgic, vcpu, n, irq);
	}
	return kick;
}

static bool any_eoi_lr(const struct vgic_cpu *vc)
{
	for (uint32_t used = vc->lr_used; used; used &= used - 1) {
		if (lr_wants_eoi(vc->lr_shadow[lowest_bit(used)]))
			return true;
	}
	return false;
}

/* Frees an LR for an interrupt of priority field prio: evicts the lowest-
 * priority entry that is still only pending (an active one must stay for its
 * deactivation). Shadows may predate a guest acknowledge, so candidates are
 * re-read. Returns the freed LR or -1. */
static int lr_make_room(struct vgic *vgic, unsigned vcpu, unsigned prio, uint32_t *kick)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t tried = 0;

	for (;;) {
		int victim = -1;
		unsigned victim_prio = prio;
		uint32_t lr;

		for (uint32_t m = vc->lr_used & ~tried; m; m &= m - 1) {
			unsigned n = lowest_bit(m);
			uint32_t shadow = vc->lr_shadow[n];

			if ((lr_state(shadow) & GICH_LR_PENDING) && lr_prio(shadow) > victim_prio) {
				victim = (int)n;
				victim_prio = lr_prio(shadow);
			}
		}
		if (victim < 0)
			return -1;
		tried |= 1u << victim;
		lr = vgic->ops->read_lr((unsigned)victim);
		if (lr_state(lr) == GICH_LR_PENDING || lr_state(lr) == 0) {
			struct vgic_irq *irq = lr_irq(vgic, vcpu, (unsigned)victim);

			if (lr_state(lr) == GICH_LR_PENDING)
				lr_return_pending(irq, lr);
			vgic->ops->write_lr((unsigned)victim, 0);
			*kick |= lr_release(vgic, vcpu, (unsigned)victim, irq);
			return victim;
		}
		vc->lr_shadow[victim] = lr;
	}
}

/* Leaves either an empty queue or every LR valid, so the underflow
 * interrupt (<= 1 valid LR) cannot fire before the guest makes progress. */
uint32_t vgic_lr_refill_locked(struct vgic *vgic, unsigned vcpu, bool check_eisr)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t all = (1u << vgic->num_lrs) - 1;
	uint32_t kick, hcr = GICH_HCR_EN;
	int intid;

	kick = lr_fold_completed(vgic, vcpu, check_eisr || any_eoi_lr(vc));
	for (uint32_t m = vc->lr_refresh & vc->lr_used; m; m &= m - 1)
		kick |= lr_reconcile(vgic, vcpu, lowest_bit(m));
	vc->lr_refresh = 0;
	while (vgic->enabled && (intid = vgic_queue_first(&vc->queue)) >= 0) {
		struct vgic_irq *irq = vgic_irq_get(vgic, vcpu, (unsigned)intid);
		uint32_t free = all & ~vc->lr_used;
		int n = free ? (int)lowest_bit(free) : lr_make_room(vgic, vcpu, irq->priority >> 3, &kick);

		if (n < 0) {
			hcr |= GICH_HCR_UIE;
			break;
		}
		lr_place(vgic, vcpu, (unsigned)n, irq);
	}
	DCHECK(!(hcr & GICH_HCR_UIE) || vc->lr_used == all);
	if (hcr != vc->hcr) {
		vc->hcr = hcr;
		vgic->ops->write_hcr(hcr);
	}
	return kick;
}

/* First use, or after its last entry was folded: a free LR, under the lock. */
static bool inject_hw_fast_place(struct vgic *vgic, unsigned vcpu, struct vgic_irq *irq)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t free;
	bool done = false;

	spin_lock(&vgic->lock);
	free = ((1u << vgic->num_lrs) - 1) & ~vc->lr_used;
	if (irq->lr == VGIC_NONE && vgic_irq_idle(irq) && vgic->enabled && irq->enabled &&
	    !vc->queue.bucket_mask && free) {
		irq->hw_pirq = irq->intid;
		irq->latch = true;
		irq->phys_owned = true;
		lr_place(vgic, vcpu, lowest_bit(free), irq);
		done = true;
	}
	spin_unlock(&vgic->lock);
	return done;
}

/*
 * vgic_inject_hw(vgic, vcpu, intid, intid) for a PPI of the vCPU loaded on
 * this core (the virtual timer), done at once instead of through a kick and
 * the exit's slow path. It covers the steady state only: the interrupt is
 * idle, nothing waits in the vCPU's queue (no ordering decision to make), and
 * either an LR is free or the interrupt's own finished HW=1 entry can be
 * reused (vgic_hw_fast_reuse, which the IRQ exit calls itself first).
 * Returns false, having changed nothing, when vgic_inject_hw must do it.
 *
 * Reuse needs no lock: the PPI's state changes only on this core (its GICD
 * registers are banked, and its vCPU is the one running here), and so does
 * the LR holding it (other cores flag only LRs that hold SPIs). That entry
 * must be finished (ELRSR): a HW=1 LR keeps the physical PPI active until the
 * guest deactivates it, so when the PPI fires again the guest has done so.
 * The queue and the enable bit are only peeked, as vgic_flush_lrs does:
 * whoever changes them concurrently also kicks this vCPU, whose slow path
 * sorts it out.
 */
bool vgic_inject_hw_fast(struct vgic *vgic, unsigned vcpu, unsigned intid)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	struct vgic_irq *irq = &vc->private_irqs[intid];
	uint32_t lr;
	int n;

	DCHECK(vcpu < vgic->nr_vcpus && intid >= VGIC_NR_SGIS && intid < VGIC_NR_PRIVATE);
	DCHECK(vc->loaded);
	if (irq->lr == VGIC_NONE)
		return inject_hw_fast_place(vgic, vcpu, irq);
	n = vgic_hw_fast_reuse(vc, intid, vgic->ops->read_elrsr0(), &lr);
	if (n < 0)
		return false;
	vgic->ops->write_lr((unsigned)n, lr);
	return true;
}

/*
 * A GICD_SGIR write that targets only the writer, whose own LR for that SGI
 * is finished (ELRSR) and holds nothing more, with nothing queued ahead of
 * it: the SGI goes back into that LR, pending from this source, with no
 * requeue and no refill. The general path would get the same result (the
 * queue holds only this SGI, which then takes an LR); this skips folding
 * the LR into the distributor and back. Called with the lock held, on the
 * writer's core while it is loaded. False, with nothing changed, otherwise.
 */
bool vgic_sgi_self_fast(struct vgic *vgic, unsigned vcpu, unsigned sgi)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	struct vgic_irq *irq = &vc->private_irqs[sgi];
	unsigned n = irq->lr;
	uint32_t lr;

	if (n >= VGIC_MAX_LRS || !vgic->enabled || irq->sgi_sources || !vgic_irq_idle(irq) ||
	    vc->queue.bucket_mask || (vc->lr_refresh & (1u << n)))
		return false;
	/* HW=0 without EOI: an LR that asked for EOI maintenance is not in
	 * ELRSR, and its end must go through the fold. */
	if ((vc->lr_shadow[n] & (GICH_LR_HW | GICH_LR_EOI)) ||
	    !((vgic->ops->read_elrsr0() >> n) & 1))
		return false;
	lr = sgi | (vcpu << GICH_LR_CPUID_SHIFT) |
	     ((uint32_t)(irq->priority >> 3) << GICH_LR_PRIO_SHIFT) |
	     (GICH_LR_PENDING << GICH_LR_STATE_SHIFT);
	vgic->ops->write_lr(n, lr);
	vc->lr_shadow[n] = lr;
	return true;
}

void vgic_flush_lrs(struct vgic *vgic, unsigned vcpu)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t kick;

	CHECK(vcpu < vgic->nr_vcpus);

	/* Unlocked peek: an injection racing past this check kicks the vCPU,
	 * which brings it back here before the interrupt can be missed. */
	if (!__atomic_load_n(&vc->queue.bucket_mask, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&vc->lr_refresh, __ATOMIC_ACQUIRE))
		return;
	spin_lock(&vgic->lock);
	kick = vgic_lr_refill_locked(vgic, vcpu, false);
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick & ~(1u << vcpu));
}

/* The maintenance interrupt is level-sensitive: returning from here must
 * leave no EISR bit and no underflow condition behind. */
void vgic_maintenance(struct vgic *vgic, unsigned vcpu)
{
	uint32_t kick;

	CHECK(vcpu < vgic->nr_vcpus);

	spin_lock(&vgic->lock);
	kick = vgic_lr_refill_locked(vgic, vcpu, vgic->ops->read_misr() & GICH_MISR_EOI);
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick & ~(1u << vcpu));
}

uint32_t vgic_lr_sync_locked(struct vgic *vgic, unsigned vcpu)
{
	uint32_t kick = 0;

	for (uint32_t m = vgic->cpu[vcpu].lr_used; m; m &= m - 1)
		kick |= lr_reconcile(vgic, vcpu, lowest_bit(m));
	return kick;
}

void vgic_sync_lrs(struct vgic *vgic, unsigned vcpu)
{
	uint32_t kick;

	CHECK(vcpu < vgic->nr_vcpus);

	spin_lock(&vgic->lock);
	kick = vgic_lr_sync_locked(vgic, vcpu);
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick & ~(1u << vcpu));
}

/* LR contents survive in the context (and the vgic's shadow): an active
 * interrupt must come back so the guest can still deactivate it. */
void vgic_vcpu_save(struct vgic *vgic, unsigned vcpu, struct vgic_cpu_hw_ctx *ctx)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	uint32_t kick;

	CHECK(vcpu < vgic->nr_vcpus);

	spin_lock(&vgic->lock);
	kick = vgic_lr_sync_locked(vgic, vcpu);
	ctx->vmcr = vgic->ops->read_vmcr();
	ctx->apr = vgic->ops->read_apr();
	ctx->hcr = vgic->ops->read_hcr();
	for (unsigned n = 0; n < VGIC_MAX_LRS; n++) {
		ctx->lr[n] = (vc->lr_used & (1u << n)) ? vc->lr_shadow[n] : 0;
		if (n < vgic->num_lrs)
			vgic->ops->write_lr(n, 0);
	}
	/* Disabled, so stale state raises no maintenance interrupt on a core
	 * that now runs something else. */
	vgic->ops->write_hcr(0);
	vc->loaded = false;
	ctx->generation = vgic->generation;
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
}

void vgic_vcpu_restore(struct vgic *vgic, unsigned vcpu, const struct vgic_cpu_hw_ctx *ctx)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	bool fresh = ctx->generation != vgic->generation;

	CHECK(vcpu < vgic->nr_vcpus);

	spin_lock(&vgic->lock);
	/* A context from before vgic_reset (or never saved) restores as a
	 * freshly reset CPU interface. */
	CHECK(!fresh || vc->lr_used == 0);
	vgic->ops->write_vmcr(fresh ? 0 : ctx->vmcr);
	vgic->ops->write_apr(fresh ? 0 : ctx->apr);
	for (unsigned n = 0; n < vgic->num_lrs; n++) {
		uint32_t lr = (vc->lr_used & (1u << n)) ? ctx->lr[n] : 0;

		DCHECK(lr == vc->lr_shadow[n]);
		vgic->ops->write_lr(n, lr);
	}
	vgic->ops->write_hcr(vc->hcr);
	vc->loaded = true;
	spin_unlock(&vgic->lock);
}

bool vgic_vcpu_has_pending(struct vgic *vgic, unsigned vcpu)
{
	struct vgic_cpu *vc = &vgic->cpu[vcpu];
	bool pending;

	spin_lock(&vgic->lock);
	pending = vgic->enabled && vc->queue.bucket_mask != 0;
	for (uint32_t m = vc->lr_used; m && !pending; m &= m - 1)
		pending = lr_state(vc->lr_shadow[lowest_bit(m)]) & GICH_LR_PENDING;
	spin_unlock(&vgic->lock);
	return pending;
}
