/* virtio-mmio transport, version 2 (virtio 1.x, no legacy interface), as pure
 * register logic: the MMIO handler calls read/write, the backend behind a
 * device-ops table does the device-specific part, the vGIC samples irq_level. */
#ifndef HB_VDEV_VIRTIO_MMIO_H
#define HB_VDEV_VIRTIO_MMIO_H

#include "lib/types.h"
#include "vdev/virtq.h"

#define VIRTIO_MMIO_WINDOW_SIZE	0x200u	/* registers, then up to 256 bytes of config */
#define VIRTIO_MMIO_MAX_QUEUES	8u
#define VIRTIO_MMIO_MAGIC	0x74726976u	/* "virt" read as a little-endian word */
#define VIRTIO_MMIO_VERSION_2	2u
#define VIRTIO_MMIO_VENDOR	0x59524248u	/* "HBRY"; drivers match any vendor */

/* Register offsets. */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE	1u
#define VIRTIO_STATUS_DRIVER		2u
#define VIRTIO_STATUS_DRIVER_OK		4u
#define VIRTIO_STATUS_FEATURES_OK	8u
#define VIRTIO_STATUS_NEEDS_RESET	64u
#define VIRTIO_STATUS_FAILED		128u

/* InterruptStatus / InterruptACK bits. */
#define VIRTIO_MMIO_INT_VRING		1u
#define VIRTIO_MMIO_INT_CONFIG		2u

/* Feature bits owned by the transport and the rings. */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

struct virtio_mmio_dev;

/*
 * What a device type (block, network, ...) supplies. Every callback may be
 * NULL and is called from inside virtio_mmio_read/write, under whatever lock
 * the caller holds around those.
 * - features: the device's feature bits. VERSION_1 is always offered; of the
 *   transport bits 24..49 only INDIRECT_DESC and EVENT_IDX pass through, since
 *   nothing else (packed rings, notification data, ...) is implemented.
 * - queue_max: QueueNumMax of every queue, a power of two <= VIRTQ_MAX_SIZE.
 * - config_read/config_write: offset is relative to the config space, size is
 *   1, 2 or 4, the access is naturally aligned and offset + size <= config_size.
 * - notify: the driver made buffers available in a ready queue (only after
 *   DRIVER_OK and while DEVICE_NEEDS_RESET is clear).
 * - reset: the driver reset the device; queue and feature state are already
 *   cleared. Drop every request still held: its queue is gone.
 */
struct virtio_dev_ops {
	uint32_t device_id;
	uint64_t features;
	unsigned num_queues;
	uint16_t queue_max;
	uint32_t config_size;
	uint32_t (*config_read)(struct virtio_mmio_dev *d, uint32_t offset, unsigned size);
	void (*config_write)(struct virtio_mmio_dev *d, uint32_t offset, uint32_t value, unsigned size);
	void (*notify)(struct virtio_mmio_dev *d, unsigned queue_index);
	void (*reset)(struct virtio_mmio_dev *d);
};

/* Queue registers as the driver wrote them; they become the live virtq when
 * QueueReady is set. */
struct virtio_mmio_queue {
	uint16_t num;		/* QueueNum, 0 while no valid size was written */
	uint64_t desc, driver, device;
	struct virtq vq;	/* vq.ready is QueueReady */
};

struct virtio_mmio_dev {
	const struct virtio_dev_ops *ops;
	void *backend;
	const struct guest_mem *mem;
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint32_t status;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtio_mmio_queue queues[VIRTIO_MMIO_MAX_QUEUES];
};

/* Device in reset state. ops, backend and mem must outlive it. */
void virtio_mmio_init(struct virtio_mmio_dev *d, const struct virtio_dev_ops *ops, void *backend,
		      const struct guest_mem *mem);

/* Guest accesses; offset is relative to the window base. Registers take only
 * aligned 32-bit accesses, the config space aligned 8/16/32-bit ones; anything
 * else, and any offset without a register, reads as zero and ignores writes. */
uint32_t virtio_mmio_read(struct virtio_mmio_dev *d, uint32_t offset, unsigned size);
void virtio_mmio_write(struct virtio_mmio_dev *d, uint32_t offset, uint32_t value, unsigned size);

/* Level of the device's interrupt line, InterruptStatus != 0: drive the SPI
 * from it after every write and every signal below. */
bool virtio_mmio_irq_level(const struct virtio_mmio_dev *d);

/* Device-side events. signal_used: call when virtq_should_notify said so.
 * config_changed: the backend changed its config space (new generation, and a
 * config interrupt once the driver is running). needs_reset: the device hit an
 * error it cannot recover from (e.g. a ring error); sets DEVICE_NEEDS_RESET,
 * stops notify calls, and interrupts a running driver. */
void virtio_mmio_signal_used(struct virtio_mmio_dev *d);
void virtio_mmio_config_changed(struct virtio_mmio_dev *d);
void virtio_mmio_needs_reset(struct virtio_mmio_dev *d);

/* The live queue `index`, or NULL if it does not exist or is not ready. */
struct virtq *virtio_mmio_queue(struct virtio_mmio_dev *d, unsigned index);
/* Whether the driver accepted feature `bit` (valid once FEATURES_OK is set). */
bool virtio_mmio_has_feature(const struct virtio_mmio_dev *d, unsigned bit);

/* For config_read callbacks whose config space is a little-endian byte image:
 * the size-byte value at offset (the transport has checked the bounds). */
uint32_t virtio_mmio_config_load(const void *image, uint32_t offset, unsigned size);

#endif
