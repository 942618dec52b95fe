/* Unit tests for the virtual GICv2: distributor register semantics and list-
 * register management against a fake GICH that plays the guest's part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/fake_gich.h"
#include "vdev/vgic.h"

/* ---- Fake GICH: one frame per physical CPU, guest behaviour included ---- */

struct fake_pcpu {
	uint32_t lr[VGIC_MAX_LRS];
	uint32_t hcr, vmcr, apr;
};

static struct fake_pcpu pcpu[VGIC_MAX_VCPUS];
static unsigned cur; /* physical CPU the code under test runs on (= vCPU id) */
static unsigned nlrs;
static unsigned hyp_deact[1024]; /* deactivate_phys calls by the vgic */
static unsigned hw_deact[1024];  /* deactivations through HW=1 LRs */
static uint32_t kicked;
static struct vgic vg;
static struct vgic_cpu_hw_ctx ctxs[VGIC_MAX_VCPUS];

#define ST(lr) LR_STATE(lr)
#define PRIO(lr) (((lr) >> 23) & 0x1f)
#define VID(lr) ((lr) & 0x3ff)

static uint32_t f_read_lr(unsigned n)
{
	assert_true(n < nlrs);
	return pcpu[cur].lr[n];
}

static void f_write_lr(unsigned n, uint32_t v)
{
	assert_true(n < nlrs);
	pcpu[cur].lr[n] = v;
}

static uint32_t f_elrsr(void)
{
	return fake_gich_elrsr(pcpu[cur].lr, nlrs);
}

static uint32_t eisr_of(unsigned p)
{
	return fake_gich_eisr(pcpu[p].lr, nlrs);
}

static uint32_t misr_of(unsigned p)
{
	return fake_gich_misr(pcpu[p].lr, nlrs, pcpu[p].hcr);
}

static uint32_t f_eisr(void) { return eisr_of(cur); }
static uint32_t f_misr(void) { return misr_of(cur); }
static uint32_t f_read_hcr(void) { return pcpu[cur].hcr; }
static void f_write_hcr(uint32_t v) { pcpu[cur].hcr = v; }
static uint32_t f_read_vmcr(void) { return pcpu[cur].vmcr; }
static void f_write_vmcr(uint32_t v) { pcpu[cur].vmcr = v; }
static uint32_t f_read_apr(void) { return pcpu[cur].apr; }
static void f_write_apr(uint32_t v) { pcpu[cur].apr = v; }
static void f_deact(void *ctx, unsigned pirq) { hyp_deact[pirq]++; }
static void f_kick(void *ctx, unsigned vcpu) { kicked |= 1u << vcpu; }

static const struct vgic_hw_ops fake_ops = {
	.read_lr = f_read_lr, .write_lr = f_write_lr, .read_elrsr0 = f_elrsr,
	.read_eisr0 = f_eisr, .read_misr = f_misr, .read_hcr = f_read_hcr,
	.write_hcr = f_write_hcr, .read_vmcr = f_read_vmcr, .write_vmcr = f_write_vmcr,
	.read_apr = f_read_apr, .write_apr = f_write_apr, .deactivate_phys = f_deact,
	.kick = f_kick,
};

static bool maint_asserted(unsigned p)
{
	return (pcpu[p].hcr & GICH_HCR_EN) && misr_of(p) != 0;
}

/* GICV_IAR: the best pending-only LR that beats the running priority. */
static uint32_t guest_ack(unsigned p)
{
	unsigned running = 32, best_prio = 32;
	int best = -1;

	for (unsigned n = 0; n < nlrs; n++) {
		if (ST(pcpu[p].lr[n]) & 2)
			running = PRIO(pcpu[p].lr[n]) < running ? PRIO(pcpu[p].lr[n]) : running;
	}
	for (unsigned n = 0; n < nlrs; n++) {
		uint32_t lr = pcpu[p].lr[n];

		if (ST(lr) == 1 && PRIO(lr) < best_prio) {
			best = (int)n;
			best_prio = PRIO(lr);
		}
	}
	if (best < 0 || best_prio >= running)
		return 1023;
	pcpu[p].lr[best] = (pcpu[p].lr[best] & ~(3u << 28)) | (2u << 28);
	if (pcpu[p].lr[best] & GICH_LR_HW)
		return VID(pcpu[p].lr[best]);
	return pcpu[p].lr[best] & 0x1fff;
}

/* GICV_EOIR with EOImode 0: drop priority and deactivate. */
static void guest_eoi(unsigned p, uint32_t iar)
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
			hw_deact[(lr >> 10) & 0x3ff]++;
		return;
	}
	pcpu[p].hcr += 1u << 27; /* EOICount: no matching LR */
}

static int setup(void **state)
{
	memset(pcpu, 0, sizeof(pcpu));
	memset(ctxs, 0, sizeof(ctxs));
	memset(hyp_deact, 0, sizeof(hyp_deact));
	memset(hw_deact, 0, sizeof(hw_deact));
	kicked = 0;
	nlrs = 4;
	assert_true(vgic_init(&vg, 4, 128, nlrs, &fake_ops, NULL));
	for (cur = 0; cur < 4; cur++)
		vgic_vcpu_restore(&vg, cur, &ctxs[cur]);
	cur = 0;
	return 0;
}

static uint32_t rd(unsigned v, uint32_t off)
{
	uint32_t val = 0xdeadbeef;

	cur = v;
	assert_true(vgic_dist_read(&vg, v, off, 4, &val));
	return val;
}

static void wr(unsigned v, uint32_t off, uint32_t val)
{
	cur = v;
	assert_true(vgic_dist_write(&vg, v, off, 4, val));
}

static void wrb(unsigned v, uint32_t off, uint8_t val)
{
	cur = v;
	assert_true(vgic_dist_write(&vg, v, off, 1, val));
}

static void flush(unsigned v)
{
	cur = v;
	vgic_flush_lrs(&vg, v);
}

/* Enables SPI intid with a target mask and priority, and the distributor. */
static void spi_setup(unsigned intid, uint8_t targets, uint8_t prio)
{
	wr(0, GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
	wrb(0, GICD_ITARGETSR + intid, targets);
	wrb(0, GICD_IPRIORITYR + intid, prio);
	wr(0, GICD_CTLR, 1);
}

/* Runs vCPU v's guest until nothing is left to acknowledge, taking
 * maintenance exits as real hardware would. Records IAR values. */
static int run_guest(unsigned v, uint32_t *iars, int max)
{
	int count = 0;

	flush(v);
	for (;;) {
		uint32_t iar;

		if (maint_asserted(v)) {
			vgic_maintenance(&vg, v);
			flush(v);
			assert_false(maint_asserted(v));
			continue;
		}
		iar = guest_ack(v);
		if (iar == 1023)
			return count;
		assert_true(count < max);
		iars[count++] = iar;
		guest_eoi(v, iar);
	}
}

static unsigned used_lrs(unsigned p)
{
	unsigned used = 0;

	for (unsigned n = 0; n < nlrs; n++)
		used += ST(pcpu[p].lr[n]) != 0;
	return used;
}

static int find_lr(unsigned p, unsigned intid)
{
	for (unsigned n = 0; n < nlrs; n++) {
		if (ST(pcpu[p].lr[n]) && VID(pcpu[p].lr[n]) == intid)
			return (int)n;
	}
	return -1;
}

/* ---- Configuration and identification ----------------------------------- */

static void test_init_validation(void **state)
{
	struct vgic_hw_ops broken = fake_ops;
	static struct vgic v;

	assert_false(vgic_init(&v, 0, 64, 4, &fake_ops, NULL));
	assert_false(vgic_init(&v, 9, 64, 4, &fake_ops, NULL));
	assert_false(vgic_init(&v, 2, 16, 4, &fake_ops, NULL));
	assert_false(vgic_init(&v, 2, 48, 4, &fake_ops, NULL));
	assert_false(vgic_init(&v, 2, VGIC_MAX_IRQS + 32, 4, &fake_ops, NULL));
	assert_false(vgic_init(&v, 2, 64, 1, &fake_ops, NULL));
	assert_false(vgic_init(&v, 2, 64, 4, NULL, NULL));
	broken.kick = NULL;
	assert_false(vgic_init(&v, 2, 64, 4, &broken, NULL));
	assert_true(vgic_init(&v, 8, VGIC_MAX_IRQS, 64, &fake_ops, NULL));
	assert_int_equal(v.num_lrs, VGIC_MAX_LRS);
}

static void test_typer_iidr_id_regs(void **state)
{
	assert_int_equal(rd(0, GICD_TYPER), 3 | (3 << 5)); /* 128 IRQs, 4 CPUs, no SecurityExtn */
	wr(0, GICD_TYPER, 0);
	assert_int_equal(rd(2, GICD_TYPER), 0x63);
	assert_int_equal(rd(0, GICD_IIDR), 0x0200143b);
	assert_int_equal((rd(0, GICD_PIDR2) >> 4) & 0xf, 2); /* ArchRev: GICv2 */
	assert_int_equal(rd(0, GICD_PIDR2), 0x2b);
	assert_int_equal(rd(0, GICD_PIDR0), 0x90);
	assert_int_equal(rd(0, GICD_PIDR0 + 4), 0xb4);
	assert_int_equal(rd(0, GICD_PIDR4), 0x04);
	assert_int_equal(rd(0, GICD_CIDR0), 0x0d);
	assert_int_equal(rd(0, GICD_CIDR0 + 4), 0xf0);
	assert_int_equal(rd(0, GICD_CIDR0 + 8), 0x05);
	assert_int_equal(rd(0, GICD_CIDR0 + 12), 0xb1);
	assert_true(vgic_init(&vg, 1, 32, 4, &fake_ops, NULL));
	assert_int_equal(rd(0, GICD_TYPER), 0);
}

static void test_access_width(void **state)
{
	uint32_t val = 1;

	assert_false(vgic_dist_read(&vg, 0, GICD_CTLR, 1, &val));
	assert_int_equal(val, 0);
	assert_false(vgic_dist_write(&vg, 0, GICD_CTLR, 1, 1));
	assert_int_equal(rd(0, GICD_CTLR), 0);
	assert_false(vgic_dist_read(&vg, 0, GICD_IPRIORITYR, 2, &val));
	assert_false(vgic_dist_write(&vg, 0, GICD_IPRIORITYR, 8, 1));
	assert_false(vgic_dist_read(&vg, 0, GICD_IPRIORITYR + 2, 4, &val));
	assert_false(vgic_dist_write(&vg, 0, GICD_ISENABLER + 4, 1, 1));
	assert_false(vgic_dist_write(&vg, 0, GICD_ICFGR + 8, 1, 0xff));
	assert_false(vgic_dist_read(&vg, 0, GICD_SGIR, 1, &val));
	assert_true(vgic_dist_read(&vg, 0, GICD_IPRIORITYR + 33, 1, &val));
	assert_true(vgic_dist_read(&vg, 0, GICD_ITARGETSR + 3, 1, &val));
	assert_int_equal(val, 1);
	assert_true(vgic_dist_read(&vg, 0, GICD_SPENDSGIR + 15, 1, &val));
	assert_true(vgic_dist_write(&vg, 0, GICD_CPENDSGIR + 1, 1, 0));
}

static void test_raz_wi_regions(void **state)
{
	static const uint32_t raz[] = { GICD_IGROUPR, GICD_IGROUPR + 4, 0x00c, 0x07c, 0xd00,
					GICD_NSACR, GICD_NSACR + 8, GICD_SGIR, 0xf04, 0xf30,
					0xfcc, GICD_SIZE, 0x8000 };

	for (unsigned i = 0; i < ARRAY_SIZE(raz); i++) {
		if (raz[i] != GICD_SGIR)
			wr(0, raz[i], 0xffffffff);
		assert_int_equal(rd(0, raz[i]), 0);
	}
	wr(0, GICD_CTLR, 0xffffffff);
	assert_int_equal(rd(1, GICD_CTLR), 1); /* EnableGrp1 RAZ/WI: all Group 0 */
	assert_int_equal(kicked, 0);
}

static void test_enable_registers_banked(void **state)
{
	wr(0, GICD_ISENABLER, 1u << 27);
	assert_int_equal(rd(0, GICD_ISENABLER), 0xffff | (1u << 27));
	assert_int_equal(rd(0, GICD_ICENABLER), 0xffff | (1u << 27));
	assert_int_equal(rd(1, GICD_ISENABLER), 0xffff);
	wr(0, GICD_ICENABLER, 0xffffffff);
	assert_int_equal(rd(0, GICD_ISENABLER), 0xffff); /* SGIs are permanently enabled */
	wr(1, GICD_ISENABLER + 4, 0x80000001);
	assert_int_equal(rd(0, GICD_ISENABLER + 4), 0x80000001);
	wr(3, GICD_ICENABLER + 4, 0x1);
	assert_int_equal(rd(2, GICD_ICENABLER + 4), 0x80000000);
	wr(0, GICD_ISENABLER + 16, 0xffffffff); /* INTIDs 128+: not implemented */
	assert_int_equal(rd(0, GICD_ISENABLER + 16), 0);
}

static void test_priority_byte_and_word(void **state)
{
	wrb(0, GICD_IPRIORITYR + 40, 0xff);
	assert_int_equal(rd(1, GICD_IPRIORITYR + 40), 0xf8);
	wr(0, GICD_IPRIORITYR + 36, 0x11223344);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 36), 0x10203040);
	uint32_t b = 0;
	assert_true(vgic_dist_read(&vg, 0, GICD_IPRIORITYR + 37, 1, &b));
	assert_int_equal(b, 0x30);
	wrb(0, GICD_IPRIORITYR + 20, 0x80); /* banked PPI priority */
	assert_int_equal(rd(0, GICD_IPRIORITYR + 20), 0x80);
	assert_int_equal(rd(1, GICD_IPRIORITYR + 20), 0);
	wrb(0, GICD_IPRIORITYR + 200, 0x80);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 200), 0);
}

static void test_itargetsr(void **state)
{
	for (uint32_t off = 0; off < 32; off += 4) {
		assert_int_equal(rd(2, GICD_ITARGETSR + off), 0x04040404);
		assert_int_equal(rd(0, GICD_ITARGETSR + off), 0x01010101);
	}
	wr(2, GICD_ITARGETSR + 8, 0);
	assert_int_equal(rd(2, GICD_ITARGETSR + 8), 0x04040404);
	wrb(0, GICD_ITARGETSR + 40, 0xff);
	assert_int_equal(rd(3, GICD_ITARGETSR + 40), 0x0f); /* only 4 interfaces */
	wr(0, GICD_ITARGETSR + 44, 0x08040201);
	assert_int_equal(rd(1, GICD_ITARGETSR + 44), 0x08040201);
}

static void test_icfgr(void **state)
{
	assert_int_equal(rd(0, GICD_ICFGR), 0xaaaaaaaa);
	wr(0, GICD_ICFGR, 0);
	assert_int_equal(rd(0, GICD_ICFGR), 0xaaaaaaaa);
	assert_int_equal(rd(0, GICD_ICFGR + 4), 0); /* PPIs: level, fixed */
	wr(0, GICD_ICFGR + 4, 0xffffffff);
	assert_int_equal(rd(0, GICD_ICFGR + 4), 0);
	wr(0, GICD_ICFGR + 8, 0xffffffff);
	assert_int_equal(rd(1, GICD_ICFGR + 8), 0xaaaaaaaa);
	wr(0, GICD_ICFGR + 8, 0x2);
	assert_int_equal(rd(0, GICD_ICFGR + 8), 0x2);
	wr(0, GICD_ICFGR + 32, 0xffffffff); /* beyond nr_irqs */
	assert_int_equal(rd(0, GICD_ICFGR + 32), 0);
}

static void test_pending_active_regs(void **state)
{
	wr(0, GICD_ISPENDR + 4, 1u << 1);
	assert_int_equal(rd(1, GICD_ISPENDR + 4), 2);
	assert_int_equal(rd(1, GICD_ICPENDR + 4), 2);
	wr(2, GICD_ICPENDR + 4, 2);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 0);
	wr(0, GICD_ISPENDR, 0xffff | (1u << 20)); /* SGI bits ignored */
	assert_int_equal(rd(0, GICD_ISPENDR), 1u << 20);
	assert_int_equal(rd(1, GICD_ISPENDR), 0);
	wr(0, GICD_ISACTIVER + 4, 1u << 5);
	wr(0, GICD_ISACTIVER, 1u << 3); /* SGI: ignored */
	assert_int_equal(rd(3, GICD_ICACTIVER + 4), 1u << 5);
	assert_int_equal(rd(0, GICD_ISACTIVER), 0);
	wr(3, GICD_ICACTIVER + 4, 1u << 5);
	assert_int_equal(rd(0, GICD_ISACTIVER + 4), 0);
	assert_int_equal(kicked, 0); /* distributor disabled */
}

static void test_sgi_pending_regs(void **state)
{
	uint32_t b;

	wrb(1, GICD_SPENDSGIR + 5, 0xf5); /* sources 0 and 2 (4..7 do not exist) */
	cur = 1;
	assert_true(vgic_dist_read(&vg, 1, GICD_SPENDSGIR + 5, 1, &b));
	assert_int_equal(b, 0x05);
	assert_int_equal(rd(1, GICD_SPENDSGIR + 4), 0x0500);
	assert_int_equal(rd(1, GICD_CPENDSGIR + 4), 0x0500);
	assert_int_equal(rd(0, GICD_SPENDSGIR + 4), 0);
	assert_int_equal(rd(1, GICD_ISPENDR), 1u << 5);
	wr(1, GICD_ICPENDR, 0xffff); /* SGIs only clear via CPENDSGIR */
	assert_int_equal(rd(1, GICD_ISPENDR), 1u << 5);
	wrb(1, GICD_CPENDSGIR + 5, 0x01);
	assert_int_equal(rd(1, GICD_SPENDSGIR + 4), 0x0400);
}

/* ---- Delivery ----------------------------------------------------------- */

static void test_spi_delivery_lr_format(void **state)
{
	spi_setup(40, 0x02, 0xa0);
	kicked = 0;
	vgic_inject_edge(&vg, 0, 40);
	assert_int_equal(kicked, 1u << 1);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	flush(1);
	assert_int_equal(pcpu[1].lr[0], 40 | (0x14u << 23) | (1u << 28));
	assert_int_equal(pcpu[1].hcr, GICH_HCR_EN);
	assert_int_equal(rd(1, GICD_ISPENDR + 4), 1u << 8);
	assert_int_equal(guest_ack(1), 40);
	assert_int_equal(rd(1, GICD_ISACTIVER + 4), 1u << 8); /* synced on read */
	assert_int_equal(rd(1, GICD_ISPENDR + 4), 0);
	guest_eoi(1, 40);
	assert_int_equal(rd(1, GICD_ISACTIVER + 4), 0);
	assert_int_equal(f_elrsr() & 1, 1);
	assert_false(maint_asserted(1));
}

static void test_ctlr_gates_delivery(void **state)
{
	spi_setup(33, 0x01, 0);
	wr(0, GICD_CTLR, 0);
	kicked = 0;
	vgic_inject_edge(&vg, 0, 33);
	assert_int_equal(kicked, 0);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	wr(1, GICD_CTLR, 1);
	assert_int_equal(kicked, 1u << 0);
	flush(0);
	assert_int_equal(VID(pcpu[0].lr[0]), 33);
}

static void test_priority_order_more_than_lrs(void **state)
{
	static const uint8_t prio[8] = { 0x80, 0x10, 0x40, 0xf0, 0x20, 0x60, 0x30, 0x40 };
	uint32_t iars[16];
	int n;

	for (unsigned i = 0; i < 8; i++) {
		spi_setup(32 + i, 1, prio[i]);
		vgic_inject_edge(&vg, 0, 32 + i);
	}
	flush(0);
	assert_int_equal(used_lrs(0), 4);
	assert_true(pcpu[0].hcr & GICH_HCR_UIE);
	n = run_guest(0, iars, 16);
	assert_int_equal(n, 8);
	/* Equal priorities in LRs are arbitrated by hardware, so check the
	 * priority sequence, and that every interrupt came exactly once. */
	uint32_t seen = 0;
	for (int i = 0; i < 8; i++) {
		assert_true(iars[i] >= 32 && iars[i] < 40);
		seen |= 1u << (iars[i] - 32);
		if (i > 0)
			assert_true(prio[iars[i - 1] - 32] <= prio[iars[i] - 32]);
	}
	assert_int_equal(seen, 0xff);
	assert_false(pcpu[0].hcr & GICH_HCR_UIE);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 0);
}

static void test_eviction_for_higher_priority(void **state)
{
	uint32_t iars[8];

	for (unsigned i = 0; i < 4; i++) {
		spi_setup(40 + i, 1, 0x80 + 8 * i);
		vgic_inject_edge(&vg, 0, 40 + i);
	}
	flush(0);
	spi_setup(50, 1, 0x10);
	vgic_inject_edge(&vg, 0, 50);
	flush(0);
	assert_true(find_lr(0, 50) >= 0);
	assert_int_equal(find_lr(0, 43), -1); /* the lowest priority went back */
	assert_int_equal(rd(0, GICD_ISPENDR + 4), (0xfu << 8) | (1u << 18));
	assert_int_equal(run_guest(0, iars, 8), 5);
	assert_int_equal(iars[0], 50);
	assert_int_equal(iars[4], 43);
}

static void test_no_eviction_of_active_or_equal(void **state)
{
	uint32_t iars[8];

	for (unsigned i = 0; i < 4; i++) {
		spi_setup(40 + i, 1, 0x80);
		vgic_inject_edge(&vg, 0, 40 + i);
	}
	flush(0);
	spi_setup(44, 1, 0x80); /* equal priority: no eviction */
	vgic_inject_edge(&vg, 0, 44);
	flush(0);
	assert_int_equal(find_lr(0, 44), -1);
	assert_int_equal(run_guest(0, iars, 8), 5);
	assert_true(iars[3] == 44 || iars[4] == 44); /* after the first three */
	/* Four nested (rising priority) interrupts fill the LRs as active. */
	for (unsigned i = 0; i < 4; i++) {
		spi_setup(45 + i, 1, 0x80 - 0x10 * i);
		vgic_inject_edge(&vg, 0, 45 + i);
		flush(0);
		assert_int_equal(guest_ack(0), 45 + i);
	}
	spi_setup(49, 1, 0x00);
	vgic_inject_edge(&vg, 0, 49);
	flush(0);
	assert_int_equal(find_lr(0, 49), -1); /* active entries are never evicted */
	assert_true(pcpu[0].hcr & GICH_HCR_UIE);
	assert_false(maint_asserted(0));
	for (unsigned i = 0; i < 4; i++)
		guest_eoi(0, 48 - i);
	assert_true(maint_asserted(0)); /* underflow */
	assert_int_equal(run_guest(0, iars, 8), 1);
	assert_int_equal(iars[0], 49);
}

static void test_sgi_targets_and_sources(void **state)
{
	wr(0, GICD_CTLR, 1);
	kicked = 0;
	wr(0, GICD_SGIR, (0u << 24) | (0x06u << 16) | 3);
	assert_int_equal(kicked, 0x6);
	flush(1);
	assert_int_equal(pcpu[1].lr[0], 3 | (1u << 28)); /* CPUID 0, no EOI */
	assert_int_equal(guest_ack(1), 3);
	kicked = 0;
	wr(2, GICD_SGIR, (1u << 24) | 4);
	assert_int_equal(kicked, 0xb); /* all but self: 0, 1, 3 */
	flush(3);
	assert_int_equal(guest_ack(3), 4 | (2u << 10));
	guest_eoi(3, 4 | (2u << 10));
	assert_int_equal(rd(2, GICD_ISPENDR), 1u << 3); /* banked: only SGI 3 from vCPU 0 */
	kicked = 0;
	wr(3, GICD_SGIR, (2u << 24) | 5);
	/* self: the caller's LRs are live on its core, so the write fills
	 * them at once and nobody is kicked */
	assert_int_equal(kicked, 0);
	assert_int_equal(guest_ack(3), 5 | (3u << 10));
	kicked = 0;
	wr(0, GICD_SGIR, (3u << 24) | (0xffu << 16) | 6); /* reserved filter */
	assert_int_equal(rd(1, GICD_ISPENDR) & (1u << 6), 0);
	wr(0, GICD_SGIR, (0xf0u << 16) | 6); /* nonexistent interfaces */
	assert_int_equal(kicked, 0);
}

/* A self-SGI whose last delivery is over goes back into its own LR in place;
 * anything else (still pending, another source waiting, work queued ahead)
 * takes the general path with the same result. */
static void test_sgi_self_fast(void **state)
{
	uint32_t iars[8], seen;
	int n;

	wr(0, GICD_CTLR, 1);
	wrb(1, GICD_IPRIORITYR + 9, 0x40);
	wr(1, GICD_SGIR, (2u << 24) | 9);
	n = find_lr(1, 9);
	assert_true(n >= 0);
	assert_int_equal(guest_ack(1), 9 | (1u << 10));
	guest_eoi(1, 9 | (1u << 10));
	/* Finished: reused in place, pending, from vCPU 1, no EOI request. */
	kicked = 0;
	wr(1, GICD_SGIR, (0x02u << 16) | 9);
	assert_int_equal(kicked, 0);
	assert_int_equal(find_lr(1, 9), n);
	assert_int_equal(used_lrs(1), 1);
	assert_int_equal(pcpu[1].lr[n], 9 | (1u << 10) | (0x08u << 23) | (1u << 28));
	assert_int_equal(rd(1, GICD_SPENDSGIR + 8), 0x02u << 8);
	/* Still pending: the same source coalesces, one delivery. */
	wr(1, GICD_SGIR, (2u << 24) | 9);
	assert_int_equal(run_guest(1, iars, 8), 1);
	assert_int_equal(iars[0], 9 | (1u << 10));
	/* Another source waits in the distributor: general path, both come. */
	wr(1, GICD_SGIR, (2u << 24) | 9);
	wr(0, GICD_SGIR, (0x02u << 16) | 9);
	assert_int_equal(run_guest(1, iars, 8), 2);
	assert_int_equal(iars[0], 9 | (1u << 10));
	assert_int_equal(iars[1], 9);
	/* Work queued ahead of it keeps priority order: more higher-priority
	 * SGIs than LRs, none taken yet. */
	for (unsigned i = 0; i < 5; i++)
		wrb(1, GICD_IPRIORITYR + i, 0x10);
	for (unsigned i = 0; i < 5; i++)
		wr(1, GICD_SGIR, (2u << 24) | i);
	wr(1, GICD_SGIR, (2u << 24) | 9);
	assert_int_equal(run_guest(1, iars, 8), 6);
	seen = 0;
	for (unsigned i = 0; i < 5; i++)	/* equal priorities: any order */
		seen |= 1u << (iars[i] & 0x3ff);
	assert_int_equal(seen, 0x1f);
	assert_int_equal(iars[5], 9 | (1u << 10));
}

static void test_same_sgi_two_sources(void **state)
{
	uint32_t iars[8];

	wr(0, GICD_CTLR, 1);
	wr(0, GICD_SGIR, (0x02u << 16) | 7);
	wr(2, GICD_SGIR, (0x02u << 16) | 7);
	flush(1);
	assert_int_equal(used_lrs(1), 1); /* one VirtualID per LR set */
	assert_true(pcpu[1].lr[0] & GICH_LR_EOI);
	assert_int_equal(rd(1, GICD_SPENDSGIR + 4), 0x05u << 24);
	assert_int_equal(run_guest(1, iars, 8), 2);
	assert_int_equal(iars[0], 7);
	assert_int_equal(iars[1], 7 | (2u << 10));
	/* The same source twice before acknowledge coalesces. */
	wr(0, GICD_SGIR, (0x02u << 16) | 8);
	flush(1);
	wr(0, GICD_SGIR, (0x02u << 16) | 8);
	assert_int_equal(run_guest(1, iars, 8), 1);
	/* ...but after acknowledge it is a new interrupt. */
	wr(0, GICD_SGIR, (0x02u << 16) | 8);
	flush(1);
	assert_int_equal(guest_ack(1), 8);
	wr(0, GICD_SGIR, (0x02u << 16) | 8);
	flush(1);
	assert_int_equal(ST(pcpu[1].lr[find_lr(1, 8)]), 3);
	guest_eoi(1, 8);
	assert_int_equal(run_guest(1, iars, 8), 1);
}

static void test_level_resample_on_eoi(void **state)
{
	spi_setup(50, 1, 0x40);
	vgic_set_level(&vg, 0, 50, true);
	flush(0);
	assert_true(pcpu[0].lr[0] & GICH_LR_EOI);
	assert_int_equal(guest_ack(0), 50);
	guest_eoi(0, 50);
	assert_true(maint_asserted(0));
	vgic_maintenance(&vg, 0);
	assert_false(maint_asserted(0));
	assert_int_equal(ST(pcpu[0].lr[find_lr(0, 50)]), 1); /* still high: pending again */
	assert_int_equal(guest_ack(0), 50);
	vgic_set_level(&vg, 0, 50, false);
	guest_eoi(0, 50);
	vgic_maintenance(&vg, 0);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 0);
}

static void test_level_retract_and_latch(void **state)
{
	uint32_t iars[4];

	spi_setup(51, 1, 0x40);
	vgic_set_level(&vg, 0, 51, true);
	flush(0);
	vgic_set_level(&vg, 0, 51, false);
	flush(0);
	assert_int_equal(used_lrs(0), 0); /* fell before the guest took it */
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 0);
	wr(0, GICD_ISPENDR + 4, 1u << 19); /* software pending, line low */
	flush(0);
	flush(0);
	assert_int_equal(run_guest(0, iars, 4), 1);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 0);
}

static void test_disable_while_active(void **state)
{
	uint32_t iars[4];

	spi_setup(60, 1, 0x40);
	vgic_inject_edge(&vg, 0, 60);
	flush(0);
	assert_int_equal(guest_ack(0), 60);
	wr(0, GICD_ICENABLER + 4, 1u << 28);
	flush(0);
	assert_int_equal(ST(pcpu[0].lr[find_lr(0, 60)]), 2); /* not orphaned */
	guest_eoi(0, 60);
	vgic_inject_edge(&vg, 0, 60);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 1u << 28);
	assert_int_equal(rd(0, GICD_ISACTIVER + 4), 0);
	wr(0, GICD_ISENABLER + 4, 1u << 28);
	assert_int_equal(run_guest(0, iars, 4), 1);
	assert_int_equal(iars[0], 60);
}

static void test_disable_while_pending_in_lr(void **state)
{
	uint32_t iars[4];

	spi_setup(61, 1, 0x40);
	vgic_inject_edge(&vg, 0, 61);
	flush(0);
	wr(0, GICD_ICENABLER + 4, 1u << 29);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 1u << 29);
	assert_int_equal(guest_ack(0), 1023);
	wr(0, GICD_ISENABLER + 4, 1u << 29);
	assert_int_equal(run_guest(0, iars, 4), 1);
}

static void test_clear_pending_and_active_in_lr(void **state)
{
	spi_setup(62, 1, 0x40);
	vgic_inject_edge(&vg, 0, 62);
	flush(0);
	wr(0, GICD_ICPENDR + 4, 1u << 30);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	vgic_inject_edge(&vg, 0, 62);
	flush(0);
	assert_int_equal(guest_ack(0), 62);
	wr(0, GICD_ICACTIVER + 4, 1u << 30);
	assert_int_equal(rd(0, GICD_ISACTIVER + 4), 0);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	guest_eoi(0, 62); /* no LR left: counted, harmless */
	assert_int_equal(pcpu[0].hcr >> 27, 1);
}

static void test_edge_repends_while_active(void **state)
{
	spi_setup(63, 1, 0x40);
	vgic_inject_edge(&vg, 0, 63);
	flush(0);
	assert_int_equal(guest_ack(0), 63);
	vgic_inject_edge(&vg, 0, 63);
	flush(0);
	assert_int_equal(ST(pcpu[0].lr[find_lr(0, 63)]), 3);
	guest_eoi(0, 63);
	assert_int_equal(guest_ack(0), 63);
	guest_eoi(0, 63);
	flush(0);
	assert_int_equal(rd(0, GICD_ISPENDR + 4) | rd(0, GICD_ISACTIVER + 4), 0);
}

static void test_hw_linked_injection(void **state)
{
	wr(0, GICD_ISENABLER, 1u << 27);
	wrb(0, GICD_IPRIORITYR + 27, 0xa0);
	wr(0, GICD_CTLR, 1);
	vgic_inject_hw(&vg, 0, 27, 27);
	flush(0);
	assert_int_equal(pcpu[0].lr[0], GICH_LR_HW | 27 | (27u << 10) | (0x14u << 23) | (1u << 28));
	assert_int_equal(guest_ack(0), 27);
	guest_eoi(0, 27);
	assert_int_equal(hw_deact[27], 1);
	assert_int_equal(hyp_deact[27], 0);
	assert_false(maint_asserted(0));
	/* Disabled while pending in the LR: back to the distributor, physical
	 * stays active, and it returns HW-linked when re-enabled. */
	vgic_inject_hw(&vg, 0, 27, 27);
	flush(0);
	wr(0, GICD_ICENABLER, 1u << 27);
	flush(0);
	assert_int_equal(used_lrs(0), 0);
	assert_int_equal(hyp_deact[27], 0);
	wr(0, GICD_ISENABLER, 1u << 27);
	flush(0);
	assert_true(pcpu[0].lr[find_lr(0, 27)] & GICH_LR_HW);
	/* Guest clears the active state of a HW interrupt: the vgic must
	 * deactivate the physical one itself. */
	assert_int_equal(guest_ack(0), 27);
	wr(0, GICD_ICACTIVER, 1u << 27);
	flush(0);
	assert_int_equal(hyp_deact[27], 1);
	assert_int_equal(used_lrs(0), 0);
	/* Pending cleared before delivery: likewise. */
	wr(0, GICD_CTLR, 0);
	vgic_inject_hw(&vg, 0, 27, 27);
	wr(0, GICD_ICPENDR, 1u << 27);
	assert_int_equal(hyp_deact[27], 2);
	assert_int_equal(rd(0, GICD_ISPENDR), 0);
}

/* The IRQ exit's timer path: a free LR first, then the timer's own finished
 * HW=1 entry is rewritten in place; anything not idle is refused untouched. */
static void test_hw_fast_injection(void **state)
{
	int n;

	wr(0, GICD_ISENABLER, 1u << 27);
	wrb(0, GICD_IPRIORITYR + 27, 0xa0);
	assert_false(vgic_inject_hw_fast(&vg, 0, 27)); /* distributor disabled */
	wr(0, GICD_CTLR, 1);
	cur = 0;
	assert_true(vgic_inject_hw_fast(&vg, 0, 27));
	assert_int_equal(kicked, 0);
	n = find_lr(0, 27);
	assert_true(n >= 0);
	assert_int_equal(pcpu[0].lr[n], GICH_LR_HW | 27 | (27u << 10) | (0x14u << 23) | (1u << 28));
	/* Still pending in the LR (the physical PPI could not fire again):
	 * not idle, so refused. */
	assert_false(vgic_inject_hw_fast(&vg, 0, 27));
	assert_int_equal(guest_ack(0), 27);
	guest_eoi(0, 27);
	assert_int_equal(hw_deact[27], 1);
	assert_true(vgic_inject_hw_fast(&vg, 0, 27));
	assert_int_equal(find_lr(0, 27), n);
	assert_int_equal(used_lrs(0), 1);
	assert_int_equal(guest_ack(0), 27);
	guest_eoi(0, 27);
	assert_int_equal(hw_deact[27], 2);
	/* Disabled: the general path decides. */
	wr(0, GICD_ICENABLER, 1u << 27);
	cur = 0;
	assert_false(vgic_inject_hw_fast(&vg, 0, 27));
	wr(0, GICD_ISENABLER, 1u << 27);
	/* Work queued for the vCPU: ordering is the flush's job. */
	spi_setup(40, 1, 0x10);
	vgic_inject_edge(&vg, 0, 40);
	cur = 0;
	assert_false(vgic_inject_hw_fast(&vg, 0, 27));
	vgic_inject_hw(&vg, 0, 27, 27);
	flush(0);
	assert_int_equal(guest_ack(0), 40);
	guest_eoi(0, 40);	/* 27's lower priority waits for 40 to end */
	assert_int_equal(guest_ack(0), 27);
	assert_int_equal(hyp_deact[27], 0);
}

/* Software pending behind an active HW=1 entry: the entry becomes HW=0 with
 * EOI so the vgic learns of its end, deactivates the physical interrupt
 * itself, and then delivers the new pending. */
static void test_hw_active_with_software_pending(void **state)
{
	uint32_t iars[4];

	wr(0, GICD_ISENABLER, 1u << 27);
	wr(0, GICD_CTLR, 1);
	vgic_inject_hw(&vg, 0, 27, 27);
	flush(0);
	assert_int_equal(guest_ack(0), 27);
	wr(0, GICD_ISPENDR, 1u << 27);
	flush(0);
	uint32_t lr = pcpu[0].lr[find_lr(0, 27)];
	assert_false(lr & GICH_LR_HW);
	assert_true(lr & GICH_LR_EOI);
	assert_int_equal(ST(lr), 2);
	guest_eoi(0, 27);
	assert_int_equal(hw_deact[27], 0);
	assert_true(maint_asserted(0));
	vgic_maintenance(&vg, 0);
	assert_int_equal(hyp_deact[27], 1); /* at the guest's deactivation */
	assert_int_equal(run_guest(0, iars, 4), 1);
	assert_int_equal(iars[0], 27);
	assert_int_equal(hyp_deact[27] + hw_deact[27], 1); /* never twice */
}

static void test_priority_change_reaches_lr(void **state)
{
	spi_setup(70, 1, 0x80);
	vgic_inject_edge(&vg, 0, 70);
	flush(0);
	wrb(0, GICD_IPRIORITYR + 70, 0x08);
	flush(0);
	assert_int_equal(PRIO(pcpu[0].lr[find_lr(0, 70)]), 1);
}

static void test_spi_targets_1_of_n(void **state)
{
	spi_setup(80, 0x0c, 0x40);
	kicked = 0;
	vgic_inject_edge(&vg, 0, 80);
	assert_int_equal(kicked, 1u << 2); /* lowest target wins */
	wrb(0, GICD_ITARGETSR + 80, 0);
	for (unsigned v = 0; v < 4; v++) {
		flush(v);
		assert_int_equal(used_lrs(v), 0);
	}
	assert_int_equal(rd(0, GICD_ISPENDR + 8), 1u << 16); /* pending, undelivered */
	kicked = 0;
	wrb(0, GICD_ITARGETSR + 80, 0x08);
	assert_int_equal(kicked, 1u << 3);
	flush(3);
	assert_int_equal(guest_ack(3), 80);
}

static void test_cross_vcpu_state_read_refreshes_holder(void **state)
{
	spi_setup(41, 0x02, 0x40);
	vgic_inject_edge(&vg, 0, 41);
	flush(1);
	assert_int_equal(guest_ack(1), 41);
	guest_eoi(1, 41); /* vCPU 1 has not exited since */
	kicked = 0;
	(void)rd(0, GICD_ISACTIVER + 4); /* may be stale, but asks vCPU 1 to exit */
	assert_int_equal(kicked, 1u << 1);
	flush(1);
	kicked = 0;
	assert_int_equal(rd(0, GICD_ISACTIVER + 4) | rd(0, GICD_ISPENDR + 4), 0);
	assert_int_equal(kicked, 0);
	/* A switched-out holder is exact already: no kick. */
	vgic_inject_edge(&vg, 0, 41);
	flush(1);
	vgic_vcpu_save(&vg, 1, &ctxs[1]);
	kicked = 0;
	assert_int_equal(rd(0, GICD_ISPENDR + 4), 1u << 9);
	assert_int_equal(kicked, 0);
}

static void test_save_restore_round_trip(void **state)
{
	uint32_t before[VGIC_MAX_LRS], iars[8];

	for (unsigned i = 0; i < 6; i++) {
		spi_setup(90 + i, 1, 0x40 + 8 * i);
		vgic_inject_edge(&vg, 0, 90 + i);
	}
	flush(0);
	assert_int_equal(guest_ack(0), 90);
	pcpu[0].vmcr = 0x12345678;
	pcpu[0].apr = 0x100;
	memcpy(before, pcpu[0].lr, sizeof(before));
	uint32_t hcr_before = pcpu[0].hcr;
	vgic_vcpu_save(&vg, 0, &ctxs[0]);
	assert_memory_equal(ctxs[0].lr, before, 4 * sizeof(uint32_t));
	assert_int_equal(ctxs[0].vmcr, 0x12345678);
	assert_int_equal(ctxs[0].apr, 0x100);
	for (unsigned n = 0; n < nlrs; n++)
		assert_int_equal(pcpu[0].lr[n], 0);
	assert_int_equal(pcpu[0].hcr, 0);
	/* Another VM uses this core meanwhile. */
	for (unsigned n = 0; n < nlrs; n++)
		pcpu[0].lr[n] = 0x10000000u | n;
	pcpu[0].vmcr = pcpu[0].apr = 0xffffffff;
	vgic_vcpu_restore(&vg, 0, &ctxs[0]);
	assert_memory_equal(pcpu[0].lr, before, 4 * sizeof(uint32_t));
	assert_int_equal(pcpu[0].vmcr, 0x12345678);
	assert_int_equal(pcpu[0].apr, 0x100);
	assert_int_equal(pcpu[0].hcr, hcr_before);
	guest_eoi(0, 90);
	assert_int_equal(run_guest(0, iars, 8), 5);
}

static void test_reset(void **state)
{
	wr(0, GICD_ISENABLER, 1u << 27);
	wr(0, GICD_CTLR, 1);
	vgic_inject_hw(&vg, 0, 27, 27);
	flush(0);
	spi_setup(40, 1, 0x40);
	pcpu[0].vmcr = 0x55;
	for (cur = 0; cur < 4; cur++)
		vgic_vcpu_save(&vg, cur, &ctxs[cur]);
	vgic_reset(&vg);
	assert_int_equal(hyp_deact[27], 1); /* HW LR dropped: physical released */
	for (cur = 0; cur < 4; cur++)
		vgic_vcpu_restore(&vg, cur, &ctxs[cur]); /* stale ctx: fresh state */
	assert_int_equal(pcpu[0].vmcr, 0);
	assert_int_equal(used_lrs(0), 0);
	assert_int_equal(rd(0, GICD_CTLR), 0);
	assert_int_equal(rd(0, GICD_ISENABLER), 0xffff);
	assert_int_equal(rd(0, GICD_ISENABLER + 4), 0);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 40), 0);
	assert_int_equal(rd(0, GICD_ISPENDR), 0);
}

static void test_injection_bounds_and_pending_query(void **state)
{
	wr(0, GICD_ISENABLER, 0xffffffff);
	wr(0, GICD_CTLR, 1);
	kicked = 0;
	vgic_inject_edge(&vg, 0, 3);    /* SGIs only via GICD_SGIR */
	vgic_inject_edge(&vg, 0, 128);  /* beyond nr_irqs */
	vgic_inject_edge(&vg, 4, 20);   /* no such vCPU */
	vgic_set_level(&vg, 0, 1000, true);
	vgic_inject_hw(&vg, 0, 27, 5);  /* pirq must not be an SGI */
	assert_int_equal(kicked, 0);
	assert_false(vgic_vcpu_has_pending(&vg, 0));
	vgic_inject_edge(&vg, 0, 20);
	assert_true(vgic_vcpu_has_pending(&vg, 0));
	assert_false(vgic_vcpu_has_pending(&vg, 1));
	flush(0);
	assert_true(vgic_vcpu_has_pending(&vg, 0)); /* pending in an LR */
	assert_int_equal(guest_ack(0), 20);
	vgic_sync_lrs(&vg, 0);
	assert_false(vgic_vcpu_has_pending(&vg, 0));
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_validation), T(test_typer_iidr_id_regs), T(test_access_width),
		T(test_raz_wi_regions), T(test_enable_registers_banked),
		T(test_priority_byte_and_word), T(test_itargetsr), T(test_icfgr),
		T(test_pending_active_regs), T(test_sgi_pending_regs),
		T(test_spi_delivery_lr_format), T(test_ctlr_gates_delivery),
		T(test_priority_order_more_than_lrs), T(test_eviction_for_higher_priority),
		T(test_no_eviction_of_active_or_equal), T(test_sgi_targets_and_sources),
		T(test_sgi_self_fast), T(test_same_sgi_two_sources), T(test_level_resample_on_eoi),
		T(test_level_retract_and_latch), T(test_disable_while_active),
		T(test_disable_while_pending_in_lr), T(test_clear_pending_and_active_in_lr),
		T(test_edge_repends_while_active), T(test_hw_linked_injection),
		T(test_hw_fast_injection), T(test_hw_active_with_software_pending),
		T(test_priority_change_reaches_lr), T(test_spi_targets_1_of_n),
		T(test_cross_vcpu_state_read_refreshes_holder),
		T(test_save_restore_round_trip), T(test_reset),
		T(test_injection_bounds_and_pending_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
