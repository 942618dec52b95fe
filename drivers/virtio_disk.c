/* Physical virtio-blk driver (modern virtio-mmio only), polled: a request is
 * posted and the caller spins until the device has used it. Guest buffers go
 * to the device as they are (EL2 maps RAM 1:1, so the host pointer is the
 * physical address); only the header and status byte are the driver's own. */
#include "drivers/virtio_disk.h"
#include "arch/aarch64/timer.h"
#include "arch/aarch64/mmu.h"
#include "core/log.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "vdev/virtio/virtio_blk.h"
#include "board.h"

#ifdef BOARD_VIRTIO_MMIO_BASE

#define QUEUE_SIZE		128u
#define REQUEST_TIMEOUT_US	5000000u

_Static_assert(QUEUE_SIZE >= VIRTQ_MAX_SEGS + 2, "a whole guest request fits in the ring");

struct ring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct {
	struct ring_desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[QUEUE_SIZE], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QUEUE_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint8_t header[VIRTIO_BLK_HDR_SIZE] __attribute__((aligned(8)));
	volatile uint8_t status;
} q __attribute__((aligned(4096)));

static volatile uint8_t *regs;
static uint16_t queue_num, avail_idx;
static bool has_flush;
static spinlock_t disk_lock = SPINLOCK_INIT;

static uint32_t rd(uint32_t off)
{
	return *(volatile uint32_t *)(regs + off);
}

static void wr(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(regs + off) = val;
}

static void wr64(uint32_t low, uint64_t val)
{
	wr(low, (uint32_t)val);
	wr(low + 4, (uint32_t)(val >> 32));
}

static bool start(void)
{
	uint64_t offered;
	uint32_t max;

	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered = (uint64_t)rd(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered |= rd(VIRTIO_MMIO_DEVICE_FEATURES);
	has_flush = offered & BIT(VIRTIO_BLK_F_FLUSH);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);	/* VERSION_1 */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, has_flush ? BIT(VIRTIO_BLK_F_FLUSH) : 0);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	if (!(offered & BIT(VIRTIO_F_VERSION_1)) ||
	    !(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	max = rd(VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max < VIRTQ_MAX_SEGS + 2)
		return false;
	queue_num = (uint16_t)MIN(max, QUEUE_SIZE);
	memset(&q, 0, sizeof(q));
	wr(VIRTIO_MMIO_QUEUE_NUM, queue_num);
	wr64(VIRTIO_MMIO_QUEUE_DESC_LOW, (uintptr_t)q.desc);
	wr64(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uintptr_t)&q.avail);
	wr64(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uintptr_t)&q.used);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	return true;
}

uint64_t virtio_disk_probe(void)
{
	for (unsigned slot = 0; slot < BOARD_VIRTIO_MMIO_COUNT; slot++) {
		paddr_t base = BOARD_VIRTIO_MMIO_BASE + slot * BOARD_VIRTIO_MMIO_STRIDE;
		uint64_t sectors;

		if (slot == 0 && mmu_map_device(BOARD_VIRTIO_MMIO_BASE,
						BOARD_VIRTIO_MMIO_COUNT * BOARD_VIRTIO_MMIO_STRIDE))
			return 0;
		regs = (volatile uint8_t *)(uintptr_t)base;
		if (rd(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
		    rd(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
			continue;
		if (rd(VIRTIO_MMIO_VERSION) != VIRTIO_MMIO_VERSION_2) {
			log_err("virtio-disk: legacy virtio-mmio device at 0x%lx ignored (QEMU: add "
				"-global virtio-mmio.force-legacy=false)", base);
			continue;
		}
		if (!start()) {
			log_err("virtio-disk: device at 0x%lx refused set-up", base);
			wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
			continue;
		}
		sectors = rd(VIRTIO_MMIO_CONFIG) | (uint64_t)rd(VIRTIO_MMIO_CONFIG + 4) << 32;
		log_info("virtio-disk: %lu MiB at 0x%lx, queue %u%s", (sectors * 512) >> 20, base,
			 queue_num, has_flush ? ", flush" : "");
		return sectors * 512;
	}
	regs = NULL;
	return 0;
}

static void set_desc(unsigned i, const void *addr, uint32_t len, uint16_t flags)
{
	q.desc[i] = (struct ring_desc){ (uintptr_t)addr, len, flags, (uint16_t)(i + 1) };
}

/* Posts a chain of n descriptors starting at 0 and waits for it. */
static int submit(unsigned n)
{
	uint16_t used_before = __atomic_load_n(&q.used.idx, __ATOMIC_ACQUIRE);
	uint64_t deadline;

	q.desc[n - 1].flags &= (uint16_t)~VIRTQ_DESC_F_NEXT;
	q.status = 0xff;
	q.avail.ring[avail_idx % queue_num] = 0;
	__atomic_store_n(&q.avail.idx, (uint16_t)++avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	deadline = timer_now() + timer_us_to_ticks(REQUEST_TIMEOUT_US);
	while (__atomic_load_n(&q.used.idx, __ATOMIC_ACQUIRE) == used_before) {
		if (timer_now() > deadline) {
			log_err("virtio-disk: request timed out; the disk is now off");
			regs = NULL;
			return -1;
		}
	}
	return q.status == VIRTIO_BLK_S_OK ? 0 : -1;
}

static void put_header(uint32_t type, uint64_t sector)
{
	for (unsigned i = 0; i < 4; i++)
		q.header[i] = (uint8_t)(type >> (8 * i));
	for (unsigned i = 0; i < 8; i++)
		q.header[8 + i] = (uint8_t)(sector >> (8 * i));
}

int virtio_disk_rw(bool write, uint64_t offset, const struct virtq_seg *segs, unsigned nsegs)
{
	int ret = -1;

	if (nsegs > VIRTQ_MAX_SEGS)
		return -1;
	spin_lock(&disk_lock);
	if (regs) {
		put_header(write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, offset / 512);
		set_desc(0, q.header, sizeof(q.header), VIRTQ_DESC_F_NEXT);
		for (unsigned i = 0; i < nsegs; i++)
			set_desc(1 + i, segs[i].host, segs[i].len,
				 VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE));
		set_desc(1 + nsegs, (const void *)&q.status, 1, VIRTQ_DESC_F_WRITE);
		ret = submit(nsegs + 2);
	}
	spin_unlock(&disk_lock);
	return ret;
}

int virtio_disk_flush(void)
{
	int ret = -1;

	spin_lock(&disk_lock);
	if (regs && !has_flush) {
		ret = 0;
	} else if (regs) {
		put_header(VIRTIO_BLK_T_FLUSH, 0);
		set_desc(0, q.header, sizeof(q.header), VIRTQ_DESC_F_NEXT);
		set_desc(1, (const void *)&q.status, 1, VIRTQ_DESC_F_WRITE);
		ret = submit(2);
	}
	spin_unlock(&disk_lock);
	return ret;
}

#else	/* no virtio-mmio bus on this board */

uint64_t virtio_disk_probe(void)
{
	return 0;
}

int virtio_disk_rw(bool write, uint64_t offset, const struct virtq_seg *segs, unsigned nsegs)
{
	return -1;
}

int virtio_disk_flush(void)
{
	return -1;
}

#endif
