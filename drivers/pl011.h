/* Physical ARM PL011 UART: the hypervisor's console. */
#ifndef HB_DRIVERS_PL011_H
#define HB_DRIVERS_PL011_H

#include "lib/types.h"

void pl011_init(paddr_t base, uint32_t clock_hz, uint32_t baud);
void pl011_putc(char c);
/* Returns -1 when no character is waiting. */
int pl011_getc(void);
/* Enables the receive interrupt so console input need not be polled. */
void pl011_enable_rx_irq(void);

#endif
