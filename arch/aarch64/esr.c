/* ESR_EL2 decoding for crash reports and exit tracing: names for exception
 * classes and fault status codes, and a one-line decode of the ISS. */
#include "arch/aarch64/esr.h"
#include "lib/fmt.h"

static const char *const ec_names[ESR_EC_MAX + 1] = {
	[ESR_EC_UNKNOWN] = "unknown reason",
	[ESR_EC_WFX] = "WFI/WFE",
	[ESR_EC_CP15_32] = "AArch32 MCR/MRC (CP15)",
	[ESR_EC_CP15_64] = "AArch32 MCRR/MRRC (CP15)",
	[ESR_EC_CP14_MR] = "AArch32 MCR/MRC (CP14)",
	[ESR_EC_CP14_LS] = "AArch32 LDC/STC (CP14)",
	[ESR_EC_FP_ASIMD] = "SVE/SIMD/FP access",
	[ESR_EC_CP10_ID] = "AArch32 VMRS of an ID register",
	[ESR_EC_PAC] = "pointer authentication trap",
	[ESR_EC_OTHER] = "LD64B/ST64B* trap",
	[ESR_EC_CP14_64] = "AArch32 MCRR/MRRC (CP14)",
	[ESR_EC_BTI] = "branch target exception",
	[ESR_EC_ILLEGAL] = "illegal execution state",
	[ESR_EC_SVC32] = "AArch32 SVC",
	[ESR_EC_HVC32] = "AArch32 HVC",
	[ESR_EC_SMC32] = "AArch32 SMC",
	[ESR_EC_SVC64] = "SVC",
	[ESR_EC_HVC64] = "HVC",
	[ESR_EC_SMC64] = "SMC",
	[ESR_EC_SYS64] = "MSR/MRS/system instruction",
	[ESR_EC_SVE] = "SVE access",
	[ESR_EC_ERET] = "ERET trap",
	[ESR_EC_FPAC] = "pointer authentication failure",
	[ESR_EC_SME] = "SME access",
	[ESR_EC_IMPDEF] = "IMPLEMENTATION DEFINED (EL3)",
	[ESR_EC_IABT_LOW] = "instruction abort, lower EL",
	[ESR_EC_IABT_CUR] = "instruction abort, same EL",
	[ESR_EC_PC_ALIGN] = "PC alignment fault",
	[ESR_EC_DABT_LOW] = "data abort, lower EL",
	[ESR_EC_DABT_CUR] = "data abort, same EL",
	[ESR_EC_SP_ALIGN] = "SP alignment fault",
	[ESR_EC_MOPS] = "memory copy/set exception",
	[ESR_EC_FP32] = "AArch32 floating-point exception",
	[ESR_EC_FP64] = "floating-point exception",
	[ESR_EC_GCS] = "guarded control stack exception",
	[ESR_EC_SERROR] = "SError",
	[ESR_EC_BREAKPT_LOW] = "breakpoint, lower EL",
	[ESR_EC_BREAKPT_CUR] = "breakpoint, same EL",
	[ESR_EC_SOFTSTP_LOW] = "software step, lower EL",
	[ESR_EC_SOFTSTP_CUR] = "software step, same EL",
	[ESR_EC_WATCHPT_LOW] = "watchpoint, lower EL",
	[ESR_EC_WATCHPT_CUR] = "watchpoint, same EL",
	[ESR_EC_BKPT32] = "AArch32 BKPT",
	[ESR_EC_VECTOR32] = "AArch32 vector catch",
	[ESR_EC_BRK64] = "BRK",
};

/* "TTW" is the Arm ARM's "translation table walk or hardware update of
 * translation table"; shortened so a whole report line fits 160 columns. */
static const char *const fsc_names[64] = {
	[0x00] = "address size fault, level 0",
	[0x01] = "address size fault, level 1",
	[0x02] = "address size fault, level 2",
	[0x03] = "address size fault, level 3",
	[0x04] = "translation fault, level 0",
	[0x05] = "translation fault, level 1",
	[0x06] = "translation fault, level 2",
	[0x07] = "translation fault, level 3",
	[0x08] = "access flag fault, level 0",
	[0x09] = "access flag fault, level 1",
	[0x0A] = "access flag fault, level 2",
	[0x0B] = "access flag fault, level 3",
	[0x0C] = "permission fault, level 0",
	[0x0D] = "permission fault, level 1",
	[0x0E] = "permission fault, level 2",
	[0x0F] = "permission fault, level 3",
	[0x10] = "synchronous external abort",
	[0x11] = "synchronous tag check fault",
	[0x12] = "synchronous external abort on TTW, level -2",
	[0x13] = "synchronous external abort on TTW, level -1",
	[0x14] = "synchronous external abort on TTW, level 0",
	[0x15] = "synchronous external abort on TTW, level 1",
	[0x16] = "synchronous external abort on TTW, level 2",
	[0x17] = "synchronous external abort on TTW, level 3",
	[0x18] = "synchronous parity/ECC error",
	[0x1B] = "synchronous parity/ECC error on TTW, level -1",
	[0x1C] = "synchronous parity/ECC error on TTW, level 0",
	[0x1D] = "synchronous parity/ECC error on TTW, level 1",
	[0x1E] = "synchronous parity/ECC error on TTW, level 2",
	[0x1F] = "synchronous parity/ECC error on TTW, level 3",
	[0x21] = "alignment fault",
	[0x22] = "granule protection fault on TTW, level -2",
	[0x23] = "granule protection fault on TTW, level -1",
	[0x24] = "granule protection fault on TTW, level 0",
	[0x25] = "granule protection fault on TTW, level 1",
	[0x26] = "granule protection fault on TTW, level 2",
	[0x27] = "granule protection fault on TTW, level 3",
	[0x28] = "granule protection fault",
	[0x29] = "address size fault, level -1",
	[0x2A] = "translation fault, level -2",
	[0x2B] = "translation fault, level -1",
	[0x2C] = "address size fault, level -2",
	[0x30] = "TLB conflict abort",
	[0x31] = "unsupported atomic hardware update fault",
	[0x34] = "IMPLEMENTATION DEFINED fault (lockdown)",
	[0x35] = "IMPLEMENTATION DEFINED fault (unsupported exclusive/atomic)",
};

const char *esr_ec_name(unsigned ec)
{
	if (ec > ESR_EC_MAX || !ec_names[ec])
		return "reserved EC";
	return ec_names[ec];
}

const char *esr_fsc_name(unsigned fsc)
{
	if (fsc >= ARRAY_SIZE(fsc_names) || !fsc_names[fsc])
		return "reserved FSC";
	return fsc_names[fsc];
}

/* Appends with snprintf semantics: keeps counting once the buffer is full so
 * the caller learns the untruncated length. */
struct line {
	char *buf;
	size_t size;
	size_t len;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (l->len < l->size)
		n = fmt_vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	else
		n = fmt_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
}

static void describe_abort(struct line *l, uint64_t esr, bool data)
{
	unsigned fsc = ESR_FSC(esr);

	line_add(l, " %s (%s 0x%02x)", esr_fsc_name(fsc), data ? "DFSC" : "IFSC", fsc);
	if (data) {
		line_add(l, " WnR=%u CM=%u", !!(esr & ESR_WNR), !!(esr & ESR_CM));
	}
	line_add(l, " S1PTW=%u FnV=%u EA=%u", !!(esr & ESR_S1PTW), !!(esr & ESR_FNV),
		 !!(esr & ESR_EA));
	if (!data)
		return;
	line_add(l, " ISV=%u", !!(esr & ESR_ISV));
	if (esr & ESR_ISV) {
		/* The syndrome names the transfer register the way MMIO emulation
		 * uses it: width, sign extension and register in one token. */
		line_add(l, " SAS=%uB SSE=%u SRT=%u SF=%u AR=%u", 1u << ESR_SAS(esr),
			 !!(esr & ESR_SSE), ESR_SRT(esr), !!(esr & ESR_SF), !!(esr & ESR_AR));
	}
}

static void describe_sys64(struct line *l, uint64_t esr)
{
	bool read = esr & ESR_SYS64_READ;
	unsigned rt = ESR_SYS64_RT(esr);
	char reg[4] = "xzr";

	if (rt != 31)
		fmt_snprintf(reg, sizeof(reg), "x%u", rt);
	/* Printed as the assembler would spell a generic system register, so the
	 * line can be pasted into a search of the Arm ARM or Linux sources. */
	if (read) {
		line_add(l, " MRS %s, S%u_%u_C%u_C%u_%u", reg, ESR_SYS64_OP0(esr),
			 ESR_SYS64_OP1(esr), ESR_SYS64_CRN(esr), ESR_SYS64_CRM(esr),
			 ESR_SYS64_OP2(esr));
	} else {
		line_add(l, " MSR S%u_%u_C%u_C%u_%u, %s", ESR_SYS64_OP0(esr), ESR_SYS64_OP1(esr),
			 ESR_SYS64_CRN(esr), ESR_SYS64_CRM(esr), ESR_SYS64_OP2(esr), reg);
	}
	line_add(l, " (op0=%u op1=%u CRn=%u CRm=%u op2=%u Rt=%u %s)", ESR_SYS64_OP0(esr),
		 ESR_SYS64_OP1(esr), ESR_SYS64_CRN(esr), ESR_SYS64_CRM(esr), ESR_SYS64_OP2(esr),
		 rt, read ? "read" : "write");
}

static void describe_serror(struct line *l, uint64_t esr)
{
	if (esr & ESR_SERROR_IDS) {
		line_add(l, " IMPLEMENTATION DEFINED syndrome 0x%06x", ESR_ISS(esr) & 0xffffff);
		return;
	}
	line_add(l, " AET=%u EA=%u DFSC 0x%02x", ESR_SERROR_AET(esr), !!(esr & ESR_EA),
		 ESR_FSC(esr));
}

int esr_describe(uint64_t esr, char *buf, size_t size)
{
	static const char *const wfx_names[] = { "WFI", "WFE", "WFIT", "WFET" };
	struct line l = { .buf = buf, .size = size, .len = 0 };
	unsigned ec = ESR_EC(esr);

	if (size > 0)
		buf[0] = '\0';
	line_add(&l, "%s (EC 0x%02x, IL%u):", esr_ec_name(ec), ec, (esr & ESR_IL) ? 32u : 16u);

	switch (ec) {
	case ESR_EC_DABT_LOW:
	case ESR_EC_DABT_CUR:
		describe_abort(&l, esr, true);
		break;
	case ESR_EC_IABT_LOW:
	case ESR_EC_IABT_CUR:
		describe_abort(&l, esr, false);
		break;
	case ESR_EC_SYS64:
		describe_sys64(&l, esr);
		break;
	case ESR_EC_SVC32:
	case ESR_EC_HVC32:
	case ESR_EC_SMC32:
	case ESR_EC_SVC64:
	case ESR_EC_HVC64:
	case ESR_EC_SMC64:
		line_add(&l, " imm16=0x%04x", ESR_IMM16(esr));
		break;
	case ESR_EC_BRK64:
		line_add(&l, " comment=0x%04x", ESR_IMM16(esr));
		break;
	case ESR_EC_WFX:
		line_add(&l, " %s", wfx_names[ESR_WFX_TI(esr)]);
		break;
	case ESR_EC_SERROR:
		describe_serror(&l, esr);
		break;
	default:
		line_add(&l, " ISS=0x%07x", ESR_ISS(esr));
		break;
	}
	if (ESR_ISS2(esr))
		line_add(&l, " ISS2=0x%06x", ESR_ISS2(esr));
	if (l.len > INT32_MAX)
		return INT32_MAX;
	return (int)l.len;
}
