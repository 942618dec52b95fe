/* Host tests for vdev/vuart_pl011: register semantics, access sizes, FIFO
 * limits and interrupt levels, including the sequences Linux's amba-pl011
 * driver performs at probe, startup, receive and transmit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/vuart_pl011.h"

struct sink {
	char out[256];
	size_t len;
};

static void sink_tx(void *ctx, char c)
{
	struct sink *s = ctx;

	assert_true(s->len < sizeof(s->out) - 1);
	s->out[s->len++] = c;
	s->out[s->len] = '\0';
}

struct fixture {
	struct vuart_pl011 u;
	struct sink sink;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	vuart_pl011_init(&f.u, sink_tx, &f.sink);
	*state = &f;
	return 0;
}

static uint32_t rd(struct vuart_pl011 *u, uint32_t off)
{
	return vuart_pl011_read(u, off, 4);
}

static void wr(struct vuart_pl011 *u, uint32_t off, uint32_t v)
{
	vuart_pl011_write(u, off, v, 4);
}

/* What Linux does before it uses the port for a tty: 8N1 with FIFOs, RX
 * trigger 1/2, UART/TX/RX enabled, RX and RX-timeout interrupts unmasked. */
static void linux_startup(struct vuart_pl011 *u)
{
	wr(u, PL011_IMSC, 0);
	wr(u, PL011_ICR, 0xffff);
	wr(u, PL011_IFLS, 0x12);
	wr(u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE);
	wr(u, PL011_LCR_H, 0x70);	/* WLEN 8, FEN */
	wr(u, PL011_ICR, PL011_INT_RX | PL011_INT_RT);
	while (!(rd(u, PL011_FR) & PL011_FR_RXFE))
		rd(u, PL011_DR);
	wr(u, PL011_IMSC, PL011_INT_RX | PL011_INT_RT);
}

static void test_reset_state(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(&f->u, PL011_CR), 0x300);
	assert_int_equal(rd(&f->u, PL011_IFLS), 0x12);
	assert_int_equal(rd(&f->u, PL011_FR), PL011_FR_TXFE | PL011_FR_RXFE | PL011_FR_CTS |
						      PL011_FR_DSR | PL011_FR_DCD);
	assert_int_equal(rd(&f->u, PL011_IMSC), 0);
	assert_int_equal(rd(&f->u, PL011_LCR_H), 0);
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), 0);
	assert_int_equal(rd(&f->u, PL011_RIS), PL011_INT_TX);
	assert_int_equal(rd(&f->u, PL011_MIS), 0);
	assert_false(vuart_pl011_irq_level(&f->u));
}

static void test_identification(void **state)
{
	struct fixture *f = *state;
	static const uint32_t want[8] = { 0x11, 0x10, 0x34, 0x00, 0x0D, 0xF0, 0x05, 0xB1 };

	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(rd(&f->u, PL011_PERIPHID0 + 4 * i), want[i]);
		assert_int_equal(vuart_pl011_read(&f->u, PL011_PERIPHID0 + 4 * i, 1), want[i]);
		wr(&f->u, PL011_PERIPHID0 + 4 * i, 0xFF);	/* read-only */
		assert_int_equal(rd(&f->u, PL011_PERIPHID0 + 4 * i), want[i]);
	}
	/* Linux's AMBA bus assembles the 32-bit IDs from the low bytes. */
	uint32_t periphid = 0, cellid = 0;
	for (unsigned i = 0; i < 4; i++) {
		periphid |= rd(&f->u, 0xFE0 + 4 * i) << (8 * i);
		cellid |= rd(&f->u, 0xFF0 + 4 * i) << (8 * i);
	}
	assert_int_equal(periphid, 0x00341011);	/* matches pl011 id 0x00041011/0x000fffff */
	assert_int_equal(cellid, 0xB105F00D);
	assert_int_equal((periphid >> 20) & 0xF, 3);	/* revision >= 3: 32-deep FIFO */
}

static void test_transmit(void **state)
{
	struct fixture *f = *state;

	/* Earlycon writes DR on a UART nobody enabled: it must still come out. */
	wr(&f->u, PL011_CR, 0);
	wr(&f->u, PL011_DR, 'h');
	vuart_pl011_write(&f->u, PL011_DR, 'i', 1);
	vuart_pl011_write(&f->u, PL011_DR, 0x0A21, 2);	/* only the data byte '!' */
	vuart_pl011_write(&f->u, PL011_DR, 0xFFFFFF0A, 4);
	assert_string_equal(f->sink.out, "hi!\n");
	/* Transmission is instantaneous: never busy, never full. */
	assert_int_equal(rd(&f->u, PL011_FR) & (PL011_FR_BUSY | PL011_FR_TXFF), 0);
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_TXFE);
	/* A NULL callback only drops output. */
	vuart_pl011_init(&f->u, NULL, NULL);
	wr(&f->u, PL011_DR, 'x');
	assert_int_equal(f->sink.len, 4);
}

static void test_receive_fifo(void **state)
{
	struct fixture *f = *state;

	/* Receiver disabled at reset (UARTEN=0): input is refused, not queued. */
	assert_false(vuart_pl011_rx_push(&f->u, 'a'));
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_RXFE);
	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE);	/* RXE off */
	assert_false(vuart_pl011_rx_push(&f->u, 'a'));

	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE);
	wr(&f->u, PL011_LCR_H, PL011_LCR_H_FEN);
	for (int i = 0; i < VUART_PL011_FIFO_DEPTH; i++) {
		assert_false(rd(&f->u, PL011_FR) & PL011_FR_RXFF);
		assert_true(vuart_pl011_rx_push(&f->u, (char)('A' + i)));
		assert_false(rd(&f->u, PL011_FR) & PL011_FR_RXFE);
	}
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_RXFF);
	/* Overflow: refused, the FIFO keeps the 32 it has, no overrun flagged
	 * (the caller still holds the character). */
	assert_false(vuart_pl011_rx_push(&f->u, '#'));
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), 0);
	assert_false(rd(&f->u, PL011_RIS) & PL011_INT_OE);
	for (int i = 0; i < VUART_PL011_FIFO_DEPTH; i++)
		assert_int_equal(rd(&f->u, PL011_DR), 'A' + i);
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_RXFE);
	/* Reading an empty FIFO returns 0 and does not underflow. */
	assert_int_equal(rd(&f->u, PL011_DR), 0);
	assert_true(vuart_pl011_rx_push(&f->u, 'z'));
	assert_int_equal(vuart_pl011_read(&f->u, PL011_DR, 1), 'z');

	/* Order survives the ring wrapping many times. */
	for (int i = 0; i < 200; i++) {
		assert_true(vuart_pl011_rx_push(&f->u, (char)i));
		assert_true(vuart_pl011_rx_push(&f->u, (char)(i + 1)));
		assert_int_equal(rd(&f->u, PL011_DR), (uint8_t)i);
		assert_int_equal(rd(&f->u, PL011_DR), (uint8_t)(i + 1));
	}
}

static void test_fifo_disabled_holds_one(void **state)
{
	struct fixture *f = *state;

	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_RXE);
	wr(&f->u, PL011_LCR_H, 0x60);	/* 8 bits, FEN off */
	assert_true(vuart_pl011_rx_push(&f->u, '1'));
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_RXFF);
	assert_false(vuart_pl011_rx_push(&f->u, '2'));
	/* Character mode: the RX interrupt fires for a single character. */
	assert_true(rd(&f->u, PL011_RIS) & PL011_INT_RX);
	assert_int_equal(rd(&f->u, PL011_DR), '1');
	assert_false(rd(&f->u, PL011_RIS) & PL011_INT_RX);
}

static void test_rx_interrupt_levels(void **state)
{
	struct fixture *f = *state;
	/* IFLS.RXIFLSEL -> characters needed in a 32-entry FIFO. */
	static const struct {
		uint32_t ifls;
		unsigned level;
	} trig[] = { { 0 << 3, 4 }, { 1 << 3, 8 }, { 2 << 3, 16 }, { 3 << 3, 24 },
		     { 4 << 3, 28 }, { 5 << 3, 16 }, { 7 << 3, 16 } };

	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_RXE | PL011_CR_TXE);
	wr(&f->u, PL011_LCR_H, PL011_LCR_H_FEN);
	for (size_t t = 0; t < sizeof(trig) / sizeof(trig[0]); t++) {
		wr(&f->u, PL011_IFLS, trig[t].ifls | 2);
		for (unsigned i = 1; i <= trig[t].level; i++) {
			assert_true(vuart_pl011_rx_push(&f->u, 'x'));
			assert_int_equal(!!(rd(&f->u, PL011_RIS) & PL011_INT_RX),
					 i >= trig[t].level);
			assert_true(rd(&f->u, PL011_RIS) & PL011_INT_RT);
		}
		/* One read drops below the trigger; RT stays while data remains. */
		rd(&f->u, PL011_DR);
		assert_false(rd(&f->u, PL011_RIS) & PL011_INT_RX);
		while (!(rd(&f->u, PL011_FR) & PL011_FR_RXFE))
			rd(&f->u, PL011_DR);
		assert_false(rd(&f->u, PL011_RIS) & PL011_INT_RT);
	}
}

static void test_tx_interrupt_is_a_level(void **state)
{
	struct fixture *f = *state;

	linux_startup(&f->u);
	assert_false(vuart_pl011_irq_level(&f->u));
	/* Unmasking TXIM always interrupts at once: there is always room. */
	wr(&f->u, PL011_IMSC, rd(&f->u, PL011_IMSC) | PL011_INT_TX);
	assert_true(vuart_pl011_irq_level(&f->u));
	assert_int_equal(rd(&f->u, PL011_MIS), PL011_INT_TX);
	/* ICR cannot clear a condition that still holds ... */
	wr(&f->u, PL011_ICR, PL011_INT_TX);
	assert_true(vuart_pl011_irq_level(&f->u));
	/* ... masking does, which is what Linux's stop_tx does. */
	wr(&f->u, PL011_IMSC, rd(&f->u, PL011_IMSC) & ~PL011_INT_TX);
	assert_false(vuart_pl011_irq_level(&f->u));
}

static void test_linux_interrupt_mode_session(void **state)
{
	struct fixture *f = *state;
	char got[8] = { 0 };
	size_t n = 0;

	/* Input typed before the port is open is refused... */
	assert_false(vuart_pl011_rx_push(&f->u, 'q'));
	linux_startup(&f->u);
	assert_false(vuart_pl011_irq_level(&f->u));

	/* ...after startup it raises the line (receive timeout, below trigger). */
	assert_true(vuart_pl011_rx_push(&f->u, 'l'));
	assert_true(vuart_pl011_rx_push(&f->u, 's'));
	assert_true(vuart_pl011_irq_level(&f->u));
	assert_int_equal(rd(&f->u, PL011_MIS), PL011_INT_RT);

	/* pl011_int: status = RIS & im; ICR without TX/RT/RX; drain until RXFE. */
	uint32_t status = rd(&f->u, PL011_RIS) & (PL011_INT_RX | PL011_INT_RT);
	assert_int_equal(status, PL011_INT_RT);
	wr(&f->u, PL011_ICR, status & ~(PL011_INT_TX | PL011_INT_RT | PL011_INT_RX));
	while (!(rd(&f->u, PL011_FR) & PL011_FR_RXFE) && n < sizeof(got) - 1)
		got[n++] = (char)rd(&f->u, PL011_DR);
	assert_string_equal(got, "ls");
	assert_false(vuart_pl011_irq_level(&f->u));

	/* start_tx_pio: write while !TXFF; everything fits, TXIM never needed. */
	for (const char *p = "ok\n"; *p; p++) {
		assert_false(rd(&f->u, PL011_FR) & PL011_FR_TXFF);
		wr(&f->u, PL011_DR, (uint8_t)*p);
	}
	assert_string_equal(f->sink.out, "ok\n");
	assert_false(vuart_pl011_irq_level(&f->u));

	/* Throttling masks RX/RT: a full FIFO then keeps the line low. */
	for (int i = 0; i < VUART_PL011_FIFO_DEPTH; i++)
		assert_true(vuart_pl011_rx_push(&f->u, 'x'));
	assert_true(vuart_pl011_irq_level(&f->u));
	wr(&f->u, PL011_IMSC, 0);
	assert_false(vuart_pl011_irq_level(&f->u));
	assert_int_equal(rd(&f->u, PL011_RIS), PL011_INT_TX | PL011_INT_RX | PL011_INT_RT);
}

static void test_loopback_and_overrun(void **state)
{
	struct fixture *f = *state;

	/* Old Linux's TX kickstart: loopback with the receiver off. The byte
	 * must neither reach the console nor the FIFO. */
	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_LBE);
	wr(&f->u, PL011_DR, 0);
	assert_int_equal(f->sink.len, 0);
	assert_true(rd(&f->u, PL011_FR) & PL011_FR_RXFE);
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), 0);

	/* Loopback with the receiver on: bytes come back; the 33rd overruns. */
	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE | PL011_CR_LBE);
	wr(&f->u, PL011_LCR_H, PL011_LCR_H_FEN);
	for (int i = 0; i < VUART_PL011_FIFO_DEPTH; i++)
		wr(&f->u, PL011_DR, (uint32_t)('a' + i % 26));
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), 0);
	wr(&f->u, PL011_DR, '!');
	assert_int_equal(f->sink.len, 0);
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), PL011_RSR_OE);
	assert_true(rd(&f->u, PL011_RIS) & PL011_INT_OE);
	wr(&f->u, PL011_IMSC, PL011_INT_OE);
	assert_true(vuart_pl011_irq_level(&f->u));
	/* ICR clears the latched overrun interrupt; ECR (any value) the flag. */
	wr(&f->u, PL011_ICR, PL011_INT_OE);
	assert_false(rd(&f->u, PL011_RIS) & PL011_INT_OE);
	assert_false(vuart_pl011_irq_level(&f->u));
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), PL011_RSR_OE);
	wr(&f->u, PL011_RSR_ECR, 0x12345);
	assert_int_equal(rd(&f->u, PL011_RSR_ECR), 0);
	assert_int_equal(rd(&f->u, PL011_DR), 'a');

	/* Leaving loopback sends to the console again. */
	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_TXE | PL011_CR_RXE);
	wr(&f->u, PL011_DR, 'k');
	assert_string_equal(f->sink.out, "k");
}

static void test_register_widths(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t off;
		uint32_t mask;
	} regs[] = {
		{ PL011_ILPR, 0xFF }, { PL011_IBRD, 0xFFFF }, { PL011_FBRD, 0x3F },
		{ PL011_LCR_H, 0xFF }, { PL011_CR, 0xFF87 }, { PL011_IFLS, 0x3F },
		{ PL011_IMSC, 0x7FF }, { PL011_DMACR, 0x7 },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		wr(&f->u, regs[i].off, 0xFFFFFFFF);
		assert_int_equal(rd(&f->u, regs[i].off), regs[i].mask);
		wr(&f->u, regs[i].off, 0);
		assert_int_equal(rd(&f->u, regs[i].off), 0);
	}
	/* Read-only registers ignore writes; ICR reads as zero. */
	uint32_t fr = rd(&f->u, PL011_FR);
	wr(&f->u, PL011_FR, 0);
	assert_int_equal(rd(&f->u, PL011_FR), fr);
	wr(&f->u, PL011_RIS, 0);
	wr(&f->u, PL011_MIS, 0xFFFF);
	assert_int_equal(rd(&f->u, PL011_RIS), PL011_INT_TX);
	assert_int_equal(rd(&f->u, PL011_ICR), 0);
}

static void test_access_sizes_and_offsets(void **state)
{
	struct fixture *f = *state;

	wr(&f->u, PL011_IBRD, 0x1234);
	assert_int_equal(vuart_pl011_read(&f->u, PL011_IBRD, 1), 0x34);
	assert_int_equal(vuart_pl011_read(&f->u, PL011_IBRD, 2), 0x1234);
	assert_int_equal(vuart_pl011_read(&f->u, PL011_FR, 1), 0x97);
	/* A narrow store replaces the whole register with the zero-extended value. */
	vuart_pl011_write(&f->u, PL011_IBRD, 0xAB, 1);
	assert_int_equal(rd(&f->u, PL011_IBRD), 0xAB);
	vuart_pl011_write(&f->u, PL011_IBRD, 0xFFFFBEEF, 2);
	assert_int_equal(rd(&f->u, PL011_IBRD), 0xBEEF);

	/* Not at a register's base, or not 1/2/4 bytes: read zero, ignore writes. */
	static const struct {
		uint32_t off;
		unsigned size;
	} bad[] = { { PL011_IBRD + 1, 1 }, { PL011_IBRD + 2, 2 }, { PL011_IBRD, 8 },
		    { PL011_IBRD, 3 }, { PL011_IBRD, 0 }, { PL011_DR + 1, 1 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vuart_pl011_read(&f->u, bad[i].off, bad[i].size), 0);
		vuart_pl011_write(&f->u, bad[i].off, 0x55, bad[i].size);
		assert_int_equal(rd(&f->u, PL011_IBRD), 0xBEEF);
	}
	assert_int_equal(f->sink.len, 0);	/* the DR+1 write sent nothing */

	/* Reserved and out-of-window offsets. */
	static const uint32_t reserved[] = { 0x008, 0x00C, 0x010, 0x014, 0x01C, 0x04C, 0x080,
					     0xFD0, 0xFDC, 0x1000, 0x1FE0, 0xFFFFFFFC };
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		wr(&f->u, reserved[i], 0xFFFFFFFF);
		assert_int_equal(rd(&f->u, reserved[i]), 0);
	}
	assert_int_equal(rd(&f->u, PL011_IBRD), 0xBEEF);
	assert_int_equal(rd(&f->u, PL011_CR), 0x300);
	assert_int_equal(f->sink.len, 0);

	/* A byte read of DR pops exactly one character. */
	wr(&f->u, PL011_CR, PL011_CR_UARTEN | PL011_CR_RXE);
	wr(&f->u, PL011_LCR_H, PL011_LCR_H_FEN);
	assert_true(vuart_pl011_rx_push(&f->u, 'p'));
	assert_true(vuart_pl011_rx_push(&f->u, 'q'));
	assert_int_equal(vuart_pl011_read(&f->u, PL011_DR, 1), 'p');
	assert_int_equal(vuart_pl011_read(&f->u, PL011_DR, 2), 'q');
	/* Misaligned DR reads must not pop. */
	assert_true(vuart_pl011_rx_push(&f->u, 'r'));
	assert_int_equal(vuart_pl011_read(&f->u, PL011_DR + 2, 2), 0);
	assert_int_equal(vuart_pl011_read(&f->u, PL011_DR, 8), 0);
	assert_int_equal(rd(&f->u, PL011_DR), 'r');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_identification, setup),
		cmocka_unit_test_setup(test_transmit, setup),
		cmocka_unit_test_setup(test_receive_fifo, setup),
		cmocka_unit_test_setup(test_fifo_disabled_holds_one, setup),
		cmocka_unit_test_setup(test_rx_interrupt_levels, setup),
		cmocka_unit_test_setup(test_tx_interrupt_is_a_level, setup),
		cmocka_unit_test_setup(test_linux_interrupt_mode_session, setup),
		cmocka_unit_test_setup(test_loopback_and_overrun, setup),
		cmocka_unit_test_setup(test_register_widths, setup),
		cmocka_unit_test_setup(test_access_sizes_and_offsets, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
