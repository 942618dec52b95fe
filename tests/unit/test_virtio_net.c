/* Host tests for vdev/virtio/virtio_net: config space and features, frames
 * taken from the transmit queue past the 12-byte header however the chain is
 * split, size limits, frames delivered into receive buffers with the header
 * written (num_buffers = 1), drops and their counters, malformed chains, the
 * tx_pending flag and used-buffer interrupts through virtio_net_flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtq_driver.h"
#include "vdev/virtio/virtio_net.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	0x40000ull
#define RX_RING		RAM_BASE
#define TX_RING		(RAM_BASE + 0x4000)
#define BUF		(RAM_BASE + 0x10000)
#define QSIZE		16u
#define FEATURES	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS))

static uint8_t ram_bytes[RAM_SIZE] __attribute__((aligned(16)));
static struct fake_ram ram = { ram_bytes, RAM_BASE, RAM_SIZE };
static const struct guest_mem mem = { &ram, fake_ram_map };
static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* Exactly the size the API promises to fill at most: ASan sees overruns. */
static uint8_t frame[VIRTIO_NET_FRAME_MAX];

struct fixture {
	struct virtio_net n;
	struct virtio_mmio_dev m;
	struct vdrv q[2];	/* RX, TX */
};

static struct fixture fx;

static struct vdrv *rxq(struct fixture *f) { return &f->q[VIRTIO_NET_RX_QUEUE]; }
static struct vdrv *txq(struct fixture *f) { return &f->q[VIRTIO_NET_TX_QUEUE]; }

static void start(uint64_t features)
{
	memset(ram_bytes, 0, sizeof(ram_bytes));
	memset(&fx, 0, sizeof(fx));
	memset(frame, 0, sizeof(frame));
	virtio_net_init(&fx.n, mac);
	virtio_mmio_init(&fx.m, &virtio_net_ops, &fx.n, &mem);
	vdrv_init(rxq(&fx), &ram, QSIZE, RX_RING);
	vdrv_init(txq(&fx), &ram, QSIZE, TX_RING);
	assert_true(vmmio_bring_up(&fx.m, features, fx.q, 2));
}

static int setup(void **state)
{
	start(FEATURES);
	*state = &fx;
	return 0;
}

static bool needs_reset(struct fixture *f)
{
	return (vmmio_rd(&f->m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static void fill(uint64_t ipa, uint32_t len, uint8_t seed)
{
	uint8_t *p = fake_ram_host(&ram, ipa);

	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 29 + i / 256);
}

static void make_frame(uint8_t *out, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		out[i] = (uint8_t)(seed ^ (i * 31 + i / 256));
}

/* Publishes bufs as one chain at descriptor `first` of q. */
static void post(struct vdrv *q, uint16_t first, const struct vbuf *bufs, unsigned n)
{
	vdrv_publish(q, vdrv_chain(q, first, bufs, n));
}

/* ---- config ---- */

static void test_config_and_features(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_dev *m = &f->m;

	assert_int_equal(vmmio_rd(m, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	/* No offloads, no mergeable buffers, no control queue. */
	assert_int_equal(vmmio_device_features(m),
			 BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) | BIT(VIRTIO_F_EVENT_IDX) |
				 BIT(VIRTIO_F_INDIRECT_DESC) | BIT(VIRTIO_F_VERSION_1));
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(virtio_mmio_read(m, 0x100 + i, 1), mac[i]);
	assert_int_equal(virtio_mmio_read(m, 0x100, 4), 0x12005452);
	assert_int_equal(virtio_mmio_read(m, 0x104, 4), 0x5634 | (uint32_t)VIRTIO_NET_S_LINK_UP << 16);
	assert_int_equal(virtio_mmio_read(m, 0x106, 2), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(virtio_mmio_read(m, 0x108, 4), 0);
	/* Writes to the config space change nothing. */
	virtio_mmio_write(m, 0x100, 0xffffffff, 4);
	assert_int_equal(virtio_mmio_read(m, 0x100, 1), mac[0]);
	/* Two queues. */
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vmmio_rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_NET_QUEUE_SIZE);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(vmmio_rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

/* ---- transmit ---- */

static void test_tx_one_descriptor(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false } };

	fill(BUF, VIRTIO_NET_HDR_SIZE + 60, 1);
	post(txq(f), 3, b, 1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	assert_memory_equal(frame, fake_ram_host(&ram, BUF + VIRTIO_NET_HDR_SIZE), 60);
	assert_int_equal(vdrv_used_idx(txq(f)), 1);
	assert_int_equal(vdrv_used_id(txq(f), 0), 3);
	assert_int_equal(vdrv_used_len(txq(f), 0), 0);
	assert_int_equal(f->n.stats.tx_packets, 1);
	assert_int_equal(f->n.stats.tx_bytes, 60);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);	/* empty now */
	assert_int_equal(f->n.stats.tx_dropped, 0);
}

static void test_tx_split_descriptors(void **state)
{
	struct fixture *f = *state;
	/* Header split 5 + 7, frame 20 + 1 + 39. */
	const struct vbuf b1[] = {
		{ BUF, 5, false }, { BUF + 0x100, 7, false },
		{ BUF + 0x200, 20, false }, { BUF + 0x300, 1, false }, { BUF + 0x400, 39, false },
	};
	/* Header and the frame's start together, then the rest. */
	const struct vbuf b2[] = { { BUF + 0x800, VIRTIO_NET_HDR_SIZE + 10, false },
				   { BUF + 0x900, 50, false } };
	uint8_t expect[60];

	for (unsigned i = 0; i < 5; i++)
		fill(b1[i].addr, b1[i].len, (uint8_t)(i + 10));
	memcpy(expect, fake_ram_host(&ram, BUF + 0x200), 20);
	memcpy(expect + 20, fake_ram_host(&ram, BUF + 0x300), 1);
	memcpy(expect + 21, fake_ram_host(&ram, BUF + 0x400), 39);
	post(txq(f), 0, b1, 5);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	assert_memory_equal(frame, expect, 60);

	fill(BUF + 0x800, VIRTIO_NET_HDR_SIZE + 10, 20);
	fill(BUF + 0x900, 50, 21);
	memcpy(expect, fake_ram_host(&ram, BUF + 0x800 + VIRTIO_NET_HDR_SIZE), 10);
	memcpy(expect + 10, fake_ram_host(&ram, BUF + 0x900), 50);
	post(txq(f), 5, b2, 2);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	assert_memory_equal(frame, expect, 60);
	assert_int_equal(vdrv_used_idx(txq(f)), 2);
	assert_int_equal(vdrv_used_id(txq(f), 1), 5);
	assert_int_equal(f->n.stats.tx_packets, 2);
	assert_int_equal(f->n.stats.tx_bytes, 120);
}

static void test_tx_header_contents_ignored(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, VIRTIO_NET_HDR_SIZE, false }, { BUF + 0x100, 64, false } };

	/* Offload requests the device never offered: ignored, frame as is. */
	memset(fake_ram_host(&ram, BUF), 0xff, VIRTIO_NET_HDR_SIZE);
	fill(BUF + 0x100, 64, 3);
	post(txq(f), 0, b, 2);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 64);
	assert_memory_equal(frame, fake_ram_host(&ram, BUF + 0x100), 64);
}

static void test_tx_writable_buffers_ignored(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false }, { BUF + 0x200, 100, true } };

	memset(fake_ram_host(&ram, BUF + 0x200), 0xee, 100);
	post(txq(f), 0, b, 2);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	assert_int_equal(vdrv_used_len(txq(f), 0), 0);
	assert_int_equal(*fake_ram_host(&ram, BUF + 0x200), 0xee);
}

static void test_tx_size_limits(void **state)
{
	struct fixture *f = *state;
	const struct vbuf max[] = { { BUF, VIRTIO_NET_HDR_SIZE, false },
				    { BUF + 0x100, VIRTIO_NET_FRAME_MAX, false } };
	const struct vbuf over[] = { { BUF, VIRTIO_NET_HDR_SIZE, false },
				     { BUF + 0x100, 1000, false }, { BUF + 0x1000, 519, false } };
	const struct vbuf empty[] = { { BUF, VIRTIO_NET_HDR_SIZE, false } };
	const struct vbuf short_hdr[] = { { BUF, 8, false } };
	const struct vbuf only_in[] = { { BUF, 64, true } };

	fill(BUF + 0x100, 0x1000, 7);
	post(txq(f), 0, max, 2);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), VIRTIO_NET_FRAME_MAX);
	assert_memory_equal(frame, fake_ram_host(&ram, BUF + 0x100), VIRTIO_NET_FRAME_MAX);

	post(txq(f), 2, over, 3);
	post(txq(f), 5, empty, 1);
	post(txq(f), 6, short_hdr, 1);
	post(txq(f), 7, only_in, 1);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), -1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_int_equal(f->n.stats.tx_dropped, 4);
	assert_int_equal(f->n.stats.tx_packets, 1);
	assert_int_equal(f->n.stats.tx_bytes, VIRTIO_NET_FRAME_MAX);
	/* Every dropped chain goes back to the driver. */
	assert_int_equal(vdrv_used_idx(txq(f)), 5);
	for (uint16_t i = 1; i < 5; i++)
		assert_int_equal(vdrv_used_len(txq(f), i), 0);
	assert_int_equal(vdrv_used_id(txq(f), 1), 2);
	assert_int_equal(vdrv_used_id(txq(f), 4), 7);
	assert_int_equal(f->n.stats.bad_chains, 0);
	assert_false(needs_reset(f));
}

static void test_tx_indirect(void **state)
{
	struct fixture *f = *state;
	uint64_t table = BUF + 0x2000;

	start(FEATURES | BIT(VIRTIO_F_INDIRECT_DESC));
	vdrv_put_desc(&ram, table, 0, BUF, VIRTIO_NET_HDR_SIZE, VIRTQ_DESC_F_NEXT, 1);
	vdrv_put_desc(&ram, table, 1, BUF + 0x100, 42, 0, 0);
	vdrv_desc(txq(f), 9, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(txq(f), 9);
	fill(BUF + 0x100, 42, 5);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 42);
	assert_memory_equal(frame, fake_ram_host(&ram, BUF + 0x100), 42);
	assert_int_equal(vdrv_used_id(txq(f), 0), 9);
}

static void test_tx_chain_errors_dropped(void **state)
{
	struct fixture *f = *state;
	const struct vbuf good[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false } };
	const struct vbuf outside[] = { { BUF, VIRTIO_NET_HDR_SIZE, false }, { 0x1000, 60, false } };

	vdrv_desc(txq(f), 0, BUF, 20, VIRTQ_DESC_F_NEXT, QSIZE);	/* next outside */
	vdrv_publish(txq(f), 0);
	post(txq(f), 2, outside, 2);
	post(txq(f), 4, good, 1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), -1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), -1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	assert_int_equal(f->n.stats.bad_chains, 2);
	assert_int_equal(f->n.stats.tx_packets, 1);
	assert_int_equal(vdrv_used_idx(txq(f)), 3);
	assert_int_equal(vdrv_used_id(txq(f), 0), 0);
	assert_int_equal(vdrv_used_len(txq(f), 0), 0);
	assert_int_equal(vdrv_used_id(txq(f), 1), 2);
	assert_false(needs_reset(f));
}

static void test_tx_ring_error_needs_reset(void **state)
{
	struct fixture *f = *state;
	const struct vbuf good[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false } };

	vdrv_publish(txq(f), QSIZE);	/* head outside the table */
	post(txq(f), 0, good, 1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_true(needs_reset(f));
	assert_true(vmmio_rd(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->n.stats.bad_chains, 1);
	assert_int_equal(vdrv_used_idx(txq(f)), 0);
	/* Stopped: the good frame behind it stays where it is. */
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_int_equal(f->n.stats.tx_packets, 0);
	assert_int_equal(f->n.stats.bad_chains, 1);
}

static void test_tx_not_running(void **state)
{
	struct fixture *f = *state;
	const struct vbuf good[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false } };

	/* Queues set up but no DRIVER_OK yet. */
	assert_true(vmmio_negotiate(&f->m, FEATURES));
	assert_true(vmmio_setup_queue(&f->m, VIRTIO_NET_TX_QUEUE, txq(f)));
	post(txq(f), 0, good, 1);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_int_equal(f->m.queues[VIRTIO_NET_TX_QUEUE].vq.last_avail_idx, 0);
	/* After a device error, nothing moves either. */
	assert_true(vmmio_driver_ok(&f->m));
	virtio_mmio_needs_reset(&f->m);
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_int_equal(f->m.queues[VIRTIO_NET_TX_QUEUE].vq.last_avail_idx, 0);
	assert_int_equal(f->n.stats.tx_packets + f->n.stats.tx_dropped, 0);
}

/* ---- receive ---- */

static void expect_rx_header(uint64_t ipa)
{
	const uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { [10] = 1 };	/* num_buffers = 1 */

	assert_memory_equal(fake_ram_host(&ram, ipa), hdr, VIRTIO_NET_HDR_SIZE);
}

static void test_rx_one_buffer(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, 1526, true } };
	uint8_t in[60];

	memset(fake_ram_host(&ram, BUF), 0xee, 1526);
	make_frame(in, sizeof(in), 1);
	post(rxq(f), 4, b, 1);
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	expect_rx_header(BUF);
	assert_memory_equal(fake_ram_host(&ram, BUF + VIRTIO_NET_HDR_SIZE), in, sizeof(in));
	assert_int_equal(*fake_ram_host(&ram, BUF + VIRTIO_NET_HDR_SIZE + sizeof(in)), 0xee);
	assert_int_equal(vdrv_used_idx(rxq(f)), 1);
	assert_int_equal(vdrv_used_id(rxq(f), 0), 4);
	assert_int_equal(vdrv_used_len(rxq(f), 0), VIRTIO_NET_HDR_SIZE + sizeof(in));
	assert_int_equal(f->n.stats.rx_packets, 1);
	assert_int_equal(f->n.stats.rx_bytes, sizeof(in));
	assert_int_equal(f->n.stats.rx_dropped, 0);
}

static void test_rx_split_buffers(void **state)
{
	struct fixture *f = *state;
	/* Header over 4 + 8, frame over 20 + 1000 (uses 80 of it). */
	const struct vbuf b[] = {
		{ BUF, 4, true }, { BUF + 0x100, 8, true }, { BUF + 0x200, 20, true },
		{ BUF + 0x400, 1000, true },
	};
	uint8_t in[100], hdr[VIRTIO_NET_HDR_SIZE];

	memset(fake_ram_host(&ram, BUF), 0xee, 0x800);
	make_frame(in, sizeof(in), 2);
	post(rxq(f), 0, b, 4);
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	memcpy(hdr, fake_ram_host(&ram, BUF), 4);
	memcpy(hdr + 4, fake_ram_host(&ram, BUF + 0x100), 8);
	assert_memory_equal(hdr, (uint8_t[VIRTIO_NET_HDR_SIZE]){ [10] = 1 }, VIRTIO_NET_HDR_SIZE);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x200), in, 20);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x400), in + 20, 80);
	assert_int_equal(*fake_ram_host(&ram, BUF + 0x400 + 80), 0xee);
	assert_int_equal(*fake_ram_host(&ram, BUF + 4), 0xee);
	assert_int_equal(vdrv_used_len(rxq(f), 0), VIRTIO_NET_HDR_SIZE + sizeof(in));
}

static void test_rx_exact_fit_and_too_small(void **state)
{
	struct fixture *f = *state;
	const struct vbuf small[] = { { BUF, VIRTIO_NET_HDR_SIZE + 59, true } };
	const struct vbuf exact[] = { { BUF + 0x100, 6, true }, { BUF + 0x200, 66, true } };
	uint8_t in[60];

	make_frame(in, sizeof(in), 3);
	memset(fake_ram_host(&ram, BUF), 0xee, 0x300);
	post(rxq(f), 0, small, 1);
	post(rxq(f), 1, exact, 2);
	/* Too small: dropped, and the buffer is handed back unused. */
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.rx_dropped, 1);
	assert_int_equal(vdrv_used_idx(rxq(f)), 1);
	assert_int_equal(vdrv_used_id(rxq(f), 0), 0);
	assert_int_equal(vdrv_used_len(rxq(f), 0), 0);
	assert_int_equal(*fake_ram_host(&ram, BUF), 0xee);
	/* The next frame takes the next buffer, which fits exactly. */
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(vdrv_used_id(rxq(f), 1), 1);
	assert_int_equal(vdrv_used_len(rxq(f), 1), 72);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x200 + 6), in, 60);
	assert_int_equal(f->n.stats.rx_packets, 1);
	assert_int_equal(f->n.stats.rx_bytes, 60);
}

static void test_rx_device_readable_buffer(void **state)
{
	struct fixture *f = *state;
	const struct vbuf ro[] = { { BUF, 1526, false } };
	const struct vbuf mixed[] = { { BUF + 0x800, 12, false }, { BUF + 0x1000, 1526, true } };
	uint8_t in[60];

	make_frame(in, sizeof(in), 4);
	memset(fake_ram_host(&ram, BUF), 0xee, 0x1800);
	post(rxq(f), 0, ro, 1);
	post(rxq(f), 1, mixed, 2);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.rx_dropped, 2);
	assert_int_equal(f->n.stats.rx_packets, 0);
	assert_int_equal(vdrv_used_idx(rxq(f)), 2);
	assert_int_equal(vdrv_used_len(rxq(f), 0), 0);
	assert_int_equal(vdrv_used_len(rxq(f), 1), 0);
	assert_int_equal(*fake_ram_host(&ram, BUF), 0xee);
	assert_int_equal(*fake_ram_host(&ram, BUF + 0x800), 0xee);
	assert_int_equal(*fake_ram_host(&ram, BUF + 0x1000), 0xee);
}

static void test_rx_no_buffer(void **state)
{
	struct fixture *f = *state;
	uint8_t in[60];

	make_frame(in, sizeof(in), 5);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.rx_dropped, 1);
	assert_int_equal(vdrv_used_idx(rxq(f)), 0);
	assert_false(needs_reset(f));
}

static void test_rx_not_running(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, 1526, true } };
	uint8_t in[60];

	make_frame(in, sizeof(in), 6);
	post(rxq(f), 0, b, 1);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_NET_RX_QUEUE);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	start(FEATURES);
	post(rxq(f), 0, b, 1);
	virtio_mmio_needs_reset(&f->m);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.rx_dropped, 1);
	assert_int_equal(vdrv_used_idx(rxq(f)), 0);
}

static void test_rx_chain_errors(void **state)
{
	struct fixture *f = *state;
	const struct vbuf good[] = { { BUF, 1526, true } };
	uint8_t in[60];

	make_frame(in, sizeof(in), 7);
	vdrv_desc(rxq(f), 0, BUF, 20, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);	/* loop */
	vdrv_publish(rxq(f), 0);
	post(rxq(f), 1, good, 1);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.bad_chains, 1);
	assert_int_equal(f->n.stats.rx_dropped, 1);
	assert_int_equal(vdrv_used_idx(rxq(f)), 1);
	assert_int_equal(vdrv_used_len(rxq(f), 0), 0);
	assert_false(needs_reset(f));
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));

	/* A bad head stops the device. */
	vdrv_publish(rxq(f), 200);
	post(rxq(f), 1, good, 1);
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_true(needs_reset(f));
	assert_false(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_int_equal(f->n.stats.rx_packets, 1);
	assert_int_equal(f->n.stats.bad_chains, 2);
}

static void test_rx_max_frame(void **state)
{
	struct fixture *f = *state;
	const struct vbuf b[] = { { BUF, VIRTIO_NET_HDR_SIZE + VIRTIO_NET_FRAME_MAX, true } };

	make_frame(frame, VIRTIO_NET_FRAME_MAX, 8);
	post(rxq(f), 0, b, 1);
	assert_true(virtio_net_rx(&f->n, &f->m, frame, VIRTIO_NET_FRAME_MAX));
	assert_memory_equal(fake_ram_host(&ram, BUF + VIRTIO_NET_HDR_SIZE), frame, VIRTIO_NET_FRAME_MAX);
	assert_int_equal(vdrv_used_len(rxq(f), 0), 1530);
}

/* ---- notifications ---- */

static void test_tx_pending_only_on_tx_notify(void **state)
{
	struct fixture *f = *state;

	assert_false(f->n.tx_pending);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_QUEUE);
	assert_false(f->n.tx_pending);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 2);
	assert_false(f->n.tx_pending);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	assert_true(f->n.tx_pending);
	/* The notify itself moves nothing: the binding drains later. */
	assert_int_equal(vdrv_used_idx(txq(f)), 0);
	assert_false(virtio_mmio_irq_level(&f->m));
}

static void test_flush_interrupts(void **state)
{
	struct fixture *f = *state;
	const struct vbuf rb[] = { { BUF, 1526, true } };
	const struct vbuf tb[] = { { BUF + 0x1000, VIRTIO_NET_HDR_SIZE + 60, false } };
	uint8_t in[60];

	make_frame(in, sizeof(in), 9);
	post(rxq(f), 0, rb, 1);
	post(txq(f), 0, tb, 1);
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	assert_false(virtio_mmio_irq_level(&f->m));	/* only at flush */
	virtio_net_flush(&f->m, VIRTIO_NET_TX_QUEUE);	/* nothing used there */
	assert_false(virtio_mmio_irq_level(&f->m));
	virtio_net_flush(&f->m, VIRTIO_NET_RX_QUEUE);
	assert_int_equal(vmmio_rd(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vmmio_wr(&f->m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	virtio_net_flush(&f->m, VIRTIO_NET_RX_QUEUE);	/* already told */
	assert_false(virtio_mmio_irq_level(&f->m));

	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 60);
	virtio_net_flush(&f->m, VIRTIO_NET_TX_QUEUE);
	assert_true(virtio_mmio_irq_level(&f->m));
	vmmio_wr(&f->m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

	/* A driver that asked for quiet gets none; queues that do not exist
	 * are ignored. */
	vdrv_set_avail_flags(rxq(f), VIRTQ_AVAIL_F_NO_INTERRUPT);
	post(rxq(f), 1, rb, 1);
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	virtio_net_flush(&f->m, VIRTIO_NET_RX_QUEUE);
	virtio_net_flush(&f->m, 2);
	virtio_net_flush(&f->m, 100);
	assert_false(virtio_mmio_irq_level(&f->m));
}

static void test_flush_event_idx(void **state)
{
	struct fixture *f = *state;
	const struct vbuf rb[] = { { BUF, 1526, true } };
	uint8_t in[60];

	start(FEATURES | BIT(VIRTIO_F_EVENT_IDX));
	make_frame(in, sizeof(in), 10);
	vdrv_set_used_event(rxq(f), 2);	/* interrupt once the third is used */
	for (uint16_t i = 0; i < 3; i++)
		post(rxq(f), i, rb, 1);
	for (unsigned i = 0; i < 2; i++) {
		assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
		virtio_net_flush(&f->m, VIRTIO_NET_RX_QUEUE);
		assert_false(virtio_mmio_irq_level(&f->m));
	}
	assert_true(virtio_net_rx(&f->n, &f->m, in, sizeof(in)));
	virtio_net_flush(&f->m, VIRTIO_NET_RX_QUEUE);
	assert_true(virtio_mmio_irq_level(&f->m));
}

static void test_reset_drops_queues_keeps_config(void **state)
{
	struct fixture *f = *state;
	const struct vbuf tb[] = { { BUF, VIRTIO_NET_HDR_SIZE + 60, false } };

	post(txq(f), 0, tb, 1);
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_QUEUE);
	vmmio_wr(&f->m, VIRTIO_MMIO_STATUS, 0);
	/* The queue went away with the reset: nothing to take. */
	assert_int_equal(virtio_net_tx(&f->n, &f->m, frame), 0);
	assert_int_equal(virtio_mmio_read(&f->m, 0x106, 2), VIRTIO_NET_S_LINK_UP);
	assert_int_equal(virtio_mmio_read(&f->m, 0x100, 1), mac[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config_and_features, setup),
		cmocka_unit_test_setup(test_tx_one_descriptor, setup),
		cmocka_unit_test_setup(test_tx_split_descriptors, setup),
		cmocka_unit_test_setup(test_tx_header_contents_ignored, setup),
		cmocka_unit_test_setup(test_tx_writable_buffers_ignored, setup),
		cmocka_unit_test_setup(test_tx_size_limits, setup),
		cmocka_unit_test_setup(test_tx_indirect, setup),
		cmocka_unit_test_setup(test_tx_chain_errors_dropped, setup),
		cmocka_unit_test_setup(test_tx_ring_error_needs_reset, setup),
		cmocka_unit_test_setup(test_tx_not_running, setup),
		cmocka_unit_test_setup(test_rx_one_buffer, setup),
		cmocka_unit_test_setup(test_rx_split_buffers, setup),
		cmocka_unit_test_setup(test_rx_exact_fit_and_too_small, setup),
		cmocka_unit_test_setup(test_rx_device_readable_buffer, setup),
		cmocka_unit_test_setup(test_rx_no_buffer, setup),
		cmocka_unit_test_setup(test_rx_not_running, setup),
		cmocka_unit_test_setup(test_rx_chain_errors, setup),
		cmocka_unit_test_setup(test_rx_max_frame, setup),
		cmocka_unit_test_setup(test_tx_pending_only_on_tx_notify, setup),
		cmocka_unit_test_setup(test_flush_interrupts, setup),
		cmocka_unit_test_setup(test_flush_event_idx, setup),
		cmocka_unit_test_setup(test_reset_drops_queues_keeps_config, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
