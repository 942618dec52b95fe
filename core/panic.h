/* Fatal errors in the hypervisor itself: report, stop every core. */
#ifndef HB_CORE_PANIC_H
#define HB_CORE_PANIC_H

#include "lib/types.h"

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Sends SGI_STOP to every other online core and halts this one. */
void stop_all_cores(void) __attribute__((noreturn));
/* Called on a core that received SGI_STOP. */
void stop_this_core(void) __attribute__((noreturn));
/* Name of the function containing addr (for backtraces), and offset into it. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);
void print_backtrace(uint64_t fp, uint64_t pc);

#endif
