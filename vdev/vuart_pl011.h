/* Emulated Arm PL011 UART (PrimeCell r1p5) as pure register logic: the MMIO
 * handler calls read/write, the console feeds rx_push, the vGIC samples irq_level. */
#ifndef HB_VDEV_VUART_PL011_H
#define HB_VDEV_VUART_PL011_H

#include "lib/types.h"

/* r1p5 has 32-entry FIFOs; Linux derives its FIFO size from PeriphID2's
 * revision (>= 3 means 32), so the two must agree. */
#define VUART_PL011_FIFO_DEPTH	32
#define VUART_PL011_MMIO_SIZE	0x1000

/* Register offsets. */
#define PL011_DR	0x000
#define PL011_RSR_ECR	0x004
#define PL011_FR	0x018
#define PL011_ILPR	0x020
#define PL011_IBRD	0x024
#define PL011_FBRD	0x028
#define PL011_LCR_H	0x02C
#define PL011_CR	0x030
#define PL011_IFLS	0x034
#define PL011_IMSC	0x038
#define PL011_RIS	0x03C
#define PL011_MIS	0x040
#define PL011_ICR	0x044
#define PL011_DMACR	0x048
#define PL011_PERIPHID0	0xFE0
#define PL011_PCELLID0	0xFF0

/* UARTFR */
#define PL011_FR_CTS	BIT(0)
#define PL011_FR_DSR	BIT(1)
#define PL011_FR_DCD	BIT(2)
#define PL011_FR_BUSY	BIT(3)
#define PL011_FR_RXFE	BIT(4)
#define PL011_FR_TXFF	BIT(5)
#define PL011_FR_RXFF	BIT(6)
#define PL011_FR_TXFE	BIT(7)

/* UARTLCR_H */
#define PL011_LCR_H_FEN	BIT(4)

/* UARTCR */
#define PL011_CR_UARTEN	BIT(0)
#define PL011_CR_LBE	BIT(7)
#define PL011_CR_TXE	BIT(8)
#define PL011_CR_RXE	BIT(9)

/* Interrupt bits, shared by IMSC, RIS, MIS and ICR. */
#define PL011_INT_RX	BIT(4)
#define PL011_INT_TX	BIT(5)
#define PL011_INT_RT	BIT(6)
#define PL011_INT_FE	BIT(7)
#define PL011_INT_PE	BIT(8)
#define PL011_INT_BE	BIT(9)
#define PL011_INT_OE	BIT(10)
#define PL011_INT_ALL	0x7FF

/* UARTRSR/UARTECR */
#define PL011_RSR_OE	BIT(3)

struct vuart_pl011 {
	void (*tx)(void *ctx, char c);
	void *tx_ctx;
	uint8_t rx_fifo[VUART_PL011_FIFO_DEPTH];
	uint8_t rx_head;	/* index of the oldest character */
	uint8_t rx_count;
	uint32_t rsr;		/* receive error flags, cleared through ECR */
	uint32_t ris_latched;	/* event interrupts (overrun) until cleared by ICR */
	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
};

/* Reset state as the TRM gives it (CR = TXE|RXE, UART disabled). tx receives
 * every transmitted character and must not call back into the vUART. */
void vuart_pl011_init(struct vuart_pl011 *u, void (*tx)(void *ctx, char c), void *ctx);

/* Guest accesses. offset is relative to the device base; size is in bytes.
 * 8, 16 and 32-bit accesses at a register's (word-aligned) offset reach the
 * register; any other access reads as zero and ignores writes. */
uint32_t vuart_pl011_read(struct vuart_pl011 *u, uint32_t offset, unsigned size);
void vuart_pl011_write(struct vuart_pl011 *u, uint32_t offset, uint32_t value, unsigned size);

/* UARTFR. It has no side effect and is only a snapshot of the receive FIFO,
 * so it may be read without the lock that serialises the other calls: a
 * value racing with console input is one taken a moment earlier or later.
 * Each field is loaded once, atomically, for that reason. Inline: a polling
 * guest's every exit runs it. */
static inline uint32_t vuart_pl011_flags(const struct vuart_pl011 *u)
{
	uint32_t fr = PL011_FR_TXFE | PL011_FR_CTS | PL011_FR_DSR | PL011_FR_DCD;
	unsigned count = __atomic_load_n(&u->rx_count, __ATOMIC_RELAXED);
	uint32_t lcr_h = __atomic_load_n(&u->lcr_h, __ATOMIC_RELAXED);

	if (count == 0)
		fr |= PL011_FR_RXFE;
	if (count >= ((lcr_h & PL011_LCR_H_FEN) ? VUART_PL011_FIFO_DEPTH : 1))
		fr |= PL011_FR_RXFF;
	return fr;
}

/* Physical console input. False when the character was not taken (receive
 * FIFO full, or receiver disabled): the caller keeps or drops it, nothing is
 * lost inside the device, so no overrun is flagged. */
bool vuart_pl011_rx_push(struct vuart_pl011 *u, char c);

/* Level of the UART's interrupt line, (RIS & IMSC) != 0: drive the virtual
 * SPI from it after every read, write and rx_push. */
bool vuart_pl011_irq_level(const struct vuart_pl011 *u);

#endif
