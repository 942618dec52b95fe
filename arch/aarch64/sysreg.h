/* EL2 system-register field definitions (names as in the Arm ARM) and C
 * accessors. Constants are usable from assembly too. */
#ifndef HB_ARCH_SYSREG_H
#define HB_ARCH_SYSREG_H

#define _B(n) (1U << (n))
#define _BL(n) (1UL << (n))

/* HCR_EL2 */
#define HCR_VM		_BL(0)
#define HCR_SWIO	_BL(1)
#define HCR_PTW		_BL(2)
#define HCR_FMO		_BL(3)
#define HCR_IMO		_BL(4)
#define HCR_AMO		_BL(5)
#define HCR_VF		_BL(6)
#define HCR_VI		_BL(7)
#define HCR_VSE		_BL(8)
#define HCR_FB		_BL(9)
#define HCR_BSU_IS	(1UL << 10)
#define HCR_DC		_BL(12)
#define HCR_TWI		_BL(13)
#define HCR_TWE		_BL(14)
#define HCR_TID0	_BL(15)
#define HCR_TID1	_BL(16)
#define HCR_TID2	_BL(17)
#define HCR_TID3	_BL(18)
#define HCR_TSC		_BL(19)
#define HCR_TIDCP	_BL(20)
#define HCR_TACR	_BL(21)
#define HCR_TSW		_BL(22)
#define HCR_TVM		_BL(26)
#define HCR_TGE		_BL(27)
#define HCR_RW		_BL(31)
#define HCR_E2H		_BL(34)

/* SCTLR_ELx */
#define SCTLR_M		_B(0)
#define SCTLR_A		_B(1)
#define SCTLR_C		_B(2)
#define SCTLR_SA	_B(3)
#define SCTLR_I		_B(12)
#define SCTLR_WXN	_B(19)
#define SCTLR_EL2_RES1	0x30C50830
#define SCTLR_EL1_RES1	0x30D00800

/* CNTHCTL_EL2 (non-VHE layout) */
#define CNTHCTL_EL1PCTEN	_B(0)
#define CNTHCTL_EL1PCEN		_B(1)

/* MDCR_EL2 */
#define MDCR_HPMN_MASK	0x1f
#define MDCR_TPMCR	_B(5)
#define MDCR_TPM	_B(6)
#define MDCR_TDE	_B(8)
#define MDCR_TDA	_B(9)
#define MDCR_TDOSA	_B(10)
#define MDCR_TDRA	_B(11)

/* CPTR_EL2 (non-VHE) */
#define CPTR_EL2_RES1	0x000033FF	/* includes TZ=1: SVE traps */
#define CPTR_TFP	_B(10)
#define CPTR_TTA	_B(20)
#define CPTR_TCPAC	_B(31)

/* TCR_EL2 (non-VHE) */
#define TCR_EL2_RES1	(_B(31) | _B(23))

/* VTCR_EL2 */
#define VTCR_RES1	_B(31)

/* SPSR / PSTATE */
#define PSR_MODE_EL0t	0x0
#define PSR_MODE_EL1t	0x4
#define PSR_MODE_EL1h	0x5
#define PSR_MODE_EL2t	0x8
#define PSR_MODE_EL2h	0x9
#define PSR_MODE_MASK	0xf
#define PSR_F		_B(6)
#define PSR_I		_B(7)
#define PSR_A		_B(8)
#define PSR_D		_B(9)
#define PSR_DAIF	(PSR_D | PSR_A | PSR_I | PSR_F)
#define PSR_AARCH32	_B(4)

#define CURRENTEL_EL2	(2 << 2)

#ifndef __ASSEMBLY__
#include "lib/types.h"

#define read_sysreg(r) ({ uint64_t __v; __asm__ volatile("mrs %0, " #r : "=r"(__v)); __v; })
#define write_sysreg(r, v) do { uint64_t __v = (uint64_t)(v); \
	__asm__ volatile("msr " #r ", %x0" : : "rZ"(__v)); } while (0)

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt ::: "memory")
#define wfi() __asm__ volatile("wfi" ::: "memory")
#define wfe() __asm__ volatile("wfe" ::: "memory")
#define sev() __asm__ volatile("sev" ::: "memory")

static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }

/* MPIDR affinity Aff3..Aff0 packed as in MPIDR_EL1 (Aff3 at [39:32]). */
#define MPIDR_AFF_MASK 0xff00ffffffULL
static inline uint64_t mpidr_affinity(uint64_t mpidr) { return mpidr & MPIDR_AFF_MASK; }
#endif

#endif
