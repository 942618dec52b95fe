/* virtio-blk requests (virtio 1.2, 5.2.6): header, data, status byte. Every
 * request is finished before the notify returns, so nothing is held across
 * a device reset. The header is copied out of guest memory before it is
 * looked at; data moves straight between the store and the guest's buffers. */
#include "vdev/virtio/virtio_blk.h"
#include "lib/string.h"

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void virtio_blk_init(struct virtio_blk *b, const struct blk_store_ops *store, void *store_ctx,
		     uint64_t bytes, bool read_only, const char *id)
{
	memset(b, 0, sizeof(*b));
	b->store = store;
	b->store_ctx = store_ctx;
	b->sectors = bytes / VIRTIO_BLK_SECTOR;
	b->read_only = read_only;
	for (unsigned i = 0; i < sizeof(b->id) && id[i]; i++)
		b->id[i] = id[i];
	put_le(b->config + 0, b->sectors, 8);		/* capacity */
	put_le(b->config + 12, VIRTIO_BLK_SEG_MAX, 4);	/* seg_max; size_max (8) unused */
	put_le(b->config + 20, VIRTIO_BLK_SECTOR, 4);	/* blk_size */
}

/* Copies up to len bytes from the segments, starting `skip` bytes in. */
static uint32_t gather(const struct virtq_seg *segs, unsigned n, uint32_t skip, uint8_t *out,
		       uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		uint32_t take;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		take = MIN(segs[i].len - skip, len - done);
		memcpy(out + done, segs[i].host + skip, take);
		done += take;
		skip = 0;
	}
	return done;
}

/* The part [skip, skip + len) of a segment list, as a new list in b->data. */
static unsigned slice(struct virtio_blk *b, const struct virtq_seg *segs, unsigned n,
		      uint32_t skip, uint32_t len)
{
	unsigned out = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint32_t take;

		if (skip >= segs[i].len) {
			skip -= segs[i].len;
			continue;
		}
		take = MIN(segs[i].len - skip, len);
		b->data[out++] = (struct virtq_seg){ segs[i].host + skip, take, segs[i].writable };
		len -= take;
		skip = 0;
	}
	return out;
}

static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint32_t bytes)
{
	uint64_t count = bytes / VIRTIO_BLK_SECTOR;

	return bytes % VIRTIO_BLK_SECTOR == 0 && sector <= b->sectors &&
	       count <= b->sectors - sector;
}

/* Data transfer of an IN or OUT request; returns a status and the bytes
 * written into the guest's buffers (not counting the status byte). */
static uint8_t transfer(struct virtio_blk *b, const struct virtq_req *req, bool write,
			uint64_t sector, uint32_t *written)
{
	const struct virtq_seg *in = req->segs + req->nout;
	uint32_t bytes = write ? req->out_bytes - VIRTIO_BLK_HDR_SIZE : req->in_bytes - 1;
	unsigned n;

	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (!in_disk(b, sector, bytes))
		return VIRTIO_BLK_S_IOERR;
	if (write)
		n = slice(b, req->segs, req->nout, VIRTIO_BLK_HDR_SIZE, bytes);
	else
		n = slice(b, in, req->nin, 0, bytes);
	if (bytes && b->store->rw(b->store_ctx, write, sector * VIRTIO_BLK_SECTOR, b->data, n))
		return VIRTIO_BLK_S_IOERR;
	if (write) {
		b->stats.writes++;
		b->stats.bytes_written += bytes;
	} else {
		b->stats.reads++;
		b->stats.bytes_read += bytes;
		*written = bytes;
	}
	return VIRTIO_BLK_S_OK;
}

int virtio_blk_handle(struct virtio_blk *b, struct virtq *q, const struct virtq_req *req)
{
	const struct virtq_seg *in = req->segs + req->nout;
	uint8_t hdr[VIRTIO_BLK_HDR_SIZE], status;
	uint32_t written = 0, type;
	uint64_t sector = 0;

	/* The status byte is the last byte of the last device-writable buffer. */
	if (req->nin == 0) {
		virtq_push(q, req->head, 0);
		b->stats.errors++;
		return -1;
	}
	if (gather(req->segs, req->nout, 0, hdr, sizeof(hdr)) != sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
	} else {
		type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		       (uint32_t)hdr[3] << 24;
		for (int i = 7; i >= 0; i--)
			sector = sector << 8 | hdr[8 + i];
		switch (type) {
		case VIRTIO_BLK_T_IN:
		case VIRTIO_BLK_T_OUT:
			status = transfer(b, req, type == VIRTIO_BLK_T_OUT, sector, &written);
			break;
		case VIRTIO_BLK_T_FLUSH:
			status = b->store->flush && b->store->flush(b->store_ctx) ?
					 VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
			b->stats.flushes++;
			break;
		case VIRTIO_BLK_T_GET_ID:
			written = MIN(req->in_bytes - 1, (uint32_t)VIRTIO_BLK_ID_BYTES);
			for (unsigned n = slice(b, in, req->nin, 0, written), i = 0, off = 0; i < n;
			     off += b->data[i].len, i++)
				memcpy(b->data[i].host, (const uint8_t *)b->id + off, b->data[i].len);
			status = VIRTIO_BLK_S_OK;
			break;
		default:
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
	}
	if (status != VIRTIO_BLK_S_OK)
		b->stats.errors++;
	in[req->nin - 1].host[in[req->nin - 1].len - 1] = status;
	virtq_push(q, req->head, written + 1);
	return status;
}

/* A malformed chain whose status byte is still known gets IOERR; one whose
 * structure is broken (or any ring error) needs a device reset. */
static void handle_error(struct virtio_blk *b, struct virtio_mmio_dev *d, struct virtq *q,
			 int err)
{
	b->stats.bad_chains++;
	if (virtq_error_has_head(err) && b->req.last.host && b->req.last.writable) {
		b->req.last.host[b->req.last.len - 1] = VIRTIO_BLK_S_IOERR;
		b->stats.errors++;
		virtq_push(q, b->req.head, 1);
		return;
	}
	if (virtq_error_has_head(err))
		virtq_push(q, b->req.head, 0);
	virtio_mmio_needs_reset(d);
}

static uint64_t bytes_moved(const struct virtio_blk *b)
{
	return b->stats.bytes_read + b->stats.bytes_written;
}

static void blk_notify(struct virtio_mmio_dev *d, unsigned queue_index)
{
	struct virtio_blk *b = d->backend;
	struct virtq *q = virtio_mmio_queue(d, queue_index);
	uint64_t byte_limit = bytes_moved(b) + VIRTIO_BLK_BYTE_BUDGET;
	unsigned budget;
	int ret;

	if (!q)
		return;
	/* At most one ring's worth, and about VIRTIO_BLK_BYTE_BUDGET, per
	 * notify: a driver refilling as fast as the device drains, or sending
	 * huge requests, cannot keep the device (and its vCPU) here. What is
	 * left is taken when the notify runs again (b->more). */
	b->more = true;
	for (budget = q->num; budget && bytes_moved(b) < byte_limit; budget--) {
		ret = virtq_pop(q, &b->req);
		if (ret == 0) {
			b->more = false;
			break;
		}
		if (ret < 0) {
			handle_error(b, d, q, ret);
			if (!virtio_mmio_queue(d, queue_index) || virtq_error_is_ring(ret) ||
			    (d->status & VIRTIO_STATUS_NEEDS_RESET)) {
				b->more = false;
				break;
			}
			continue;
		}
		virtio_blk_handle(b, q, &b->req);
	}
	if (virtq_should_notify(q))
		virtio_mmio_signal_used(d);
}

static uint32_t blk_config_read(struct virtio_mmio_dev *d, uint32_t offset, unsigned size)
{
	const struct virtio_blk *b = d->backend;

	return virtio_mmio_config_load(b->config, offset, size);
}

#define BLK_OPS(extra) {								\
	.device_id = VIRTIO_ID_BLOCK,							\
	.features = BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) |		\
		    BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_F_INDIRECT_DESC) |		\
		    BIT(VIRTIO_F_EVENT_IDX) | (extra),					\
	.num_queues = 1,								\
	.queue_max = VIRTIO_BLK_QUEUE_SIZE,						\
	.config_size = VIRTIO_BLK_CONFIG_SIZE,						\
	.config_read = blk_config_read,							\
	.notify = blk_notify,								\
}

static const struct virtio_dev_ops blk_ops = BLK_OPS(0);
/* The driver learns of a read-only disk from the RO feature; writes that
 * come anyway are refused per request. */
static const struct virtio_dev_ops blk_ro_ops = BLK_OPS(BIT(VIRTIO_BLK_F_RO));

const struct virtio_dev_ops *virtio_blk_ops(const struct virtio_blk *b)
{
	return b->read_only ? &blk_ro_ops : &blk_ops;
}
