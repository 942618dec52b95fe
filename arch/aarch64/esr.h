/* ESR_EL2 decoding: exception classes, ISS fields and fault status codes named
 * as in the Arm ARM (D24.2.41 ESR_EL2), plus a one-line description for reports. */
#ifndef HB_ARCH_ESR_H
#define HB_ARCH_ESR_H

#include "lib/types.h"

/* Exception classes, ESR_ELx.EC (bits [31:26]). Gaps are unallocated. */
#define ESR_EC_UNKNOWN		0x00	/* unknown reason, e.g. UNDEFINED instruction */
#define ESR_EC_WFX		0x01	/* trapped WFI/WFE/WFIT/WFET */
#define ESR_EC_CP15_32		0x03	/* AArch32 MCR/MRC, coproc 0b1111 */
#define ESR_EC_CP15_64		0x04	/* AArch32 MCRR/MRRC, coproc 0b1111 */
#define ESR_EC_CP14_MR		0x05	/* AArch32 MCR/MRC, coproc 0b1110 */
#define ESR_EC_CP14_LS		0x06	/* AArch32 LDC/STC, coproc 0b1110 */
#define ESR_EC_FP_ASIMD		0x07	/* SVE/SIMD/FP access trapped by CPTR/CPACR */
#define ESR_EC_CP10_ID		0x08	/* AArch32 VMRS of an ID register (TID0/TID3) */
#define ESR_EC_PAC		0x09	/* pointer authentication trapped (HCR_EL2.API=0) */
#define ESR_EC_OTHER		0x0A	/* LD64B/ST64B* and other FEAT_LS64 traps */
#define ESR_EC_CP14_64		0x0C	/* AArch32 MRRC/MCRR, coproc 0b1110 */
#define ESR_EC_BTI		0x0D	/* branch target exception */
#define ESR_EC_ILLEGAL		0x0E	/* illegal execution state (PSTATE.IL) */
#define ESR_EC_SVC32		0x11
#define ESR_EC_HVC32		0x12
#define ESR_EC_SMC32		0x13
#define ESR_EC_SVC64		0x15
#define ESR_EC_HVC64		0x16
#define ESR_EC_SMC64		0x17
#define ESR_EC_SYS64		0x18	/* MSR, MRS or system instruction */
#define ESR_EC_SVE		0x19	/* SVE access trapped by CPTR/CPACR.ZEN */
#define ESR_EC_ERET		0x1A	/* ERET/ERETAA/ERETAB trapped (FEAT_NV) */
#define ESR_EC_FPAC		0x1C	/* pointer authentication failure (FEAT_FPAC) */
#define ESR_EC_SME		0x1D	/* SME access trapped */
#define ESR_EC_IMPDEF		0x1F	/* IMPLEMENTATION DEFINED, EL3 only */
#define ESR_EC_IABT_LOW		0x20	/* instruction abort from a lower EL */
#define ESR_EC_IABT_CUR		0x21	/* instruction abort without an EL change */
#define ESR_EC_PC_ALIGN		0x22
#define ESR_EC_DABT_LOW		0x24	/* data abort from a lower EL */
#define ESR_EC_DABT_CUR		0x25	/* data abort without an EL change */
#define ESR_EC_SP_ALIGN		0x26
#define ESR_EC_MOPS		0x27	/* memory copy/set instruction (FEAT_MOPS) */
#define ESR_EC_FP32		0x28	/* trapped floating-point exception, AArch32 */
#define ESR_EC_FP64		0x2C	/* trapped floating-point exception, AArch64 */
#define ESR_EC_GCS		0x2D	/* guarded control stack (FEAT_GCS) */
#define ESR_EC_SERROR		0x2F
#define ESR_EC_BREAKPT_LOW	0x30	/* hardware breakpoint from a lower EL */
#define ESR_EC_BREAKPT_CUR	0x31
#define ESR_EC_SOFTSTP_LOW	0x32	/* software step from a lower EL */
#define ESR_EC_SOFTSTP_CUR	0x33
#define ESR_EC_WATCHPT_LOW	0x34	/* watchpoint from a lower EL */
#define ESR_EC_WATCHPT_CUR	0x35
#define ESR_EC_BKPT32		0x38	/* AArch32 BKPT */
#define ESR_EC_VECTOR32		0x3A	/* AArch32 vector catch */
#define ESR_EC_BRK64		0x3C	/* AArch64 BRK */
#define ESR_EC_MAX		0x3F

#define ESR_EC_SHIFT		26
#define ESR_EC(esr)		((unsigned)(((esr) >> ESR_EC_SHIFT) & 0x3f))
#define ESR_IL			BIT(25)	/* 1: 32-bit instruction (or not an instruction trap) */
#define ESR_ISS(esr)		((uint32_t)((esr) & 0x1ffffff))
#define ESR_ISS2(esr)		((uint32_t)(((esr) >> 32) & 0xffffff))

/* Data and instruction abort ISS (EC 0x20/0x21/0x24/0x25). */
#define ESR_ISV			BIT(24)	/* bits [23:14] hold a valid instruction syndrome */
#define ESR_SAS(esr)		((unsigned)(((esr) >> 22) & 3))	/* log2 of access size */
#define ESR_SSE			BIT(21)	/* load sign-extends */
#define ESR_SRT(esr)		((unsigned)(((esr) >> 16) & 0x1f))	/* transfer register */
#define ESR_SF			BIT(15)	/* 64-bit register (Xt) */
#define ESR_AR			BIT(14)	/* acquire/release semantics */
#define ESR_VNCR		BIT(13)	/* fault on a VNCR_EL2 access (FEAT_NV2) */
#define ESR_FNV			BIT(10)	/* FAR not valid */
#define ESR_EA			BIT(9)	/* external abort type */
#define ESR_CM			BIT(8)	/* cache maintenance or address translation instruction */
#define ESR_S1PTW		BIT(7)	/* stage-2 fault on a stage-1 table walk */
#define ESR_WNR			BIT(6)	/* write, not read */
#define ESR_FSC(esr)		((unsigned)((esr) & 0x3f))	/* DFSC / IFSC */

/* Fault status codes (DFSC/IFSC) the hypervisor acts on. */
#define ESR_FSC_ADDR_SIZE(lvl)	(0x00 + (lvl))	/* levels 0..3 */
#define ESR_FSC_TRANSLATION(lvl) (0x04 + (lvl))	/* levels 0..3 */
#define ESR_FSC_TRANSLATION_LM1	0x2B		/* level -1 (FEAT_LPA2) */
#define ESR_FSC_ACCESS_FLAG(lvl) (0x08 + (lvl))	/* level 0 needs FEAT_LPA2 */
#define ESR_FSC_PERMISSION(lvl)	(0x0C + (lvl))	/* level 0 needs FEAT_LPA2 */
#define ESR_FSC_SYNC_EXT	0x10
#define ESR_FSC_TAG_CHECK	0x11
#define ESR_FSC_ALIGNMENT	0x21
#define ESR_FSC_TLB_CONFLICT	0x30

static inline bool esr_fsc_is_translation(unsigned fsc)
{
	return (fsc >= 0x04 && fsc <= 0x07) || fsc == ESR_FSC_TRANSLATION_LM1;
}

static inline bool esr_fsc_is_access_flag(unsigned fsc)
{
	return fsc >= 0x08 && fsc <= 0x0B;
}

static inline bool esr_fsc_is_permission(unsigned fsc)
{
	return fsc >= 0x0C && fsc <= 0x0F;
}

/* MSR/MRS/system instruction ISS (EC 0x18). */
#define ESR_SYS64_OP0(esr)	((unsigned)(((esr) >> 20) & 3))
#define ESR_SYS64_OP2(esr)	((unsigned)(((esr) >> 17) & 7))
#define ESR_SYS64_OP1(esr)	((unsigned)(((esr) >> 14) & 7))
#define ESR_SYS64_CRN(esr)	((unsigned)(((esr) >> 10) & 0xf))
#define ESR_SYS64_RT(esr)	((unsigned)(((esr) >> 5) & 0x1f))
#define ESR_SYS64_CRM(esr)	((unsigned)(((esr) >> 1) & 0xf))
#define ESR_SYS64_READ		BIT(0)	/* direction: 1 = MRS (read), 0 = MSR (write) */

/* SVC/HVC/SMC immediate, BRK comment. */
#define ESR_IMM16(esr)		((unsigned)((esr) & 0xffff))

/* WFx ISS: TI says which instruction trapped. */
#define ESR_WFX_TI(esr)		((unsigned)((esr) & 3))	/* 0 WFI, 1 WFE, 2 WFIT, 3 WFET */

/* SError ISS. */
#define ESR_SERROR_IDS		BIT(24)	/* IMPLEMENTATION DEFINED syndrome */
#define ESR_SERROR_AET(esr)	((unsigned)(((esr) >> 10) & 7))

/* Human name of an exception class; "reserved EC" for unallocated values. */
const char *esr_ec_name(unsigned ec);

/* Human name of a DFSC/IFSC value; "reserved FSC" for unallocated values. */
const char *esr_fsc_name(unsigned fsc);

/* One-line description of a syndrome for crash reports: class, instruction
 * length and the ISS fields that matter for that class. snprintf semantics:
 * returns the length the full line has, which is >= size when truncated. */
int esr_describe(uint64_t esr, char *buf, size_t size);

#endif
