/* Virtual GICv2 distributor: per-interrupt state, the per-vCPU priority queues,
 * injection from devices, and emulation of the guest's trapped GICD accesses. */
#include "vdev/vgic.h"
#include "lib/check.h"
#include "lib/string.h"

_Static_assert(VGIC_MAX_IRQS % 32 == 0 && VGIC_MAX_IRQS / 32 <= 32,
	       "queue word masks are 32 bits");
_Static_assert(VGIC_MAX_VCPUS <= 8 && VGIC_MAX_LRS <= 32, "masks are bytes/words");

#define ID_REGS_START 0xfd0u

static bool is_sgi(unsigned intid)
{
	return intid < VGIC_NR_SGIS;
}

static uint32_t vcpu_mask(const struct vgic *vgic)
{
	return (1u << vgic->nr_vcpus) - 1;
}

static unsigned lowest_bit(uint32_t mask)
{
	return (unsigned)__builtin_ctz(mask);
}

/* ---- Priority queue ---------------------------------------------------- */

static void queue_insert(struct vgic_queue *q, unsigned intid, unsigned bucket)
{
	unsigned word = intid / 32;

	q->bits[bucket][word] |= 1u << (intid % 32);
	q->word_mask[bucket] |= 1u << word;
	q->bucket_mask |= 1u << bucket;
}

static void queue_remove(struct vgic_queue *q, unsigned intid, unsigned bucket)
{
	unsigned word = intid / 32;

	q->bits[bucket][word] &= ~(1u << (intid % 32));
	if (q->bits[bucket][word] == 0) {
		q->word_mask[bucket] &= ~(1u << word);
		if (q->word_mask[bucket] == 0)
			q->bucket_mask &= ~(1u << bucket);
	}
}

/* Highest priority first; equal priorities go lowest INTID first, as the
 * physical GIC-400 arbitrates them. */
int vgic_queue_first(const struct vgic_queue *q)
{
	unsigned bucket, word;

	if (q->bucket_mask == 0)
		return -1;
	bucket = lowest_bit(q->bucket_mask);
	word = lowest_bit(q->word_mask[bucket]);
	return (int)(word * 32 + lowest_bit(q->bits[bucket][word]));
}

/* ---- Interrupt state --------------------------------------------------- */

struct vgic_irq *vgic_irq_get(struct vgic *vgic, unsigned vcpu, unsigned intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return vcpu < vgic->nr_vcpus ? &vgic->cpu[vcpu].private_irqs[intid] : NULL;
	if (intid < vgic->nr_irqs)
		return &vgic->spis[intid - VGIC_NR_PRIVATE];
	return NULL;
}

bool vgic_irq_dist_pending(const struct vgic_irq *irq)
{
	if (is_sgi(irq->intid))
		return irq->sgi_sources != 0;
	return irq->latch || (!irq->edge && irq->line);
}

/* GICv2 1-of-N delivery: an SPI with several targets goes to the lowest-
 * numbered one, which keeps delivery deterministic and needs no balancing. */
static unsigned irq_target(const struct vgic_irq *irq)
{
	if (irq->owner != VGIC_NONE)
		return irq->owner;
	return irq->targets ? lowest_bit(irq->targets) : VGIC_NONE;
}

void vgic_irq_dequeue(struct vgic *vgic, struct vgic_irq *irq)
{
	if (irq->queued_vcpu == VGIC_NONE)
		return;
	queue_remove(&vgic->cpu[irq->queued_vcpu].queue, irq->intid, irq->queued_bucket);
	irq->queued_vcpu = VGIC_NONE;
}

/* An interrupt waits in its target's queue exactly while it needs an LR and
 * has none: pending and enabled, or active (so the guest can deactivate it). */
uint32_t vgic_irq_requeue(struct vgic *vgic, struct vgic_irq *irq)
{
	unsigned target = VGIC_NONE;
	unsigned bucket = irq->priority >> 3;
	bool was_on_target;

	if (irq->lr == VGIC_NONE &&
	    ((irq->enabled && vgic_irq_dist_pending(irq)) || irq->active))
		target = irq_target(irq);
	if (irq->queued_vcpu == target && (target == VGIC_NONE || irq->queued_bucket == bucket))
		return 0;
	was_on_target = irq->queued_vcpu == target;
	vgic_irq_dequeue(vgic, irq);
	if (target == VGIC_NONE)
		return 0;
	queue_insert(&vgic->cpu[target].queue, irq->intid, bucket);
	irq->queued_vcpu = (uint8_t)target;
	irq->queued_bucket = (uint8_t)bucket;
	return (!was_on_target && vgic->enabled) ? 1u << target : 0;
}

/* After any change to an interrupt: requeue it, and if an LR holds it let the
 * owning vCPU's next flush reconcile that LR (only that core can touch it). */
static uint32_t irq_changed(struct vgic *vgic, struct vgic_irq *irq)
{
	uint32_t kick = 0;

	/* The owning vCPU must reconcile that LR soon whatever changed: a
	 * disable or clear must withdraw what the hardware still offers. */
	if (irq->lr != VGIC_NONE) {
		vgic->cpu[irq->lr_vcpu].lr_refresh |= 1u << irq->lr;
		kick = 1u << irq->lr_vcpu;
	}
	return kick | vgic_irq_requeue(vgic, irq);
}

void vgic_send_kicks(struct vgic *vgic, uint32_t mask)
{
	while (mask) {
		unsigned vcpu = lowest_bit(mask);

		mask &= mask - 1;
		vgic->ops->kick(vgic->ops_ctx, vcpu);
	}
}

/* ---- Setup -------------------------------------------------------------- */

static void irq_reset(struct vgic_irq *irq, unsigned intid, unsigned owner)
{
	memset(irq, 0, sizeof(*irq));
	irq->intid = (uint16_t)intid;
	irq->owner = (uint8_t)owner;
	irq->lr = VGIC_NONE;
	irq->lr_vcpu = VGIC_NONE;
	irq->queued_vcpu = VGIC_NONE;
	/* GIC-400: SGIs are permanently enabled and edge-triggered; PPIs and
	 * SPIs reset disabled and level-sensitive. */
	irq->enabled = is_sgi(intid);
	irq->edge = is_sgi(intid);
}

static void reset_state(struct vgic *vgic)
{
	vgic->enabled = false;
	for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
		struct vgic_cpu *vc = &vgic->cpu[v];

		memset(vc, 0, sizeof(*vc));
		vc->vgic = vgic;
		vc->hcr = GICH_HCR_EN;
		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			irq_reset(&vc->private_irqs[i], i, v);
	}
	for (unsigned i = VGIC_NR_PRIVATE; i < vgic->nr_irqs; i++)
		irq_reset(&vgic->spis[i - VGIC_NR_PRIVATE], i, VGIC_NONE);
}

static bool ops_complete(const struct vgic_hw_ops *ops)
{
	return ops && ops->read_lr && ops->write_lr && ops->read_elrsr0 && ops->read_eisr0 &&
	       ops->read_misr && ops->read_hcr && ops->write_hcr && ops->read_vmcr &&
	       ops->write_vmcr && ops->read_apr && ops->write_apr && ops->deactivate_phys &&
	       ops->kick;
}

bool vgic_init(struct vgic *vgic, unsigned nr_vcpus, unsigned nr_irqs, unsigned num_lrs,
	       const struct vgic_hw_ops *ops, void *ops_ctx)
{
	/* One LR is not enough: the underflow interrupt (<= 1 valid LR) would
	 * then fire continuously whenever work is queued. */
	if (!vgic || !ops_complete(ops) || nr_vcpus == 0 || nr_vcpus > VGIC_MAX_VCPUS ||
	    nr_irqs < VGIC_NR_PRIVATE || nr_irqs > VGIC_MAX_IRQS || nr_irqs % 32 != 0 ||
	    num_lrs < 2)
		return false;
	memset(vgic, 0, sizeof(*vgic));
	vgic->ops = ops;
	vgic->ops_ctx = ops_ctx;
	vgic->nr_vcpus = nr_vcpus;
	vgic->nr_irqs = nr_irqs;
	vgic->num_lrs = MIN(num_lrs, VGIC_MAX_LRS);
	vgic->generation = 1;
	reset_state(vgic);
	return true;
}

/* Releases every physical interrupt held on the guest's behalf, since after
 * the reset nobody would ever deactivate it and it could never fire again. */
void vgic_reset(struct vgic *vgic)
{
	unsigned total = vgic->nr_vcpus * VGIC_NR_PRIVATE + vgic->nr_irqs - VGIC_NR_PRIVATE;

	spin_lock(&vgic->lock);
	for (unsigned i = 0; i < total; i++) {
		struct vgic_irq *irq = i < vgic->nr_vcpus * VGIC_NR_PRIVATE ?
			&vgic->cpu[i / VGIC_NR_PRIVATE].private_irqs[i % VGIC_NR_PRIVATE] :
			&vgic->spis[i - vgic->nr_vcpus * VGIC_NR_PRIVATE];
		uint32_t lr = irq->lr != VGIC_NONE ? vgic->cpu[irq->lr_vcpu].lr_shadow[irq->lr] : 0;

		if (lr & GICH_LR_HW)
			vgic->ops->deactivate_phys(vgic->ops_ctx, (lr >> GICH_LR_PHYS_ID_SHIFT) & 0x3ff);
		if (irq->phys_owned || (irq->lr != VGIC_NONE && irq->lr_owes_phys))
			vgic->ops->deactivate_phys(vgic->ops_ctx, irq->hw_pirq);
	}
	vgic->generation++;
	reset_state(vgic);
	spin_unlock(&vgic->lock);
}

/* ---- Injection ---------------------------------------------------------- */

static struct vgic_irq *injectable(struct vgic *vgic, unsigned vcpu, unsigned intid)
{
	if (is_sgi(intid))
		return NULL;
	return vgic_irq_get(vgic, vcpu, intid);
}

/* Injection cannot know which vCPU the calling core runs, so every vCPU that
 * gains work is kicked; the lead ignores a kick for its own loaded vCPU. */
void vgic_set_level(struct vgic *vgic, unsigned vcpu, unsigned intid, bool level)
{
	uint32_t kick = 0;
	struct vgic_irq *irq;

	spin_lock(&vgic->lock);
	irq = injectable(vgic, vcpu, intid);
	if (irq && irq->line != level) {
		/* An edge-configured line latches on its rising edge only. */
		if (irq->edge && level)
			irq->latch = true;
		irq->line = level;
		kick = irq_changed(vgic, irq);
	}
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
}

void vgic_inject_edge(struct vgic *vgic, unsigned vcpu, unsigned intid)
{
	uint32_t kick = 0;
	struct vgic_irq *irq;

	spin_lock(&vgic->lock);
	irq = injectable(vgic, vcpu, intid);
	if (irq) {
		irq->latch = true;
		kick = irq_changed(vgic, irq);
	}
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
}

/* The caller has acknowledged pirq physically and leaves it active: the
 * guest's deactivation of virq (HW=1 LR) deactivates it in hardware. */
void vgic_inject_hw(struct vgic *vgic, unsigned vcpu, unsigned virq, unsigned pirq)
{
	uint32_t kick = 0;
	struct vgic_irq *irq;

	if (pirq < VGIC_NR_SGIS || pirq > 1019)
		return;
	spin_lock(&vgic->lock);
	irq = injectable(vgic, vcpu, virq);
	if (irq) {
		irq->hw_pirq = (uint16_t)pirq;
		irq->latch = true;
		irq->phys_owned = true;
		kick = irq_changed(vgic, irq);
	}
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
}

/* ---- Distributor: byte-field registers ---------------------------------- */

static bool in_range(uint32_t off, uint32_t base, uint32_t len)
{
	return off >= base && off - base < len;
}

static uint8_t sgi_pending_sources(struct vgic *vgic, unsigned vcpu, unsigned sgi)
{
	struct vgic_irq *irq = &vgic->cpu[vcpu].private_irqs[sgi];
	uint8_t sources = irq->sgi_sources;

	if (irq->lr != VGIC_NONE) {
		uint32_t lr = vgic->cpu[irq->lr_vcpu].lr_shadow[irq->lr];

		if ((lr >> GICH_LR_STATE_SHIFT) & GICH_LR_PENDING)
			sources |= (uint8_t)(1u << ((lr >> GICH_LR_CPUID_SHIFT) & 7));
	}
	return sources;
}

static uint8_t read_byte_field(struct vgic *vgic, unsigned vcpu, uint32_t off)
{
	struct vgic_irq *irq;

	if (in_range(off, GICD_IPRIORITYR, 0x400)) {
		irq = vgic_irq_get(vgic, vcpu, off - GICD_IPRIORITYR);
		return irq ? irq->priority : 0;
	}
	if (in_range(off, GICD_ITARGETSR, 0x400)) {
		/* Banked, read-only: each byte names the reading CPU interface,
		 * which is how Linux learns its own interface number. */
		if (off - GICD_ITARGETSR < VGIC_NR_PRIVATE)
			return (uint8_t)(1u << vcpu);
		irq = vgic_irq_get(vgic, vcpu, off - GICD_ITARGETSR);
		return irq ? irq->targets : 0;
	}
	return sgi_pending_sources(vgic, vcpu, off & 0xf);
}

static uint32_t write_byte_field(struct vgic *vgic, unsigned vcpu, uint32_t off, uint8_t val)
{
	struct vgic_irq *irq;

	if (in_range(off, GICD_IPRIORITYR, 0x400)) {
		irq = vgic_irq_get(vgic, vcpu, off - GICD_IPRIORITYR);
		if (!irq || irq->priority == (val & VGIC_PRIO_MASK))
			return 0;
		irq->priority = val & VGIC_PRIO_MASK;
		return irq_changed(vgic, irq);
	}
	if (in_range(off, GICD_ITARGETSR, 0x400)) {
		irq = vgic_irq_get(vgic, vcpu, off - GICD_ITARGETSR);
		if (!irq || irq->owner != VGIC_NONE || irq->targets == (val & vcpu_mask(vgic)))
			return 0;
		irq->targets = (uint8_t)(val & vcpu_mask(vgic));
		return irq_changed(vgic, irq);
	}
	irq = &vgic->cpu[vcpu].private_irqs[off & 0xf];
	val &= (uint8_t)vcpu_mask(vgic);
	if (val == 0)
		return 0;
	if (off < GICD_SPENDSGIR) {
		irq->sgi_sources &= (uint8_t)~val;
		if (irq->lr != VGIC_NONE)
			irq->drop_pending |= val;
	} else {
		irq->sgi_sources |= val;
	}
	return irq_changed(vgic, irq);
}

/* ---- Distributor: one-bit-per-interrupt registers ----------------------- */

enum irq_bit { BIT_ENABLED, BIT_PENDING, BIT_ACTIVE };

/* An SPI held in another running vCPU's LR reads as of that vCPU's last
 * exit. Guests poll these bits (Linux's synchronize_irq waits on ISACTIVER),
 * so ask that vCPU to exit and refresh the LR: the next poll is exact. */
/* For a 32-interrupt register whose first INTID is below nr_irqs: nr_irqs is
 * a multiple of 32 (vgic_init), so every INTID of it exists. */
static struct vgic_irq *irq_in_register(struct vgic *vgic, unsigned vcpu, unsigned intid)
{
	struct vgic_irq *irq = vgic_irq_get(vgic, vcpu, intid);

	CHECK(irq != NULL);
	return irq;
}

static unsigned held_lr_state(struct vgic *vgic, unsigned vcpu, struct vgic_irq *irq,
			      uint32_t *kick)
{
	struct vgic_cpu *holder;
	unsigned state;

	if (irq->lr == VGIC_NONE)
		return 0;
	holder = &vgic->cpu[irq->lr_vcpu];
	state = (holder->lr_shadow[irq->lr] >> GICH_LR_STATE_SHIFT) & 3;
	if (state && irq->lr_vcpu != vcpu && holder->loaded) {
		holder->lr_refresh |= 1u << irq->lr;
		*kick |= 1u << irq->lr_vcpu;
	}
	return state;
}

static uint32_t read_bits(struct vgic *vgic, unsigned vcpu, unsigned first, enum irq_bit kind,
			  uint32_t *kick)
{
	uint32_t val = 0;

	if (first >= vgic->nr_irqs)
		return 0;
	for (unsigned i = 0; i < 32; i++) {
		struct vgic_irq *irq = irq_in_register(vgic, vcpu, first + i);
		unsigned lr_state = 0;
		bool set;

		if (kind != BIT_ENABLED)
			lr_state = held_lr_state(vgic, vcpu, irq, kick);
		if (kind == BIT_ENABLED)
			set = irq->enabled;
		else if (kind == BIT_PENDING)
			set = vgic_irq_dist_pending(irq) || (lr_state & GICH_LR_PENDING);
		else
			set = irq->active || (lr_state & GICH_LR_ACTIVE);
		if (set)
			val |= 1u << i;
	}
	return val;
}

static void clear_pending(struct vgic *vgic, struct vgic_irq *irq)
{
	irq->latch = false;
	/* The physical interrupt was taken for this pending state only. */
	if (irq->phys_owned) {
		irq->phys_owned = false;
		vgic->ops->deactivate_phys(vgic->ops_ctx, irq->hw_pirq);
	}
	if (irq->lr != VGIC_NONE)
		irq->drop_pending = 1;
}

/* Work is proportional to the bits set in val, never a full rescan. */
static uint32_t write_bits(struct vgic *vgic, unsigned vcpu, uint32_t reg, unsigned first,
			   uint32_t val)
{
	uint32_t kick = 0;

	if (first >= vgic->nr_irqs)
		return 0;
	while (val) {
		struct vgic_irq *irq = irq_in_register(vgic, vcpu, first + lowest_bit(val));

		val &= val - 1;
		/* SGIs: enable is permanent, pending goes through S/CPENDSGIR,
		 * and set-active would need a source; only ICACTIVER applies. */
		if (is_sgi(irq->intid) && reg != GICD_ICACTIVER)
			continue;
		switch (reg) {
		case GICD_ISENABLER:
			if (irq->enabled)
				continue;
			irq->enabled = true;
			break;
		case GICD_ICENABLER:
			if (!irq->enabled)
				continue;
			irq->enabled = false;
			break;
		case GICD_ISPENDR:
			irq->latch = true;
			break;
		case GICD_ICPENDR:
			clear_pending(vgic, irq);
			break;
		case GICD_ISACTIVER:
			if (irq->active)
				continue;
			/* An LR-held interrupt gets the active state at the owner's
			 * next reconcile (unless it is HW-linked); otherwise it
			 * lives in the distributor. */
			if (irq->lr != VGIC_NONE)
				irq->add_active = true;
			else
				irq->active = true;
			break;
		default: /* GICD_ICACTIVER */
			irq->active = false;
			if (irq->lr != VGIC_NONE)
				irq->drop_active = true;
			break;
		}
		kick |= irq_changed(vgic, irq);
	}
	return kick;
}

/* ---- Distributor: configuration, SGIR, identification ------------------- */

static uint32_t read_icfgr(struct vgic *vgic, unsigned vcpu, unsigned reg)
{
	uint32_t val = 0;

	if (reg * 16 >= vgic->nr_irqs)
		return 0;
	for (unsigned i = 0; i < 16; i++) {
		if (vgic_irq_get(vgic, vcpu, reg * 16 + i)->edge)
			val |= 2u << (2 * i);
	}
	return val;
}

/* Only SPIs are configurable: SGIs are always edge, PPIs fixed at level. */
static uint32_t write_icfgr(struct vgic *vgic, unsigned reg, uint32_t val)
{
	uint32_t kick = 0;

	if (reg < 2 || reg * 16 >= vgic->nr_irqs)
		return 0;
	for (unsigned i = 0; i < 16; i++) {
		struct vgic_irq *irq = vgic_irq_get(vgic, 0, reg * 16 + i);
		bool edge = (val >> (2 * i + 1)) & 1;

		if (irq->edge != edge) {
			irq->edge = edge;
			kick |= irq_changed(vgic, irq);
		}
	}
	return kick;
}

static uint32_t write_sgir(struct vgic *vgic, unsigned vcpu, uint32_t val)
{
	unsigned sgi = val & 0xf;
	uint32_t targets, kick = 0;

	switch ((val >> 24) & 3) {
	case 0:
		targets = (val >> 16) & 0xff;
		break;
	case 1:
		targets = ~(1u << vcpu);
		break;
	case 2:
		targets = 1u << vcpu;
		break;
	default:
		return 0;
	}
	targets &= vcpu_mask(vgic);
	while (targets) {
		unsigned target = lowest_bit(targets);
		struct vgic_irq *irq = &vgic->cpu[target].private_irqs[sgi];

		targets &= targets - 1;
		irq->sgi_sources |= (uint8_t)(1u << vcpu);
		kick |= irq_changed(vgic, irq);
	}
	return kick;
}

/* PIDR4..7, PIDR0..3, CIDR0..3 of a GIC-400: part 0x490, Arm JEP106, ArchRev 2. */
static const uint8_t id_regs[12] = { 0x04, 0x00, 0x00, 0x00, 0x90, 0xb4,
				     0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static uint32_t write_ctlr(struct vgic *vgic, uint32_t val)
{
	uint32_t kick = 0;
	bool enable = val & 1;

	/* Queued work that could not be delivered becomes deliverable now. */
	if (enable && !vgic->enabled) {
		for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
			if (vgic->cpu[v].queue.bucket_mask)
				kick |= 1u << v;
		}
	}
	vgic->enabled = enable;
	return kick;
}

/* ---- Distributor: dispatch ---------------------------------------------- */

static bool is_byte_field(uint32_t off)
{
	return in_range(off, GICD_IPRIORITYR, 0x800) || in_range(off, GICD_CPENDSGIR, 0x20);
}

static bool access_allowed(uint32_t off, unsigned size)
{
	if (size == 4)
		return (off & 3) == 0;
	return size == 1 && is_byte_field(off);
}

static uint32_t read_word(struct vgic *vgic, unsigned vcpu, uint32_t off, uint32_t *kick)
{
	uint32_t val = 0;

	if (off == GICD_CTLR)
		return vgic->enabled;
	if (off == GICD_TYPER)
		return (vgic->nr_irqs / 32 - 1) | ((vgic->nr_vcpus - 1) << 5);
	if (off == GICD_IIDR)
		return VGIC_IIDR;
	if (in_range(off, GICD_ISENABLER, 0x100))
		return read_bits(vgic, vcpu, ((off & 0x7f) / 4) * 32, BIT_ENABLED, kick);
	if (in_range(off, GICD_ISPENDR, 0x100))
		return read_bits(vgic, vcpu, ((off & 0x7f) / 4) * 32, BIT_PENDING, kick);
	if (in_range(off, GICD_ISACTIVER, 0x100))
		return read_bits(vgic, vcpu, ((off & 0x7f) / 4) * 32, BIT_ACTIVE, kick);
	if (is_byte_field(off)) {
		for (unsigned i = 0; i < 4; i++)
			val |= (uint32_t)read_byte_field(vgic, vcpu, off + i) << (8 * i);
		return val;
	}
	if (in_range(off, GICD_ICFGR, 0x100))
		return read_icfgr(vgic, vcpu, (off - GICD_ICFGR) / 4);
	if (in_range(off, ID_REGS_START, GICD_SIZE - ID_REGS_START))
		return id_regs[(off - ID_REGS_START) / 4];
	/* IGROUPR (all Group 0), NSACR, write-only SGIR, reserved space. */
	return 0;
}

static uint32_t write_word(struct vgic *vgic, unsigned vcpu, uint32_t off, uint32_t val)
{
	uint32_t kick = 0;

	/* SGIR first: an SMP guest writes it for every IPI. */
	if (off == GICD_SGIR)
		return write_sgir(vgic, vcpu, val);
	if (off == GICD_CTLR)
		return write_ctlr(vgic, val);
	if (in_range(off, GICD_ISENABLER, 0x300))
		return write_bits(vgic, vcpu, off & ~0x7fu, ((off & 0x7f) / 4) * 32, val);
	if (is_byte_field(off)) {
		for (unsigned i = 0; i < 4; i++)
			kick |= write_byte_field(vgic, vcpu, off + i, (uint8_t)(val >> (8 * i)));
		return kick;
	}
	if (in_range(off, GICD_ICFGR, 0x100))
		return write_icfgr(vgic, (off - GICD_ICFGR) / 4, val);
	return 0;
}

/* State registers reflect LRs; the caller's LRs are live on this core. */
static bool reads_lr_state(uint32_t off)
{
	return in_range(off, GICD_ISPENDR, 0x200) || in_range(off, GICD_CPENDSGIR, 0x20);
}

bool vgic_dist_read(struct vgic *vgic, unsigned vcpu, uint32_t offset, unsigned size, uint32_t *val)
{
	uint32_t kick = 0;

	*val = 0;
	CHECK(vcpu < vgic->nr_vcpus);
	if (!access_allowed(offset, size))
		return false;
	spin_lock(&vgic->lock);
	if (reads_lr_state(offset))
		kick = vgic_lr_sync_locked(vgic, vcpu);
	*val = size == 1 ? read_byte_field(vgic, vcpu, offset) : read_word(vgic, vcpu, offset, &kick);
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
	return true;
}

/* A write to the set/clear-enable, -pending or -active registers changes
 * only the interrupts whose bits are 1, and SGI bits are WI in all but
 * ICACTIVER0: without such bits there is nothing to lock for. (Linux's GIC
 * driver enables its SGIs with such a write to ISENABLER0 on every CPU.) */
static bool bits_write_is_noop(uint32_t off, uint32_t val)
{
	if (!in_range(off, GICD_ISENABLER, 0x300))
		return false;
	if ((off & 0x7f) == 0 && (off & ~0x7fu) != GICD_ICACTIVER)
		val &= ~0xffffu;
	return val == 0;
}

/* GICD_SGIR aimed at the writer alone: filter "self", or a list naming only it. */
static bool sgir_self_only(uint32_t val, unsigned vcpu)
{
	unsigned filter = (val >> 24) & 3;

	return filter == 2 || (filter == 0 && ((val >> 16) & 0xff) == (1u << vcpu));
}

/* Work the write gives the caller itself (a self-SGI, an enable) goes into its
 * list registers at once: they are live on this core, and a kick would only
 * send it round the exit's slow path to the same refill. Other vCPUs are
 * kicked; so is the caller when it is not loaded (host tests). Out of line so
 * that the no-op writes vgic_dist_write returns for early set up no frame. */
static __attribute__((noinline)) void dist_write_locked(struct vgic *vgic, unsigned vcpu,
							uint32_t offset, unsigned size, uint32_t val)
{
	uint32_t kick, self = 1u << vcpu;

	spin_lock(&vgic->lock);
	/* A self-SGI (Linux's IPI to its own CPU, the benchmark's latency
	 * probe) whose last delivery is over reuses its own LR. */
	if (offset == GICD_SGIR && sgir_self_only(val, vcpu) && vgic->cpu[vcpu].loaded &&
	    vgic_sgi_self_fast(vgic, vcpu, val & 0xf)) {
		spin_unlock(&vgic->lock);
		return;
	}
	/* Set-active must see which LRs the guest has already finished. */
	kick = in_range(offset, GICD_ISACTIVER, 0x80) ? vgic_lr_sync_locked(vgic, vcpu) : 0;
	if (size == 1)
		kick |= write_byte_field(vgic, vcpu, offset, (uint8_t)val);
	else
		kick |= write_word(vgic, vcpu, offset, val);
	if ((kick & self) && vgic->cpu[vcpu].loaded)
		kick = (kick & ~self) | (vgic_lr_refill_locked(vgic, vcpu, false) & ~self);
	spin_unlock(&vgic->lock);
	vgic_send_kicks(vgic, kick);
}

bool vgic_dist_write(struct vgic *vgic, unsigned vcpu, uint32_t offset, unsigned size, uint32_t val)
{
	CHECK(vcpu < vgic->nr_vcpus);
	if (!access_allowed(offset, size))
		return false;
	if (!bits_write_is_noop(offset, val))
		dist_write_locked(vgic, vcpu, offset, size, val);
	return true;
}
