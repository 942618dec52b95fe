/* Binds virtio devices to VMs: each gets an MMIO window, a lock, a virtual
 * SPI and a backend (RAM disk, a slice of the physical disk, or a port on
 * the VM switch). Lock order: switch lock, then one device lock at a time,
 * then the vGIC's; the physical disk's lock is innermost. */
#include "vdev/virtio_vm.h"
#include "core/hyp.h"
#include "core/log.h"
#include "core/vm.h"
#include "drivers/virtio_disk.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vdev/virtio/virtio_blk.h"
#include "vdev/virtio/virtio_net.h"
#include "vdev/virtio/vswitch.h"

_Static_assert(VIRTIO_WINDOW_SIZE == VIRTIO_MMIO_WINDOW_SIZE, "config and transport agree");

struct disk_slice {
	uint8_t *ram;		/* RAM disk: its bytes in hypervisor memory */
	uint64_t offset;	/* physical disk: where the slice starts */
};

struct virtio_vm_dev {
	struct vm *vm;
	enum vm_virtio_type type;
	unsigned irq;
	int port;		/* on the switch, for virtio-net */
	spinlock_t lock;	/* the transport, the backend and their queues */
	struct guest_mem mem;
	struct virtio_mmio_dev mmio;
	const struct virtio_dev_ops *ops;
	struct disk_slice slice;
	union {
		struct virtio_blk blk;
		struct virtio_net net;
	};
};

static struct virtio_vm_dev devices[MAX_VMS * VM_MAX_VIRTIO];
static unsigned device_count;

static spinlock_t switch_lock = SPINLOCK_INIT;
static struct vswitch vswitch;
static struct virtio_vm_dev *switch_ports[VSWITCH_MAX_PORTS];
static uint8_t switch_frame[VIRTIO_NET_FRAME_MAX];	/* under switch_lock */

/* ------------------------------------------------------------ storage */

static int ramdisk_rw(void *ctx, bool write, uint64_t offset, const struct virtq_seg *segs,
		      unsigned nsegs)
{
	uint8_t *disk = ((struct disk_slice *)ctx)->ram + offset;

	for (unsigned i = 0; i < nsegs; disk += segs[i].len, i++) {
		if (write)
			memcpy(disk, segs[i].host, segs[i].len);
		else
			memcpy(segs[i].host, disk, segs[i].len);
	}
	return 0;
}

static const struct blk_store_ops ramdisk_ops = { .rw = ramdisk_rw };

static int slice_rw(void *ctx, bool write, uint64_t offset, const struct virtq_seg *segs,
		    unsigned nsegs)
{
	return virtio_disk_rw(write, ((struct disk_slice *)ctx)->offset + offset, segs, nsegs);
}

static int slice_flush(void *ctx)
{
	return virtio_disk_flush();
}

static const struct blk_store_ops slice_ops = { .rw = slice_rw, .flush = slice_flush };

/* ------------------------------------------------------------ transport */

static void *guest_map(void *ctx, uint64_t ipa, uint64_t len)
{
	struct vm *vm = ctx;

	return vm_ipa_in_ram(vm, ipa, len) ? vm_ipa_to_hva(vm, ipa) : NULL;
}

/* Called with d->lock held, so the level cannot go stale between the
 * sample and the vGIC. */
static void update_irq(struct virtio_vm_dev *d)
{
	vgic_set_level(&d->vm->vgic, 0, d->irq, virtio_mmio_irq_level(&d->mmio));
}

/* Frames go out one at a time: taken from the sender under its lock, then
 * handed to each receiver under the receiver's lock, never both at once.
 * The budget bounds one exit; a driver that kept adding frames finds them
 * taken at its next notify. */
static bool net_transmit(struct virtio_vm_dev *src)
{
	unsigned budget = 4 * VIRTIO_NET_QUEUE_SIZE;
	int len = 0;

	spin_lock(&switch_lock);
	while (budget--) {
		uint32_t ports;

		spin_lock(&src->lock);
		src->net.tx_pending = false;
		len = virtio_net_tx(&src->net, &src->mmio, switch_frame);
		virtio_net_flush(&src->mmio, VIRTIO_NET_TX_QUEUE);
		update_irq(src);
		spin_unlock(&src->lock);
		if (len == 0)
			break;
		if (len < 0)
			continue;
		ports = vswitch_route(&vswitch, (unsigned)src->port, switch_frame, (uint32_t)len);
		for (unsigned p = 0; ports; p++, ports >>= 1) {
			struct virtio_vm_dev *dst = switch_ports[p];

			if (!(ports & 1))
				continue;
			/* Even a dropped frame may have used a (too small)
			 * buffer or broken the ring: the driver hears of both. */
			spin_lock(&dst->lock);
			virtio_net_rx(&dst->net, &dst->mmio, switch_frame, (uint32_t)len);
			virtio_net_flush(&dst->mmio, VIRTIO_NET_RX_QUEUE);
			update_irq(dst);
			spin_unlock(&dst->lock);
		}
	}
	spin_unlock(&switch_lock);
	if (len == 0)
		return false;
	spin_lock(&src->lock);
	src->net.tx_pending = true;	/* the budget ran out: more to send */
	spin_unlock(&src->lock);
	return true;
}

static bool dev_read(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t *val)
{
	struct virtio_vm_dev *d = dev;

	spin_lock(&d->lock);
	*val = size <= 4 ? virtio_mmio_read(&d->mmio, (uint32_t)offset, size) : 0;
	spin_unlock(&d->lock);
	return true;
}

static bool dev_write(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t val)
{
	struct virtio_vm_dev *d = dev;
	bool transmit;

	bool more = false;

	spin_lock(&d->lock);
	if (size <= 4)
		virtio_mmio_write(&d->mmio, (uint32_t)offset, (uint32_t)val, size);
	update_irq(d);
	if (d->type == VM_VIRTIO_BLK) {
		more = d->blk.more;
		d->blk.more = false;
	}
	transmit = d->type == VM_VIRTIO_NET && d->net.tx_pending;
	spin_unlock(&d->lock);
	if (transmit)
		more = net_transmit(d);
	/* Work left after a budget: the guest executes its QueueNotify store
	 * again (interrupts are taken in between), which carries on. Only a
	 * notify is repeated: it is idempotent, an InterruptACK would not be. */
	if (more && offset == VIRTIO_MMIO_QUEUE_NOTIFY)
		v->mmio_retry = true;
	return true;
}

static const struct mmio_ops dev_mmio_ops = {
	.read = dev_read,
	.write = dev_write,
};

/* ------------------------------------------------------------ set-up */

static void *backend(struct virtio_vm_dev *d)
{
	return d->type == VM_VIRTIO_BLK ? (void *)&d->blk : (void *)&d->net;
}

static int setup_blk(struct virtio_vm_dev *d, const struct vm_virtio_config *c,
		     const struct package *pkg, char *id)
{
	const struct blk_store_ops *store = &slice_ops;

	if (c->backing == VM_BLK_RAMDISK) {
		struct package_file f;
		paddr_t pa;

		pa = hyp_alloc_contig(ALIGN_UP(c->disk_size, PAGE_SIZE), PAGE_SIZE);
		if (!pa)
			return -1;
		d->slice.ram = (uint8_t *)(uintptr_t)pa;
		memset(d->slice.ram, 0, c->disk_size);
		if (c->image.present && package_file_at(pkg, c->image.file, &f) == 0)
			memcpy(d->slice.ram, f.data, c->image.file_size);
		store = &ramdisk_ops;
	} else {
		d->slice.offset = c->disk_offset;
	}
	virtio_blk_init(&d->blk, store, &d->slice, c->disk_size, c->read_only, id);
	d->ops = virtio_blk_ops(&d->blk);
	return 0;
}

int virtio_vm_add(struct vm *vm, const struct vm_virtio_config *c, const struct package *pkg)
{
	struct virtio_vm_dev *d;
	char id[VIRTIO_BLK_ID_BYTES + 1];

	if (device_count == ARRAY_SIZE(devices))
		return -1;
	d = &devices[device_count];
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->type = c->type;
	d->irq = c->irq;
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->mem = (struct guest_mem){ .ctx = vm, .map = guest_map };
	if (c->type == VM_VIRTIO_BLK) {
		/* GET_ID: the VM's name and the window, unique on this machine. */
		fmt_snprintf(id, sizeof(id), "%s-%lx", vm->name, c->ipa);
		if (setup_blk(d, c, pkg, id))
			return -1;
	} else {
		d->port = vswitch_add_port(&vswitch, c->mac);
		if (d->port < 0)
			return -1;
		switch_ports[d->port] = d;
		virtio_net_init(&d->net, c->mac);
		d->ops = &virtio_net_ops;
	}
	virtio_mmio_init(&d->mmio, d->ops, backend(d), &d->mem);
	if (mmio_register(&vm->mmio, c->ipa, VIRTIO_WINDOW_SIZE, &dev_mmio_ops, d,
			  c->type == VM_VIRTIO_BLK ? "virtio-blk" : "virtio-net"))
		return -1;
	device_count++;
	return 0;
}

void virtio_vm_reset(struct vm *vm)
{
	for (unsigned i = 0; i < device_count; i++) {
		struct virtio_vm_dev *d = &devices[i];

		if (d->vm != vm)
			continue;
		if (d->type == VM_VIRTIO_NET) {
			spin_lock(&switch_lock);
			vswitch_forget_port(&vswitch, (unsigned)d->port);
			spin_unlock(&switch_lock);
		}
		spin_lock(&d->lock);
		virtio_mmio_init(&d->mmio, d->ops, backend(d), &d->mem);
		if (d->type == VM_VIRTIO_NET)
			d->net.tx_pending = false;
		update_irq(d);
		spin_unlock(&d->lock);
	}
}

void virtio_vm_print_stats(struct vm *vm)
{
	for (unsigned i = 0; i < device_count; i++) {
		struct virtio_vm_dev *d = &devices[i];

		if (d->vm != vm)
			continue;
		if (d->type == VM_VIRTIO_BLK) {
			const struct virtio_blk_stats *s = &d->blk.stats;

			log_info("[monitor]   virtio-blk %s: %lu reads (%lu B), %lu writes (%lu B), "
				 "%lu flushes, %lu errors, %lu bad chains", d->blk.id, s->reads,
				 s->bytes_read, s->writes, s->bytes_written, s->flushes, s->errors,
				 s->bad_chains);
		} else {
			const struct virtio_net_stats *s = &d->net.stats;

			log_info("[monitor]   virtio-net port %d: tx %lu (%lu B, %lu dropped), rx %lu "
				 "(%lu B, %lu dropped), %lu bad chains", d->port, s->tx_packets,
				 s->tx_bytes, s->tx_dropped, s->rx_packets, s->rx_bytes,
				 s->rx_dropped, s->bad_chains);
		}
	}
}
