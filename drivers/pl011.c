/* Physical PL011 driver: polled transmit, polled or interrupt-driven receive. */
#include "drivers/pl011.h"

#define UART_DR		0x000
#define UART_FR		0x018
#define UART_IBRD	0x024
#define UART_FBRD	0x028
#define UART_LCR_H	0x02c
#define UART_CR		0x030
#define UART_IMSC	0x038
#define UART_ICR	0x044

#define FR_RXFE		BIT(4)
#define FR_TXFF		BIT(5)
#define FR_BUSY		BIT(3)
#define LCR_H_WLEN8	(3u << 5)
#define LCR_H_FEN	BIT(4)
#define CR_UARTEN	BIT(0)
#define CR_TXE		BIT(8)
#define CR_RXE		BIT(9)
#define IMSC_RXIM	BIT(4)
#define IMSC_RTIM	BIT(6)

static volatile uint8_t *uart_base;

static inline uint32_t reg_read(uint32_t off)
{
	return *(volatile uint32_t *)(uart_base + off);
}

static inline void reg_write(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(uart_base + off) = val;
}

void pl011_init(paddr_t base, uint32_t clock_hz, uint32_t baud)
{
	uint32_t div64;

	uart_base = (volatile uint8_t *)(uintptr_t)base;
	while (reg_read(UART_FR) & FR_BUSY)
		;
	reg_write(UART_CR, 0);
	/* Divisor in 1/64ths: IBRD is the integer part, FBRD the fraction. */
	div64 = (uint32_t)(((uint64_t)clock_hz * 4 + baud / 2) / baud);
	reg_write(UART_IBRD, div64 >> 6);
	reg_write(UART_FBRD, div64 & 0x3f);
	reg_write(UART_LCR_H, LCR_H_WLEN8 | LCR_H_FEN);
	reg_write(UART_IMSC, 0);
	reg_write(UART_ICR, 0x7ff);
	reg_write(UART_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_putc(char c)
{
	if (!uart_base)
		return;
	while (reg_read(UART_FR) & FR_TXFF)
		;
	reg_write(UART_DR, (uint8_t)c);
}

int pl011_getc(void)
{
	if (!uart_base || (reg_read(UART_FR) & FR_RXFE))
		return -1;
	return (int)(reg_read(UART_DR) & 0xff);
}

void pl011_enable_rx_irq(void)
{
	reg_write(UART_IMSC, IMSC_RXIM | IMSC_RTIM);
}
