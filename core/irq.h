/* Physical interrupts taken by the hypervisor: a handler per INTID. */
#ifndef HB_CORE_IRQ_H
#define HB_CORE_IRQ_H

#include "lib/types.h"

#define IRQ_TABLE_SIZE 1024

/* `source_cpu` is the sending core's logical index for SGIs, else -1.
 * Returns true to deactivate the interrupt now, false to leave it active
 * (a HW-linked virtual interrupt: the guest's EOI deactivates it). */
typedef bool (*irq_handler_fn)(unsigned intid, int source_cpu, void *ctx);

void irq_register(unsigned intid, irq_handler_fn fn, void *ctx);
/* Acknowledges and handles everything pending on this core. */
void irq_handle_pending(void);
/* Handles one acknowledged interrupt (its GICC_IAR value); false for a
 * special INTID (1020-1023), which needs nothing. */
bool irq_dispatch(uint32_t iar);

#endif
