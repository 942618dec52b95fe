/* virtio-mmio register model. Choices where the spec leaves the device free:
 * - Status bits only accumulate: a write adds bits, only a write of 0 (reset)
 *   clears them. The driver may not set DEVICE_NEEDS_RESET. FEATURES_OK
 *   sticks only if the negotiation is acceptable (subset of the offer, with
 *   VERSION_1); DRIVER_OK only once FEATURES_OK is set, since there is no
 *   legacy interface that would allow otherwise.
 * - Queue registers are writable only while the queue is not ready and before
 *   DRIVER_OK; enabling a queue needs FEATURES_OK (the ring features must be
 *   known). A ring the driver places badly (misaligned, outside RAM, bad size)
 *   leaves QueueReady at 0 and sets DEVICE_NEEDS_RESET, so the failure is
 *   visible instead of a silent hang.
 * - Config-change interrupts are raised only once the driver is running
 *   (DRIVER_OK); before that it reads the config space itself anyway.
 */
#include "vdev/virtio_mmio.h"
#include "lib/check.h"
#include "lib/string.h"

/* Feature bits 24..49 belong to the transport and rings; only those that are
 * implemented here may reach the driver. */
#define TRANSPORT_FEATURES	((uint64_t)GENMASK(49, 24))
#define TRANSPORT_SUPPORTED	(BIT(VIRTIO_F_INDIRECT_DESC) | BIT(VIRTIO_F_EVENT_IDX) | \
				 BIT(VIRTIO_F_VERSION_1))

#define DRIVER_STATUS_BITS	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |   \
				 VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FEATURES_OK | \
				 VIRTIO_STATUS_FAILED)

void virtio_mmio_init(struct virtio_mmio_dev *d, const struct virtio_dev_ops *ops, void *backend,
		      const struct guest_mem *mem)
{
	CHECK(ops && mem && mem->map);
	CHECK(ops->num_queues <= VIRTIO_MMIO_MAX_QUEUES);
	CHECK(ops->num_queues == 0 || (ops->queue_max > 0 && ops->queue_max <= VIRTQ_MAX_SIZE &&
				       (ops->queue_max & (ops->queue_max - 1)) == 0));
	CHECK(ops->config_size <= VIRTIO_MMIO_WINDOW_SIZE - VIRTIO_MMIO_CONFIG);

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->backend = backend;
	d->mem = mem;
	d->device_features = (ops->features & ~(TRANSPORT_FEATURES & ~TRANSPORT_SUPPORTED)) |
			     BIT(VIRTIO_F_VERSION_1);
}

/* The queue QueueSel names, or NULL if the device has no such queue. */
static struct virtio_mmio_queue *selected_queue(struct virtio_mmio_dev *d)
{
	if (d->queue_sel >= d->ops->num_queues)
		return NULL;
	return &d->queues[d->queue_sel];
}

/* The selected queue if its layout may still be changed, else NULL. */
static struct virtio_mmio_queue *queue_being_set_up(struct virtio_mmio_dev *d)
{
	struct virtio_mmio_queue *q = selected_queue(d);

	if (!q || q->vq.ready || (d->status & VIRTIO_STATUS_DRIVER_OK))
		return NULL;
	return q;
}

static void device_reset(struct virtio_mmio_dev *d)
{
	unsigned i;

	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		virtq_disable(&d->queues[i].vq);
		d->queues[i].num = 0;
		d->queues[i].desc = d->queues[i].driver = d->queues[i].device = 0;
	}
	d->driver_features = 0;
	d->device_features_sel = d->driver_features_sel = d->queue_sel = 0;
	d->status = 0;
	d->interrupt_status = 0;
	if (d->ops->reset)
		d->ops->reset(d);
}

static bool features_acceptable(const struct virtio_mmio_dev *d)
{
	return (d->driver_features & ~d->device_features) == 0 &&
	       (d->driver_features & BIT(VIRTIO_F_VERSION_1));
}

static void write_status(struct virtio_mmio_dev *d, uint32_t value)
{
	uint32_t added;

	if (value == 0) {
		device_reset(d);
		return;
	}
	added = value & DRIVER_STATUS_BITS & ~d->status;
	if ((added & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(d))
		added &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((added & VIRTIO_STATUS_DRIVER_OK) &&
	    !((d->status | added) & VIRTIO_STATUS_FEATURES_OK))
		added &= ~VIRTIO_STATUS_DRIVER_OK;
	d->status |= added;
}

static void write_driver_features(struct virtio_mmio_dev *d, uint32_t value)
{
	unsigned shift;

	/* Once accepted, the negotiated set is what the rings were built for. */
	if ((d->status & VIRTIO_STATUS_FEATURES_OK) || d->driver_features_sel > 1)
		return;
	shift = d->driver_features_sel * 32;
	d->driver_features &= ~((uint64_t)UINT32_MAX << shift);
	d->driver_features |= (uint64_t)value << shift;
}

static void write_queue_num(struct virtio_mmio_dev *d, uint32_t value)
{
	struct virtio_mmio_queue *q = queue_being_set_up(d);

	if (!q)
		return;
	/* An invalid size is remembered as "none", so enabling fails visibly
	 * rather than running with an older size. */
	if (value == 0 || value > d->ops->queue_max || (value & (value - 1)) != 0)
		q->num = 0;
	else
		q->num = (uint16_t)value;
}

static void write_queue_ready(struct virtio_mmio_dev *d, uint32_t value)
{
	struct virtio_mmio_queue *q = selected_queue(d);

	if (!q)
		return;
	if (value == 0) {
		virtq_disable(&q->vq);
		return;
	}
	if (q->vq.ready || !(d->status & VIRTIO_STATUS_FEATURES_OK) ||
	    (d->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	if (virtq_enable(&q->vq, d->mem, q->num, q->desc, q->driver, q->device,
			 virtio_mmio_has_feature(d, VIRTIO_F_EVENT_IDX),
			 virtio_mmio_has_feature(d, VIRTIO_F_INDIRECT_DESC)) != 0)
		virtio_mmio_needs_reset(d);
}

static void write_queue_addr(struct virtio_mmio_dev *d, uint32_t offset, uint32_t value)
{
	struct virtio_mmio_queue *q = queue_being_set_up(d);
	uint64_t *reg;
	unsigned shift;

	if (!q)
		return;
	switch (offset & ~0x7u) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		reg = &q->desc;
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		reg = &q->driver;
		break;
	default:
		reg = &q->device;
		break;
	}
	shift = (offset & 4) ? 32 : 0;
	*reg &= ~((uint64_t)UINT32_MAX << shift);
	*reg |= (uint64_t)value << shift;
}

static void queue_notify(struct virtio_mmio_dev *d, uint32_t index)
{
	/* No NOTIFICATION_DATA, so the value is just the queue index. */
	if (index >= d->ops->num_queues || !virtio_mmio_queue(d, index))
		return;
	if (d->ops->notify)
		d->ops->notify(d, index);
}

/* Config space: naturally aligned 1/2/4-byte accesses inside config_size. */
static bool config_access(const struct virtio_mmio_dev *d, uint32_t offset, unsigned size,
			  uint32_t *config_offset)
{
	uint32_t off;

	if (offset < VIRTIO_MMIO_CONFIG || offset >= VIRTIO_MMIO_WINDOW_SIZE)
		return false;
	if (size != 1 && size != 2 && size != 4)
		return false;
	off = offset - VIRTIO_MMIO_CONFIG;
	if (off % size != 0 || off + size > d->ops->config_size)
		return false;
	*config_offset = off;
	return true;
}

static uint32_t size_mask(unsigned size)
{
	return size >= 4 ? UINT32_MAX : (1u << (size * 8)) - 1;
}

static uint32_t read_register(struct virtio_mmio_dev *d, uint32_t offset)
{
	struct virtio_mmio_queue *q;

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (d->device_features_sel > 1)
			return 0;
		return (uint32_t)(d->device_features >> (d->device_features_sel * 32));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return selected_queue(d) ? d->ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		q = selected_queue(d);
		return q && q->vq.ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_generation;
	default:
		return 0;	/* write-only registers and holes */
	}
}

uint32_t virtio_mmio_read(struct virtio_mmio_dev *d, uint32_t offset, unsigned size)
{
	uint32_t config_offset;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (!config_access(d, offset, size, &config_offset) || !d->ops->config_read)
			return 0;
		return d->ops->config_read(d, config_offset, size) & size_mask(size);
	}
	if (size != 4 || (offset & 3) != 0)
		return 0;
	return read_register(d, offset);
}

void virtio_mmio_write(struct virtio_mmio_dev *d, uint32_t offset, uint32_t value, unsigned size)
{
	uint32_t config_offset;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (config_access(d, offset, size, &config_offset) && d->ops->config_write)
			d->ops->config_write(d, config_offset, value & size_mask(size), size);
		return;
	}
	if (size != 4 || (offset & 3) != 0)
		return;

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_driver_features(d, value);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		write_queue_num(d, value);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(d, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		queue_notify(d, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->interrupt_status &= ~value;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(d, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_addr(d, offset, value);
		break;
	default:
		break;	/* read-only registers and holes */
	}
}

bool virtio_mmio_irq_level(const struct virtio_mmio_dev *d)
{
	return d->interrupt_status != 0;
}

void virtio_mmio_signal_used(struct virtio_mmio_dev *d)
{
	d->interrupt_status |= VIRTIO_MMIO_INT_VRING;
}

void virtio_mmio_config_changed(struct virtio_mmio_dev *d)
{
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
}

void virtio_mmio_needs_reset(struct virtio_mmio_dev *d)
{
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		d->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
}

struct virtq *virtio_mmio_queue(struct virtio_mmio_dev *d, unsigned index)
{
	/* The device may use a queue only while the driver is running. */
	if (index >= d->ops->num_queues || !d->queues[index].vq.ready)
		return NULL;
	if ((d->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) !=
	    VIRTIO_STATUS_DRIVER_OK)
		return NULL;
	return &d->queues[index].vq;
}

bool virtio_mmio_has_feature(const struct virtio_mmio_dev *d, unsigned bit)
{
	if (bit >= 64 || !(d->status & VIRTIO_STATUS_FEATURES_OK))
		return false;
	return (d->driver_features & BIT(bit)) != 0;
}

uint32_t virtio_mmio_config_load(const void *image, uint32_t offset, unsigned size)
{
	const uint8_t *p = (const uint8_t *)image + offset;
	uint32_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}
