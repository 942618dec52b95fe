/* libFuzzer target for the virtual GICv2: random distributor accesses,
 * injections, guest acknowledge/EOI and vCPU switches against a fake GICH,
 * with bookkeeping, list-register and liveness invariants checked throughout.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -DHB_HOST -I. \
 *        tests/fuzz/fuzz_vgic.c vdev/vgic.c vdev/vgic_lr.c -o build/host/fuzz_vgic */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fake_gich.h"
#include "vdev/vgic.h"

#define NV 4
#define ST(lr) LR_STATE(lr)
#define PRIO(lr) (((lr) >> 23) & 0x1f)
#define VID(lr) ((lr) & 0x3ffu)
#define FAIL(...)                                                               \
	do {                                                                    \
		fprintf(stderr, "invariant: " __VA_ARGS__);                     \
		fputc('\n', stderr);                                            \
		abort();                                                        \
	} while (0)

struct fake_pcpu {
	uint32_t lr[VGIC_MAX_LRS];
	uint32_t hcr, vmcr, apr;
	uint32_t stack[64]; /* guest's acknowledged IARs, for LIFO EOI */
	unsigned depth;
};

static struct fake_pcpu pcpu[NV];
static unsigned cur, nlrs, nvcpus;
static bool phys_active[1024];
static struct vgic vg;
static struct vgic_cpu_hw_ctx ctx[NV];

/* Delivery ledger: an edge-type pending (injection, ISPENDR, SGI per source)
 * must be acknowledged by the guest at least once unless explicitly cleared. */
static bool owed_spi[VGIC_MAX_IRQS];
static bool owed_ppi[NV][32];
static bool owed_sgi[NV][16][NV];

static bool trace;
#define TRACE(...) do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)

static bool *owed(unsigned v, unsigned intid)
{
	return intid < 32 ? &owed_ppi[v][intid] : &owed_spi[intid];
}

static uint32_t f_read_lr(unsigned n) { if (n >= nlrs) FAIL("LR %u", n); return pcpu[cur].lr[n]; }
static void f_write_lr(unsigned n, uint32_t v) { if (n >= nlrs) FAIL("LR %u", n); pcpu[cur].lr[n] = v; }
static uint32_t f_read_hcr(void) { return pcpu[cur].hcr; }
static void f_write_hcr(uint32_t v) { pcpu[cur].hcr = v; }
static uint32_t f_read_vmcr(void) { return pcpu[cur].vmcr; }
static void f_write_vmcr(uint32_t v) { pcpu[cur].vmcr = v; }
static uint32_t f_read_apr(void) { return pcpu[cur].apr; }
static void f_write_apr(uint32_t v) { pcpu[cur].apr = v; }
static void f_kick(void *c, unsigned v) { if (v >= nvcpus) FAIL("kick %u", v); }

static void phys_deactivate(unsigned pirq, const char *who)
{
	if (!phys_active[pirq])
		FAIL("%s deactivates inactive physical %u", who, pirq);
	phys_active[pirq] = false;
}

static void f_deact(void *c, unsigned pirq) { phys_deactivate(pirq, "vgic"); }

static uint32_t elrsr_of(unsigned p) { return fake_gich_elrsr(pcpu[p].lr, nlrs); }
static uint32_t eisr_of(unsigned p) { return fake_gich_eisr(pcpu[p].lr, nlrs); }
static uint32_t misr_of(unsigned p) { return fake_gich_misr(pcpu[p].lr, nlrs, pcpu[p].hcr); }

static uint32_t f_elrsr(void) { return elrsr_of(cur); }
static uint32_t f_eisr(void) { return eisr_of(cur); }
static uint32_t f_misr(void) { return misr_of(cur); }

static const struct vgic_hw_ops ops = {
	.read_lr = f_read_lr, .write_lr = f_write_lr, .read_elrsr0 = f_elrsr,
	.read_eisr0 = f_eisr, .read_misr = f_misr, .read_hcr = f_read_hcr,
	.write_hcr = f_write_hcr, .read_vmcr = f_read_vmcr, .write_vmcr = f_write_vmcr,
	.read_apr = f_read_apr, .write_apr = f_write_apr, .deactivate_phys = f_deact,
	.kick = f_kick,
};

static bool maint_asserted(unsigned p)
{
	return (pcpu[p].hcr & GICH_HCR_EN) && misr_of(p);
}

static uint32_t guest_ack(unsigned p)
{
	unsigned running = 32, best_prio = 32;
	int best = -1;

	for (unsigned n = 0; n < nlrs; n++) {
		uint32_t lr = pcpu[p].lr[n];

		if ((ST(lr) & 2) && PRIO(lr) < running)
			running = PRIO(lr);
		if (ST(lr) == 1 && PRIO(lr) < best_prio) {
			best = (int)n;
			best_prio = PRIO(lr);
		}
	}
	if (best < 0 || best_prio >= running || pcpu[p].depth == 64)
		return 1023;
	pcpu[p].lr[best] = (pcpu[p].lr[best] & ~(3u << 28)) | (2u << 28);
	uint32_t iar = (pcpu[p].lr[best] & GICH_LR_HW) ? VID(pcpu[p].lr[best])
						       : (pcpu[p].lr[best] & 0x1fff);
	pcpu[p].stack[pcpu[p].depth++] = iar;
	TRACE("  guest %u acks %#x\n", p, iar);
	if ((iar & 0x3ff) < 16)
		owed_sgi[p][iar & 0xf][(iar >> 10) & 7] = false;
	else
		*owed(p, iar & 0x3ff) = false;
	return iar;
}

static void guest_deactivate(unsigned p, uint32_t iar)
{
	for (unsigned n = 0; n < nlrs; n++) {
		uint32_t lr = pcpu[p].lr[n];
		bool hw = lr & GICH_LR_HW;

		if (!(ST(lr) & 2) || VID(lr) != (iar & 0x3ff))
			continue;
		if (!hw && (iar & 0x3ff) < 16 && ((lr >> 10) & 7) != ((iar >> 10) & 7))
			continue;
		pcpu[p].lr[n] = lr & ~(2u << 28);
		if (hw)
			phys_deactivate((lr >> 10) & 0x3ff, "guest HW LR");
		return;
	}
}

static void guest_eoi_top(unsigned p)
{
	if (pcpu[p].depth)
		guest_deactivate(p, pcpu[p].stack[--pcpu[p].depth]);
}

/* ---- Invariants --------------------------------------------------------- */

static bool queue_has(const struct vgic_queue *q, unsigned intid, unsigned bucket)
{
	return (q->bits[bucket][intid / 32] >> (intid % 32)) & 1;
}

static void check_irq(struct vgic_irq *irq, unsigned *queued_count)
{
	unsigned target = irq->owner;
	bool want;

	if (target == VGIC_NONE)
		target = irq->targets ? (unsigned)__builtin_ctz(irq->targets) : VGIC_NONE;
	want = irq->lr == VGIC_NONE && target != VGIC_NONE &&
	       ((irq->enabled && vgic_irq_dist_pending(irq)) || irq->active);
	if (want != (irq->queued_vcpu != VGIC_NONE) || (want && irq->queued_vcpu != target))
		FAIL("irq %u queued on %u, want %d on %u", irq->intid, irq->queued_vcpu, want, target);
	if (want) {
		if (irq->queued_bucket != irq->priority >> 3 ||
		    !queue_has(&vg.cpu[target].queue, irq->intid, irq->queued_bucket))
			FAIL("irq %u missing from its queue bucket", irq->intid);
		(*queued_count)++;
	}
	if (irq->lr != VGIC_NONE) {
		struct vgic_cpu *vc = &vg.cpu[irq->lr_vcpu];

		if (!(vc->lr_used & (1u << irq->lr)) || VID(vc->lr_shadow[irq->lr]) != irq->intid)
			FAIL("irq %u thinks it is in LR %u of vCPU %u", irq->intid, irq->lr, irq->lr_vcpu);
		if (irq->active)
			FAIL("irq %u active both in and out of an LR", irq->intid);
	}
	/* Work the distributor still holds for an LR-held interrupt needs an
	 * EOI notification, or a pending refresh that will add one. */
	if (irq->lr != VGIC_NONE && !(vg.cpu[irq->lr_vcpu].lr_refresh & (1u << irq->lr))) {
		uint32_t sh = vg.cpu[irq->lr_vcpu].lr_shadow[irq->lr];
		bool needs = irq->intid < 16 ? irq->sgi_sources != 0
					     : (irq->enabled && irq->latch) || (!irq->edge && irq->line) ||
					       irq->phys_owned || irq->lr_owes_phys;

		if (needs && ((sh & GICH_LR_HW) || !(sh & GICH_LR_EOI)))
			FAIL("irq %u in LR without the EOI notification it needs", irq->intid);
	}
	if (irq->sgi_sources & ~((1u << nvcpus) - 1))
		FAIL("irq %u has sources of absent vCPUs", irq->intid);
	if (irq->priority & 7)
		FAIL("irq %u priority has unimplemented bits", irq->intid);
}

static void check_invariants(void)
{
	unsigned queued = 0, bits = 0;

	for (unsigned v = 0; v < nvcpus; v++) {
		struct vgic_cpu *vc = &vg.cpu[v];

		for (unsigned i = 0; i < VGIC_NR_PRIVATE; i++)
			check_irq(&vc->private_irqs[i], &queued);
		for (unsigned b = 0; b < VGIC_PRIO_LEVELS; b++) {
			for (unsigned w = 0; w < VGIC_MAX_IRQS / 32; w++)
				bits += (unsigned)__builtin_popcount(vc->queue.bits[b][w]);
		}
		for (unsigned n = 0; n < nlrs; n++) {
			uint32_t hw = pcpu[v].lr[n], sh = vc->lr_shadow[n];

			if (!(vc->lr_used & (1u << n))) {
				if (ST(hw))
					FAIL("vCPU %u LR %u valid but unused", v, n);
				continue;
			}
			if (VID(hw) != VID(sh) || (hw & GICH_LR_HW) != (sh & GICH_LR_HW))
				FAIL("vCPU %u LR %u differs from its shadow", v, n);
			if (vgic_irq_get(&vg, v, VID(sh))->lr != n)
				FAIL("vCPU %u LR %u owner does not point back", v, n);
			for (unsigned m = n + 1; m < nlrs; m++) {
				if (ST(hw) && ST(pcpu[v].lr[m]) && VID(hw) == VID(pcpu[v].lr[m]))
					FAIL("vCPU %u: INTID %u in two LRs", v, VID(hw));
			}
		}
	}
	for (unsigned i = VGIC_NR_PRIVATE; i < vg.nr_irqs; i++)
		check_irq(&vg.spis[i - VGIC_NR_PRIVATE], &queued);
	if (queued != bits)
		FAIL("%u queue bits for %u queued interrupts", bits, queued);
}

/* After a flush the LRs hold the best work: either nothing is left queued,
 * or every LR is in use, underflow is armed, and no still-pending entry has
 * lower priority than the best queued interrupt. */
static void check_after_flush(unsigned v)
{
	struct vgic_cpu *vc = &vg.cpu[v];
	int first = vgic_queue_first(&vc->queue);

	if (!vg.enabled || first < 0)
		return;
	if (vc->lr_used != (1u << nlrs) - 1 || !(pcpu[v].hcr & GICH_HCR_UIE))
		FAIL("vCPU %u: work queued with free LRs or no underflow", v);
	for (unsigned n = 0; n < nlrs; n++) {
		if (ST(pcpu[v].lr[n]) == 1 &&
		    PRIO(pcpu[v].lr[n]) > (vgic_irq_get(&vg, v, (unsigned)first)->priority >> 3))
			FAIL("vCPU %u: LR %u should have been evicted", v, n);
	}
	if (maint_asserted(v))
		FAIL("vCPU %u: maintenance asserted right after flush", v);
}

/* ---- Driver ------------------------------------------------------------- */

struct input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint32_t)*in->p++ << (8 * i);
	return v;
}

static const uint32_t reg_bases[] = {
	GICD_CTLR, GICD_IGROUPR, GICD_ISENABLER, GICD_ICENABLER, GICD_ISPENDR,
	GICD_ICPENDR, GICD_ISACTIVER, GICD_ICACTIVER, GICD_IPRIORITYR, GICD_ITARGETSR,
	GICD_ICFGR, GICD_SGIR, GICD_CPENDSGIR, GICD_SPENDSGIR, GICD_TYPER, GICD_PIDR2,
};
static const unsigned hw_pirqs[] = { 27, 30, 40, 41, 63 };

static void flush(unsigned v)
{
	cur = v;
	vgic_flush_lrs(&vg, v);
	check_invariants();
	check_after_flush(v);
}

static void maintenance(unsigned v)
{
	cur = v;
	vgic_maintenance(&vg, v);
	if (maint_asserted(v))
		FAIL("vCPU %u: maintenance condition left asserted", v);
}

static void ledger_write(unsigned v, uint32_t off, unsigned size, uint32_t val)
{
	if (size == 4 && off >= GICD_ISPENDR && off < GICD_ISACTIVER) {
		unsigned first = ((off & 0x7f) / 4) * 32;

		for (unsigned i = 0; i < 32 && first >= 16 && first + i < vg.nr_irqs; i++) {
			if ((val >> i) & 1)
				*owed(v, first + i) = off < GICD_ICPENDR;
		}
		for (unsigned i = 16; i < 32 && first == 0; i++) {
			if ((val >> i) & 1)
				*owed(v, i) = off < GICD_ICPENDR;
		}
	} else if (off == GICD_SGIR && size == 4) {
		unsigned filter = (val >> 24) & 3;
		uint32_t targets = filter == 0 ? (val >> 16) & 0xff : filter == 1 ? ~(1u << v) :
				   filter == 2 ? 1u << v : 0;

		for (unsigned t = 0; t < nvcpus; t++) {
			if ((targets >> t) & 1)
				owed_sgi[t][val & 0xf][v] = true;
		}
	} else if (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + 0x10) {
		for (unsigned b = 0; b < size; b++) {
			unsigned sgi = (off + b) & 0xf;

			for (unsigned src = 0; src < nvcpus; src++) {
				if ((val >> (8 * b + src)) & 1)
					owed_sgi[v][sgi][src] = off >= GICD_SPENDSGIR;
			}
		}
	}
}

static void dist_access(struct input *in, unsigned v, bool write)
{
	uint32_t sel = take(in, 1), base, off, val = 0;
	unsigned size = (sel & 0x80) ? 1 : 4;

	base = reg_bases[sel % ARRAY_SIZE(reg_bases)];
	off = (sel & 0x40) ? (take(in, 2) & 0xfff) : base + (take(in, 1) & 0x3f) * (size == 1 ? 1 : 4);
	if ((take(in, 1) & 7) == 0)
		size = 2; /* exercise rejected widths */
	cur = v;
	if (write) {
		val = take(in, 4);
		TRACE("  write %#x size %u val %#x\n", off, size, val);
		if (vgic_dist_write(&vg, v, off, size, val))
			ledger_write(v, off, size, val);
		return;
	}
	bool ok = vgic_dist_read(&vg, v, off, size, &val);
	if (ok && size == 4 && off >= GICD_ITARGETSR && off < GICD_ITARGETSR + 32 &&
	    val != 0x01010101u * (1u << v))
		FAIL("ITARGETSR%u reads %#x on vCPU %u", (off - GICD_ITARGETSR) / 4, val, v);
	if (!ok && val != 0)
		FAIL("rejected read returned data");
}

static void switch_vcpu(unsigned v, uint32_t junk)
{
	cur = v;
	vgic_vcpu_save(&vg, v, &ctx[v]);
	for (unsigned n = 0; n < nlrs; n++) {
		if (pcpu[v].lr[n])
			FAIL("save left LR %u set", n);
		pcpu[v].lr[n] = junk; /* another VM ran here */
	}
	if (pcpu[v].hcr)
		FAIL("save left GICH_HCR enabled");
	vgic_vcpu_restore(&vg, v, &ctx[v]);
}

static void do_reset(void)
{
	for (unsigned v = 0; v < nvcpus; v++) {
		cur = v;
		vgic_vcpu_save(&vg, v, &ctx[v]);
	}
	vgic_reset(&vg);
	memset(owed_spi, 0, sizeof(owed_spi));
	memset(owed_ppi, 0, sizeof(owed_ppi));
	memset(owed_sgi, 0, sizeof(owed_sgi));
	for (unsigned i = 0; i < 1024; i++) {
		if (phys_active[i])
			FAIL("physical %u still active after reset", i);
	}
	for (unsigned v = 0; v < nvcpus; v++) {
		cur = v;
		pcpu[v].depth = 0;
		vgic_vcpu_restore(&vg, v, &ctx[v]);
	}
}

/* Enable and target everything, drop every line, let each guest take and
 * finish all it can: nothing may remain pending or active anywhere. */
static void drain_and_check(void)
{
	for (unsigned v = 0; v < nvcpus; v++) {
		pcpu[v].depth = 0;
		for (unsigned i = 16; i < vg.nr_irqs; i++)
			vgic_set_level(&vg, v, i, false);
		cur = v;
		vgic_dist_write(&vg, v, GICD_ISENABLER, 4, 0xffffffff);
	}
	cur = 0;
	vgic_dist_write(&vg, 0, GICD_CTLR, 4, 1);
	for (unsigned r = 1; r < vg.nr_irqs / 32; r++)
		vgic_dist_write(&vg, 0, GICD_ISENABLER + 4 * r, 4, 0xffffffff);
	for (unsigned i = 32; i < vg.nr_irqs; i++)
		vgic_dist_write(&vg, 0, GICD_ITARGETSR + i, 1, 1);
	/* Run every guest until a whole round makes no progress. Actives the
	 * guest never acknowledged (ISACTIVER) or lost track of are
	 * deactivated as a GICV_DIR write would. */
	for (bool progress = true; progress;) {
		progress = false;
		for (unsigned v = 0; v < nvcpus; v++) {
			pcpu[v].depth = 0;
			flush(v);
			for (;;) {
				int active = -1;

				if (maint_asserted(v)) {
					maintenance(v);
					flush(v);
					continue;
				}
				if (guest_ack(v) != 1023) {
					guest_eoi_top(v);
					progress = true;
					continue;
				}
				for (unsigned n = 0; n < nlrs; n++) {
					if (ST(pcpu[v].lr[n]) & 2)
						active = (int)n;
				}
				if (active < 0)
					break;
				uint32_t lr = pcpu[v].lr[active];
				guest_deactivate(v, (lr & GICH_LR_HW) ? VID(lr) : (lr & 0x1fff));
				progress = true;
			}
		}
	}
	/* Reads of SPIs held by another vCPU are exact once that vCPU has
	 * exited (it was kicked); model that exit before checking. */
	for (unsigned v = 0; v < nvcpus; v++) {
		cur = v;
		vgic_sync_lrs(&vg, v);
	}
	for (unsigned v = 0; v < nvcpus; v++) {
		for (unsigned r = 0; r < vg.nr_irqs / 32; r++) {
			uint32_t pend, act;

			cur = v;
			vgic_dist_read(&vg, v, GICD_ISPENDR + 4 * r, 4, &pend);
			vgic_dist_read(&vg, v, GICD_ISACTIVER + 4 * r, 4, &act);
			if (pend || act)
				FAIL("vCPU %u reg %u: pending %#x active %#x after drain", v, r, pend, act);
		}
		if (vg.cpu[v].queue.bucket_mask || vg.cpu[v].lr_used)
			FAIL("vCPU %u still has queued or LR work", v);
	}
	for (unsigned i = 0; i < 1024; i++) {
		if (phys_active[i])
			FAIL("physical %u never deactivated", i);
	}
	for (unsigned v = 0; v < nvcpus; v++) {
		for (unsigned i = 0; i < 32; i++) {
			if (owed_ppi[v][i] || (i < 16 && memchr(owed_sgi[v][i], 1, nvcpus)))
				FAIL("vCPU %u: INTID %u was never delivered", v, i);
		}
	}
	for (unsigned i = 32; i < vg.nr_irqs; i++) {
		if (owed_spi[i])
			FAIL("SPI %u was never delivered", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint32_t cfg = take(&in, 1);

	memset(pcpu, 0, sizeof(pcpu));
	memset(ctx, 0, sizeof(ctx));
	trace = getenv("FUZZ_TRACE") != NULL;
	memset(phys_active, 0, sizeof(phys_active));
	memset(owed_spi, 0, sizeof(owed_spi));
	memset(owed_ppi, 0, sizeof(owed_ppi));
	memset(owed_sgi, 0, sizeof(owed_sgi));
	nvcpus = 1 + cfg % NV;
	nlrs = 2 + (cfg >> 4) % 4;
	if (!vgic_init(&vg, nvcpus, 32 * (1 + (cfg >> 2) % 4), nlrs, &ops, NULL))
		FAIL("init rejected a valid configuration");
	for (unsigned v = 0; v < nvcpus; v++) {
		cur = v;
		vgic_vcpu_restore(&vg, v, &ctx[v]);
	}
	while (in.left) {
		uint32_t op = take(&in, 1);
		unsigned v = (op >> 4) % nvcpus;
		unsigned intid = take(&in, 1) % vg.nr_irqs;

		TRACE("op %u vcpu %u intid %u\n", op % 16, v, intid);

		switch (op % 16) {
		case 0:
		case 1:
			dist_access(&in, v, true);
			break;
		case 2:
			dist_access(&in, v, false);
			break;
		case 3:
			vgic_inject_edge(&vg, v, intid);
			if (intid >= 16)
				*owed(v, intid) = true;
			break;
		case 4:
			vgic_set_level(&vg, v, intid, op & 0x80);
			break;
		case 5: {
			unsigned pirq = hw_pirqs[intid % ARRAY_SIZE(hw_pirqs)];

			/* A physical interrupt cannot fire again while active. */
			if (!phys_active[pirq] && pirq < vg.nr_irqs) {
				phys_active[pirq] = true;
				vgic_inject_hw(&vg, v, pirq, pirq);
				*owed(v, pirq) = true;
			}
			break;
		}
		case 6:
		case 7:
			guest_ack(v);
			break;
		case 8:
			guest_eoi_top(v);
			break;
		case 9: {
			unsigned n = intid % nlrs;

			if (ST(pcpu[v].lr[n]) & 2) /* out-of-order deactivation (GICV_DIR) */
				guest_deactivate(v, (pcpu[v].lr[n] & GICH_LR_HW) ? VID(pcpu[v].lr[n])
										  : (pcpu[v].lr[n] & 0x1fff));
			break;
		}
		case 10:
		case 11:
			flush(v);
			break;
		case 12:
			if (maint_asserted(v))
				maintenance(v);
			break;
		case 13:
			cur = v;
			if (op & 0x80)
				vgic_sync_lrs(&vg, v);
			else
				(void)vgic_vcpu_has_pending(&vg, v);
			break;
		case 14:
			switch_vcpu(v, take(&in, 4));
			break;
		default:
			if ((op & 0xf0) == 0xf0) {
				do_reset();
				break;
			}
			/* Shortcut to the states that matter: enabled, targeted at
			 * v, with a random priority, distributor on. */
			cur = v;
			vgic_dist_write(&vg, v, GICD_ISENABLER + 4 * (intid / 32), 4, 1u << (intid % 32));
			vgic_dist_write(&vg, v, GICD_ITARGETSR + intid, 1, 1u << v);
			vgic_dist_write(&vg, v, GICD_IPRIORITYR + intid, 1, take(&in, 1));
			vgic_dist_write(&vg, v, GICD_CTLR, 4, 1);
			break;
		}
		check_invariants();
	}
	drain_and_check();
	return 0;
}
