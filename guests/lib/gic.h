/* GICv2 access for the test guests: distributor and CPU interface registers,
 * per-interrupt state helpers, SGIs, and routing IRQ exceptions to a handler. */
#ifndef HB_GUEST_GIC_H
#define HB_GUEST_GIC_H

#include "guests/lib/rt.h"

/* Distributor register offsets (from RT_GICD_BASE). */
#define GIC_DIST_CTLR		0x000
#define GIC_DIST_TYPER		0x004
#define GIC_DIST_IIDR		0x008
#define GIC_DIST_IGROUPR	0x080
#define GIC_DIST_ISENABLER	0x100
#define GIC_DIST_ICENABLER	0x180
#define GIC_DIST_ISPENDR	0x200
#define GIC_DIST_ICPENDR	0x280
#define GIC_DIST_ISACTIVER	0x300
#define GIC_DIST_ICACTIVER	0x380
#define GIC_DIST_IPRIORITYR	0x400
#define GIC_DIST_ITARGETSR	0x800
#define GIC_DIST_ICFGR		0xc00
#define GIC_DIST_NSACR		0xe00
#define GIC_DIST_SGIR		0xf00
#define GIC_DIST_CPENDSGIR	0xf10
#define GIC_DIST_SPENDSGIR	0xf20
#define GIC_DIST_PIDR2		0xfe8

/* CPU interface register offsets (from RT_GICC_BASE). */
#define GIC_CPU_CTLR		0x000
#define GIC_CPU_PMR		0x004
#define GIC_CPU_BPR		0x008
#define GIC_CPU_IAR		0x00c
#define GIC_CPU_EOIR		0x010
#define GIC_CPU_RPR		0x014
#define GIC_CPU_HPPIR		0x018
#define GIC_CPU_DIR		0x1000

#define GIC_CPU_CTLR_ENABLE	BIT(0)
/* EOIR only drops priority; DIR deactivates (bit 9 both natively without
 * Security Extensions and in the virtual CPU interface). */
#define GIC_CPU_CTLR_EOIMODE	BIT(9)

#define GIC_IAR_INTID(iar)	((iar) & 0x3ffu)
#define GIC_IAR_CPUID(iar)	(((iar) >> 10) & 7u)
#define GIC_SPURIOUS		1023u

/* GICD_SGIR TargetListFilter. */
#define GIC_SGI_TO_LIST		0u
#define GIC_SGI_TO_OTHERS	1u
#define GIC_SGI_TO_SELF		2u

#define GIC_NR_SGIS		16u
#define GIC_NR_PRIVATE		32u
#define GIC_INTID_VTIMER	27u
#define GIC_INTID_UART		33u

/* Inline asm accessors: each is one plain LDR/STR with a base register, the
 * form a hypervisor can decode from the syndrome (no writeback, no pairs). */
static inline uint32_t gic_mmio_read32(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void gic_mmio_write32(uint64_t addr, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint8_t gic_mmio_read8(uint64_t addr)
{
	uint32_t v;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return (uint8_t)v;
}

static inline void gic_mmio_write8(uint64_t addr, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"((uint32_t)v), "r"(addr) : "memory");
}

static inline uint32_t gicd_read(uint32_t off) { return gic_mmio_read32(RT_GICD_BASE + off); }
static inline void gicd_write(uint32_t off, uint32_t v) { gic_mmio_write32(RT_GICD_BASE + off, v); }
static inline uint8_t gicd_read8(uint32_t off) { return gic_mmio_read8(RT_GICD_BASE + off); }
static inline void gicd_write8(uint32_t off, uint8_t v) { gic_mmio_write8(RT_GICD_BASE + off, v); }
static inline uint32_t gicc_read(uint32_t off) { return gic_mmio_read32(RT_GICC_BASE + off); }
static inline void gicc_write(uint32_t off, uint32_t v) { gic_mmio_write32(RT_GICC_BASE + off, v); }

/* One-bit-per-interrupt registers: `reg` is GIC_DIST_ISENABLER and friends. */
static inline uint32_t gic_bit_reg(uint32_t reg, unsigned intid)
{
	return reg + intid / 32 * 4;
}

static inline bool gic_test_bit(uint32_t reg, unsigned intid)
{
	return (gicd_read(gic_bit_reg(reg, intid)) >> (intid % 32)) & 1;
}

static inline void gic_write_bit(uint32_t reg, unsigned intid)
{
	gicd_write(gic_bit_reg(reg, intid), 1u << (intid % 32));
}

static inline void gic_enable_irq(unsigned intid) { gic_write_bit(GIC_DIST_ISENABLER, intid); }
static inline void gic_disable_irq(unsigned intid) { gic_write_bit(GIC_DIST_ICENABLER, intid); }
static inline void gic_set_pending(unsigned intid) { gic_write_bit(GIC_DIST_ISPENDR, intid); }
static inline void gic_clear_pending(unsigned intid) { gic_write_bit(GIC_DIST_ICPENDR, intid); }
static inline void gic_set_active(unsigned intid) { gic_write_bit(GIC_DIST_ISACTIVER, intid); }
static inline void gic_clear_active(unsigned intid) { gic_write_bit(GIC_DIST_ICACTIVER, intid); }
static inline bool gic_is_enabled(unsigned intid) { return gic_test_bit(GIC_DIST_ISENABLER, intid); }
static inline bool gic_is_pending(unsigned intid) { return gic_test_bit(GIC_DIST_ISPENDR, intid); }
static inline bool gic_is_active(unsigned intid) { return gic_test_bit(GIC_DIST_ISACTIVER, intid); }

static inline void gic_set_priority(unsigned intid, uint8_t prio)
{
	gicd_write8(GIC_DIST_IPRIORITYR + intid, prio);
}

static inline uint8_t gic_priority(unsigned intid)
{
	return gicd_read8(GIC_DIST_IPRIORITYR + intid);
}

static inline void gic_set_targets(unsigned intid, uint8_t cpu_mask)
{
	gicd_write8(GIC_DIST_ITARGETSR + intid, cpu_mask);
}

static inline void gic_send_sgi(unsigned filter, uint8_t cpu_targets, unsigned sgi)
{
	gicd_write(GIC_DIST_SGIR, (filter << 24) | ((uint32_t)cpu_targets << 16) | (sgi & 0xf));
}

static inline uint32_t gic_ack(void) { return gicc_read(GIC_CPU_IAR); }
static inline void gic_eoi(uint32_t iar) { gicc_write(GIC_CPU_EOIR, iar); }
static inline void gic_deactivate(uint32_t iar) { gicc_write(GIC_CPU_DIR, iar); }

/* PSTATE.I: the CPU's own IRQ mask, separate from anything in the GIC. */
static inline void cpu_irq_unmask(void)
{
	__asm__ volatile("msr daifclr, #2\n\tisb" : : : "memory");
}

static inline void cpu_irq_mask(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
}

/* Distributor on (one call per VM). */
void gic_dist_enable(void);
/* This vCPU's CPU interface on: PMR lets every priority through, the
 * smallest binary point, and EOImode as asked. */
void gic_cpu_enable(bool split_eoi);
/* Back to the reset state of the tests' interrupts: disabled, not pending,
 * not active (INTIDs [first, first + count)). */
void gic_reset_irqs(unsigned first, unsigned count);

/*
 * IRQ exceptions (taken at EL1 with SP_ELx, or from EL0) call handler on
 * the interrupted vCPU; it acknowledges and completes the interrupt itself.
 * It runs with PSTATE.I set; it may unmask to allow preemption but must mask
 * again before returning. NULL removes the routing. Installs the runtime's
 * exception hook: a test using this cannot also use its own hook.
 */
typedef void (*gic_irq_handler_t)(struct rt_frame *frame);
void gic_set_irq_handler(gic_irq_handler_t handler);

#endif
