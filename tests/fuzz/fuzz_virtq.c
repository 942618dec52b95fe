/* libFuzzer target for the split virtqueue: the input is a ring layout, a
 * sequence of device and driver actions, and the guest RAM contents. Every
 * segment a pop returns must lie inside the fake RAM, the request must be
 * self-consistent, and a pop must stay within its bound of guest accesses,
 * also while a "second vCPU" rewrites RAM in the middle of the walk.
 * Build: clang -fsanitize=fuzzer,address,undefined -DHB_HOST -I. this file
 *        vdev/virtq.c
 *
 * Input: [0] log2 queue size (mod 7), [1] flags (bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC, bit 2 rewrite RAM during map), [2..7] desc/avail/used
 * offsets in RAM (le16 each; an invalid layout falls back to a packed one),
 * [8] number of 3-byte actions, the actions, then RAM contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vdev/virtq.h"

#define REQUIRE(cond)                                                                    \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

#define RAM_BASE	0x1000u	/* low, so small guest numbers hit RAM */
#define RAM_SIZE	4096u
#define MAX_OUTSTANDING	64u

static uint8_t ram[RAM_SIZE] __attribute__((aligned(16)));

struct racer {
	bool active;
	uint32_t state;		/* LCG choosing which byte to rewrite */
	unsigned map_calls;
};

static struct racer racer;

static void *fuzz_map(void *ctx, uint64_t ipa, uint64_t len)
{
	(void)ctx;
	racer.map_calls++;
	REQUIRE(len != 0 && ipa + len > ipa);	/* virtq screens these itself */
	if (racer.active) {
		racer.state = racer.state * 1103515245u + 12345u;
		ram[(racer.state >> 8) % RAM_SIZE] ^= (uint8_t)(racer.state >> 24);
	}
	if (ipa < RAM_BASE || ipa - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (ipa - RAM_BASE))
		return NULL;
	return ram + (ipa - RAM_BASE);
}

static const struct guest_mem mem = { NULL, fuzz_map };

static void check_inside_ram(const uint8_t *host, uint32_t len)
{
	uintptr_t off = (uintptr_t)host - (uintptr_t)ram;

	REQUIRE(host != NULL && len != 0);
	REQUIRE((uintptr_t)host >= (uintptr_t)ram && off <= RAM_SIZE && len <= RAM_SIZE - off);
}

static void check_request(const struct virtq *q, const struct virtq_req *req, int ret)
{
	uint64_t out = 0, in = 0;
	unsigned i;

	REQUIRE(ret <= 1 && ret >= VIRTQ_ERR_TOO_LARGE && ret != VIRTQ_ERR_RING);
	REQUIRE(req->nsegs <= VIRTQ_MAX_SEGS && req->nout + req->nin == req->nsegs);
	for (i = 0; i < req->nsegs; i++) {
		const struct virtq_seg *s = &req->segs[i];

		check_inside_ram(s->host, s->len);
		REQUIRE(s->writable == (i >= req->nout));
		if (s->writable) {
			in += s->len;
			memset(s->host, 0xA5, s->len);	/* the device may write it all */
		} else {
			out += s->len;
		}
	}
	REQUIRE(out == req->out_bytes && in == req->in_bytes);
	if (req->last.host)
		check_inside_ram(req->last.host, req->last.len);

	if (ret == 1) {
		REQUIRE(req->head < q->num && req->nsegs > 0);
		REQUIRE(req->last.host == req->segs[req->nsegs - 1].host);
	} else if (ret == 0 || virtq_error_is_ring(ret)) {
		REQUIRE(req->head == VIRTQ_NO_HEAD && req->nsegs == 0);
	} else {
		REQUIRE(virtq_error_has_head(ret) && req->head < q->num);
	}
	/* One map per buffer (at most num) plus one indirect table. */
	REQUIRE(racer.map_calls <= (unsigned)q->num + 1);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static bool enable(struct virtq *q, uint16_t num, const uint8_t *hdr, bool event_idx, bool indirect)
{
	uint64_t desc = RAM_BASE + le16(hdr + 2) % RAM_SIZE;
	uint64_t avail = RAM_BASE + le16(hdr + 4) % RAM_SIZE;
	uint64_t used = RAM_BASE + le16(hdr + 6) % RAM_SIZE;

	if (virtq_enable(q, &mem, num, desc, avail, used, event_idx, indirect) == 0)
		return true;
	desc = RAM_BASE;
	avail = desc + VIRTQ_DESC_BYTES(num);
	used = (avail + VIRTQ_AVAIL_BYTES(num) + 3) & ~3ull;
	return virtq_enable(q, &mem, num, desc, avail, used, event_idx, indirect) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_req req;
	uint16_t outstanding[MAX_OUTSTANDING];
	unsigned n_outstanding = 0, n_actions, i;
	const uint8_t *actions;
	struct virtq q;
	bool event_idx, indirect;
	uint16_t num;
	int ret;

	if (size < 9)
		return 0;
	num = (uint16_t)(1u << (data[0] % 7));
	event_idx = data[1] & 1;
	indirect = data[1] & 2;
	n_actions = data[8];
	if (size < 9 + 3u * n_actions)
		n_actions = (unsigned)((size - 9) / 3);
	actions = data + 9;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, actions + 3 * n_actions, MIN(size - 9 - 3 * n_actions, (size_t)RAM_SIZE));
	racer.active = false;
	racer.state = (uint32_t)data[1] << 16 | data[2];
	REQUIRE(enable(&q, num, data, event_idx, indirect));

	for (i = 0; i < n_actions; i++) {
		const uint8_t *a = actions + 3 * i;
		uint16_t idx;

		switch (a[0] % 6) {
		case 0:
			racer.active = data[1] & 4;
			racer.map_calls = 0;
			ret = virtq_pop(&q, &req);
			racer.active = false;
			check_request(&q, &req, ret);
			if ((ret == 1 || virtq_error_has_head(ret)) && n_outstanding < MAX_OUTSTANDING)
				outstanding[n_outstanding++] = req.head;
			break;
		case 1:
			if (n_outstanding > 0) {
				virtq_push(&q, outstanding[0], (uint32_t)a[1] << 8 | a[2]);
				memmove(outstanding, outstanding + 1,
					--n_outstanding * sizeof(outstanding[0]));
			}
			break;
		case 2:
			(void)virtq_should_notify(&q);
			break;
		case 3:
			/* The driver publishes a (possibly bogus) head. */
			idx = le16(q.avail + 2);
			q.avail[4 + 2u * (idx % num)] = a[1];
			q.avail[5 + 2u * (idx % num)] = a[2] & 0x80 ? a[2] : 0;
			idx++;
			memcpy(q.avail + 2, &idx, 2);
			break;
		case 4:
			ram[(a[1] << 8 | a[2]) % RAM_SIZE] = a[1] ^ a[2];
			break;
		default:
			/* Reset: in-flight heads die with the old queue. */
			virtq_disable(&q);
			REQUIRE(enable(&q, num, data, event_idx, indirect));
			n_outstanding = 0;
			break;
		}
	}
	return 0;
}
