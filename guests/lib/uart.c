/* Polled PL011 transmit at the guest's UART IPA: works natively in QEMU and
 * against HyperBerry's emulated or passed-through PL011 alike. */
#include "guests/lib/rt.h"

#define UART_DR		0x000
#define UART_FR		0x018
#define UART_FR_TXFF	(1u << 5)

static inline uint32_t uart_read(unsigned off)
{
	return *(volatile uint32_t *)(RT_UART_BASE + off);
}

static inline void uart_write(unsigned off, uint32_t val)
{
	*(volatile uint32_t *)(RT_UART_BASE + off) = val;
}

void uart_putc(char c)
{
	/* Bounded wait: a wedged (or unemulated) FIFO must not hang the guest
	 * silently before it can even report. */
	for (unsigned spins = 0; spins < 1000000 && (uart_read(UART_FR) & UART_FR_TXFF); spins++)
		;
	uart_write(UART_DR, (uint8_t)c);
}
