/* virtio-net frames in and out of guest rings (virtio 1.2, 5.1.6). No
 * offloads are offered, so the header is ignored on transmit and all zero
 * (except num_buffers = 1) on receive. */
#include "vdev/virtio/virtio_net.h"
#include "lib/string.h"

void virtio_net_init(struct virtio_net *n, const uint8_t mac[6])
{
	memset(n, 0, sizeof(*n));
	memcpy(n->config, mac, 6);
	n->config[6] = VIRTIO_NET_S_LINK_UP;
}

static void chain_error(struct virtio_net *n, struct virtio_mmio_dev *d, struct virtq *q, int err)
{
	n->stats.bad_chains++;
	if (virtq_error_has_head(err))
		virtq_push(q, n->req.head, 0);
	if (!virtq_error_has_head(err) || virtq_error_is_ring(err))
		virtio_mmio_needs_reset(d);
}

int virtio_net_tx(struct virtio_net *n, struct virtio_mmio_dev *d, uint8_t *frame)
{
	struct virtq *q = virtio_mmio_queue(d, VIRTIO_NET_TX_QUEUE);
	struct virtq_req *r = &n->req;
	uint32_t len, done = 0, skip = VIRTIO_NET_HDR_SIZE;
	int ret;

	if (!q || (d->status & VIRTIO_STATUS_NEEDS_RESET))
		return 0;
	ret = virtq_pop(q, r);
	if (ret <= 0) {
		if (ret < 0)
			chain_error(n, d, q, ret);
		return ret < 0 && virtq_error_has_head(ret) ? -1 : 0;
	}
	len = r->out_bytes > VIRTIO_NET_HDR_SIZE ? r->out_bytes - VIRTIO_NET_HDR_SIZE : 0;
	if (len == 0 || len > VIRTIO_NET_FRAME_MAX) {
		n->stats.tx_dropped++;
		virtq_push(q, r->head, 0);
		return -1;
	}
	for (unsigned i = 0; i < r->nout; i++) {
		uint32_t seg = r->segs[i].len;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		memcpy(frame + done, r->segs[i].host + skip, seg - skip);
		done += seg - skip;
		skip = 0;
	}
	virtq_push(q, r->head, 0);
	n->stats.tx_packets++;
	n->stats.tx_bytes += len;
	return (int)len;
}

bool virtio_net_rx(struct virtio_net *n, struct virtio_mmio_dev *d, const uint8_t *frame,
		   uint32_t len)
{
	struct virtq *q = virtio_mmio_queue(d, VIRTIO_NET_RX_QUEUE);
	struct virtq_req *r = &n->req;
	uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };
	uint32_t total = VIRTIO_NET_HDR_SIZE + len, off = 0;
	int ret;

	if (!q || (d->status & VIRTIO_STATUS_NEEDS_RESET)) {
		n->stats.rx_dropped++;
		return false;
	}
	ret = virtq_pop(q, r);
	if (ret <= 0) {
		if (ret < 0)
			chain_error(n, d, q, ret);
		n->stats.rx_dropped++;
		return false;
	}
	if (r->nout || r->in_bytes < total) {
		virtq_push(q, r->head, 0);
		n->stats.rx_dropped++;
		return false;
	}
	hdr[10] = 1;	/* num_buffers */
	for (unsigned i = 0; i < r->nin && off < total; i++) {
		struct virtq_seg *s = &r->segs[i];
		uint32_t take = MIN(s->len, total - off);

		for (uint32_t j = 0; j < take; j++, off++)
			s->host[j] = off < VIRTIO_NET_HDR_SIZE ? hdr[off] :
							 frame[off - VIRTIO_NET_HDR_SIZE];
	}
	virtq_push(q, r->head, total);
	n->stats.rx_packets++;
	n->stats.rx_bytes += len;
	return true;
}

void virtio_net_flush(struct virtio_mmio_dev *d, unsigned queue_index)
{
	struct virtq *q = virtio_mmio_queue(d, queue_index);

	if (q && virtq_should_notify(q))
		virtio_mmio_signal_used(d);
}

static uint32_t net_config_read(struct virtio_mmio_dev *d, uint32_t offset, unsigned size)
{
	const struct virtio_net *n = d->backend;

	return virtio_mmio_config_load(n->config, offset, size);
}

/* Transmit work is only flagged here: moving a frame takes other VMs'
 * device locks, which must not nest inside this device's (the binding
 * drains the queue once it has let go of it). */
static void net_notify(struct virtio_mmio_dev *d, unsigned queue_index)
{
	struct virtio_net *n = d->backend;

	if (queue_index == VIRTIO_NET_TX_QUEUE)
		n->tx_pending = true;
}

const struct virtio_dev_ops virtio_net_ops = {
	.device_id = VIRTIO_ID_NET,
	.features = BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) | BIT(VIRTIO_F_EVENT_IDX) |
		    BIT(VIRTIO_F_INDIRECT_DESC),
	.num_queues = 2,
	.queue_max = VIRTIO_NET_QUEUE_SIZE,
	.config_size = VIRTIO_NET_CONFIG_SIZE,
	.config_read = net_config_read,
	.notify = net_notify,
};
