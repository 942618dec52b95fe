/* Virtual GICv2 (GIC-400 flavour) for one VM: emulates the trapped GICD frame
 * and feeds virtual interrupts to the guest through the GICH list registers. */
#ifndef HB_VDEV_VGIC_H
#define HB_VDEV_VGIC_H

#include "lib/types.h"
#include "lib/spinlock.h"
#include "drivers/gicv2_regs.h"

#define VGIC_MAX_VCPUS 8 /* GICv2 CPU interface numbers are 3 bits */
#define VGIC_MAX_IRQS 512
#define VGIC_MAX_LRS 16 /* more than GIC-400's 4; extra LRs are left unused */
#define VGIC_NR_SGIS 16
#define VGIC_NR_PRIVATE 32
/* GICH_LR.Priority keeps the top 5 bits, so the distributor implements only those. */
#define VGIC_PRIO_MASK 0xf8u
#define VGIC_PRIO_LEVELS 32


/* Identity of the emulated distributor: Arm GIC-400 (ProductID 0x02,
 * Implementer 0x43B), so guests that check it see a real part. */
#define VGIC_IIDR 0x0200143bu

/* GICH_LR fields (GICv2). */
#define GICH_LR_VIRTUAL_ID_MASK 0x3ffu
#define GICH_LR_PHYS_ID_SHIFT 10 /* when HW=1 */
#define GICH_LR_CPUID_SHIFT 10   /* when HW=0: SGI source */
#define GICH_LR_EOI (1u << 19)   /* when HW=0: maintenance IRQ on deactivation */
#define GICH_LR_PRIO_SHIFT 23
#define GICH_LR_STATE_SHIFT 28
#define GICH_LR_PENDING 1u
#define GICH_LR_ACTIVE 2u
#define GICH_LR_GRP1 (1u << 30)
#define GICH_LR_HW (1u << 31)

#define GICH_HCR_EN (1u << 0)
#define GICH_HCR_UIE (1u << 1)
#define GICH_HCR_LRENPIE (1u << 2)
#define GICH_HCR_NPIE (1u << 3)
#define GICH_MISR_EOI (1u << 0)
#define GICH_MISR_U (1u << 1)
#define GICH_MISR_LRENP (1u << 2)
#define GICH_MISR_NP (1u << 3)

/* Hardware access, implemented by the lead. Register accessors act on the GICH
 * frame of the *calling* physical CPU; kick/deactivate_phys get ops_ctx. */
struct vgic_hw_ops {
	uint32_t (*read_lr)(unsigned n);
	void (*write_lr)(unsigned n, uint32_t val);
	uint32_t (*read_elrsr0)(void);
	uint32_t (*read_eisr0)(void);
	uint32_t (*read_misr)(void);
	uint32_t (*read_hcr)(void);
	void (*write_hcr)(uint32_t val);
	uint32_t (*read_vmcr)(void);
	void (*write_vmcr)(uint32_t val);
	uint32_t (*read_apr)(void);
	void (*write_apr)(uint32_t val);
	/* Deactivate physical INTID pirq (GICC_DIR) when the vgic drops a
	 * HW-linked interrupt that the guest will never deactivate itself. */
	void (*deactivate_phys)(void *ctx, unsigned pirq);
	/* vcpu has new deliverable work: IPI its core or wake it from WFI. */
	void (*kick)(void *ctx, unsigned vcpu);
};

/* Per-vCPU virtual CPU interface state kept by the lead across switch-out. */
struct vgic_cpu_hw_ctx {
	uint32_t vmcr;
	uint32_t apr;
	uint32_t hcr; /* as read at save (diagnostics: EOICount); restore uses the vgic's own */
	uint32_t lr[VGIC_MAX_LRS];
	uint32_t generation; /* a ctx saved before vgic_reset is ignored; zeroed ctx = fresh */
};

#define VGIC_NONE 0xffu

/* One interrupt as seen by one vCPU (private) or by the VM (SPI). Only the
 * state not currently held by a list register lives here. */
struct vgic_irq {
	uint16_t intid;
	uint16_t hw_pirq;      /* physical INTID linked by vgic_inject_hw, 0 = none */
	uint8_t priority;      /* top 5 bits significant */
	uint8_t targets;       /* SPIs: ITARGETSR byte */
	uint8_t owner;         /* private: its vCPU; SPI: VGIC_NONE */
	uint8_t sgi_sources;   /* SGIs: sources pending and not yet in an LR */
	uint8_t lr;            /* LR index on lr_vcpu, or VGIC_NONE */
	uint8_t lr_vcpu;
	uint8_t queued_vcpu;   /* whose pending queue holds it, or VGIC_NONE */
	uint8_t queued_bucket; /* priority bucket it was queued under */
	bool enabled;
	bool edge;             /* config: edge (latch) or level (line) */
	bool lr_latched;       /* level irq: the LR's pending came from the latch */
	/* State outside an LR and requests against it: all zero exactly when
	 * the interrupt is idle (vgic_irq_idle), which the fast paths test
	 * as one word. */
	union {
		struct {
			uint8_t drop_pending; /* strip LR pending at next reconcile (SGIs: source mask) */
			bool drop_active;     /* strip LR active at next reconcile (ICACTIVER) */
			bool add_active;      /* add LR active at next reconcile (ISACTIVER) */
			bool latch;           /* edge/ISPENDR pending not yet in an LR */
			bool line;            /* input level of an emulated level-sensitive line */
			bool active;          /* active state not held by an LR (ISACTIVER) */
			bool phys_owned;      /* physical hw_pirq is active on our behalf (not via an LR) */
			bool lr_owes_phys;    /* HW-linked LR turned HW=0: deactivate hw_pirq when it ends */
		};
		uint64_t busy;
	};
};
_Static_assert(__builtin_offsetof(struct vgic_irq, lr_owes_phys) -
	       __builtin_offsetof(struct vgic_irq, drop_pending) == 7, "busy covers the flags");

/* Pending interrupts waiting for an LR, bucketed by 5-bit priority so the
 * best one is three count-trailing-zeros away and updates are O(1). */
struct vgic_queue {
	uint32_t bucket_mask;
	uint32_t word_mask[VGIC_PRIO_LEVELS];
	uint32_t bits[VGIC_PRIO_LEVELS][VGIC_MAX_IRQS / 32];
};

struct vgic;

struct vgic_cpu {
	struct vgic *vgic;                /* the VM's vGIC this interface belongs to */
	struct vgic_irq private_irqs[VGIC_NR_PRIVATE];
	struct vgic_queue queue;
	uint32_t lr_shadow[VGIC_MAX_LRS]; /* last value written to / read from each LR */
	uint32_t lr_used;                 /* LRs that hold one of our interrupts */
	uint32_t lr_refresh;              /* LRs whose interrupt changed since written */
	uint32_t hcr;                     /* GICH_HCR wanted while this vCPU is loaded */
	bool loaded;                      /* between restore and save: LRs live in hardware */
};

struct vgic {
	spinlock_t lock;
	const struct vgic_hw_ops *ops;
	void *ops_ctx;
	unsigned nr_vcpus;
	unsigned nr_irqs;
	unsigned num_lrs;
	uint32_t generation;
	bool enabled; /* GICD_CTLR.EnableGrp0 */
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
	struct vgic_irq spis[VGIC_MAX_IRQS - VGIC_NR_PRIVATE];
};

/* Setup and reset. vgic_init returns false for an impossible configuration:
 * nr_irqs a multiple of 32 in [32, VGIC_MAX_IRQS], 1..VGIC_MAX_VCPUS vCPUs,
 * num_lrs >= 2 (GICH_VTR.ListRegs + 1; capped at VGIC_MAX_LRS).
 * vgic_reset needs every vCPU switched out (vgic_vcpu_save). */
bool vgic_init(struct vgic *vgic, unsigned nr_vcpus, unsigned nr_irqs, unsigned num_lrs,
	       const struct vgic_hw_ops *ops, void *ops_ctx);
void vgic_reset(struct vgic *vgic);

/* Injection, from any core. For private INTIDs vcpu selects the bank; it is
 * ignored for SPIs. SGIs are not injectable here (GICD_SGIR only). */
void vgic_set_level(struct vgic *vgic, unsigned vcpu, unsigned intid, bool level);
void vgic_inject_edge(struct vgic *vgic, unsigned vcpu, unsigned intid);
void vgic_inject_hw(struct vgic *vgic, unsigned vcpu, unsigned virq, unsigned pirq);
/* vgic_inject_hw(vgic, vcpu, intid, intid) for a PPI of the vCPU loaded on the
 * calling core, straight into a list register when that needs no decision
 * (vgic_lr.c says when); false, with nothing changed, otherwise. */
bool vgic_inject_hw_fast(struct vgic *vgic, unsigned vcpu, unsigned intid);

#define VGIC_LR_STATE_MASK (3u << GICH_LR_STATE_SHIFT)
#define VGIC_LR_PRIO_MASK (0x1fu << GICH_LR_PRIO_SHIFT)

/* The interrupt holds no pending or active state outside its LR, owes no
 * physical deactivation and no request against it is recorded: rewriting its
 * finished LR needs no reconcile. */
static inline bool vgic_irq_idle(const struct vgic_irq *irq)
{
	return irq->busy == 0;
}

/*
 * The steady state of vgic_inject_hw_fast (vgic_lr.c explains why it needs
 * no lock): PPI `intid` of the vCPU of `vc`, loaded on the calling core,
 * still has its own HW=1 list register, which the guest has finished (elrsr
 * is GICH_ELRSR0), and nothing else is waiting. Returns that LR's number with
 * its new value (pending again) in *val for the caller to write to GICH_LR<n>;
 * -1, with nothing changed, otherwise. Inline and without the ops table: it
 * is most of the virtual timer's delivery.
 */
static inline int vgic_hw_fast_reuse(struct vgic_cpu *vc, unsigned intid, uint32_t elrsr,
				     uint32_t *val)
{
	struct vgic_irq *irq = &vc->private_irqs[intid];
	unsigned n = irq->lr;
	uint32_t lr;

	if (n >= VGIC_MAX_LRS || !((elrsr >> n) & 1))
		return -1;
	lr = vc->lr_shadow[n];
	if ((lr & (GICH_LR_HW | (0x3ffu << GICH_LR_PHYS_ID_SHIFT))) !=
		    (GICH_LR_HW | (intid << GICH_LR_PHYS_ID_SHIFT)) ||
	    !vgic_irq_idle(irq) || !irq->enabled || (vc->lr_refresh & (1u << n)) ||
	    __atomic_load_n(&vc->queue.bucket_mask, __ATOMIC_RELAXED))
		return -1;
	/* The vGIC's enable, like the queue, is only peeked: whoever changes
	 * either concurrently also kicks this vCPU. */
	if (!__atomic_load_n(&vc->vgic->enabled, __ATOMIC_RELAXED))
		return -1;
	/* A priority change would have flagged the LR (lr_refresh): the
	 * shadow's priority is current. */
	lr = (lr & ~VGIC_LR_STATE_MASK) | (GICH_LR_PENDING << GICH_LR_STATE_SHIFT);
	vc->lr_shadow[n] = lr;
	irq->lr_latched = true;		/* as lr_place records an injected pending */
	*val = lr;
	return (int)n;
}

/* List-register management, on the physical core where vcpu is loaded. */
void vgic_flush_lrs(struct vgic *vgic, unsigned vcpu);
void vgic_maintenance(struct vgic *vgic, unsigned vcpu);
void vgic_sync_lrs(struct vgic *vgic, unsigned vcpu);
void vgic_vcpu_save(struct vgic *vgic, unsigned vcpu, struct vgic_cpu_hw_ctx *ctx);
void vgic_vcpu_restore(struct vgic *vgic, unsigned vcpu, const struct vgic_cpu_hw_ctx *ctx);
/* For WFI: true if vcpu has an interrupt queued for delivery or pending in an
 * LR as of the last sync (call vgic_sync_lrs first when vcpu is loaded). */
bool vgic_vcpu_has_pending(struct vgic *vgic, unsigned vcpu);

/* Trapped GICD access by vcpu (on the core where it is loaded). offset is
 * relative to the GICD base; size is 1 or 4. Returns false when the access
 * width/alignment is not allowed for that register (the read value is 0 and a
 * write is dropped); the lead may then inject an abort or just RAZ/WI. */
bool vgic_dist_read(struct vgic *vgic, unsigned vcpu, uint32_t offset, unsigned size, uint32_t *val);
bool vgic_dist_write(struct vgic *vgic, unsigned vcpu, uint32_t offset, unsigned size, uint32_t val);

/* Internal: shared by vgic.c and vgic_lr.c only, called with vgic->lock held.
 * Functions returning uint32_t return a mask of vCPUs to kick after unlock. */
struct vgic_irq *vgic_irq_get(struct vgic *vgic, unsigned vcpu, unsigned intid);
bool vgic_irq_dist_pending(const struct vgic_irq *irq);
uint32_t vgic_irq_requeue(struct vgic *vgic, struct vgic_irq *irq);
void vgic_irq_dequeue(struct vgic *vgic, struct vgic_irq *irq);
int vgic_queue_first(const struct vgic_queue *q);
uint32_t vgic_lr_sync_locked(struct vgic *vgic, unsigned vcpu);
uint32_t vgic_lr_refill_locked(struct vgic *vgic, unsigned vcpu, bool check_eisr);
bool vgic_sgi_self_fast(struct vgic *vgic, unsigned vcpu, unsigned sgi);
void vgic_send_kicks(struct vgic *vgic, uint32_t mask);

#endif
