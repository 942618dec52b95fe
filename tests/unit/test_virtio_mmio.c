/* Host tests for vdev/virtio_mmio: identification registers, feature
 * negotiation (VERSION_1 required, subset of the offer), status rules and
 * reset, queue setup rules, notify dispatch, interrupt status/ack/level,
 * config space access and generation, and access-size rules. The driver side
 * follows the initialisation sequence Linux's virtio_mmio driver performs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/virtio_mmio.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	0x10000ull

static uint8_t ram[RAM_SIZE] __attribute__((aligned(16)));

static void *ram_map(void *ctx, uint64_t ipa, uint64_t len)
{
	(void)ctx;
	if (len == 0 || len > RAM_SIZE || ipa < RAM_BASE || ipa - RAM_BASE > RAM_SIZE - len)
		return NULL;
	return ram + (ipa - RAM_BASE);
}

static const struct guest_mem mem = { NULL, ram_map };

/* ---- a small block-like device ---- */

#define DEV_FEATURE_A	0	/* device-specific bits */
#define DEV_FEATURE_B	5

struct backend {
	uint8_t config[12];	/* capacity (le64), blk_size (le32) */
	unsigned notifies[VIRTIO_MMIO_MAX_QUEUES];
	unsigned resets;
	unsigned config_writes;
	uint32_t last_write_offset, last_write_value;
	unsigned last_write_size;
};

static uint32_t cfg_read(struct virtio_mmio_dev *d, uint32_t offset, unsigned size)
{
	struct backend *b = d->backend;

	assert_true(offset + size <= sizeof(b->config));
	/* Returns junk above `size` bytes: the transport has to mask it. */
	return virtio_mmio_config_load(b->config, offset, size) | (size < 4 ? ~0u << (size * 8) : 0);
}

static void cfg_write(struct virtio_mmio_dev *d, uint32_t offset, uint32_t value, unsigned size)
{
	struct backend *b = d->backend;

	assert_true(offset + size <= sizeof(b->config));
	b->config_writes++;
	b->last_write_offset = offset;
	b->last_write_value = value;
	b->last_write_size = size;
}

static void dev_notify(struct virtio_mmio_dev *d, unsigned q)
{
	struct backend *b = d->backend;

	assert_true(q < VIRTIO_MMIO_MAX_QUEUES);
	b->notifies[q]++;
}

static void dev_reset(struct virtio_mmio_dev *d)
{
	struct backend *b = d->backend;

	b->resets++;
	/* Transport state is already cleared when the backend hears of it. */
	assert_int_equal(d->status, 0);
	assert_false(d->queues[0].vq.ready);
}

static const struct virtio_dev_ops ops = {
	.device_id = 2,
	/* Bit 34 (packed rings) and 35 (in-order) are not implemented and must
	 * be hidden; 28, 29 are. */
	.features = BIT(DEV_FEATURE_A) | BIT(DEV_FEATURE_B) | BIT(VIRTIO_F_INDIRECT_DESC) |
		    BIT(VIRTIO_F_EVENT_IDX) | BIT(34) | BIT(35) | BIT(50),
	.num_queues = 2,
	.queue_max = 64,
	.config_size = 12,
	.config_read = cfg_read,
	.config_write = cfg_write,
	.notify = dev_notify,
	.reset = dev_reset,
};

struct fixture {
	struct virtio_mmio_dev d;
	struct backend b;
};

static struct fixture fx;

static int setup(void **state)
{
	uint64_t capacity = 0x123456789abcull;
	uint32_t blk_size = 512;

	memset(ram, 0, sizeof(ram));
	memset(&fx, 0, sizeof(fx));
	memcpy(fx.b.config, &capacity, 8);
	memcpy(fx.b.config + 8, &blk_size, 4);
	virtio_mmio_init(&fx.d, &ops, &fx.b, &mem);
	*state = &fx;
	return 0;
}

static uint32_t rd(struct fixture *f, uint32_t off)
{
	return virtio_mmio_read(&f->d, off, 4);
}

static void wr(struct fixture *f, uint32_t off, uint32_t v)
{
	virtio_mmio_write(&f->d, off, v, 4);
}

static uint64_t device_features(struct fixture *f)
{
	uint64_t v;

	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	v = (uint64_t)rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return v | rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void write_driver_features(struct fixture *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
}

/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true if the device kept it. */
static bool negotiate(struct fixture *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	write_driver_features(f, features);
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	return (rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

/* Queue n's rings at a RAM offset; the layout of a 64-entry queue fits 4 KiB. */
static uint64_t ring_base(unsigned n)
{
	return RAM_BASE + 0x1000u * (n + 1);
}

static void setup_queue(struct fixture *f, unsigned n, uint32_t num, uint64_t base)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, n);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(base >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(base + 0x400));
	wr(f, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)((base + 0x400) >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(base + 0x800));
	wr(f, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)((base + 0x800) >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void bring_up(struct fixture *f, uint64_t features)
{
	assert_true(negotiate(f, features));
	setup_queue(f, 0, 64, ring_base(0));
	setup_queue(f, 1, 32, ring_base(1));
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK);
}

/* ---- identification and features ---- */

static void test_identification(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(virtio_mmio_irq_level(&f->d));
}

static void test_device_features(void **state)
{
	struct fixture *f = *state;

	/* VERSION_1 always; unimplemented transport bits hidden; device bits
	 * (including those above 49) kept. */
	assert_int_equal(device_features(f), BIT(DEV_FEATURE_A) | BIT(DEV_FEATURE_B) |
						     BIT(VIRTIO_F_INDIRECT_DESC) | BIT(VIRTIO_F_EVENT_IDX) |
						     BIT(VIRTIO_F_VERSION_1) | BIT(50));
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);
}

static void test_features_ok_needs_version_1(void **state)
{
	struct fixture *f = *state;

	assert_false(negotiate(f, BIT(DEV_FEATURE_A)));
	assert_false(virtio_mmio_has_feature(&f->d, DEV_FEATURE_A));
	/* A legacy driver would now go on without FEATURES_OK: refused. */
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}

static void test_features_ok_needs_subset(void **state)
{
	struct fixture *f = *state;

	assert_false(negotiate(f, BIT(VIRTIO_F_VERSION_1) | BIT(7)));
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_false(negotiate(f, BIT(VIRTIO_F_VERSION_1) | BIT(34)));	/* hidden bit */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1) | BIT(DEV_FEATURE_B) | BIT(50)));
	assert_true(virtio_mmio_has_feature(&f->d, DEV_FEATURE_B));
	assert_true(virtio_mmio_has_feature(&f->d, 50));
	assert_false(virtio_mmio_has_feature(&f->d, DEV_FEATURE_A));
	assert_false(virtio_mmio_has_feature(&f->d, 64));
}

static void test_driver_features_frozen_after_features_ok(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, BIT(DEV_FEATURE_A));
	assert_false(virtio_mmio_has_feature(&f->d, DEV_FEATURE_A));
	assert_true(virtio_mmio_has_feature(&f->d, VIRTIO_F_VERSION_1));
	/* Selectors past the second word are ignored. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	write_driver_features(f, BIT(VIRTIO_F_VERSION_1));
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 2);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FEATURES_OK);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

/* ---- status and reset ---- */

static void test_status_bits_accumulate(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_DRIVER);	/* cannot clear ACKNOWLEDGE */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_NEEDS_RESET | 0x30);	/* device-owned and reserved */
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FAILED);
	assert_int_equal(f->b.resets, 0);
}

static void test_reset_clears_everything(void **state)
{
	struct fixture *f = *state;

	bring_up(f, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX));
	virtio_mmio_signal_used(&f->d);
	virtio_mmio_needs_reset(&f->d);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);

	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->b.resets, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(virtio_mmio_irq_level(&f->d));
	assert_false(virtio_mmio_has_feature(&f->d, VIRTIO_F_EVENT_IDX));
	assert_int_equal(f->d.driver_features, 0);
	assert_int_equal(f->d.queue_sel, 0);
	for (unsigned n = 0; n < 2; n++) {
		wr(f, VIRTIO_MMIO_QUEUE_SEL, n);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_false(f->d.queues[n].vq.ready);
		assert_int_equal(f->d.queues[n].num, 0);
		assert_int_equal(f->d.queues[n].desc, 0);
	}
	assert_null(virtio_mmio_queue(&f->d, 0));

	/* The device comes back up from scratch. */
	bring_up(f, BIT(VIRTIO_F_VERSION_1));
	assert_non_null(virtio_mmio_queue(&f->d, 0));
	assert_false(virtio_mmio_queue(&f->d, 0)->event_idx);
}

/* ---- queues ---- */

static void test_queue_num_max(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 2);	/* no such queue */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	setup_queue(f, 2, 8, ring_base(0));	/* ignored, nothing breaks */
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}

static void test_queue_setup(void **state)
{
	struct fixture *f = *state;
	struct virtq *vq;

	bring_up(f, BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_F_EVENT_IDX) | BIT(VIRTIO_F_INDIRECT_DESC));
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	vq = virtio_mmio_queue(&f->d, 0);
	assert_non_null(vq);
	assert_int_equal(vq->num, 64);
	assert_true(vq->event_idx);
	assert_true(vq->indirect);
	assert_ptr_equal(vq->desc, ram + 0x1000);
	assert_ptr_equal(vq->avail, ram + 0x1400);
	assert_ptr_equal(vq->used, ram + 0x1800);
	assert_int_equal(virtio_mmio_queue(&f->d, 1)->num, 32);
	assert_null(virtio_mmio_queue(&f->d, 2));
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_queue_registers_locked_while_ready(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	setup_queue(f, 0, 64, ring_base(0));
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x12340000);
	assert_int_equal(f->d.queues[0].num, 64);
	assert_int_equal(f->d.queues[0].desc, ring_base(0));

	/* Disabling unlocks them again (before DRIVER_OK). */
	wr(f, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 16);
	assert_int_equal(f->d.queues[0].num, 16);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(f->d.queues[0].vq.num, 16);
}

static void test_queue_setup_after_driver_ok_ignored(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	setup_queue(f, 0, 64, ring_base(0));
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	setup_queue(f, 1, 32, ring_base(1));
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(f->d.queues[1].num, 0);
	assert_null(virtio_mmio_queue(&f->d, 1));
	/* Stopping a queue stays possible. */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_null(virtio_mmio_queue(&f->d, 0));
}

static void test_queue_ready_needs_features_ok(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	setup_queue(f, 0, 64, ring_base(0));
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void expect_enable_fails(struct fixture *f, uint32_t num, uint64_t base)
{
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	setup_queue(f, 0, num, base);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* Not yet running: no interrupt for it. */
	assert_false(virtio_mmio_irq_level(&f->d));
}

static void test_bad_queue_layout_needs_reset(void **state)
{
	struct fixture *f = *state;

	expect_enable_fails(f, 128, ring_base(0));	/* above QueueNumMax */
	expect_enable_fails(f, 48, ring_base(0));	/* not a power of two */
	expect_enable_fails(f, 0, ring_base(0));
	expect_enable_fails(f, 64, ring_base(0) + 8);	/* descriptors misaligned */
	expect_enable_fails(f, 64, RAM_BASE + RAM_SIZE - 0x800);	/* used ring outside RAM */
	expect_enable_fails(f, 64, 0x100000000ull + RAM_BASE);	/* high word counts */
	/* An invalid size after a valid one does not keep the old one. */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 32);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 33);
	assert_int_equal(f->d.queues[0].num, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 64);
	assert_int_equal(f->d.queues[0].num, 64);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 128);
	assert_int_equal(f->d.queues[0].num, 0);
}

static void test_notify(void **state)
{
	struct fixture *f = *state;

	assert_true(negotiate(f, BIT(VIRTIO_F_VERSION_1)));
	setup_queue(f, 0, 64, ring_base(0));
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);	/* before DRIVER_OK */
	assert_int_equal(f->b.notifies[0], 0);
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->b.notifies[0], 1);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);	/* exists but not ready */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 2);	/* does not exist */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0x10000);
	assert_int_equal(f->b.notifies[1], 0);
	assert_int_equal(f->b.notifies[0], 1);
	virtio_mmio_needs_reset(&f->d);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->b.notifies[0], 1);
	assert_null(virtio_mmio_queue(&f->d, 0));
}

/* ---- interrupts ---- */

static void test_interrupt_status_and_ack(void **state)
{
	struct fixture *f = *state;

	bring_up(f, BIT(VIRTIO_F_VERSION_1));
	virtio_mmio_signal_used(&f->d);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	assert_true(virtio_mmio_irq_level(&f->d));
	virtio_mmio_config_changed(&f->d);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	/* Status is read-only; ACK clears only the bits given. */
	wr(f, VIRTIO_MMIO_INTERRUPT_STATUS, 0);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_true(virtio_mmio_irq_level(&f->d));
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	assert_false(virtio_mmio_irq_level(&f->d));
	/* ACK is write-only. */
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_ACK), 0);
}

static void test_needs_reset(void **state)
{
	struct fixture *f = *state;

	bring_up(f, BIT(VIRTIO_F_VERSION_1));
	virtio_mmio_needs_reset(&f->d);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_true(virtio_mmio_irq_level(&f->d));
	/* The driver writing status back (read-modify-write) keeps the bit. */
	wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS));
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

/* ---- config space ---- */

static void test_config_generation(void **state)
{
	struct fixture *f = *state;
	uint32_t gen = rd(f, VIRTIO_MMIO_CONFIG_GENERATION);

	virtio_mmio_config_changed(&f->d);	/* before DRIVER_OK: no interrupt */
	assert_int_not_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen);
	assert_false(virtio_mmio_irq_level(&f->d));
	gen = rd(f, VIRTIO_MMIO_CONFIG_GENERATION);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen);	/* stable */
	bring_up(f, BIT(VIRTIO_F_VERSION_1));
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen);
	virtio_mmio_config_changed(&f->d);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), gen + 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
}

static void test_config_space_reads(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_dev *d = &f->d;

	assert_int_equal(virtio_mmio_read(d, 0x100, 4), 0x56789abc);
	assert_int_equal(virtio_mmio_read(d, 0x104, 4), 0x1234);
	assert_int_equal(virtio_mmio_read(d, 0x108, 4), 512);
	assert_int_equal(virtio_mmio_read(d, 0x100, 1), 0xbc);
	assert_int_equal(virtio_mmio_read(d, 0x103, 1), 0x56);
	assert_int_equal(virtio_mmio_read(d, 0x102, 2), 0x5678);
	assert_int_equal(virtio_mmio_read(d, 0x10b, 1), 0);
	/* Unaligned, too wide, past config_size, past the window. */
	assert_int_equal(virtio_mmio_read(d, 0x101, 2), 0);
	assert_int_equal(virtio_mmio_read(d, 0x102, 4), 0);
	assert_int_equal(virtio_mmio_read(d, 0x100, 8), 0);
	assert_int_equal(virtio_mmio_read(d, 0x100, 3), 0);
	assert_int_equal(virtio_mmio_read(d, 0x10c, 1), 0);
	assert_int_equal(virtio_mmio_read(d, 0x10a, 4), 0);
	assert_int_equal(virtio_mmio_read(d, 0x1fc, 4), 0);
	assert_int_equal(virtio_mmio_read(d, 0x200, 4), 0);
	assert_int_equal(virtio_mmio_read(d, 0xfffffffc, 4), 0);
}

static void test_config_space_odd_size(void **state)
{
	struct virtio_dev_ops ten = ops;
	struct fixture *f = *state;

	/* A 10-byte config space: an aligned word may still cross its end. */
	ten.config_size = 10;
	virtio_mmio_init(&f->d, &ten, &f->b, &mem);
	assert_int_equal(virtio_mmio_read(&f->d, 0x108, 2), 512);
	assert_int_equal(virtio_mmio_read(&f->d, 0x108, 4), 0);
	virtio_mmio_write(&f->d, 0x108, 1, 4);
	assert_int_equal(f->b.config_writes, 0);
	virtio_mmio_write(&f->d, 0x109, 1, 1);
	assert_int_equal(f->b.config_writes, 1);
}

static void test_config_space_writes(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_dev *d = &f->d;

	virtio_mmio_write(d, 0x10a, 0xabcdef01, 2);
	assert_int_equal(f->b.config_writes, 1);
	assert_int_equal(f->b.last_write_offset, 10);
	assert_int_equal(f->b.last_write_value, 0xef01);
	assert_int_equal(f->b.last_write_size, 2);
	virtio_mmio_write(d, 0x10b, 0x1ff, 1);
	assert_int_equal(f->b.last_write_value, 0xff);
	virtio_mmio_write(d, 0x10a, 1, 4);	/* crosses config_size */
	virtio_mmio_write(d, 0x109, 1, 2);	/* unaligned */
	virtio_mmio_write(d, 0x10c, 1, 1);
	virtio_mmio_write(d, 0x100, 1, 8);
	assert_int_equal(f->b.config_writes, 2);
}

static void test_config_without_callbacks(void **state)
{
	static const struct virtio_dev_ops bare = { .device_id = 4, .num_queues = 1, .queue_max = 8,
						    .config_size = 8 };
	struct virtio_mmio_dev d;

	(void)state;
	virtio_mmio_init(&d, &bare, NULL, &mem);
	assert_int_equal(virtio_mmio_read(&d, 0x100, 4), 0);
	virtio_mmio_write(&d, 0x100, 1, 4);
	/* With no device features at all, VERSION_1 alone is offered. */
	virtio_mmio_write(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1, 4);
	assert_int_equal(virtio_mmio_read(&d, VIRTIO_MMIO_DEVICE_FEATURES, 4), 1);
	virtio_mmio_write(&d, VIRTIO_MMIO_STATUS, 0, 4);	/* reset without ops->reset */
}

/* ---- access rules ---- */

static void test_register_access_rules(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_dev *d = &f->d;
	uint32_t off;

	assert_int_equal(virtio_mmio_read(d, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(virtio_mmio_read(d, VIRTIO_MMIO_MAGIC_VALUE, 1), 0);
	assert_int_equal(virtio_mmio_read(d, VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	assert_int_equal(virtio_mmio_read(d, VIRTIO_MMIO_MAGIC_VALUE + 2, 4), 0);
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE, 2);
	virtio_mmio_write(d, VIRTIO_MMIO_STATUS + 1, VIRTIO_STATUS_ACKNOWLEDGE, 4);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);

	/* Holes and legacy or unimplemented registers read 0, writes vanish. */
	for (off = 0; off < VIRTIO_MMIO_CONFIG; off += 4) {
		switch (off) {
		case VIRTIO_MMIO_MAGIC_VALUE:
		case VIRTIO_MMIO_VERSION:
		case VIRTIO_MMIO_DEVICE_ID:
		case VIRTIO_MMIO_VENDOR_ID:
		case VIRTIO_MMIO_DEVICE_FEATURES:
		case VIRTIO_MMIO_QUEUE_NUM_MAX:
			break;
		default:
			assert_int_equal(rd(f, off), 0);
		}
	}
	wr(f, 0x028, 4096);	/* legacy GuestPageSize */
	wr(f, 0x040, 0x1234);	/* legacy QueuePFN */
	wr(f, 0x0c0, 1);	/* QueueReset */
	wr(f, VIRTIO_MMIO_MAGIC_VALUE, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, 0x0c0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_identification, setup),
		cmocka_unit_test_setup(test_device_features, setup),
		cmocka_unit_test_setup(test_features_ok_needs_version_1, setup),
		cmocka_unit_test_setup(test_features_ok_needs_subset, setup),
		cmocka_unit_test_setup(test_driver_features_frozen_after_features_ok, setup),
		cmocka_unit_test_setup(test_status_bits_accumulate, setup),
		cmocka_unit_test_setup(test_reset_clears_everything, setup),
		cmocka_unit_test_setup(test_queue_num_max, setup),
		cmocka_unit_test_setup(test_queue_setup, setup),
		cmocka_unit_test_setup(test_queue_registers_locked_while_ready, setup),
		cmocka_unit_test_setup(test_queue_setup_after_driver_ok_ignored, setup),
		cmocka_unit_test_setup(test_queue_ready_needs_features_ok, setup),
		cmocka_unit_test_setup(test_bad_queue_layout_needs_reset, setup),
		cmocka_unit_test_setup(test_notify, setup),
		cmocka_unit_test_setup(test_interrupt_status_and_ack, setup),
		cmocka_unit_test_setup(test_needs_reset, setup),
		cmocka_unit_test_setup(test_config_generation, setup),
		cmocka_unit_test_setup(test_config_space_reads, setup),
		cmocka_unit_test_setup(test_config_space_odd_size, setup),
		cmocka_unit_test_setup(test_config_space_writes, setup),
		cmocka_unit_test_setup(test_config_without_callbacks, setup),
		cmocka_unit_test_setup(test_register_access_rules, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
