/* virtio-blk device logic over any sector store: parses requests from the
 * request queue, checks them against the disk, and answers with a status. */
#ifndef HB_VDEV_VIRTIO_BLK_H
#define HB_VDEV_VIRTIO_BLK_H

#include "lib/types.h"
#include "vdev/virtio_mmio.h"

#define VIRTIO_ID_BLOCK		2

/* Feature bits (virtio 1.2, 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

/* Request types and status values. */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VIRTIO_BLK_HDR_SIZE	16	/* type, reserved, sector */
#define VIRTIO_BLK_ID_BYTES	20
#define VIRTIO_BLK_SECTOR	512u
/* A request's header and status take two of VIRTQ_MAX_SEGS buffers. */
#define VIRTIO_BLK_SEG_MAX	(VIRTQ_MAX_SEGS - 2)
#define VIRTIO_BLK_QUEUE_SIZE	128u
#define VIRTIO_BLK_CONFIG_SIZE	24u	/* up to and including blk_size */
/* Bytes moved per notify before the rest waits for the notify to run again
 * (one request may overshoot it). */
#define VIRTIO_BLK_BYTE_BUDGET	(4u << 20)

/* Where the sectors live. rw moves the bytes of segs (in order) to or from
 * the store at byte `offset`; the range was checked against the capacity.
 * Both return 0 on success, anything else is an I/O error for the guest. */
struct blk_store_ops {
	int (*rw)(void *ctx, bool write, uint64_t offset, const struct virtq_seg *segs,
		  unsigned nsegs);
	int (*flush)(void *ctx);
};

struct virtio_blk_stats {
	uint64_t reads, writes, flushes, bytes_read, bytes_written;
	uint64_t errors;	/* requests answered IOERR or UNSUPP */
	uint64_t bad_chains;	/* malformed chains: DEVICE_NEEDS_RESET */
};

struct virtio_blk {
	const struct blk_store_ops *store;
	void *store_ctx;
	uint64_t sectors;
	bool read_only;
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CONFIG_SIZE];
	struct virtio_blk_stats stats;
	/* The last notify stopped at its budget with requests perhaps left:
	 * the binding makes the driver's notify run again (the driver itself
	 * may never notify again: with EVENT_IDX it waits for these). */
	bool more;
	/* Scratch for one request, kept here rather than on the EL2 stack. */
	struct virtq_req req;
	struct virtq_seg data[VIRTQ_MAX_SEGS];
};

/* The device ops for virtio_mmio_init (after virtio_blk_init); the backend
 * pointer is the virtio_blk. */
const struct virtio_dev_ops *virtio_blk_ops(const struct virtio_blk *b);

/* id: up to 20 bytes for GET_ID (not NUL-terminated when 20 long). */
void virtio_blk_init(struct virtio_blk *b, const struct blk_store_ops *store, void *store_ctx,
		     uint64_t bytes, bool read_only, const char *id);

/* Answers one popped chain: returns the status it wrote, or -1 when the
 * chain had no status byte (pushed with nothing written). For tests. */
int virtio_blk_handle(struct virtio_blk *b, struct virtq *q, const struct virtq_req *req);

#endif
