/* Report for an exception the hypervisor did not expect at EL2: decoded
 * syndrome, all registers and a backtrace, then every core stops. */
#include "arch/aarch64/esr.h"
#include "arch/aarch64/frame.h"
#include "arch/aarch64/sysreg.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/percpu.h"

static const char *const kind_name[] = {
	"synchronous (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
	"synchronous", "IRQ", "FIQ", "SError",
};

void el2_fatal_exception(struct trap_frame *f, unsigned kind)
{
	char desc[160];

	log_enter_panic_mode();
	esr_describe(f->esr, desc, sizeof(desc));
	log_err("EL2 FATAL: unexpected %s exception in the hypervisor", kind_name[kind & 7]);
	log_err("  EC 0x%02lx (%s)", (f->esr >> 26) & 0x3f, esr_ec_name((f->esr >> 26) & 0x3f));
	log_err("  %s", desc);
	log_err("  ESR 0x%016lx  FAR 0x%016lx", f->esr, f->far);
	log_err("  ELR 0x%016lx  SPSR 0x%016lx  SP 0x%016lx", f->elr, f->spsr, f->sp);
	for (unsigned i = 0; i < 30; i += 3) {
		log_err("  x%-2u 0x%016lx  x%-2u 0x%016lx  x%-2u 0x%016lx", i, f->x[i], i + 1,
			f->x[i + 1], i + 2, f->x[i + 2]);
	}
	log_err("  x30 0x%016lx", f->x[30]);
	print_backtrace(f->x[29], f->elr);
	stop_all_cores();
}
