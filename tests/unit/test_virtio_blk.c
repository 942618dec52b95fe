/* Host tests for vdev/virtio/virtio_blk: config space and features, reads and
 * writes through a RAM store with every buffer split, GET_ID, FLUSH, refused
 * requests (type, read-only, range) without store access, store errors,
 * malformed chains (DEVICE_NEEDS_RESET vs IOERR), used lengths, counters and
 * the per-notify budget. Requests go through the virtio-mmio transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtq_driver.h"
#include "vdev/virtio/virtio_blk.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	0x40000ull
#define RINGS		RAM_BASE
#define HDR		(RAM_BASE + 0x8000)	/* request header */
#define STATUS		(RAM_BASE + 0x8100)	/* status buffer (up to 16 bytes) */
#define SCRATCH		(RAM_BASE + 0x8200)	/* other small buffers */
#define BUF		(RAM_BASE + 0x10000)	/* data, up to 128 KiB */
#define DISK_SECTORS	64u
#define DISK_BYTES	(DISK_SECTORS * VIRTIO_BLK_SECTOR)
#define QSIZE		16u
#define FEATURES	(BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_BLK_F_FLUSH))

static uint8_t ram_bytes[RAM_SIZE] __attribute__((aligned(16)));
static struct fake_ram ram = { ram_bytes, RAM_BASE, RAM_SIZE };
static const struct guest_mem mem = { &ram, fake_ram_map };

/* ---- the store: a RAM disk that records how it was used ---- */

struct ram_store {
	uint8_t disk[DISK_BYTES];
	unsigned rw_calls, flush_calls;
	int rw_result, flush_result;
	bool last_write;
	uint64_t last_offset;
	unsigned last_nsegs;
	void (*hook)(void);	/* runs inside rw and flush: a driver on another vCPU */
};

static struct ram_store store;

static int store_rw(void *ctx, bool write, uint64_t offset, const struct virtq_seg *segs,
		    unsigned nsegs)
{
	struct ram_store *s = ctx;
	uint64_t total = 0;

	assert_ptr_equal(s, &store);
	s->rw_calls++;
	s->last_write = write;
	s->last_offset = offset;
	s->last_nsegs = nsegs;
	for (unsigned i = 0; i < nsegs; i++) {
		/* Data segments are guest RAM in the direction of the transfer. */
		assert_true(fake_ram_contains(&ram, segs[i].host, segs[i].len));
		assert_int_equal(segs[i].writable, !write);
		total += segs[i].len;
	}
	assert_true(offset <= DISK_BYTES && total <= DISK_BYTES - offset);
	if (s->hook)
		s->hook();
	if (s->rw_result)
		return s->rw_result;
	for (unsigned i = 0; i < nsegs; offset += segs[i].len, i++) {
		if (write)
			memcpy(s->disk + offset, segs[i].host, segs[i].len);
		else
			memcpy(segs[i].host, s->disk + offset, segs[i].len);
	}
	return 0;
}

static int store_flush(void *ctx)
{
	struct ram_store *s = ctx;

	s->flush_calls++;
	if (s->hook)
		s->hook();
	return s->flush_result;
}

static const struct blk_store_ops store_ops = { .rw = store_rw, .flush = store_flush };
static const struct blk_store_ops store_ops_no_flush = { .rw = store_rw };

/* ---- fixture ---- */

struct fixture {
	struct virtio_blk b;
	struct virtio_mmio_dev m;
	struct vdrv q;
	uint16_t used_seen;
};

static struct fixture fx;

static void disk_pattern(void)
{
	for (unsigned i = 0; i < DISK_BYTES; i++)
		store.disk[i] = (uint8_t)(i * 7 + i / 512);
}

static void start(bool read_only, const char *id, uint16_t qsize, uint64_t features)
{
	memset(ram_bytes, 0, sizeof(ram_bytes));
	memset(&fx, 0, sizeof(fx));
	memset(&store, 0, sizeof(store));
	disk_pattern();
	virtio_blk_init(&fx.b, &store_ops, &store, DISK_BYTES, read_only, id);
	virtio_mmio_init(&fx.m, virtio_blk_ops(&fx.b), &fx.b, &mem);
	vdrv_init(&fx.q, &ram, qsize, RINGS);
	assert_true(vmmio_bring_up(&fx.m, features, &fx.q, 1));
}

static int setup(void **state)
{
	start(false, "hb-test-disk", QSIZE, FEATURES);
	*state = &fx;
	return 0;
}

static int setup_ro(void **state)
{
	start(true, "hb-ro-disk", QSIZE, FEATURES | BIT(VIRTIO_BLK_F_RO));
	*state = &fx;
	return 0;
}

static bool needs_reset(struct fixture *f)
{
	return (vmmio_rd(&f->m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static void put_hdr(uint64_t at, uint32_t type, uint64_t sector)
{
	fake_put32(&ram, at, type);
	fake_put32(&ram, at + 4, 0xdeadbeef);	/* reserved: ignored */
	fake_put64(&ram, at + 8, sector);
}

static void notify(struct fixture *f)
{
	vmmio_wr(&f->m, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* Chains bufs at descriptor 0, publishes, notifies, and checks that exactly
 * this chain came back; returns its used length. */
static uint32_t submit(struct fixture *f, const struct vbuf *bufs, unsigned n)
{
	uint16_t before = vdrv_used_idx(&f->q);

	vdrv_publish(&f->q, vdrv_chain(&f->q, 0, bufs, n));
	notify(f);
	assert_int_equal(vdrv_used_idx(&f->q), (uint16_t)(before + 1));
	assert_int_equal(vdrv_used_id(&f->q, before), 0);
	return vdrv_used_len(&f->q, before);
}

static uint8_t status_at(uint64_t ipa)
{
	return *fake_ram_host(&ram, ipa);
}

/* The common three-part request: header, one data buffer, status byte. */
static uint32_t simple(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len)
{
	struct vbuf bufs[3] = {
		{ HDR, 16, false },
		{ BUF, len, type != VIRTIO_BLK_T_OUT },
		{ STATUS, 1, true },
	};

	put_hdr(HDR, type, sector);
	*fake_ram_host(&ram, STATUS) = 0xff;
	if (len == 0) {
		bufs[1] = bufs[2];
		return submit(f, bufs, 2);
	}
	return submit(f, bufs, 3);
}

static void fill(uint64_t ipa, uint32_t len, uint8_t seed)
{
	uint8_t *p = fake_ram_host(&ram, ipa);

	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13 + i / 256);
}

/* ---- config space and features ---- */

static void test_config_space(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio_dev *m = &f->m;
	struct virtio_blk big;
	struct virtio_mmio_dev mb;

	assert_int_equal(vmmio_rd(m, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(vmmio_rd(m, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_BLK_QUEUE_SIZE);
	assert_int_equal(virtio_mmio_read(m, 0x100, 4), DISK_SECTORS);	/* capacity */
	assert_int_equal(virtio_mmio_read(m, 0x104, 4), 0);
	assert_int_equal(virtio_mmio_read(m, 0x108, 4), 0);		/* size_max: not offered */
	assert_int_equal(virtio_mmio_read(m, 0x10c, 4), VIRTQ_MAX_SEGS - 2);	/* seg_max */
	assert_int_equal(virtio_mmio_read(m, 0x10c, 1), 62);
	assert_int_equal(virtio_mmio_read(m, 0x110, 4), 0);		/* geometry: not offered */
	assert_int_equal(virtio_mmio_read(m, 0x114, 4), 512);		/* blk_size */
	assert_int_equal(virtio_mmio_read(m, 0x114, 2), 512);
	assert_int_equal(virtio_mmio_read(m, 0x118, 4), 0);		/* past the config */

	/* Capacity counts whole sectors, all 64 bits of it. */
	virtio_blk_init(&big, &store_ops, &store, 0x123456789a00ull + 511, false, "x");
	virtio_mmio_init(&mb, virtio_blk_ops(&big), &big, &mem);
	assert_int_equal(virtio_mmio_read(&mb, 0x100, 4), (uint32_t)(0x123456789a00ull / 512));
	assert_int_equal(virtio_mmio_read(&mb, 0x104, 4), (uint32_t)(0x123456789a00ull / 512 >> 32));
	assert_int_equal(big.sectors, 0x123456789a00ull / 512);
}

static void test_features_rw_disk(void **state)
{
	struct fixture *f = *state;
	uint64_t offered = vmmio_device_features(&f->m);

	assert_true(offered & BIT(VIRTIO_BLK_F_SEG_MAX));
	assert_true(offered & BIT(VIRTIO_BLK_F_BLK_SIZE));
	assert_true(offered & BIT(VIRTIO_BLK_F_FLUSH));
	assert_true(offered & BIT(VIRTIO_F_VERSION_1));
	assert_true(offered & BIT(VIRTIO_F_INDIRECT_DESC));
	assert_true(offered & BIT(VIRTIO_F_EVENT_IDX));
	assert_false(offered & BIT(VIRTIO_BLK_F_RO));
	/* A driver cannot accept RO on a writable disk. */
	assert_false(vmmio_negotiate(&f->m, FEATURES | BIT(VIRTIO_BLK_F_RO)));
}

static void test_features_ro_disk(void **state)
{
	struct fixture *f = *state;
	uint64_t offered = vmmio_device_features(&f->m);

	assert_true(offered & BIT(VIRTIO_BLK_F_RO));
	assert_true(offered & BIT(VIRTIO_BLK_F_FLUSH));
	assert_true(virtio_mmio_has_feature(&f->m, VIRTIO_BLK_F_RO));
}

static void test_id_truncated_and_padded(void **state)
{
	struct virtio_blk b;

	(void)state;
	virtio_blk_init(&b, &store_ops, &store, DISK_BYTES, false, "0123456789abcdefghijKLMN");
	assert_memory_equal(b.id, "0123456789abcdefghij", 20);
	virtio_blk_init(&b, &store_ops, &store, DISK_BYTES, false, "ab");
	assert_memory_equal(b.id, "ab\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
}

/* ---- data transfer ---- */

static void test_write_read_round_trip_split(void **state)
{
	struct fixture *f = *state;
	/* Header split 10 + 6, data 100 + 412 + 1024 (3 sectors), status apart. */
	const struct vbuf wr[] = {
		{ HDR, 10, false },
		{ SCRATCH, 6, false },
		{ BUF, 100, false },
		{ BUF + 0x1000, 412, false },
		{ BUF + 0x2000, 1024, false },
		{ STATUS, 1, true },
	};
	/* Read back into 1000 + 536, a different split. */
	const struct vbuf rd[] = {
		{ HDR, 16, false },
		{ BUF + 0x8000, 1000, true },
		{ BUF + 0x9000, 536, true },
		{ STATUS, 1, true },
	};
	uint8_t expect[1536];
	const uint64_t sector = 5;

	/* The header's last 6 bytes (the sector's upper bytes) come from SCRATCH;
	 * what follows the first 10 bytes at HDR must not be read. */
	put_hdr(SCRATCH - 10, VIRTIO_BLK_T_OUT, sector);
	put_hdr(HDR, VIRTIO_BLK_T_OUT, sector);
	memset(fake_ram_host(&ram, HDR + 10), 0xff, 6);
	fill(BUF, 100, 1);
	fill(BUF + 0x1000, 412, 2);
	fill(BUF + 0x2000, 1024, 3);
	memcpy(expect, fake_ram_host(&ram, BUF), 100);
	memcpy(expect + 100, fake_ram_host(&ram, BUF + 0x1000), 412);
	memcpy(expect + 512, fake_ram_host(&ram, BUF + 0x2000), 1024);

	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, wr, 6), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.rw_calls, 1);
	assert_true(store.last_write);
	assert_int_equal(store.last_offset, sector * 512);
	assert_int_equal(store.last_nsegs, 3);
	assert_memory_equal(store.disk + sector * 512, expect, sizeof(expect));
	/* Neighbouring sectors untouched. */
	assert_int_equal(store.disk[sector * 512 - 1], (uint8_t)((sector * 512 - 1) * 7 + sector - 1));
	assert_int_equal(store.disk[(sector + 3) * 512], (uint8_t)((sector + 3) * 512 * 7 + sector + 3));

	put_hdr(HDR, VIRTIO_BLK_T_IN, sector);
	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, rd, 4), 1536 + 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_false(store.last_write);
	assert_int_equal(store.last_nsegs, 2);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x8000), expect, 1000);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x9000), expect + 1000, 536);

	assert_int_equal(f->b.stats.writes, 1);
	assert_int_equal(f->b.stats.reads, 1);
	assert_int_equal(f->b.stats.bytes_written, 1536);
	assert_int_equal(f->b.stats.bytes_read, 1536);
	assert_int_equal(f->b.stats.errors, 0);
	assert_false(needs_reset(f));
}

static void test_header_and_data_in_one_descriptor(void **state)
{
	struct fixture *f = *state;
	const uint64_t req = BUF + 0x4000;	/* header, then data */
	const struct vbuf wr[] = { { req, 16 + 1024, false }, { STATUS, 1, true } };
	/* Data and status share one writable buffer too. */
	const struct vbuf rd[] = { { HDR, 16, false }, { BUF, 1024 + 1, true } };

	put_hdr(req, VIRTIO_BLK_T_OUT, DISK_SECTORS - 2);
	fill(req + 16, 1024, 9);
	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, wr, 2), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_memory_equal(store.disk + (DISK_SECTORS - 2) * 512, fake_ram_host(&ram, req + 16), 1024);

	put_hdr(HDR, VIRTIO_BLK_T_IN, DISK_SECTORS - 2);
	memset(fake_ram_host(&ram, BUF), 0xee, 1025);
	assert_int_equal(submit(f, rd, 2), 1025);
	assert_memory_equal(fake_ram_host(&ram, BUF), fake_ram_host(&ram, req + 16), 1024);
	assert_int_equal(status_at(BUF + 1024), VIRTIO_BLK_S_OK);
	assert_int_equal(f->b.stats.bytes_read, 1024);
}

static void test_status_at_end_of_longer_buffer(void **state)
{
	struct fixture *f = *state;
	const struct vbuf wr[] = { { HDR, 16, false }, { BUF, 512, false }, { STATUS, 8, true } };
	const struct vbuf rd[] = { { HDR, 16, false }, { BUF, 512, true }, { STATUS, 4, true } };
	const uint8_t untouched[7] = { 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa };

	put_hdr(HDR, VIRTIO_BLK_T_OUT, 1);
	memset(fake_ram_host(&ram, STATUS), 0xaa, 8);
	assert_int_equal(submit(f, wr, 3), 1);
	assert_int_equal(status_at(STATUS + 7), VIRTIO_BLK_S_OK);
	assert_memory_equal(fake_ram_host(&ram, STATUS), untouched, 7);
	assert_int_equal(store.rw_calls, 1);

	/* For a read the status byte ends the data: 512 + 3 bytes is not a
	 * whole number of sectors, so the request fails, in the 4th byte. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 1);
	memset(fake_ram_host(&ram, STATUS), 0xaa, 4);
	memset(fake_ram_host(&ram, BUF), 0x55, 512);
	assert_int_equal(submit(f, rd, 3), 1);
	assert_int_equal(status_at(STATUS + 3), VIRTIO_BLK_S_IOERR);
	assert_memory_equal(fake_ram_host(&ram, STATUS), untouched, 3);
	assert_int_equal(*fake_ram_host(&ram, BUF), 0x55);
	assert_int_equal(store.rw_calls, 1);
}

static void test_multiple_requests_per_notify(void **state)
{
	struct fixture *f = *state;

	/* Three reads of different sectors, in different descriptors. */
	for (uint16_t i = 0; i < 3; i++) {
		const struct vbuf rd[] = {
			{ HDR + 16u * i, 16, false },
			{ BUF + 0x1000u * i, 512, true },
			{ STATUS + i, 1, true },
		};

		put_hdr(HDR + 16u * i, VIRTIO_BLK_T_IN, 10u + i);
		vdrv_publish(&f->q, vdrv_chain(&f->q, (uint16_t)(3 * i), rd, 3));
	}
	notify(f);
	assert_int_equal(vdrv_used_idx(&f->q), 3);
	for (uint16_t i = 0; i < 3; i++) {
		assert_int_equal(vdrv_used_id(&f->q, i), 3 * i);
		assert_int_equal(vdrv_used_len(&f->q, i), 513);
		assert_int_equal(status_at(STATUS + i), VIRTIO_BLK_S_OK);
		assert_memory_equal(fake_ram_host(&ram, BUF + 0x1000u * i), store.disk + (10u + i) * 512,
				    512);
	}
	assert_int_equal(f->b.stats.reads, 3);
}

/* ---- GET_ID and FLUSH ---- */

static void test_get_id(void **state)
{
	struct fixture *f = *state;
	const struct vbuf exact[] = { { HDR, 16, false }, { BUF, 20, true }, { STATUS, 1, true } };
	const struct vbuf larger[] = { { HDR, 16, false }, { BUF, 32, true }, { STATUS, 1, true } };
	const struct vbuf split[] = {
		{ HDR, 16, false }, { BUF, 5, true }, { BUF + 0x100, 15, true }, { STATUS, 1, true },
	};
	const struct vbuf shorter[] = { { HDR, 16, false }, { BUF, 8, true }, { STATUS, 1, true } };
	const struct vbuf none[] = { { HDR, 16, false }, { STATUS, 1, true } };
	const char id[20] = "hb-test-disk";	/* zero padded */
	uint8_t pad[12];

	put_hdr(HDR, VIRTIO_BLK_T_GET_ID, 0x1234);	/* sector is ignored */
	memset(fake_ram_host(&ram, BUF), 0xee, 32);
	assert_int_equal(submit(f, exact, 3), 21);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_memory_equal(fake_ram_host(&ram, BUF), id, 20);

	memset(fake_ram_host(&ram, BUF), 0xee, 32);
	memset(pad, 0xee, sizeof(pad));
	assert_int_equal(submit(f, larger, 3), 21);
	assert_memory_equal(fake_ram_host(&ram, BUF), id, 20);
	assert_memory_equal(fake_ram_host(&ram, BUF + 20), pad, 12);

	memset(fake_ram_host(&ram, BUF), 0xee, 0x200);
	assert_int_equal(submit(f, split, 4), 21);
	assert_memory_equal(fake_ram_host(&ram, BUF), id, 5);
	assert_memory_equal(fake_ram_host(&ram, BUF + 0x100), id + 5, 15);

	memset(fake_ram_host(&ram, BUF), 0xee, 32);
	assert_int_equal(submit(f, shorter, 3), 9);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_memory_equal(fake_ram_host(&ram, BUF), id, 8);
	assert_int_equal(*fake_ram_host(&ram, BUF + 8), 0xee);

	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, none, 2), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.errors, 0);
}

static void test_flush(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(simple(f, VIRTIO_BLK_T_FLUSH, 0, 0), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.flush_calls, 1);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.flushes, 1);

	store.flush_result = -5;
	assert_int_equal(simple(f, VIRTIO_BLK_T_FLUSH, 0, 0), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.flush_calls, 2);
	assert_int_equal(f->b.stats.errors, 1);
}

static void test_flush_without_store_flush(void **state)
{
	struct fixture *f = *state;

	f->b.store = &store_ops_no_flush;
	assert_int_equal(simple(f, VIRTIO_BLK_T_FLUSH, 0, 0), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.flush_calls, 0);
}

/* ---- refused requests ---- */

static void test_unknown_type_unsupp(void **state)
{
	struct fixture *f = *state;
	const uint32_t types[] = { 2, 3, 5, 7, 11, 0x10000, 0xffffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		memset(fake_ram_host(&ram, BUF), 0xee, 512);
		assert_int_equal(simple(f, types[i], 0, 512), 1);
		assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_UNSUPP);
		assert_int_equal(*fake_ram_host(&ram, BUF), 0xee);
	}
	assert_int_equal(store.rw_calls + store.flush_calls, 0);
	assert_int_equal(f->b.stats.errors, ARRAY_SIZE(types));
	assert_false(needs_reset(f));
}

static void test_write_on_read_only(void **state)
{
	struct fixture *f = *state;
	uint8_t before[DISK_BYTES];

	memcpy(before, store.disk, sizeof(before));
	fill(BUF, 512, 4);
	assert_int_equal(simple(f, VIRTIO_BLK_T_OUT, 3, 512), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.rw_calls, 0);
	assert_memory_equal(store.disk, before, sizeof(before));
	assert_int_equal(f->b.stats.writes, 0);
	assert_int_equal(f->b.stats.errors, 1);

	/* Reads, flushes and GET_ID still work. */
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, 3, 512), 513);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_memory_equal(fake_ram_host(&ram, BUF), store.disk + 3 * 512, 512);
	assert_int_equal(simple(f, VIRTIO_BLK_T_FLUSH, 0, 0), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(simple(f, VIRTIO_BLK_T_GET_ID, 0, 20), 21);
	assert_memory_equal(fake_ram_host(&ram, BUF), "hb-ro-disk", 10);
	assert_int_equal(f->b.stats.errors, 1);
}

static void expect_ioerr_no_access(struct fixture *f, uint32_t type, uint64_t sector, uint32_t len)
{
	unsigned calls = store.rw_calls;
	uint64_t errors = f->b.stats.errors;

	memset(fake_ram_host(&ram, BUF), 0xee, len ? len : 1);
	assert_int_equal(simple(f, type, sector, len), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.rw_calls, calls);
	assert_int_equal(f->b.stats.errors, errors + 1);
	if (type == VIRTIO_BLK_T_IN)
		assert_int_equal(*fake_ram_host(&ram, BUF + len - 1), 0xee);
}

static void test_range_checks(void **state)
{
	struct fixture *f = *state;
	const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT };

	for (unsigned t = 0; t < 2; t++) {
		/* Past the end, and crossing it. */
		expect_ioerr_no_access(f, types[t], DISK_SECTORS, 512);
		expect_ioerr_no_access(f, types[t], DISK_SECTORS - 1, 1024);
		expect_ioerr_no_access(f, types[t], DISK_SECTORS + 1, 512);
		/* Partial sectors. */
		expect_ioerr_no_access(f, types[t], 0, 511);
		expect_ioerr_no_access(f, types[t], 0, 513);
		expect_ioerr_no_access(f, types[t], 0, 100);
		/* sector * 512 or sector + count wrapping past 2^64. */
		expect_ioerr_no_access(f, types[t], 1ull << 55, 512);
		expect_ioerr_no_access(f, types[t], UINT64_MAX, 512);
		expect_ioerr_no_access(f, types[t], UINT64_MAX - 1, 1024);
		expect_ioerr_no_access(f, types[t], (UINT64_MAX / 512) + 1, 512);
	}
	/* The last sector itself is fine. */
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 512), 513);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.last_offset, (DISK_SECTORS - 1) * 512);
	assert_int_equal(simple(f, VIRTIO_BLK_T_OUT, 0, DISK_BYTES), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(f->b.stats.reads, 1);
	assert_int_equal(f->b.stats.writes, 1);
	assert_false(needs_reset(f));
}

static void test_short_header(void **state)
{
	struct fixture *f = *state;
	const struct vbuf bufs[] = { { HDR, 15, false }, { BUF, 512, true }, { STATUS, 1, true } };
	const struct vbuf no_hdr[] = { { BUF, 512, true }, { STATUS, 1, true } };

	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, bufs, 3), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, no_hdr, 2), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.errors, 2);
}

static void test_store_error(void **state)
{
	struct fixture *f = *state;

	store.rw_result = -5;
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, 2, 1024), 1);	/* nothing reported written */
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(simple(f, VIRTIO_BLK_T_OUT, 2, 1024), 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.rw_calls, 2);
	assert_int_equal(f->b.stats.reads, 0);
	assert_int_equal(f->b.stats.writes, 0);
	assert_int_equal(f->b.stats.bytes_read, 0);
	assert_int_equal(f->b.stats.errors, 2);
	assert_false(needs_reset(f));

	store.rw_result = 0;
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, 2, 1024), 1025);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
}

static void test_no_writable_buffer(void **state)
{
	struct fixture *f = *state;
	const struct vbuf bufs[] = { { HDR, 16, false }, { BUF, 512, false } };

	put_hdr(HDR, VIRTIO_BLK_T_OUT, 0);
	assert_int_equal(submit(f, bufs, 2), 0);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.writes, 0);
	assert_int_equal(f->b.stats.errors, 1);
	assert_false(needs_reset(f));
	/* The device goes on. */
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, 0, 512), 513);
}

/* ---- malformed chains ---- */

/* A structurally broken chain: head given back with len 0, device needs a
 * reset, and later notifies do nothing. */
static void expect_needs_reset(struct fixture *f, bool head_back)
{
	const struct vbuf ok[] = { { HDR, 16, false }, { BUF, 512, true }, { STATUS, 1, true } };

	/* A good request behind the bad one, in the same notify. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	vdrv_publish(&f->q, vdrv_chain(&f->q, 8, ok, 3));
	notify(f);
	assert_true(needs_reset(f));
	assert_true(vmmio_rd(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->b.stats.bad_chains, 1);
	assert_int_equal(store.rw_calls, 0);
	if (head_back) {
		assert_int_equal(vdrv_used_idx(&f->q), 1);
		assert_int_equal(vdrv_used_id(&f->q, 0), 0);
		assert_int_equal(vdrv_used_len(&f->q, 0), 0);
	} else {
		assert_int_equal(vdrv_used_idx(&f->q), 0);
	}
	notify(f);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.bad_chains, 1);
}

static void test_chain_error_next(void **state)
{
	struct fixture *f = *state;

	vdrv_desc(&f->q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	vdrv_publish(&f->q, 0);
	expect_needs_reset(f, true);
}

static void test_chain_error_loop(void **state)
{
	struct fixture *f = *state;

	vdrv_desc(&f->q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	vdrv_desc(&f->q, 1, STATUS, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	vdrv_publish(&f->q, 0);
	expect_needs_reset(f, true);
}

static void test_chain_error_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;

	vdrv_put_desc(&ram, SCRATCH, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	vdrv_put_desc(&ram, SCRATCH, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_desc(&f->q, 0, SCRATCH, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&f->q, 0);
	expect_needs_reset(f, true);
}

static void test_ring_error(void **state)
{
	struct fixture *f = *state;

	vdrv_publish(&f->q, QSIZE + 3);	/* head outside the table */
	expect_needs_reset(f, false);
}

/* A chain with a bad buffer whose last descriptor is a good writable one. */
static void expect_buffer_error_ioerr(struct fixture *f, const struct vbuf *bufs, unsigned n,
				      uint64_t status)
{
	const struct vbuf ok[] = { { HDR, 16, false }, { BUF, 512, true }, { STATUS, 1, true } };

	put_hdr(HDR, VIRTIO_BLK_T_OUT, 0);
	*fake_ram_host(&ram, status) = 0xff;
	vdrv_publish(&f->q, vdrv_chain(&f->q, 0, bufs, n));
	notify(f);
	assert_false(needs_reset(f));
	assert_int_equal(vdrv_used_idx(&f->q), 1);
	assert_int_equal(vdrv_used_id(&f->q, 0), 0);
	assert_int_equal(vdrv_used_len(&f->q, 0), 1);
	assert_int_equal(status_at(status), VIRTIO_BLK_S_IOERR);
	assert_int_equal(store.rw_calls, 0);
	assert_int_equal(f->b.stats.bad_chains, 1);
	assert_int_equal(f->b.stats.errors, 1);
	assert_int_equal(f->b.stats.writes, 0);
	/* The queue goes on. */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	vdrv_publish(&f->q, vdrv_chain(&f->q, 0, ok, 3));
	notify(f);
	assert_int_equal(vdrv_used_idx(&f->q), 2);
	assert_int_equal(vdrv_used_len(&f->q, 1), 513);
}

static void test_buffer_error_outside_ram(void **state)
{
	const struct vbuf bufs[] = { { HDR, 16, false }, { 0x1000, 512, false }, { STATUS, 1, true } };

	expect_buffer_error_ioerr(*state, bufs, 3, STATUS);
}

static void test_buffer_error_straddling_ram_end(void **state)
{
	const struct vbuf bufs[] = {
		{ HDR, 16, false }, { RAM_BASE + RAM_SIZE - 256, 512, false }, { STATUS + 4, 4, true },
	};

	expect_buffer_error_ioerr(*state, bufs, 3, STATUS + 7);
}

static void test_buffer_error_empty(void **state)
{
	const struct vbuf bufs[] = { { HDR, 16, false }, { BUF, 0, false }, { STATUS, 1, true } };

	expect_buffer_error_ioerr(*state, bufs, 3, STATUS);
}

static void test_buffer_error_order(void **state)
{
	const struct vbuf bufs[] = {
		{ HDR, 16, false }, { SCRATCH, 8, true }, { BUF, 512, false }, { STATUS, 1, true },
	};

	expect_buffer_error_ioerr(*state, bufs, 4, STATUS);
}

static void test_buffer_error_too_many_segments(void **state)
{
	struct fixture *f = *state;
	struct vbuf bufs[VIRTQ_MAX_SEGS + 2];
	unsigned n = 0;

	/* 64 buffers are the limit; 66 cannot be taken even by a big queue. */
	start(false, "x", 128, FEATURES);
	bufs[n++] = (struct vbuf){ HDR, 16, false };
	while (n < VIRTQ_MAX_SEGS + 1)
		bufs[n++] = (struct vbuf){ BUF, 512, false };
	bufs[n++] = (struct vbuf){ STATUS, 1, true };
	expect_buffer_error_ioerr(f, bufs, n, STATUS);
}

static void test_max_segments_accepted(void **state)
{
	struct fixture *f = *state;
	struct vbuf bufs[VIRTQ_MAX_SEGS];
	unsigned n = 0;

	/* seg_max (62) data buffers plus header and status: 64, all taken. */
	start(false, "x", 128, FEATURES);
	bufs[n++] = (struct vbuf){ HDR, 16, false };
	for (unsigned i = 0; i < VIRTIO_BLK_SEG_MAX; i++)
		bufs[n++] = (struct vbuf){ BUF + 512u * i, 512, true };
	bufs[n++] = (struct vbuf){ STATUS, 1, true };
	put_hdr(HDR, VIRTIO_BLK_T_IN, 1);
	*fake_ram_host(&ram, STATUS) = 0xff;
	assert_int_equal(submit(f, bufs, n), 62 * 512 + 1);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_int_equal(store.last_nsegs, 62);
	assert_memory_equal(fake_ram_host(&ram, BUF), store.disk + 512, 62 * 512);
}

/* Buffer errors whose status byte cannot be written: needs a reset. */
static void test_buffer_error_without_status(void **state)
{
	struct fixture *f = *state;
	const struct vbuf bufs[] = { { HDR, 16, false }, { STATUS, 1, true }, { BUF, 512, false } };

	put_hdr(HDR, VIRTIO_BLK_T_OUT, 0);
	vdrv_publish(&f->q, vdrv_chain(&f->q, 0, bufs, 3));	/* last one readable */
	expect_needs_reset(f, true);
}

static void test_buffer_error_status_outside_ram(void **state)
{
	struct fixture *f = *state;
	const struct vbuf bufs[] = { { HDR, 16, false }, { BUF, 512, false }, { 0x1000, 1, true } };

	put_hdr(HDR, VIRTIO_BLK_T_OUT, 0);
	vdrv_publish(&f->q, vdrv_chain(&f->q, 0, bufs, 3));
	expect_needs_reset(f, true);
}

/* ---- indirect descriptors ---- */

static void test_indirect_request(void **state)
{
	struct fixture *f = *state;
	uint64_t table = SCRATCH + 0x40;

	start(false, "x", QSIZE, FEATURES | BIT(VIRTIO_F_INDIRECT_DESC));
	put_hdr(HDR, VIRTIO_BLK_T_IN, 7);
	vdrv_put_desc(&ram, table, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	vdrv_put_desc(&ram, table, 1, BUF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vdrv_put_desc(&ram, table, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	vdrv_desc(&f->q, 4, table, 48, VIRTQ_DESC_F_INDIRECT, 0);
	vdrv_publish(&f->q, 4);
	notify(f);
	assert_int_equal(vdrv_used_idx(&f->q), 1);
	assert_int_equal(vdrv_used_id(&f->q, 0), 4);
	assert_int_equal(vdrv_used_len(&f->q, 0), 513);
	assert_int_equal(status_at(STATUS), VIRTIO_BLK_S_OK);
	assert_memory_equal(fake_ram_host(&ram, BUF), store.disk + 7 * 512, 512);
}

/* ---- direct calls, counters, notification, budget ---- */

static void test_handle_return_values(void **state)
{
	struct fixture *f = *state;
	struct virtq *q = virtio_mmio_queue(&f->m, 0);
	struct virtq_req req;
	uint8_t hdr[16] = { VIRTIO_BLK_T_FLUSH }, st = 0xff;

	memset(&req, 0, sizeof(req));
	req.head = 2;
	req.segs[0] = (struct virtq_seg){ hdr, 16, false };
	req.nout = 1;
	req.out_bytes = 16;
	req.nsegs = 1;
	assert_int_equal(virtio_blk_handle(&f->b, q, &req), -1);	/* no status byte */
	assert_int_equal(vdrv_used_len(&f->q, 0), 0);
	assert_int_equal(vdrv_used_id(&f->q, 0), 2);

	req.segs[1] = (struct virtq_seg){ &st, 1, true };
	req.nin = 1;
	req.in_bytes = 1;
	req.nsegs = 2;
	assert_int_equal(virtio_blk_handle(&f->b, q, &req), VIRTIO_BLK_S_OK);
	assert_int_equal(st, VIRTIO_BLK_S_OK);
	hdr[0] = 9;
	assert_int_equal(virtio_blk_handle(&f->b, q, &req), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(st, VIRTIO_BLK_S_UNSUPP);
	hdr[0] = VIRTIO_BLK_T_IN;
	hdr[8] = 0xff;	/* sector 255, outside even for 0 bytes */
	assert_int_equal(virtio_blk_handle(&f->b, q, &req), VIRTIO_BLK_S_IOERR);
	assert_int_equal(st, VIRTIO_BLK_S_IOERR);
	assert_int_equal(vdrv_used_idx(&f->q), 4);
	assert_int_equal(vdrv_used_len(&f->q, 3), 1);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	const struct vbuf bad[] = { { HDR, 16, false }, { 0x10, 8, false }, { STATUS, 1, true } };

	simple(f, VIRTIO_BLK_T_OUT, 0, 1024);
	simple(f, VIRTIO_BLK_T_OUT, 4, 512);
	simple(f, VIRTIO_BLK_T_IN, 0, 1536);
	simple(f, VIRTIO_BLK_T_FLUSH, 0, 0);
	simple(f, VIRTIO_BLK_T_GET_ID, 0, 20);
	simple(f, 77, 0, 0);				/* UNSUPP */
	simple(f, VIRTIO_BLK_T_IN, DISK_SECTORS, 512);	/* IOERR */
	put_hdr(HDR, VIRTIO_BLK_T_IN, 0);
	assert_int_equal(submit(f, bad, 3), 1);		/* buffer error: IOERR */

	assert_int_equal(f->b.stats.writes, 2);
	assert_int_equal(f->b.stats.bytes_written, 1536);
	assert_int_equal(f->b.stats.reads, 1);
	assert_int_equal(f->b.stats.bytes_read, 1536);
	assert_int_equal(f->b.stats.flushes, 1);
	assert_int_equal(f->b.stats.errors, 3);
	assert_int_equal(f->b.stats.bad_chains, 1);
	assert_int_equal(vdrv_used_idx(&f->q), 8);
}

static void test_used_interrupt(void **state)
{
	struct fixture *f = *state;

	assert_false(virtio_mmio_irq_level(&f->m));
	simple(f, VIRTIO_BLK_T_FLUSH, 0, 0);
	assert_int_equal(vmmio_rd(&f->m, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	vmmio_wr(&f->m, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	/* A notify with nothing new interrupts nobody. */
	notify(f);
	assert_false(virtio_mmio_irq_level(&f->m));
	/* Nor does one the driver asked to be quiet about. */
	vdrv_set_avail_flags(&f->q, VIRTQ_AVAIL_F_NO_INTERRUPT);
	simple(f, VIRTIO_BLK_T_FLUSH, 0, 0);
	assert_false(virtio_mmio_irq_level(&f->m));
	assert_int_equal(store.flush_calls, 2);
}

static void test_used_interrupt_event_idx(void **state)
{
	struct fixture *f = *state;

	start(false, "x", QSIZE, FEATURES | BIT(VIRTIO_F_EVENT_IDX));
	vdrv_set_used_event(&f->q, 1);	/* wake me after the second one */
	simple(f, VIRTIO_BLK_T_FLUSH, 0, 0);
	assert_false(virtio_mmio_irq_level(&f->m));
	simple(f, VIRTIO_BLK_T_FLUSH, 0, 0);
	assert_true(virtio_mmio_irq_level(&f->m));
}

static struct fixture *budget_fx;
static unsigned budget_round;

/* Each request the device handles makes the driver add one more. */
static void refill(void)
{
	vdrv_publish(&budget_fx->q, (uint16_t)(2 * (budget_round++ % 4)));
}

static void test_budget_per_notify(void **state)
{
	struct fixture *f = *state;
	const uint16_t qsize = 8;

	start(false, "x", qsize, FEATURES);
	for (uint16_t i = 0; i < 4; i++) {
		const struct vbuf fl[] = { { HDR, 16, false }, { STATUS + i, 1, true } };

		vdrv_chain(&f->q, (uint16_t)(2 * i), fl, 2);
		vdrv_publish(&f->q, (uint16_t)(2 * i));
	}
	put_hdr(HDR, VIRTIO_BLK_T_FLUSH, 0);
	budget_fx = f;
	budget_round = 0;
	store.hook = refill;
	notify(f);
	assert_int_equal(store.flush_calls, qsize);
	assert_int_equal(vdrv_used_idx(&f->q), qsize);
	assert_true(virtio_mmio_irq_level(&f->m));
	notify(f);
	assert_int_equal(store.flush_calls, 2 * qsize);

	/* The driver stops adding: what is left is drained. */
	store.hook = NULL;
	notify(f);
	assert_int_equal(store.flush_calls, 2 * qsize + 4);
	assert_int_equal(vdrv_used_idx(&f->q), 2 * qsize + 4);
	assert_false(needs_reset(f));
}

/* With EVENT_IDX, each pop sets avail_event to the device's own position,
 * so when the budget runs out while requests are still available the
 * driver's next add does not notify, and Linux waits for those requests
 * without adding more. The device must come back by itself: it reports
 * `more`, which the binding turns into the guest executing its notify
 * again; that second notify drains what was left. */
static void test_budget_with_event_idx_does_not_strand_requests(void **state)
{
	struct fixture *f = *state;
	const uint16_t qsize = 8;
	const struct vbuf fl[] = { { HDR, 16, false }, { STATUS, 1, true } };

	start(false, "x", qsize, FEATURES | BIT(VIRTIO_F_EVENT_IDX));
	for (uint16_t i = 0; i < 4; i++) {
		vdrv_chain(&f->q, (uint16_t)(2 * i), fl, 2);
		vdrv_publish(&f->q, (uint16_t)(2 * i));
	}
	put_hdr(HDR, VIRTIO_BLK_T_FLUSH, 0);
	budget_fx = f;
	budget_round = 0;
	store.hook = refill;
	notify(f);
	store.hook = NULL;
	assert_int_equal(store.flush_calls, qsize);
	assert_int_equal((uint16_t)(f->q.avail_idx - qsize), 4);
	assert_true(f->b.more);		/* 4 requests are still available */
	f->b.more = false;		/* as the binding does */
	notify(f);			/* the repeated notify */
	assert_int_equal(store.flush_calls, qsize + 4);
	assert_int_equal(vdrv_used_idx(&f->q), qsize + 4);
	assert_false(f->b.more);	/* the ring was empty at the end */
}

static void test_reset_and_restart(void **state)
{
	struct fixture *f = *state;

	simple(f, VIRTIO_BLK_T_OUT, 1, 512);
	vmmio_wr(&f->m, VIRTIO_MMIO_STATUS, 0);
	notify(f);	/* no queue: nothing */
	assert_int_equal(store.rw_calls, 1);
	vdrv_init(&f->q, &ram, QSIZE, RINGS);
	assert_true(vmmio_bring_up(&f->m, FEATURES, &f->q, 1));
	assert_int_equal(simple(f, VIRTIO_BLK_T_IN, 1, 512), 513);
	assert_memory_equal(fake_ram_host(&ram, BUF), store.disk + 512, 512);
	/* Counters survive a reset: they describe the disk, not the driver. */
	assert_int_equal(f->b.stats.writes, 1);
	assert_int_equal(f->b.stats.reads, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config_space, setup),
		cmocka_unit_test_setup(test_features_rw_disk, setup),
		cmocka_unit_test_setup(test_features_ro_disk, setup_ro),
		cmocka_unit_test_setup(test_id_truncated_and_padded, setup),
		cmocka_unit_test_setup(test_write_read_round_trip_split, setup),
		cmocka_unit_test_setup(test_header_and_data_in_one_descriptor, setup),
		cmocka_unit_test_setup(test_status_at_end_of_longer_buffer, setup),
		cmocka_unit_test_setup(test_multiple_requests_per_notify, setup),
		cmocka_unit_test_setup(test_get_id, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_flush_without_store_flush, setup),
		cmocka_unit_test_setup(test_unknown_type_unsupp, setup),
		cmocka_unit_test_setup(test_write_on_read_only, setup_ro),
		cmocka_unit_test_setup(test_range_checks, setup),
		cmocka_unit_test_setup(test_short_header, setup),
		cmocka_unit_test_setup(test_store_error, setup),
		cmocka_unit_test_setup(test_no_writable_buffer, setup),
		cmocka_unit_test_setup(test_chain_error_next, setup),
		cmocka_unit_test_setup(test_chain_error_loop, setup),
		cmocka_unit_test_setup(test_chain_error_indirect_not_negotiated, setup),
		cmocka_unit_test_setup(test_ring_error, setup),
		cmocka_unit_test_setup(test_buffer_error_outside_ram, setup),
		cmocka_unit_test_setup(test_buffer_error_straddling_ram_end, setup),
		cmocka_unit_test_setup(test_buffer_error_empty, setup),
		cmocka_unit_test_setup(test_buffer_error_order, setup),
		cmocka_unit_test_setup(test_buffer_error_too_many_segments, setup),
		cmocka_unit_test_setup(test_max_segments_accepted, setup),
		cmocka_unit_test_setup(test_buffer_error_without_status, setup),
		cmocka_unit_test_setup(test_buffer_error_status_outside_ram, setup),
		cmocka_unit_test_setup(test_indirect_request, setup),
		cmocka_unit_test_setup(test_handle_return_values, setup),
		cmocka_unit_test_setup(test_stats, setup),
		cmocka_unit_test_setup(test_used_interrupt, setup),
		cmocka_unit_test_setup(test_used_interrupt_event_idx, setup),
		cmocka_unit_test_setup(test_budget_per_notify, setup),
		cmocka_unit_test_setup(test_budget_with_event_idx_does_not_strand_requests, setup),
		cmocka_unit_test_setup(test_reset_and_restart, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
