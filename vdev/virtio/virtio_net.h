/* virtio-net device logic: takes frames from a VM's transmit queue and puts
 * frames into its receive queue, with the virtio-net header. The switch
 * (vswitch.c) decides where frames go; the binding moves them. */
#ifndef HB_VDEV_VIRTIO_NET_H
#define HB_VDEV_VIRTIO_NET_H

#include "lib/types.h"
#include "vdev/virtio_mmio.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_STATUS	16
#define VIRTIO_NET_S_LINK_UP	1

#define VIRTIO_NET_RX_QUEUE	0
#define VIRTIO_NET_TX_QUEUE	1
#define VIRTIO_NET_QUEUE_SIZE	256u
/* struct virtio_net_hdr with num_buffers: always 12 bytes with VERSION_1. */
#define VIRTIO_NET_HDR_SIZE	12
/* Largest frame without offloads: 1500 bytes of payload, an Ethernet header
 * and a VLAN tag. Larger frames are dropped (no GSO is offered). */
#define VIRTIO_NET_FRAME_MAX	1518u
#define VIRTIO_NET_CONFIG_SIZE	8u	/* mac, status */

struct virtio_net_stats {
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t rx_packets, rx_bytes, rx_dropped;	/* dropped: no or too small a buffer */
	uint64_t bad_chains;
};

struct virtio_net {
	uint8_t config[VIRTIO_NET_CONFIG_SIZE];
	struct virtio_net_stats stats;
	volatile bool tx_pending;	/* the driver notified the transmit queue */
	struct virtq_req req;
};

extern const struct virtio_dev_ops virtio_net_ops;

void virtio_net_init(struct virtio_net *n, const uint8_t mac[6]);

/* Takes the next transmitted frame into frame[VIRTIO_NET_FRAME_MAX] and
 * returns the chain to the driver. Returns the frame length, 0 when the
 * queue is empty or stopped, -1 for a chain that was dropped (too large,
 * malformed): call again. A broken ring sets DEVICE_NEEDS_RESET. */
int virtio_net_tx(struct virtio_net *n, struct virtio_mmio_dev *d, uint8_t *frame);

/* Puts a frame into the next receive buffer. False when the driver has no
 * buffer ready (or one too small): the frame is dropped, as on a wire. */
bool virtio_net_rx(struct virtio_net *n, struct virtio_mmio_dev *d, const uint8_t *frame,
		   uint32_t len);

/* After a batch of tx or rx calls on a queue: interrupt the driver if it
 * wants to hear about the buffers used. */
void virtio_net_flush(struct virtio_mmio_dev *d, unsigned queue_index);

#endif
