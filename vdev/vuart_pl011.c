/* PL011 emulation. Transmission is instantaneous, so the transmit side is a
 * FIFO that is always empty; only the receive FIFO holds state.
 *
 * Choices where the hardware's behaviour would hurt a virtual console:
 * - TX ignores CR.UARTEN/TXE. Linux's earlycon (and small guests) write DR on
 *   a UART that firmware was supposed to enable; output lost silently helps
 *   nobody. Loopback (CR.LBE) is honoured: those characters go to RX.
 * - RX honours CR.UARTEN and CR.RXE: input before the guest opened the port is
 *   refused (rx_push returns false) instead of sitting in the FIFO as stale data.
 * - Interrupts are levels computed from the FIFO state, not edges:
 *   TXRIS is always set (the empty TX FIFO is at/below every trigger level), so
 *   a driver that unmasks TXIM to wait for room is never left waiting; Linux
 *   unmasks TXIM only while it has characters queued and masks it when done,
 *   so this cannot storm. RXRIS is set while the FIFO holds at least the
 *   IFLS trigger level, RTRIS while it holds anything (the receive timeout
 *   has always expired by the time the guest looks). Hardware asserts RXRIS
 *   only on crossing the level, which Linux has to work around by draining
 *   the FIFO at startup; a level never gets stuck.
 * - Modem inputs read as a connected terminal (CTS, DSR, DCD asserted), so a
 *   tty opened without CLOCAL does not wait for carrier.
 */
#include "vdev/vuart_pl011.h"
#include "lib/string.h"

/* PeriphID0-3 then PCellID0-3: part 0x011, designer 0x41 (Arm), revision 3
 * (r1p5); the PrimeCell preamble 0xB105F00D. */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };

#define CR_WRITABLE	0xFF87u	/* bits 6:3 are reserved */
#define IFLS_RESET	0x12u	/* both trigger levels at 1/2 */

void vuart_pl011_init(struct vuart_pl011 *u, void (*tx)(void *ctx, char c), void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->tx_ctx = ctx;
	u->cr = PL011_CR_TXE | PL011_CR_RXE;
	u->ifls = IFLS_RESET;
}

/* Without FEN the FIFO is a one-character holding register. */
static unsigned rx_capacity(const struct vuart_pl011 *u)
{
	return (u->lcr_h & PL011_LCR_H_FEN) ? VUART_PL011_FIFO_DEPTH : 1;
}

static unsigned rx_trigger_level(const struct vuart_pl011 *u)
{
	/* IFLS.RXIFLSEL: 1/8, 1/4, 1/2, 3/4, 7/8 full; reserved codes act as 1/2. */
	static const uint8_t eighths[8] = { 1, 2, 4, 6, 7, 4, 4, 4 };

	if (!(u->lcr_h & PL011_LCR_H_FEN))
		return 1;
	return VUART_PL011_FIFO_DEPTH * eighths[(u->ifls >> 3) & 7] / 8;
}

static bool rx_enabled(const struct vuart_pl011 *u)
{
	return (u->cr & PL011_CR_UARTEN) && (u->cr & PL011_CR_RXE);
}

static bool rx_fifo_put(struct vuart_pl011 *u, uint8_t c)
{
	if (u->rx_count >= rx_capacity(u))
		return false;
	u->rx_fifo[(u->rx_head + u->rx_count) % VUART_PL011_FIFO_DEPTH] = c;
	u->rx_count++;
	return true;
}

static uint8_t rx_fifo_pop(struct vuart_pl011 *u)
{
	uint8_t c;

	if (u->rx_count == 0)
		return 0;
	c = u->rx_fifo[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % VUART_PL011_FIFO_DEPTH);
	u->rx_count--;
	return c;
}

static uint32_t raw_interrupts(const struct vuart_pl011 *u)
{
	uint32_t ris = u->ris_latched | PL011_INT_TX;

	if (u->rx_count > 0)
		ris |= PL011_INT_RT;
	if (u->rx_count >= rx_trigger_level(u))
		ris |= PL011_INT_RX;
	return ris;
}

static void transmit(struct vuart_pl011 *u, uint8_t c)
{
	if (!(u->cr & PL011_CR_LBE)) {
		if (u->tx)
			u->tx(u->tx_ctx, (char)c);
		return;
	}
	/* Loopback: the character arrives at our own receiver, where a full FIFO
	 * really loses it, so this is the one path that reports an overrun. */
	if (!rx_enabled(u))
		return;
	if (!rx_fifo_put(u, c)) {
		u->rsr |= PL011_RSR_OE;
		u->ris_latched |= PL011_INT_OE;
	}
}

static bool access_reaches_register(uint32_t offset, unsigned size)
{
	return offset < VUART_PL011_MMIO_SIZE && (offset & 3) == 0 &&
	       (size == 1 || size == 2 || size == 4);
}

static uint32_t read_register(struct vuart_pl011 *u, uint32_t offset)
{
	if (offset >= PL011_PERIPHID0)
		return pl011_id[(offset - PL011_PERIPHID0) / 4];
	switch (offset) {
	case PL011_DR:
		return rx_fifo_pop(u);
	case PL011_RSR_ECR:
		return u->rsr;
	case PL011_FR:
		return vuart_pl011_flags(u);
	case PL011_ILPR:
		return u->ilpr;
	case PL011_IBRD:
		return u->ibrd;
	case PL011_FBRD:
		return u->fbrd;
	case PL011_LCR_H:
		return u->lcr_h;
	case PL011_CR:
		return u->cr;
	case PL011_IFLS:
		return u->ifls;
	case PL011_IMSC:
		return u->imsc;
	case PL011_RIS:
		return raw_interrupts(u);
	case PL011_MIS:
		return raw_interrupts(u) & u->imsc;
	case PL011_DMACR:
		return u->dmacr;
	default:
		return 0;	/* reserved, test registers and write-only ICR */
	}
}

uint32_t vuart_pl011_read(struct vuart_pl011 *u, uint32_t offset, unsigned size)
{
	uint32_t value;

	if (!access_reaches_register(offset, size))
		return 0;
	value = read_register(u, offset);
	/* A narrow read at the register's offset sees its low bytes (little-endian). */
	if (size < 4)
		value &= (1u << (size * 8)) - 1;
	return value;
}

void vuart_pl011_write(struct vuart_pl011 *u, uint32_t offset, uint32_t value, unsigned size)
{
	if (!access_reaches_register(offset, size))
		return;
	/* The PL011 has no byte strobes: a narrow store writes the whole register
	 * with the zero-extended value. */
	if (size < 4)
		value &= (1u << (size * 8)) - 1;

	switch (offset) {
	case PL011_DR:
		transmit(u, (uint8_t)value);
		break;
	case PL011_RSR_ECR:
		u->rsr = 0;	/* any write clears the error flags */
		break;
	case PL011_ILPR:
		u->ilpr = value & 0xff;
		break;
	case PL011_IBRD:
		u->ibrd = value & 0xffff;
		break;
	case PL011_FBRD:
		u->fbrd = value & 0x3f;
		break;
	case PL011_LCR_H:
		u->lcr_h = value & 0xff;
		break;
	case PL011_CR:
		u->cr = value & CR_WRITABLE;
		break;
	case PL011_IFLS:
		u->ifls = value & 0x3f;
		break;
	case PL011_IMSC:
		u->imsc = value & PL011_INT_ALL;
		break;
	case PL011_ICR:
		/* Only latched events can be cleared; the level-derived bits
		 * (TX, RX, RT) reassert while their condition holds. */
		u->ris_latched &= ~value;
		break;
	case PL011_DMACR:
		u->dmacr = value & 0x7;	/* stored for read-back; no DMA is performed */
		break;
	default:
		break;	/* FR, RIS, MIS, IDs are read-only; reserved offsets ignore */
	}
}

bool vuart_pl011_rx_push(struct vuart_pl011 *u, char c)
{
	if (!rx_enabled(u))
		return false;
	return rx_fifo_put(u, (uint8_t)c);
}

bool vuart_pl011_irq_level(const struct vuart_pl011 *u)
{
	return (raw_interrupts(u) & u->imsc) != 0;
}
