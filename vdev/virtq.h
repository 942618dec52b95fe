/* Device side of a virtio 1.x split virtqueue over guest RAM: validates and walks
 * the driver's descriptor chains, returns used buffers, decides on notifications. */
#ifndef HB_VDEV_VIRTQ_H
#define HB_VDEV_VIRTQ_H

#include "lib/types.h"

/* Guest RAM as the device may touch it. map returns a host pointer to
 * [ipa, ipa + len) when that whole range lies inside the VM's RAM, else NULL.
 * len is never 0 and ipa + len never wraps past 2^64. The mapping must stay
 * valid for the life of the VM: the queue keeps the ring pointers it got at
 * enable time. */
struct guest_mem {
	void *ctx;
	void *(*map)(void *ctx, uint64_t ipa, uint64_t len);
};

#define VIRTQ_MAX_SIZE		32768u	/* largest split queue: 16-bit indices */
#define VIRTQ_MAX_SEGS		64u	/* buffers one request may have */
#define VIRTQ_NO_HEAD		0xffffu	/* req.head when nothing was consumed */

/* Descriptor flags. */
#define VIRTQ_DESC_F_NEXT	1u
#define VIRTQ_DESC_F_WRITE	2u
#define VIRTQ_DESC_F_INDIRECT	4u

#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* Layout of the three areas (little-endian, alignment 16/2/4). The trailing
 * event fields are part of the sizes whether or not EVENT_IDX is in use. */
#define VIRTQ_DESC_SIZE		16u
#define VIRTQ_DESC_ALIGN	16u
#define VIRTQ_AVAIL_ALIGN	2u
#define VIRTQ_USED_ALIGN	4u
#define VIRTQ_DESC_BYTES(n)	(16u * (uint64_t)(n))
#define VIRTQ_AVAIL_BYTES(n)	(6u + 2u * (uint64_t)(n))
#define VIRTQ_USED_BYTES(n)	(6u + 8u * (uint64_t)(n))

/*
 * Errors from virtq_enable and virtq_pop, in three classes (docs/virtio.md):
 * - ring errors: the queue is unusable. virtq_pop marks it broken and keeps
 *   returning the error without touching guest memory; the device should set
 *   DEVICE_NEEDS_RESET. req.head is VIRTQ_NO_HEAD.
 * - chain errors: the chain's structure is broken. The avail entry was
 *   consumed, req.head is valid and must be given back (virtq_push) unless the
 *   device gives up on the queue; req.last is not known.
 * - buffer errors: the structure is sound but a buffer is not acceptable. As a
 *   chain error, plus req.last describes the chain's final descriptor, so a
 *   device can still write a status byte there.
 */
#define VIRTQ_ERR_RING		(-1)	/* enable: bad size, alignment, or ring outside RAM */
#define VIRTQ_ERR_AVAIL_IDX	(-2)	/* avail idx moved by more than the queue size */
#define VIRTQ_ERR_HEAD		(-3)	/* head index >= queue size */
#define VIRTQ_ERR_NEXT		(-4)	/* next index outside its table */
#define VIRTQ_ERR_LOOP		(-5)	/* more descriptors than the queue or indirect table holds */
#define VIRTQ_ERR_INDIRECT	(-6)	/* malformed, nested or unnegotiated indirect table */
#define VIRTQ_ERR_BUFFER	(-7)	/* buffer empty or not inside RAM */
#define VIRTQ_ERR_ORDER		(-8)	/* device-readable buffer after a device-writable one */
#define VIRTQ_ERR_TOO_MANY_SEGS	(-9)	/* more than VIRTQ_MAX_SEGS buffers */
#define VIRTQ_ERR_TOO_LARGE	(-10)	/* readable or writable total above 4 GiB - 1 */

struct virtq_seg {
	uint8_t *host;		/* inside guest RAM for its whole len */
	uint32_t len;		/* never 0 */
	bool writable;		/* device-writable (the driver reads it back) */
};

/* One popped chain. segs holds the device-readable buffers first (nout of
 * them), then the device-writable ones (nin). */
struct virtq_req {
	uint16_t head;
	uint16_t nsegs, nout, nin;
	uint32_t out_bytes, in_bytes;
	/* The chain's final descriptor (host NULL when unknown or unmapped):
	 * with a virtio-blk request this is where the status byte lives. */
	struct virtq_seg last;
	struct virtq_seg segs[VIRTQ_MAX_SEGS];
};

struct virtq {
	bool ready;
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	uint16_t num;
	int broken;		/* 0, or the ring error that stopped the queue */
	uint16_t last_avail_idx;	/* next avail entry the device will take */
	uint16_t used_idx;		/* device's copy; the guest's is never read */
	uint16_t notified_used_idx;	/* used_idx at the last virtq_should_notify */
	const struct guest_mem *mem;
	uint8_t *desc, *avail, *used;	/* host views of the three areas */
};

/* Checks the layout (num a power of two up to VIRTQ_MAX_SIZE, alignments,
 * each area inside RAM) and starts the queue with both indices at 0.
 * Returns 0, or VIRTQ_ERR_RING leaving the queue disabled. */
int virtq_enable(struct virtq *q, const struct guest_mem *mem, uint16_t num, uint64_t desc_ipa,
		 uint64_t avail_ipa, uint64_t used_ipa, bool event_idx, bool indirect);
void virtq_disable(struct virtq *q);

/* Takes the next available chain. 1: req holds it. 0: nothing available (or
 * the queue is disabled). Negative: a VIRTQ_ERR_* as classified above; every
 * segment present in req is still safe to use. With EVENT_IDX, also asks the
 * driver to notify on its next buffer (avail_event), re-checking the ring
 * afterwards so a buffer added meanwhile is not missed. */
int virtq_pop(struct virtq *q, struct virtq_req *req);

/* Returns chain `head` (from virtq_pop) to the driver with `written` bytes
 * written into its device-writable buffers. Ignored on a disabled queue. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* After a batch of virtq_push: whether the driver wants a used-buffer
 * interrupt now (flags, or used_event with EVENT_IDX). Call it once per batch
 * of fewer than 65536 pushes. */
bool virtq_should_notify(struct virtq *q);

bool virtq_error_is_ring(int err);	/* the queue is dead until reset */
bool virtq_error_has_head(int err);	/* req.head must be given back */
const char *virtq_strerror(int err);

#endif
