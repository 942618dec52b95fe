/* Host tests for vdev/virtq: ring layout checks, chain walking (direct and
 * indirect), every malformed-chain error and what it leaves for the caller,
 * 16-bit index wrap-around, event-idx notification decisions, and that values
 * are read from guest memory once. The guest is a RAM buffer plus a small
 * driver-side helper that builds rings the way a virtio driver does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/virtq.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	0x10000ull
#define RAM_END		(RAM_BASE + RAM_SIZE)
#define DATA		(RAM_BASE + 0x8000)	/* buffers live above the rings */

static uint8_t ram[RAM_SIZE] __attribute__((aligned(16)));
static unsigned map_calls;
/* Runs inside map, i.e. while a pop is walking: stands in for another vCPU. */
static void (*map_hook)(void);

static void *ram_map(void *ctx, uint64_t ipa, uint64_t len)
{
	(void)ctx;
	map_calls++;
	if (map_hook)
		map_hook();
	if (len == 0 || ipa < RAM_BASE || ipa - RAM_BASE > RAM_SIZE - len || len > RAM_SIZE)
		return NULL;
	return ram + (ipa - RAM_BASE);
}

static const struct guest_mem mem = { NULL, ram_map };

static uint8_t *host(uint64_t ipa)
{
	return ram + (ipa - RAM_BASE);
}

/* ---- driver side ---- */

struct drv {
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx;
};

static void put16(uint64_t ipa, uint16_t v) { memcpy(host(ipa), &v, 2); }
static void put32(uint64_t ipa, uint32_t v) { memcpy(host(ipa), &v, 4); }
static void put64(uint64_t ipa, uint64_t v) { memcpy(host(ipa), &v, 8); }
static uint16_t get16(uint64_t ipa) { uint16_t v; memcpy(&v, host(ipa), 2); return v; }
static uint32_t get32(uint64_t ipa) { uint32_t v; memcpy(&v, host(ipa), 4); return v; }

static void drv_layout(struct drv *d, uint16_t num)
{
	memset(d, 0, sizeof(*d));
	d->num = num;
	d->desc = RAM_BASE;
	d->avail = d->desc + VIRTQ_DESC_BYTES(num);
	d->used = (d->avail + VIRTQ_AVAIL_BYTES(num) + 3) & ~3ull;
}

/* Writes descriptor i of the table at `table` (queue table or indirect). */
static void put_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint64_t at = table + 16u * i;

	put64(at, addr);
	put32(at + 8, len);
	put16(at + 12, flags);
	put16(at + 14, next);
}

static void drv_desc(struct drv *d, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	put_desc(d->desc, i, addr, len, flags, next);
}

static void drv_set_avail_idx(struct drv *d, uint16_t idx)
{
	d->avail_idx = idx;
	put16(d->avail + 2, idx);
}

static void drv_publish(struct drv *d, uint16_t head)
{
	put16(d->avail + 4 + 2u * (d->avail_idx % d->num), head);
	drv_set_avail_idx(d, (uint16_t)(d->avail_idx + 1));
}

static uint16_t drv_used_idx(struct drv *d) { return get16(d->used + 2); }
static uint32_t drv_used_id(struct drv *d, uint16_t i) { return get32(d->used + 4 + 8u * (i % d->num)); }
static uint32_t drv_used_len(struct drv *d, uint16_t i) { return get32(d->used + 8 + 8u * (i % d->num)); }
static void drv_set_used_event(struct drv *d, uint16_t v) { put16(d->avail + 4 + 2u * d->num, v); }
static uint16_t drv_avail_event(struct drv *d) { return get16(d->used + 4 + 8u * d->num); }
static void drv_set_avail_flags(struct drv *d, uint16_t v) { put16(d->avail, v); }

/* ---- fixture ---- */

struct fixture {
	struct drv drv;
	struct virtq q;
	struct virtq_req req;
};

static struct fixture fx;

/* A fresh queue on zeroed rings (buffers above DATA are left alone). */
static void start(uint16_t num, bool event_idx, bool indirect)
{
	memset(ram, 0, DATA - RAM_BASE);
	drv_layout(&fx.drv, num);
	assert_int_equal(virtq_enable(&fx.q, &mem, num, fx.drv.desc, fx.drv.avail, fx.drv.used,
				      event_idx, indirect), 0);
}

static int setup(void **state)
{
	memset(ram, 0, sizeof(ram));
	memset(&fx, 0, sizeof(fx));
	map_calls = 0;
	map_hook = NULL;
	start(8, false, true);
	*state = &fx;
	return 0;
}

static void assert_seg(const struct virtq_seg *s, uint64_t ipa, uint32_t len, bool writable)
{
	assert_ptr_equal(s->host, host(ipa));
	assert_int_equal(s->len, len);
	assert_int_equal(s->writable, writable);
}

/* ---- layout ---- */

static void test_enable_checks_layout(void **state)
{
	struct virtq q;
	struct drv d;

	(void)state;
	drv_layout(&d, 8);
	assert_int_equal(virtq_enable(&q, &mem, 0, d.desc, d.avail, d.used, false, false), VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 6, d.desc, d.avail, d.used, false, false), VIRTQ_ERR_RING);
	assert_false(q.ready);
	/* Alignment: descriptors 16, avail 2, used 4. */
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc + 8, d.avail + 8, d.used, false, false),
			 VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail + 1, d.used, false, false),
			 VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail, d.used + 2, false, false),
			 VIRTQ_ERR_RING);
	/* Outside RAM, or straddling its end (used ring needs 6 + 8 * 8 bytes). */
	assert_int_equal(virtq_enable(&q, &mem, 8, 0x1000, d.avail, d.used, false, false), VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail, RAM_END - 64, false, false),
			 VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail, RAM_END - 72, false, false), 0);
	/* Too big for this RAM, and overlapping areas. */
	assert_int_equal(virtq_enable(&q, &mem, 32768, d.desc, d.avail, d.used, false, false),
			 VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.desc + 64, d.used, false, false),
			 VIRTQ_ERR_RING);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail, d.avail + 4, false, false),
			 VIRTQ_ERR_RING);
	assert_false(q.ready);
	assert_int_equal(virtq_enable(&q, &mem, 8, d.desc, d.avail, d.used, true, false), 0);
	assert_true(q.ready);
	assert_true(q.event_idx);
	assert_int_equal(q.num, 8);
	virtq_disable(&q);
	assert_false(q.ready);
}

static void test_empty_and_disabled(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	assert_int_equal(f->req.head, VIRTQ_NO_HEAD);
	drv_desc(&f->drv, 0, DATA, 16, 0, 0);
	drv_publish(&f->drv, 0);
	virtq_disable(&f->q);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	virtq_push(&f->q, 0, 5);	/* ignored */
	assert_int_equal(drv_used_idx(&f->drv), 0);
	assert_false(virtq_should_notify(&f->q));
}

/* ---- well-formed chains ---- */

static void test_simple_chain(void **state)
{
	struct fixture *f = *state;

	/* The usual block request: header, data, status, linked out of order. */
	drv_desc(&f->drv, 5, DATA, 16, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(&f->drv, 2, DATA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
	drv_desc(&f->drv, 7, DATA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&f->drv, 5);

	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.head, 5);
	assert_int_equal(f->req.nsegs, 3);
	assert_int_equal(f->req.nout, 1);
	assert_int_equal(f->req.nin, 2);
	assert_int_equal(f->req.out_bytes, 16);
	assert_int_equal(f->req.in_bytes, 513);
	assert_seg(&f->req.segs[0], DATA, 16, false);
	assert_seg(&f->req.segs[1], DATA + 0x100, 512, true);
	assert_seg(&f->req.segs[2], DATA + 0x400, 1, true);
	assert_seg(&f->req.last, DATA + 0x400, 1, true);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);

	virtq_push(&f->q, 5, 513);
	assert_int_equal(drv_used_idx(&f->drv), 1);
	assert_int_equal(drv_used_id(&f->drv, 0), 5);
	assert_int_equal(drv_used_len(&f->drv, 0), 513);
}

static void test_several_chains_in_order(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	for (i = 0; i < 8; i++) {
		drv_desc(&f->drv, i, DATA + 0x100u * i, 8 + i, 0, 0);
		drv_publish(&f->drv, (uint16_t)(7 - i));
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(virtq_pop(&f->q, &f->req), 1);
		assert_int_equal(f->req.head, 7 - i);
		assert_int_equal(f->req.nsegs, 1);
		assert_seg(&f->req.segs[0], DATA + 0x100u * (7 - i), 15 - i, false);
	}
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	/* Completion order is the device's choice. */
	virtq_push(&f->q, 3, 0);
	virtq_push(&f->q, 0, 9);
	assert_int_equal(drv_used_idx(&f->drv), 2);
	assert_int_equal(drv_used_id(&f->drv, 0), 3);
	assert_int_equal(drv_used_id(&f->drv, 1), 0);
	assert_int_equal(drv_used_len(&f->drv, 1), 9);
}

static void test_queue_full_is_not_an_error(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	drv_desc(&f->drv, 0, DATA, 4, 0, 0);
	for (i = 0; i < 8; i++)
		drv_publish(&f->drv, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1008;	/* indirect tables need no alignment */

	put_desc(table, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 2);
	put_desc(table, 2, DATA + 0x100, 64, VIRTQ_DESC_F_NEXT, 1);
	put_desc(table, 1, DATA + 0x200, 1, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE on the descriptor that points to the table means nothing. */
	drv_desc(&f->drv, 3, table, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&f->drv, 3);

	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.head, 3);
	assert_int_equal(f->req.nsegs, 3);
	assert_int_equal(f->req.nout, 2);
	assert_int_equal(f->req.nin, 1);
	assert_seg(&f->req.segs[0], DATA, 16, false);
	assert_seg(&f->req.segs[1], DATA + 0x100, 64, false);
	assert_seg(&f->req.segs[2], DATA + 0x200, 1, true);
	assert_seg(&f->req.last, DATA + 0x200, 1, true);
}

static void test_direct_then_indirect(void **state)
{
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1000;

	/* Allowed by the spec: normal descriptors, then one indirect. */
	drv_desc(&f->drv, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(table, 0, DATA + 0x300, 8, VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&f->drv, 0);

	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.nsegs, 2);
	assert_seg(&f->req.segs[0], DATA, 16, false);
	assert_seg(&f->req.segs[1], DATA + 0x300, 8, true);
}

/* ---- malformed chains ---- */

/* Pops one chain published at `head` and checks the error and that the entry
 * was consumed with the head handed back for completion. */
static void expect_chain_error(struct fixture *f, uint16_t head, int err)
{
	drv_publish(&f->drv, head);
	assert_int_equal(virtq_pop(&f->q, &f->req), err);
	assert_true(virtq_error_has_head(err));
	assert_false(virtq_error_is_ring(err));
	assert_int_equal(f->req.head, head);
	assert_int_equal(f->q.last_avail_idx, f->drv.avail_idx);
	assert_int_equal(f->q.broken, 0);
}

static void test_loops(void **state)
{
	struct fixture *f = *state;

	drv_desc(&f->drv, 4, DATA, 8, VIRTQ_DESC_F_NEXT, 4);	/* onto itself */
	expect_chain_error(f, 4, VIRTQ_ERR_LOOP);
	assert_null(f->req.last.host);

	drv_desc(&f->drv, 0, DATA, 8, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA, 8, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(&f->drv, 2, DATA, 8, VIRTQ_DESC_F_NEXT, 0);
	map_calls = 0;
	expect_chain_error(f, 0, VIRTQ_ERR_LOOP);
	/* Bounded: no more buffer visits than the queue has descriptors. */
	assert_true(map_calls <= 8);

	/* The queue keeps working. */
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;

	drv_desc(&f->drv, 0, DATA, 8, VIRTQ_DESC_F_NEXT, 8);
	expect_chain_error(f, 0, VIRTQ_ERR_NEXT);
	drv_desc(&f->drv, 0, DATA, 8, VIRTQ_DESC_F_NEXT, 0xffff);
	expect_chain_error(f, 0, VIRTQ_ERR_NEXT);
}

static void test_chain_longer_than_queue(void **state)
{
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1000;
	uint16_t i;

	/* Queue of 8, indirect table of 16 with a 9-buffer chain. */
	for (i = 0; i < 16; i++)
		put_desc(table, i, DATA, 4, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	put_desc(table, 8, DATA, 4, 0, 0);
	drv_desc(&f->drv, 0, table, 16 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_LOOP);

	/* Eight fit. */
	put_desc(table, 7, DATA, 4, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.nsegs, 8);
}

static void test_indirect_malformed(void **state)
{
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1000;

	put_desc(table, 0, DATA, 8, 0, 0);
	put_desc(table, 1, DATA, 8, 0, 0);

	drv_desc(&f->drv, 0, table, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA, 8, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	drv_desc(&f->drv, 0, table, 24, VIRTQ_DESC_F_INDIRECT, 0);	/* not a multiple of 16 */
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	drv_desc(&f->drv, 0, table, 0, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	drv_desc(&f->drv, 0, RAM_END - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);	/* leaves RAM */
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	drv_desc(&f->drv, 0, 0xfffffffffffffff0ull, 32, VIRTQ_DESC_F_INDIRECT, 0);	/* wraps */
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	put_desc(table, 0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);	/* nested */
	drv_desc(&f->drv, 0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);

	put_desc(table, 0, DATA, 8, VIRTQ_DESC_F_NEXT, 1);	/* loop inside the table */
	put_desc(table, 1, DATA, 8, VIRTQ_DESC_F_NEXT, 0);
	map_calls = 0;
	expect_chain_error(f, 0, VIRTQ_ERR_LOOP);
	/* Caught by the table's own length (2), not the queue size (8). */
	assert_int_equal(map_calls, 1 + 2);

	put_desc(table, 1, DATA, 8, VIRTQ_DESC_F_NEXT, 2);	/* next past the table */
	expect_chain_error(f, 0, VIRTQ_ERR_NEXT);
}

static void test_indirect_needs_feature(void **state)
{
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1000;

	start(8, false, false);
	put_desc(table, 0, DATA, 8, 0, 0);
	drv_desc(&f->drv, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);
}

static void test_head_out_of_range_breaks_queue(void **state)
{
	struct fixture *f = *state;

	drv_publish(&f->drv, 8);
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_HEAD);
	assert_true(virtq_error_is_ring(VIRTQ_ERR_HEAD));
	assert_int_equal(f->req.head, VIRTQ_NO_HEAD);

	/* Broken until reset, without looking at guest memory again. */
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	map_calls = 0;
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_HEAD);
	assert_int_equal(map_calls, 0);

	start(8, false, true);
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
}

static void test_avail_idx_jump_breaks_queue(void **state)
{
	struct fixture *f = *state;

	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_set_avail_idx(&f->drv, 9);		/* 9 new entries in a queue of 8 */
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_AVAIL_IDX);
	assert_int_equal(f->req.head, VIRTQ_NO_HEAD);
	assert_int_equal(f->q.last_avail_idx, 0);
	drv_set_avail_idx(&f->drv, 1);
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_AVAIL_IDX);

	/* A driver may not move idx backwards; that looks like a huge jump. */
	start(8, false, true);
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	drv_set_avail_idx(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_AVAIL_IDX);
}

static void test_buffer_outside_ram(void **state)
{
	struct fixture *f = *state;

	/* Straddling the end of RAM by 8 bytes; a status byte follows. */
	drv_desc(&f->drv, 0, RAM_END - 8, 16, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA + 0x40, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	assert_int_equal(f->req.nsegs, 0);
	/* The structure was sound, so the status byte is reachable. */
	assert_seg(&f->req.last, DATA + 0x40, 1, true);
	f->req.last.host[f->req.last.len - 1] = 0xAA;
	virtq_push(&f->q, f->req.head, 1);
	assert_int_equal(ram[DATA + 0x40 - RAM_BASE], 0xAA);
	assert_int_equal(drv_used_id(&f->drv, 0), 0);

	/* Ending exactly at the end of RAM is fine. */
	drv_desc(&f->drv, 0, RAM_END - 16, 16, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_seg(&f->req.segs[0], RAM_END - 16, 16, false);

	/* Below RAM, a 64-bit wrap, and a zero length. */
	drv_desc(&f->drv, 0, RAM_BASE - 4, 8, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	drv_desc(&f->drv, 0, 0xfffffffffffffff8ull, 0x10, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	drv_desc(&f->drv, 0, DATA, 0, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	/* The bad buffer is the last one: nothing reachable. */
	assert_null(f->req.last.host);

	/* Segments before the bad one are kept, and are all inside RAM. */
	drv_desc(&f->drv, 0, DATA, 8, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, RAM_END, 1, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(&f->drv, 2, DATA + 0x10, 4, VIRTQ_DESC_F_WRITE, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	assert_int_equal(f->req.nsegs, 1);
	assert_seg(&f->req.segs[0], DATA, 8, false);
	assert_seg(&f->req.last, DATA + 0x10, 4, true);
}

static void test_structure_error_after_buffer_error(void **state)
{
	struct fixture *f = *state;

	/* A loop behind a bad buffer: the loop wins, no last descriptor. */
	drv_desc(&f->drv, 0, RAM_END, 8, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA, 8, VIRTQ_DESC_F_NEXT, 1);
	expect_chain_error(f, 0, VIRTQ_ERR_LOOP);
	assert_null(f->req.last.host);
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;

	drv_desc(&f->drv, 0, DATA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA + 0x10, 8, VIRTQ_DESC_F_NEXT, 2);
	drv_desc(&f->drv, 2, DATA + 0x20, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_ORDER);
	assert_int_equal(f->req.nsegs, 1);
	assert_seg(&f->req.last, DATA + 0x20, 1, true);
}

static void test_segment_limit(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	start(128, false, false);
	for (i = 0; i < 128; i++)
		drv_desc(&f->drv, i, DATA + i, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	drv_desc(&f->drv, VIRTQ_MAX_SEGS - 1, DATA, 1, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.nsegs, VIRTQ_MAX_SEGS);

	drv_desc(&f->drv, VIRTQ_MAX_SEGS - 1, DATA, 1, VIRTQ_DESC_F_NEXT, VIRTQ_MAX_SEGS);
	drv_desc(&f->drv, VIRTQ_MAX_SEGS, DATA + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_TOO_MANY_SEGS);
	assert_int_equal(f->req.nsegs, VIRTQ_MAX_SEGS);
	assert_seg(&f->req.last, DATA + 0x100, 1, true);
}

/* A careless map that trusts ipa + len not to wrap: virtq must never ask it
 * about such a range. */
static void *wrap_unsafe_map(void *ctx, uint64_t ipa, uint64_t len)
{
	(void)ctx;
	assert_true(ipa + len > ipa);
	return ram_map(NULL, ipa, len);
}

static void test_wrapping_range_never_reaches_map(void **state)
{
	static const struct guest_mem careless = { NULL, wrap_unsafe_map };
	struct fixture *f = *state;
	uint64_t table = DATA + 0x1000;

	drv_layout(&f->drv, 8);
	assert_int_equal(virtq_enable(&f->q, &careless, 8, f->drv.desc, f->drv.avail, f->drv.used,
				      false, true), 0);
	drv_desc(&f->drv, 0, 0xfffffffffffffff8ull, 0x10, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	drv_desc(&f->drv, 0, 0xfffffffffffffff0ull, 0x10, 0, 0);	/* ends exactly at 2^64 */
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	drv_desc(&f->drv, 0, 0xfffffffffffffff0ull, 0x20, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_INDIRECT);
	put_desc(table, 0, 0xffffffffffffff00ull, 0x1000, 0, 0);
	drv_desc(&f->drv, 0, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_BUFFER);
	assert_int_equal(virtq_enable(&f->q, &careless, 8, 0xfffffffffffffff0ull, f->drv.avail,
				      f->drv.used, false, false), VIRTQ_ERR_RING);
}

/* A guest with 16 GiB of RAM at 4 GiB whose buffers are never dereferenced
 * (virtq does not touch buffer contents): only for the total-size check. */
static void *huge_map(void *ctx, uint64_t ipa, uint64_t len)
{
	(void)ctx;
	if (ipa >= 0x100000000ull && ipa + len <= 0x500000000ull)
		return ram + ((ipa - 0x100000000ull) & 0xfff0);
	return ram_map(NULL, ipa, len);
}

static void test_total_size_limit(void **state)
{
	static const struct guest_mem huge = { NULL, huge_map };
	struct fixture *f = *state;

	drv_layout(&f->drv, 8);
	assert_int_equal(virtq_enable(&f->q, &huge, 8, f->drv.desc, f->drv.avail, f->drv.used,
				      false, false), 0);
	drv_desc(&f->drv, 0, 0x100000000ull, 0xffffffffu, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, 0x200000000ull, 1, 0, 0);
	expect_chain_error(f, 0, VIRTQ_ERR_TOO_LARGE);
	/* Readable and writable totals are separate. */
	drv_desc(&f->drv, 1, 0x200000000ull, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(f->req.out_bytes, 0xffffffffu);
	assert_int_equal(f->req.in_bytes, 0xffffffffu);
}

/* ---- single reads of guest memory ---- */

static void rewrite_desc0(void)
{
	/* What a second vCPU could do right after the device read desc 0. */
	put_desc(RAM_BASE, 0, RAM_END - 1, 0xffffffffu, VIRTQ_DESC_F_NEXT, 0x7fff);
}

static void test_descriptor_read_once(void **state)
{
	struct fixture *f = *state;

	drv_desc(&f->drv, 0, DATA, 16, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(&f->drv, 1, DATA + 0x20, 4, VIRTQ_DESC_F_WRITE, 0);
	drv_publish(&f->drv, 0);
	map_hook = rewrite_desc0;	/* fires when desc 0's buffer is mapped */
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	map_hook = NULL;
	assert_int_equal(f->req.nsegs, 2);
	assert_seg(&f->req.segs[0], DATA, 16, false);
	assert_seg(&f->req.segs[1], DATA + 0x20, 4, true);
}

/* ---- index wrap-around ---- */

static void test_index_wraparound(void **state)
{
	struct fixture *f = *state;
	unsigned i;

	start(4, false, false);
	drv_desc(&f->drv, 2, DATA, 8, 0, 0);
	for (i = 0; i < 65536 + 6; i++) {
		drv_publish(&f->drv, 2);
		assert_int_equal(virtq_pop(&f->q, &f->req), 1);
		assert_int_equal(f->req.head, 2);
		virtq_push(&f->q, 2, i & 0xff);
	}
	assert_int_equal(f->q.last_avail_idx, 6);
	assert_int_equal(drv_used_idx(&f->drv), 6);
	assert_int_equal(drv_used_len(&f->drv, 5), (65536 + 5) & 0xff);

	/* Four entries pending across the wrap: 65534 -> 2. */
	start(4, false, false);
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	f->q.last_avail_idx = 65534;
	f->drv.avail_idx = 65534;
	for (i = 0; i < 4; i++)
		drv_publish(&f->drv, 0);
	assert_int_equal(f->drv.avail_idx, 2);
	for (i = 0; i < 4; i++)
		assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	drv_set_avail_idx(&f->drv, 7);	/* five new entries in a queue of 4 */
	assert_int_equal(virtq_pop(&f->q, &f->req), VIRTQ_ERR_AVAIL_IDX);
}

/* ---- notifications ---- */

static void push_one(struct fixture *f)
{
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	virtq_push(&f->q, 0, 0);
}

static void test_notify_without_event_idx(void **state)
{
	struct fixture *f = *state;

	assert_false(virtq_should_notify(&f->q));	/* nothing used yet */
	push_one(f);
	assert_true(virtq_should_notify(&f->q));
	assert_false(virtq_should_notify(&f->q));	/* already told */
	drv_set_avail_flags(&f->drv, VIRTQ_AVAIL_F_NO_INTERRUPT);
	push_one(f);
	assert_false(virtq_should_notify(&f->q));
	drv_set_used_event(&f->drv, 2);		/* ignored without EVENT_IDX */
	drv_set_avail_flags(&f->drv, 0);
	push_one(f);
	assert_true(virtq_should_notify(&f->q));
}

static void test_notify_with_event_idx(void **state)
{
	struct fixture *f = *state;

	start(8, true, false);
	drv_set_used_event(&f->drv, 0);
	push_one(f);				/* used 0 -> 1, event 0 reached */
	assert_true(virtq_should_notify(&f->q));
	push_one(f);				/* 1 -> 2, event 0 already passed */
	assert_false(virtq_should_notify(&f->q));
	drv_set_used_event(&f->drv, 3);
	push_one(f);				/* 2 -> 3 */
	assert_false(virtq_should_notify(&f->q));
	push_one(f);				/* 3 -> 4: entry 3 written */
	assert_true(virtq_should_notify(&f->q));
	/* A batch that jumps over used_event still notifies. */
	drv_set_used_event(&f->drv, 5);
	push_one(f);
	push_one(f);
	push_one(f);				/* 4 -> 7 covers 5 */
	assert_true(virtq_should_notify(&f->q));
	/* NO_INTERRUPT means nothing with EVENT_IDX. */
	drv_set_avail_flags(&f->drv, VIRTQ_AVAIL_F_NO_INTERRUPT);
	drv_set_used_event(&f->drv, 7);
	push_one(f);
	assert_true(virtq_should_notify(&f->q));
}

static void test_notify_event_idx_wraparound(void **state)
{
	struct fixture *f = *state;

	start(8, true, false);
	f->q.used_idx = f->q.notified_used_idx = 65535;
	drv_set_used_event(&f->drv, 65535);
	push_one(f);				/* 65535 -> 0 */
	assert_true(virtq_should_notify(&f->q));
	drv_set_used_event(&f->drv, 1);
	push_one(f);				/* 0 -> 1 */
	assert_false(virtq_should_notify(&f->q));
	push_one(f);				/* 1 -> 2 */
	assert_true(virtq_should_notify(&f->q));
}

static void test_avail_event_published(void **state)
{
	struct fixture *f = *state;

	start(8, true, false);
	put16(f->drv.used + 4 + 8 * 8, 0x5555);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	assert_int_equal(drv_avail_event(&f->drv), 0);	/* "tell me about entry 0" */
	drv_desc(&f->drv, 0, DATA, 8, 0, 0);
	drv_publish(&f->drv, 0);
	drv_publish(&f->drv, 0);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(drv_avail_event(&f->drv), 1);
	assert_int_equal(virtq_pop(&f->q, &f->req), 1);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	assert_int_equal(drv_avail_event(&f->drv), 2);

	/* Without EVENT_IDX the field is left alone. */
	start(8, false, false);
	put16(f->drv.used + 4 + 8 * 8, 0x5555);
	push_one(f);
	assert_int_equal(virtq_pop(&f->q, &f->req), 0);
	assert_int_equal(drv_avail_event(&f->drv), 0x5555);
}

static void test_error_helpers(void **state)
{
	int err;

	(void)state;
	for (err = VIRTQ_ERR_TOO_LARGE; err <= VIRTQ_ERR_RING; err++) {
		assert_true(virtq_error_is_ring(err) != virtq_error_has_head(err));
		assert_string_not_equal(virtq_strerror(err), "no error");
	}
	assert_false(virtq_error_is_ring(0));
	assert_false(virtq_error_has_head(1));
	assert_string_equal(virtq_strerror(0), "no error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_enable_checks_layout, setup),
		cmocka_unit_test_setup(test_empty_and_disabled, setup),
		cmocka_unit_test_setup(test_simple_chain, setup),
		cmocka_unit_test_setup(test_several_chains_in_order, setup),
		cmocka_unit_test_setup(test_queue_full_is_not_an_error, setup),
		cmocka_unit_test_setup(test_indirect, setup),
		cmocka_unit_test_setup(test_direct_then_indirect, setup),
		cmocka_unit_test_setup(test_loops, setup),
		cmocka_unit_test_setup(test_next_out_of_range, setup),
		cmocka_unit_test_setup(test_chain_longer_than_queue, setup),
		cmocka_unit_test_setup(test_indirect_malformed, setup),
		cmocka_unit_test_setup(test_indirect_needs_feature, setup),
		cmocka_unit_test_setup(test_head_out_of_range_breaks_queue, setup),
		cmocka_unit_test_setup(test_avail_idx_jump_breaks_queue, setup),
		cmocka_unit_test_setup(test_buffer_outside_ram, setup),
		cmocka_unit_test_setup(test_structure_error_after_buffer_error, setup),
		cmocka_unit_test_setup(test_readable_after_writable, setup),
		cmocka_unit_test_setup(test_segment_limit, setup),
		cmocka_unit_test_setup(test_wrapping_range_never_reaches_map, setup),
		cmocka_unit_test_setup(test_total_size_limit, setup),
		cmocka_unit_test_setup(test_descriptor_read_once, setup),
		cmocka_unit_test_setup(test_index_wraparound, setup),
		cmocka_unit_test_setup(test_notify_without_event_idx, setup),
		cmocka_unit_test_setup(test_notify_with_event_idx, setup),
		cmocka_unit_test_setup(test_notify_event_idx_wraparound, setup),
		cmocka_unit_test_setup(test_avail_event_published, setup),
		cmocka_unit_test_setup(test_error_helpers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
