/* libFuzzer target for the PL011 model: the input is a sequence of guest reads,
 * guest writes and console characters; a shadow queue checks that received
 * bytes come out of DR in order and that flags and interrupt level agree.
 * Build: clang -fsanitize=fuzzer,address,undefined -DHB_HOST -I. this file
 *        vdev/vuart_pl011.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/vuart_pl011.h"

#define REQUIRE(cond)                                                                    \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

struct shadow {
	uint8_t q[VUART_PL011_FIFO_DEPTH];
	unsigned head, count;
	size_t transmitted;
};

static void shadow_push(struct shadow *s, uint8_t c)
{
	REQUIRE(s->count < VUART_PL011_FIFO_DEPTH);
	s->q[(s->head + s->count) % VUART_PL011_FIFO_DEPTH] = c;
	s->count++;
}

static uint8_t shadow_pop(struct shadow *s)
{
	uint8_t c = s->q[s->head];

	s->head = (s->head + 1) % VUART_PL011_FIFO_DEPTH;
	s->count--;
	return c;
}

static void count_tx(void *ctx, char c)
{
	struct shadow *s = ctx;

	(void)c;
	s->transmitted++;
}

/* Offsets the fuzzer picks from: every register, plus anything in the window. */
static const uint32_t interesting[] = { 0x000, 0x004, 0x018, 0x020, 0x024, 0x028, 0x02C,
					0x030, 0x034, 0x038, 0x03C, 0x040, 0x044, 0x048,
					0xFE0, 0xFE8, 0xFF0, 0xFFC };

static uint32_t pick_offset(uint8_t sel, uint8_t raw)
{
	if (sel & 0x80)
		return ((uint32_t)(sel & 0x7f) << 8 | raw) & 0x1fff;	/* may be unaligned */
	return interesting[sel % (sizeof(interesting) / sizeof(interesting[0]))];
}

static void check_invariants(struct vuart_pl011 *u, const struct shadow *s)
{
	/* FR, RIS and MIS reads have no side effects, so they can be sampled. */
	uint32_t fr = vuart_pl011_read(u, 0x018, 4);
	uint32_t ris = vuart_pl011_read(u, 0x03C, 4);
	uint32_t mis = vuart_pl011_read(u, 0x040, 4);
	uint32_t imsc = vuart_pl011_read(u, 0x038, 4);

	REQUIRE(u->rx_count == s->count);
	REQUIRE(!!(fr & PL011_FR_RXFE) == (s->count == 0));
	REQUIRE(fr & PL011_FR_TXFE);
	REQUIRE(!(fr & (PL011_FR_TXFF | PL011_FR_BUSY)));
	REQUIRE(ris & PL011_INT_TX);
	REQUIRE(!!(ris & PL011_INT_RT) == (s->count > 0));
	REQUIRE(mis == (ris & imsc));
	REQUIRE(vuart_pl011_irq_level(u) == (mis != 0));
	REQUIRE((ris & ~PL011_INT_ALL) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const unsigned sizes[] = { 4, 1, 2, 8, 3, 0, 4, 4 };
	struct vuart_pl011 u;
	struct shadow s = { .head = 0 };

	vuart_pl011_init(&u, count_tx, &s);
	while (len >= 4) {
		uint8_t op = data[0], sel = data[1], a = data[2], b = data[3];
		uint32_t offset = pick_offset(sel, a);
		unsigned size = sizes[op >> 5];

		data += 4;
		len -= 4;
		switch (op & 3) {
		case 0: {	/* guest read */
			bool pops = offset == 0 && (size == 1 || size == 2 || size == 4);
			uint32_t v = vuart_pl011_read(&u, offset, size);

			if (pops && s.count > 0)
				REQUIRE(v == shadow_pop(&s));
			else if (pops)
				REQUIRE(v == 0);
			break;
		}
		case 1: {	/* guest write */
			uint32_t value = (uint32_t)b << 24 | (uint32_t)a << 16 | (uint32_t)b << 8 | a;
			unsigned before = u.rx_count;
			size_t sent = s.transmitted;

			if ((op & 0x1c) == 0x1c)
				value = a;	/* plain data bytes help reach loopback */
			vuart_pl011_write(&u, offset, value, size);
			/* A DR write either transmits or loops back (or is dropped). */
			if (u.rx_count == before + 1)
				shadow_push(&s, (uint8_t)value);
			else
				REQUIRE(u.rx_count == before);
			REQUIRE(s.transmitted <= sent + 1);
			break;
		}
		case 2: {	/* console input */
			unsigned before = u.rx_count;

			if (vuart_pl011_rx_push(&u, (char)a)) {
				REQUIRE(u.rx_count == before + 1);
				shadow_push(&s, a);
			} else {
				REQUIRE(u.rx_count == before);
			}
			break;
		}
		default:	/* enable the receiver and FIFOs: reach deep states fast */
			vuart_pl011_write(&u, 0x030, 0x301 | ((uint32_t)(a & 1) << 7), 4);
			vuart_pl011_write(&u, 0x02C, (b & 1) ? 0x70 : 0x60, 4);
			vuart_pl011_write(&u, 0x038, (uint32_t)b << 3, 4);
			break;
		}
		check_invariants(&u, &s);
	}
	return 0;
}
