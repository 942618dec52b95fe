/* mmio: every load/store width, sign extension, zero register and
 * acquire/release form against the PL011, one known instruction per access. */
#include "guests/lib/rt.h"

const char rt_test_name[] = "mmio";

#define UART_IBRD	(RT_UART_BASE + 0x024)
#define UART_PERIPHID0	(RT_UART_BASE + 0xfe0)
#define UART_PCELLID0	(RT_UART_BASE + 0xff0)
#define UART_PCELLID1	(RT_UART_BASE + 0xff4)	/* reads 0xf0: bit 7 set, bit 15 clear */

/* Loads start from this so a load that forgets to zero/sign-extend shows. */
#define GARBAGE 0xdeadbeefcafef00dull

typedef uint64_t (*load_fn)(uint64_t addr);
typedef void (*store_fn)(uint64_t addr, uint64_t value);

#define DEFINE_LOAD(fn, insn)                                                           \
	static uint64_t fn(uint64_t addr)                                               \
	{                                                                               \
		uint64_t v = GARBAGE;                                                   \
		__asm__ volatile(insn : "+r"(v) : "r"(addr) : "memory");                \
		return v;                                                               \
	}
#define DEFINE_STORE(fn, insn)                                                          \
	static void fn(uint64_t addr, uint64_t value)                                   \
	{                                                                               \
		__asm__ volatile(insn : : "r"(value), "r"(addr) : "memory");            \
	}

DEFINE_LOAD(ldr_x, "ldr %0, [%1]")
DEFINE_LOAD(ldr_w, "ldr %w0, [%1]")
DEFINE_LOAD(ldrh, "ldrh %w0, [%1]")
DEFINE_LOAD(ldrb, "ldrb %w0, [%1]")
DEFINE_LOAD(ldrsw, "ldrsw %0, [%1]")
DEFINE_LOAD(ldrsh_x, "ldrsh %0, [%1]")
DEFINE_LOAD(ldrsh_w, "ldrsh %w0, [%1]")
DEFINE_LOAD(ldrsb_x, "ldrsb %0, [%1]")
DEFINE_LOAD(ldrsb_w, "ldrsb %w0, [%1]")
DEFINE_LOAD(ldar_w, "ldar %w0, [%1]")
DEFINE_LOAD(ldarh, "ldarh %w0, [%1]")
DEFINE_LOAD(ldarb, "ldarb %w0, [%1]")
/* Immediate-offset form: the base register points at the UART, not IBRD. */
DEFINE_LOAD(ldr_w_ibrd_offset, "ldr %w0, [%1, #0x24]")

DEFINE_STORE(str_x, "str %0, [%1]")
DEFINE_STORE(str_w, "str %w0, [%1]")
DEFINE_STORE(strh, "strh %w0, [%1]")
DEFINE_STORE(strb, "strb %w0, [%1]")
DEFINE_STORE(stlr_w, "stlr %w0, [%1]")
DEFINE_STORE(stlrh, "stlrh %w0, [%1]")
DEFINE_STORE(stlrb, "stlrb %w0, [%1]")
DEFINE_STORE(str_w_ibrd_offset, "str %w0, [%1, #0x24]")
/* Rt = 31 means the zero register here, not SP: the emulation must know. */
DEFINE_STORE(str_wzr, "str wzr, [%1] // %0")
DEFINE_STORE(strh_wzr, "strh wzr, [%1] // %0")
DEFINE_STORE(strb_wzr, "strb wzr, [%1] // %0")

/* Every access runs under a fault probe, so an unexpected abort fails the one
 * check that follows it instead of ending the test. */
static struct rt_fault pending_fault;
static unsigned pending_faults;

static void note_faults(void)
{
	struct rt_fault f;

	if (rt_fault_end(&f) && pending_faults++ == 0)
		pending_fault = f;
}

static uint64_t load(load_fn fn, uint64_t addr)
{
	uint64_t v;

	rt_fault_expect(RT_FAULT_SKIP);
	v = fn(addr);
	note_faults();
	return v;
}

static void store(store_fn fn, uint64_t addr, uint64_t value)
{
	rt_fault_expect(RT_FAULT_SKIP);
	fn(addr, value);
	note_faults();
}

static void check_value(const char *name, uint64_t expected, uint64_t actual)
{
	if (pending_faults)
		rt_check(name, false, "%u access(es) faulted, first ESR 0x%llx FAR 0x%llx",
			 pending_faults, (unsigned long long)pending_fault.esr,
			 (unsigned long long)pending_fault.far);
	else
		CHECK_EQ(name, expected, actual);
	pending_faults = 0;
}

static void check_id_registers(void)
{
	static const uint8_t pcell[4] = { 0x0d, 0xf0, 0x05, 0xb1 };
	static const char *const pcell_names[4] = {
		"ldr_w_pcellid0", "ldr_w_pcellid1", "ldr_w_pcellid2", "ldr_w_pcellid3",
	};

	check_value("ldr_w_periphid0", 0x11, load(ldr_w, UART_PERIPHID0));
	check_value("ldr_w_periphid1", 0x10, load(ldr_w, UART_PERIPHID0 + 4));
	/* Low nibble = designer (ARM); the revision nibble differs between models. */
	check_value("ldr_w_periphid2_designer", 0x04, load(ldr_w, UART_PERIPHID0 + 8) & ~0xf0ull);
	check_value("ldr_w_periphid3", 0x00, load(ldr_w, UART_PERIPHID0 + 12));
	for (unsigned i = 0; i < 4; i++)
		check_value(pcell_names[i], pcell[i], load(ldr_w, UART_PCELLID0 + 4 * i));
}

static void check_narrow_and_signed_loads(void)
{
	check_value("ldrb_pcellid1", 0xf0, load(ldrb, UART_PCELLID1));
	check_value("ldrh_pcellid1", 0xf0, load(ldrh, UART_PCELLID1));
	check_value("ldrsb_x_pcellid1", 0xfffffffffffffff0ull, load(ldrsb_x, UART_PCELLID1));
	check_value("ldrsb_w_pcellid1", 0x00000000fffffff0ull, load(ldrsb_w, UART_PCELLID1));
	check_value("ldrsh_x_pcellid1", 0xf0, load(ldrsh_x, UART_PCELLID1));
	check_value("ldrsh_w_pcellid1", 0xf0, load(ldrsh_w, UART_PCELLID1));
	check_value("ldrsw_pcellid1", 0xf0, load(ldrsw, UART_PCELLID1));

	/* IBRD holds 16 bits: 0xfff0 has bit 15 set, so halfword loads sign-extend. */
	store(str_w, UART_IBRD, 0xfff0);
	check_value("ldr_w_ibrd_fff0", 0xfff0, load(ldr_w, UART_IBRD));
	check_value("ldrh_ibrd", 0xfff0, load(ldrh, UART_IBRD));
	check_value("ldrb_ibrd", 0xf0, load(ldrb, UART_IBRD));
	check_value("ldrsh_x_ibrd", 0xfffffffffffffff0ull, load(ldrsh_x, UART_IBRD));
	check_value("ldrsh_w_ibrd", 0x00000000fffffff0ull, load(ldrsh_w, UART_IBRD));
	check_value("ldrsb_x_ibrd", 0xfffffffffffffff0ull, load(ldrsb_x, UART_IBRD));
	check_value("ldrsw_ibrd", 0xfff0, load(ldrsw, UART_IBRD));
	store(str_w, UART_IBRD, 0x7f);
	check_value("ldrsb_x_ibrd_positive", 0x7f, load(ldrsb_x, UART_IBRD));
}

static void check_stores(void)
{
	store(str_w, UART_IBRD, 0x1234);
	check_value("str_w_ibrd", 0x1234, load(ldr_w, UART_IBRD));
	store(str_w, UART_IBRD, 0);
	store(strh, UART_IBRD, 0xbeef);
	check_value("strh_ibrd", 0xbeef, load(ldr_w, UART_IBRD));
	store(str_w, UART_IBRD, 0);
	store(strb, UART_IBRD, 0xa5);
	check_value("strb_ibrd", 0xa5, load(ldr_w, UART_IBRD));

	store(str_w_ibrd_offset, RT_UART_BASE, 0x77);
	check_value("str_w_immediate_offset", 0x77, load(ldr_w, UART_IBRD));
	check_value("ldr_w_immediate_offset", 0x77, load(ldr_w_ibrd_offset, RT_UART_BASE));

	/* 0x55 fits one byte, so a zero-extending or a read-modify-write emulation
	 * of the narrow stores must both end at 0. */
	store(str_w, UART_IBRD, 0x55);
	store(str_wzr, UART_IBRD, 0x55);
	check_value("str_wzr_ibrd", 0, load(ldr_w, UART_IBRD));
	store(str_w, UART_IBRD, 0x55);
	store(strh_wzr, UART_IBRD, 0x55);
	check_value("strh_wzr_ibrd", 0, load(ldr_w, UART_IBRD));
	store(str_w, UART_IBRD, 0x55);
	store(strb_wzr, UART_IBRD, 0x55);
	check_value("strb_wzr_ibrd", 0, load(ldr_w, UART_IBRD));
}

static void check_acquire_release(void)
{
	store(stlr_w, UART_IBRD, 0x3c3);
	check_value("stlr_ldar_w", 0x3c3, load(ldar_w, UART_IBRD));
	store(stlrh, UART_IBRD, 0x4d4);
	check_value("stlrh_ldarh", 0x4d4, load(ldarh, UART_IBRD));
	store(str_w, UART_IBRD, 0);
	store(stlrb, UART_IBRD, 0x5e);
	check_value("stlrb_ldarb", 0x5e, load(ldarb, UART_IBRD));
}

/* 64-bit accesses to a 32-bit register: QEMU splits them into two 32-bit
 * accesses, HyperBerry treats them as RAZ/WI. */
static void check_doubleword(void)
{
	if (!rt_under_hyperberry()) {
		rt_check_skip("ldr_x_ibrd_raz", "native");
		rt_check_skip("str_x_ibrd_wi", "native");
		return;
	}
	store(str_w, UART_IBRD, 0x66);
	check_value("ldr_x_ibrd_raz", 0, load(ldr_x, UART_IBRD));
	store(str_x, UART_IBRD, 0x1111);
	check_value("str_x_ibrd_wi", 0x66, load(ldr_w, UART_IBRD));
}

void test_main(void)
{
	uint64_t saved_ibrd = load(ldr_w, UART_IBRD);

	check_value("ibrd_readable", saved_ibrd, saved_ibrd);
	check_id_registers();
	check_narrow_and_signed_loads();
	check_stores();
	check_acquire_release();
	check_doubleword();
	store(str_w, UART_IBRD, saved_ibrd);
}
