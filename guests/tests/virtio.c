/* virtio: a bare-metal virtio-mmio driver of its own drives HyperBerry's
 * virtio-blk and virtio-net devices with good and malformed requests and
 * checks each answer; a peer VM ("virtio.role=peer" in its bootargs) echoes
 * frames so the network checks cross the VM switch. HyperBerry only. */
#include "guests/lib/irq_log.h"
#include "guests/lib/vtimer.h"
#include "lib/fdt.h"
#include "lib/string.h"

const char rt_test_name[] = "virtio";

/* The machine tests/integration/test_virtio_guest.py configures. */
#define VM_RAM_BASE	0x40000000ull
#define VM_RAM_END	0x44000000ull	/* 64 MiB, no DTB for the main VM */
#define BLK_BASE	0x0a000000ull
#define BLK_IRQ		48
#define BLK_SECTORS	2048ull		/* 1 MiB RAM disk */
#define BLK_ID		"vguest-a000000"	/* "<vm name>-<window IPA>" */
#define RO_BASE		0x0a000200ull
#define RO_IRQ		49
#define RO_SECTORS	128ull		/* 64 KiB, read-only */
#define RO_ID		"vguest-a000200"
#define NET_BASE	0x0a000400ull	/* in both VMs */
#define NET_IRQ		50
static const uint8_t main_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x10 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x20 };
static const uint8_t nobody_mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x99 };

/* virtio-mmio registers and bits (virtio 1.2, 4.2.2 and 2.1). */
#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_VENDOR	0x00c
#define R_DEV_FEAT	0x010
#define R_DEV_FEAT_SEL	0x014
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX	0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_ISR		0x060
#define R_ISR_ACK	0x064
#define R_STATUS	0x070
#define R_DESC_LO	0x080
#define R_DRIVER_LO	0x090
#define R_DEVICE_LO	0x0a0
#define R_CONFIG_GEN	0x0fc
#define R_CONFIG	0x100

#define MAGIC_VIRT	0x74726976u
#define VENDOR_HBRY	0x59524248u
#define S_ACK		1u
#define S_DRIVER	2u
#define S_DRIVER_OK	4u
#define S_FEATURES_OK	8u
#define S_NEEDS_RESET	0x40u
#define S_NEGOTIATED	(S_ACK | S_DRIVER | S_FEATURES_OK)
#define S_RUNNING	(S_NEGOTIATED | S_DRIVER_OK)
#define ISR_USED	1u
#define ISR_CONFIG	2u

#define F_BLK_SEG_MAX	BIT(2)
#define F_BLK_RO	BIT(5)
#define F_BLK_BLK_SIZE	BIT(6)
#define F_BLK_FLUSH	BIT(9)
#define F_NET_MAC	BIT(5)
#define F_NET_STATUS	BIT(16)
#define F_INDIRECT	BIT(28)
#define F_EVENT_IDX	BIT(29)
#define F_HI_VERSION_1	1u	/* bit 32, in the second feature word */

#define DESC_NEXT	1u
#define DESC_WRITE	2u
#define DESC_INDIRECT	4u

#define T_IN		0u
#define T_OUT		1u
#define T_FLUSH		4u
#define T_GET_ID	8u
#define T_DISCARD	11u	/* not offered: must be UNSUPP */
#define BLK_S_OK	0u
#define BLK_S_IOERR	1u
#define BLK_S_UNSUPP	2u
#define STATUS_UNTOUCHED 0xffu

#define BLK_FEATURES	(F_BLK_SEG_MAX | F_BLK_BLK_SIZE | F_BLK_FLUSH | F_INDIRECT | F_EVENT_IDX)
#define BLK_DRIVER	(F_BLK_SEG_MAX | F_BLK_BLK_SIZE | F_BLK_FLUSH | F_INDIRECT)
#define NET_FEATURES	(F_NET_MAC | F_NET_STATUS | F_INDIRECT | F_EVENT_IDX)
#define NET_DRIVER	(F_NET_MAC | F_NET_STATUS)
#define QSIZE		8u	/* small: chains longer than the queue are easy */
#define BIG_QSIZE	128u	/* virtio-blk's QueueNumMax */

#define USED_WAIT_US	50000u	/* the block device answers inside the notify */
#define PONG_WAIT_US	2000000u
#define PATTERN_SECTOR	8u

/* ------------------------------------------------------------ driver */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* One split queue in a 4 KiB block: descriptors, then the available ring at
 * +2048 and the used ring at +2560 (room for 128 entries each). */
#define RING_BYTES	4096u
#define AVAIL_OFF	2048u
#define USED_OFF	2560u

struct vq {
	uint16_t num;
	uint8_t *desc, *avail, *used;
	uint16_t next_avail;	/* the avail idx the driver publishes next */
	uint16_t last_used;	/* used entries taken so far */
};

struct vdev {
	uint64_t base;
	unsigned irq;
	struct vq q[2];
	uint8_t *ring_mem[2];
};

#define U16(p)	(*(volatile uint16_t *)(p))
#define U32(p)	(*(volatile uint32_t *)(p))

static uint8_t ring_mem[4][RING_BYTES] __attribute__((aligned(4096)));
static struct vdev blk = { BLK_BASE, BLK_IRQ, .ring_mem = { ring_mem[0] } };
static struct vdev rodisk = { RO_BASE, RO_IRQ, .ring_mem = { ring_mem[1] } };
static struct vdev net = { NET_BASE, NET_IRQ, .ring_mem = { ring_mem[2], ring_mem[3] } };

static void dsb(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}

static void dmb(void)
{
	__asm__ volatile("dmb ish" : : : "memory");
}

static uint32_t rd(const struct vdev *d, uint32_t off)
{
	return gic_mmio_read32(d->base + off);
}

static void wr(const struct vdev *d, uint32_t off, uint32_t v)
{
	gic_mmio_write32(d->base + off, v);
}

static uint16_t rd16(const struct vdev *d, uint32_t off)
{
	uint32_t v;

	__asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(d->base + off) : "memory");
	return (uint16_t)v;
}

static void desc_fill(struct vring_desc *table, unsigned i, uint64_t addr, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	table[i] = (struct vring_desc){ addr, len, flags, next };
}

static void vq_desc(struct vq *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	desc_fill((struct vring_desc *)q->desc, i, addr, len, flags, next);
}

static void vq_set_avail_idx(struct vq *q, uint16_t idx)
{
	dmb();	/* descriptors and ring entries before the index that exposes them */
	U16(q->avail + 2) = idx;
}

static void vq_publish(struct vq *q, uint16_t head)
{
	U16(q->avail + 4 + 2u * (q->next_avail % q->num)) = head;
	q->next_avail++;
	vq_set_avail_idx(q, q->next_avail);
}

static void kick(struct vdev *d, unsigned qi)
{
	dsb();
	wr(d, R_QUEUE_NOTIFY, qi);
}

/* Takes the next used entry, waiting up to timeout_us for it. */
static bool vq_take_used(struct vq *q, uint32_t *id, uint32_t *len, uint64_t timeout_us)
{
	uint64_t start = rt_cntvct(), limit = timeout_us * rt_cntfrq() / 1000000;
	uint8_t *elem;

	while (U16(q->used + 2) == q->last_used) {
		if (rt_cntvct() - start >= limit)
			return false;
	}
	dmb();	/* the element is read after the index that published it */
	elem = q->used + 4 + 8u * (q->last_used % q->num);
	*id = U32(elem);
	*len = U32(elem + 4);
	q->last_used++;
	return true;
}

static uint32_t dev_negotiate(struct vdev *d, uint32_t lo, uint32_t hi)
{
	wr(d, R_STATUS, 0);
	wr(d, R_STATUS, S_ACK);
	wr(d, R_STATUS, S_ACK | S_DRIVER);
	wr(d, R_DRV_FEAT_SEL, 0);
	wr(d, R_DRV_FEAT, lo);
	wr(d, R_DRV_FEAT_SEL, 1);
	wr(d, R_DRV_FEAT, hi);
	wr(d, R_STATUS, S_NEGOTIATED);
	return rd(d, R_STATUS);
}

/* Programs queue qi with explicit values; returns QueueReady afterwards. */
static uint32_t dev_queue_raw(struct vdev *d, unsigned qi, uint32_t num, uint64_t desc,
			      uint64_t avail, uint64_t used)
{
	wr(d, R_QUEUE_SEL, qi);
	wr(d, R_QUEUE_NUM, num);
	wr(d, R_DESC_LO, (uint32_t)desc);
	wr(d, R_DESC_LO + 4, (uint32_t)(desc >> 32));
	wr(d, R_DRIVER_LO, (uint32_t)avail);
	wr(d, R_DRIVER_LO + 4, (uint32_t)(avail >> 32));
	wr(d, R_DEVICE_LO, (uint32_t)used);
	wr(d, R_DEVICE_LO + 4, (uint32_t)(used >> 32));
	wr(d, R_QUEUE_READY, 1);
	return rd(d, R_QUEUE_READY);
}

/* Fresh, zeroed rings for queue qi (the device restarts its indices at 0). */
static void vq_init(struct vdev *d, unsigned qi, uint16_t num)
{
	struct vq *q = &d->q[qi];

	memset(d->ring_mem[qi], 0, RING_BYTES);
	*q = (struct vq){ .num = num, .desc = d->ring_mem[qi], .avail = d->ring_mem[qi] + AVAIL_OFF,
			  .used = d->ring_mem[qi] + USED_OFF };
	dsb();
}

static bool dev_setup(struct vdev *d, uint32_t features, unsigned nqueues, uint16_t num)
{
	if (dev_negotiate(d, features, F_HI_VERSION_1) != S_NEGOTIATED)
		return false;
	for (unsigned qi = 0; qi < nqueues; qi++) {
		vq_init(d, qi, num);
		if (dev_queue_raw(d, qi, num, (uint64_t)d->q[qi].desc, (uint64_t)d->q[qi].avail,
				  (uint64_t)d->q[qi].used) != 1)
			return false;
	}
	wr(d, R_STATUS, S_RUNNING);
	return rd(d, R_STATUS) == S_RUNNING;
}

static bool line_pending(const struct vdev *d)
{
	return gic_is_pending(d->irq);
}

/* The IRQ handler's device part: reads InterruptStatus and acknowledges it
 * before the EOI, so the level line is low when the vGIC looks again. */
static struct vdev *volatile irq_dev;
static volatile uint32_t irq_isr_seen;
static volatile unsigned irq_dev_count;

static bool ack_device_irq(uint32_t iar)
{
	struct vdev *d = irq_dev;
	uint32_t isr;

	if (d && GIC_IAR_INTID(iar) == d->irq) {
		isr = rd(d, R_ISR);
		irq_isr_seen |= isr;
		irq_dev_count++;
		wr(d, R_ISR_ACK, isr);
	}
	return false;
}

static void route_irq_to(struct vdev *d)
{
	struct irq_log *log = irq_log_of(rt_cpu_id());

	irq_log_reset(log);
	irq_dev = d;
	irq_isr_seen = 0;
	irq_dev_count = 0;
	log->during = ack_device_irq;
	gic_disable_irq(d->irq);
	gic_clear_pending(d->irq);
	gic_set_priority(d->irq, 0xa0);
	gic_set_targets(d->irq, 0x01);
	gic_enable_irq(d->irq);
}

/* ------------------------------------------------------------ block */

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static struct blk_hdr blk_hdr __attribute__((aligned(16)));
static uint8_t blk_status[64] __attribute__((aligned(64)));	/* [0] is the status byte */
static uint8_t blk_data[32768] __attribute__((aligned(4096)));
static struct vring_desc itab[80] __attribute__((aligned(16)));
static struct vring_desc itab2[4] __attribute__((aligned(16)));
static uint8_t flush_status[QSIZE][16] __attribute__((aligned(16)));

#define HDR	((uint64_t)&blk_hdr)
#define STATUS	((uint64_t)blk_status)
#define DATA	((uint64_t)blk_data)

/* What the device did with one request. */
struct answer {
	bool used;
	uint32_t id, len;
	uint8_t status;		/* blk_status[0] afterwards */
	uint32_t dev_status, isr;
};

static uint8_t pattern_byte(uint64_t sector, unsigned off)
{
	return (uint8_t)(sector * 31 + off * 7 + (off >> 9));
}

static uint32_t fnv1a(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* fnv1a of the pattern of `count` sectors from `first`, as written to the disk. */
static uint32_t pattern_fnv(uint64_t first, unsigned count)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < count * 512; i++)
		h = (h ^ pattern_byte(first + i / 512, i % 512)) * 16777619u;
	return h;
}

static void blk_prep(uint32_t type, uint64_t sector)
{
	blk_hdr = (struct blk_hdr){ type, 0, sector };
	blk_status[0] = STATUS_UNTOUCHED;
}

/* Reads the device's answer; `ack` clears InterruptStatus afterwards. */
static void collect(struct vdev *d, unsigned qi, struct answer *a, bool ack)
{
	a->used = vq_take_used(&d->q[qi], &a->id, &a->len, USED_WAIT_US);
	a->status = *(volatile uint8_t *)blk_status;
	a->dev_status = rd(d, R_STATUS);
	a->isr = rd(d, R_ISR);
	if (ack)
		wr(d, R_ISR_ACK, a->isr);
}

/* header -> data (device-writable unless OUT) -> status, as descriptors 0..2. */
static void blk_submit(struct vdev *d, uint32_t type, uint64_t sector, const void *data,
		       uint32_t len)
{
	struct vq *q = &d->q[0];
	uint16_t data_flags = type == T_OUT ? DESC_NEXT : DESC_NEXT | DESC_WRITE;

	blk_prep(type, sector);
	vq_desc(q, 0, HDR, sizeof(blk_hdr), DESC_NEXT, 1);
	if (len) {
		vq_desc(q, 1, (uint64_t)data, len, data_flags, 2);
		vq_desc(q, 2, STATUS, 1, DESC_WRITE, 0);
	} else {
		vq_desc(q, 1, STATUS, 1, DESC_WRITE, 0);
	}
	vq_publish(q, 0);
	kick(d, 0);
}

static void blk_request(struct vdev *d, uint32_t type, uint64_t sector, const void *data,
			uint32_t len, struct answer *a)
{
	blk_submit(d, type, sector, data, len);
	collect(d, 0, a, true);
}

static bool answered(const struct answer *a, uint32_t len, uint8_t status)
{
	return a->used && a->id == 0 && a->len == len && a->status == status &&
	       !(a->dev_status & S_NEEDS_RESET);
}

static void check_answer(const char *name, const struct answer *a, uint32_t len, uint8_t status)
{
	rt_check(name, answered(a, len, status),
		 "want used len %u status %u; got used=%d id=%u len=%u status=0x%x Status=0x%x",
		 len, status, a->used, a->id, a->len, a->status, a->dev_status);
}

static bool blk_setup(void)
{
	return dev_setup(&blk, BLK_DRIVER, 1, QSIZE);
}

/* Good request after recovery: sector PATTERN_SECTOR + 2 reads back intact. */
static bool blk_read_pattern(const char **why)
{
	struct answer a;
	unsigned i;

	memset(blk_data, 0, 512);
	blk_request(&blk, T_IN, PATTERN_SECTOR + 2, blk_data, 512, &a);
	if (!answered(&a, 513, BLK_S_OK)) {
		*why = "read not answered OK";
		return false;
	}
	for (i = 0; i < 512 && blk_data[i] == pattern_byte(PATTERN_SECTOR + 2, i); i++)
		;
	*why = i == 512 ? "" : "data differs";
	return i == 512;
}

static void test_blk_identification(void)
{
	uint32_t gen;

	CHECK_EQ("blk_magic", MAGIC_VIRT, rd(&blk, R_MAGIC));
	CHECK_EQ("blk_version_2", 2, rd(&blk, R_VERSION));
	CHECK_EQ("blk_device_id", 2, rd(&blk, R_DEVICE_ID));
	CHECK_EQ("blk_vendor_hbry", VENDOR_HBRY, rd(&blk, R_VENDOR));
	wr(&blk, R_MAGIC, 0);
	wr(&blk, R_DEVICE_ID, 7);
	CHECK_TRUE("blk_id_registers_read_only",
		   rd(&blk, R_MAGIC) == MAGIC_VIRT && rd(&blk, R_DEVICE_ID) == 2);
	CHECK_EQ("blk_register_byte_read_zero", 0, gic_mmio_read8(BLK_BASE + R_MAGIC));
	wr(&blk, R_DEV_FEAT_SEL, 0);
	CHECK_EQ("blk_features_lo", BLK_FEATURES, rd(&blk, R_DEV_FEAT));
	wr(&blk, R_DEV_FEAT_SEL, 1);
	CHECK_EQ("blk_features_hi_version_1", F_HI_VERSION_1, rd(&blk, R_DEV_FEAT));
	wr(&blk, R_DEV_FEAT_SEL, 2);
	CHECK_EQ("blk_features_sel2_zero", 0, rd(&blk, R_DEV_FEAT));
	wr(&blk, R_QUEUE_SEL, 0);
	CHECK_EQ("blk_queue_num_max", BIG_QSIZE, rd(&blk, R_QUEUE_NUM_MAX));
	wr(&blk, R_QUEUE_SEL, 1);
	CHECK_EQ("blk_queue1_absent", 0, rd(&blk, R_QUEUE_NUM_MAX));
	wr(&blk, R_QUEUE_SEL, 0);

	gen = rd(&blk, R_CONFIG_GEN);
	CHECK_EQ("blk_config_capacity", BLK_SECTORS,
		 rd(&blk, R_CONFIG) | (uint64_t)rd(&blk, R_CONFIG + 4) << 32);
	CHECK_EQ("blk_config_seg_max", 62, rd(&blk, R_CONFIG + 12));
	CHECK_EQ("blk_config_blk_size", 512, rd(&blk, R_CONFIG + 20));
	CHECK_EQ("blk_config_blk_size_16bit", 512, rd16(&blk, R_CONFIG + 20));
	CHECK_EQ("blk_config_beyond_end_zero", 0, rd(&blk, R_CONFIG + 24));
	CHECK_EQ("blk_config_generation_stable", gen, rd(&blk, R_CONFIG_GEN));
}

static void test_blk_status_and_features(void)
{
	uint32_t st;

	wr(&blk, R_STATUS, 0);
	wr(&blk, R_STATUS, S_ACK);
	wr(&blk, R_STATUS, S_DRIVER);	/* bits accumulate */
	CHECK_EQ("status_bits_accumulate", S_ACK | S_DRIVER, rd(&blk, R_STATUS));
	wr(&blk, R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	CHECK_EQ("driver_ok_refused_before_features_ok", S_ACK | S_DRIVER, rd(&blk, R_STATUS));
	wr(&blk, R_STATUS, S_ACK | S_DRIVER | S_NEEDS_RESET);
	CHECK_EQ("driver_cannot_set_needs_reset", S_ACK | S_DRIVER, rd(&blk, R_STATUS));
	wr(&blk, R_QUEUE_SEL, 0);
	vq_init(&blk, 0, QSIZE);
	st = dev_queue_raw(&blk, 0, QSIZE, (uint64_t)blk.q[0].desc, (uint64_t)blk.q[0].avail,
			   (uint64_t)blk.q[0].used);
	rt_check("queue_ready_ignored_before_features_ok",
		 st == 0 && rd(&blk, R_STATUS) == (S_ACK | S_DRIVER),
		 "QueueReady %u, Status 0x%x", st, rd(&blk, R_STATUS));

	st = dev_negotiate(&blk, BLK_DRIVER, 0);
	CHECK_EQ("features_ok_refused_without_version_1", S_ACK | S_DRIVER, st);
	st = dev_negotiate(&blk, BLK_DRIVER | BIT(0), F_HI_VERSION_1);
	CHECK_EQ("features_ok_refused_unoffered_bit0", S_ACK | S_DRIVER, st);
	st = dev_negotiate(&blk, BLK_DRIVER, F_HI_VERSION_1 | BIT(1));
	CHECK_EQ("features_ok_refused_unoffered_bit33", S_ACK | S_DRIVER, st);
	st = dev_negotiate(&blk, F_BLK_RO, F_HI_VERSION_1);
	CHECK_EQ("features_ok_refused_ro_on_rw_disk", S_ACK | S_DRIVER, st);
	st = dev_negotiate(&blk, 0, F_HI_VERSION_1);
	CHECK_EQ("features_ok_accepted_version_1_only", S_NEGOTIATED, st);
	st = dev_negotiate(&blk, BLK_FEATURES, F_HI_VERSION_1);
	CHECK_EQ("features_ok_accepted_all_offered", S_NEGOTIATED, st);

	CHECK_TRUE("setup_driver_ok", blk_setup());
	wr(&blk, R_STATUS, 0);
	wr(&blk, R_QUEUE_SEL, 0);
	rt_check("status_reset",
		 rd(&blk, R_STATUS) == 0 && rd(&blk, R_QUEUE_READY) == 0 && rd(&blk, R_ISR) == 0,
		 "Status 0x%x QueueReady %u ISR 0x%x", rd(&blk, R_STATUS),
		 rd(&blk, R_QUEUE_READY), rd(&blk, R_ISR));
}

static void test_blk_io(void)
{
	const uint32_t bytes = 8 * 512;
	struct answer a;
	uint32_t want;
	unsigned i, ok;
	char id[24];

	if (!blk_setup())
		rt_abort("virtio-blk set-up failed");
	for (i = 0; i < bytes; i++)
		blk_data[i] = pattern_byte(PATTERN_SECTOR + i / 512, i % 512);
	want = pattern_fnv(PATTERN_SECTOR, 8);
	blk_request(&blk, T_OUT, PATTERN_SECTOR, blk_data, bytes, &a);
	check_answer("write_8_sectors", &a, 1, BLK_S_OK);
	rt_check("write_used_interrupt", a.isr == ISR_USED, "ISR 0x%x", a.isr);
	memset(blk_data, 0, bytes);
	blk_request(&blk, T_IN, PATTERN_SECTOR, blk_data, bytes, &a);
	check_answer("read_8_sectors", &a, bytes + 1, BLK_S_OK);
	rt_check("read_back_checksum", fnv1a(blk_data, bytes) == want, "fnv 0x%x, want 0x%x",
		 fnv1a(blk_data, bytes), want);

	/* Framing is the driver's choice: data split over three buffers, the
	 * status byte at the end of the last one. */
	memset(blk_data, 0, bytes + 1);
	blk_prep(T_IN, PATTERN_SECTOR);
	vq_desc(&blk.q[0], 3, HDR, 16, DESC_NEXT, 5);
	vq_desc(&blk.q[0], 5, DATA, 1000, DESC_NEXT | DESC_WRITE, 6);
	vq_desc(&blk.q[0], 6, DATA + 1000, 2000, DESC_NEXT | DESC_WRITE, 7);
	vq_desc(&blk.q[0], 7, DATA + 3000, bytes - 3000 + 1, DESC_WRITE, 0);
	vq_publish(&blk.q[0], 3);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	rt_check("read_split_buffers", a.used && a.id == 3 && a.len == bytes + 1 &&
		 blk_data[bytes] == BLK_S_OK && fnv1a(blk_data, bytes) == want,
		 "used=%d id=%u len=%u status 0x%x fnv 0x%x", a.used, a.id, a.len, blk_data[bytes],
		 fnv1a(blk_data, bytes));

	/* Exactly a queue's worth of buffers through an indirect table. */
	memset(blk_data, 0, bytes);
	blk_prep(T_IN, PATTERN_SECTOR);
	desc_fill(itab, 0, HDR, 16, DESC_NEXT, 1);
	for (i = 1; i <= 6; i++)
		desc_fill(itab, i, DATA + (i - 1) * 512, 512, DESC_NEXT | DESC_WRITE, (uint16_t)(i + 1));
	desc_fill(itab, 7, STATUS, 1, DESC_WRITE, 0);
	vq_desc(&blk.q[0], 4, (uint64_t)itab, 8 * 16, DESC_INDIRECT, 0);
	vq_publish(&blk.q[0], 4);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	rt_check("indirect_queue_size_chain", a.used && a.id == 4 && a.len == 6 * 512 + 1 &&
		 a.status == BLK_S_OK && fnv1a(blk_data, 6 * 512) == pattern_fnv(PATTERN_SECTOR, 6),
		 "used=%d id=%u len=%u status 0x%x", a.used, a.id, a.len, a.status);

	memset(id, 0x55, sizeof(id));
	blk_request(&blk, T_GET_ID, 0, id, 20, &a);
	check_answer("get_id_answer", &a, 21, BLK_S_OK);
	rt_check("get_id_string", memcmp(id, BLK_ID, sizeof(BLK_ID)) == 0 && id[19] == 0 &&
		 (uint8_t)id[20] == 0x55, "got '%.20s'", id);
	blk_request(&blk, T_FLUSH, 0, NULL, 0, &a);
	check_answer("flush", &a, 1, BLK_S_OK);
	blk_request(&blk, T_DISCARD, 0, blk_data, 16, &a);
	check_answer("unsupported_type_unsupp", &a, 1, BLK_S_UNSUPP);
	blk_request(&blk, 0x7fffffffu, 0, blk_data, 512, &a);
	check_answer("unknown_type_unsupp", &a, 1, BLK_S_UNSUPP);

	blk_request(&blk, T_IN, BLK_SECTORS - 1, blk_data, 512, &a);
	check_answer("read_last_sector", &a, 513, BLK_S_OK);
	blk_request(&blk, T_IN, BLK_SECTORS, blk_data, 512, &a);
	check_answer("read_past_end_ioerr", &a, 1, BLK_S_IOERR);
	blk_request(&blk, T_IN, BLK_SECTORS - 1, blk_data, 1024, &a);
	check_answer("read_straddling_end_ioerr", &a, 1, BLK_S_IOERR);
	blk_request(&blk, T_IN, 1ull << 63, blk_data, 512, &a);
	check_answer("read_huge_sector_ioerr", &a, 1, BLK_S_IOERR);
	blk_request(&blk, T_OUT, ~0ull, blk_data, 512, &a);
	check_answer("write_sector_max_ioerr", &a, 1, BLK_S_IOERR);
	blk_request(&blk, T_IN, 0, blk_data, 100, &a);
	check_answer("read_partial_sector_ioerr", &a, 1, BLK_S_IOERR);

	/* A header shorter than 16 bytes. */
	blk_prep(T_IN, 0);
	vq_desc(&blk.q[0], 0, HDR, 8, DESC_NEXT, 1);
	vq_desc(&blk.q[0], 1, STATUS, 1, DESC_WRITE, 0);
	vq_publish(&blk.q[0], 0);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	check_answer("short_header_ioerr", &a, 1, BLK_S_IOERR);

	/* No device-writable buffer: nowhere to put a status, so the chain
	 * comes back empty and the device keeps going. */
	blk_prep(T_IN, 0);
	vq_desc(&blk.q[0], 0, HDR, 16, 0, 0);
	vq_publish(&blk.q[0], 0);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	rt_check("no_status_buffer_returned_empty",
		 a.used && a.id == 0 && a.len == 0 && !(a.dev_status & S_NEEDS_RESET),
		 "used=%d id=%u len=%u Status 0x%x", a.used, a.id, a.len, a.dev_status);

	/* A full ring at once: QSIZE flushes, each an indirect table. */
	for (i = 0; i < QSIZE; i++) {
		flush_status[i][0] = STATUS_UNTOUCHED;
		desc_fill(itab, 2 * i, HDR, 16, DESC_NEXT, 1);
		desc_fill(itab, 2 * i + 1, (uint64_t)flush_status[i], 1, DESC_WRITE, 0);
		vq_desc(&blk.q[0], i, (uint64_t)&itab[2 * i], 32, DESC_INDIRECT, 0);
		U16(blk.q[0].avail + 4 + 2u * ((blk.q[0].next_avail + i) % QSIZE)) = (uint16_t)i;
	}
	blk_prep(T_FLUSH, 0);
	blk.q[0].next_avail += QSIZE;
	vq_set_avail_idx(&blk.q[0], blk.q[0].next_avail);
	kick(&blk, 0);
	for (i = 0, ok = 0; i < QSIZE; i++) {
		uint32_t id32, len;

		if (vq_take_used(&blk.q[0], &id32, &len, USED_WAIT_US) && id32 == i && len == 1 &&
		    flush_status[i][0] == BLK_S_OK)
			ok++;
	}
	rt_check("full_ring_of_requests", ok == QSIZE && !(rd(&blk, R_STATUS) & S_NEEDS_RESET),
		 "%u of %u answered OK, Status 0x%x", ok, QSIZE, rd(&blk, R_STATUS));
	wr(&blk, R_ISR_ACK, rd(&blk, R_ISR));
}

/* The largest request seg_max allows: header, 62 data buffers, status. */
static void test_blk_seg_max(void)
{
	struct answer a;
	bool setup = dev_setup(&blk, BLK_DRIVER, 1, BIG_QSIZE);

	memset(blk_data, 0, 62 * 512);
	blk_prep(T_IN, 0);
	desc_fill(itab, 0, HDR, 16, DESC_NEXT, 1);
	for (unsigned i = 1; i <= 62; i++)
		desc_fill(itab, i, DATA + (i - 1) * 512, 512, DESC_NEXT | DESC_WRITE, (uint16_t)(i + 1));
	desc_fill(itab, 63, STATUS, 1, DESC_WRITE, 0);
	vq_desc(&blk.q[0], 0, (uint64_t)itab, 64 * 16, DESC_INDIRECT, 0);
	vq_publish(&blk.q[0], 0);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	rt_check("seg_max_segments_ok", setup && answered(&a, 62 * 512 + 1, BLK_S_OK) &&
		 fnv1a(blk_data + PATTERN_SECTOR * 512, 8 * 512) == pattern_fnv(PATTERN_SECTOR, 8),
		 "set-up %d used=%d len=%u status 0x%x", setup, a.used, a.len, a.status);
	kick(&blk, 5);
	CHECK_EQ("notify_absent_queue_ignored", S_RUNNING, rd(&blk, R_STATUS));
}

static bool irq_wait_device(unsigned n)
{
	return irq_log_wait(irq_log_of(0), n, 500000);
}

static void test_blk_interrupts(void)
{
	struct irq_log *log = irq_log_of(0);
	struct answer a;
	bool pending, quiet;

	gic_dist_enable();
	gic_cpu_enable(false);
	irq_log_install();
	route_irq_to(&blk);
	if (!blk_setup())
		rt_abort("virtio-blk set-up failed");

	/* PSTATE.I set: the line is only observed. */
	blk_submit(&blk, T_IN, PATTERN_SECTOR, blk_data, 512);
	collect(&blk, 0, &a, false);
	pending = line_pending(&blk);
	rt_check("irq_line_raised_by_used_buffer", a.used && a.isr == ISR_USED && pending,
		 "used=%d ISR 0x%x pending %d", a.used, a.isr, pending);
	wr(&blk, R_ISR_ACK, ISR_USED);
	rt_check("interrupt_ack_clears_line", rd(&blk, R_ISR) == 0 && !line_pending(&blk),
		 "ISR 0x%x pending %d", rd(&blk, R_ISR), line_pending(&blk));
	CHECK_TRUE("no_irq_after_ack", irq_log_quiet(log, 2000));

	/* Taken through the vGIC; the handler acknowledges before its EOI. */
	route_irq_to(&blk);
	blk_submit(&blk, T_IN, PATTERN_SECTOR, blk_data, 512);
	rt_check("irq_taken_for_used_buffer", irq_wait_device(1) && irq_log_took(log, BLK_IRQ, 0) &&
		 irq_isr_seen == ISR_USED, "taken %s, ISR seen 0x%x", irq_log_str(log), irq_isr_seen);
	quiet = irq_log_quiet(log, 5000);
	rt_check("irq_once_per_ack", quiet && log->count == 1 && !line_pending(&blk),
		 "taken %s, pending %d", irq_log_str(log), line_pending(&blk));
	collect(&blk, 0, &a, true);
	CHECK_TRUE("irq_request_answered", answered(&a, 513, BLK_S_OK));

	/* VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the used-buffer interrupt. */
	U16(blk.q[0].avail) = 1;
	blk_submit(&blk, T_IN, PATTERN_SECTOR, blk_data, 512);
	collect(&blk, 0, &a, false);
	rt_check("no_interrupt_flag_suppresses", a.used && a.isr == 0 && !line_pending(&blk),
		 "used=%d ISR 0x%x pending %d", a.used, a.isr, line_pending(&blk));
	U16(blk.q[0].avail) = 0;

	/* DEVICE_NEEDS_RESET interrupts a running driver (config change). */
	route_irq_to(&blk);
	blk_prep(T_IN, 0);
	vq_desc(&blk.q[0], 0, HDR, 16, DESC_NEXT, 0);
	vq_publish(&blk.q[0], 0);
	kick(&blk, 0);
	rt_check("irq_taken_for_needs_reset", irq_wait_device(1) &&
		 irq_isr_seen == (ISR_USED | ISR_CONFIG) && (rd(&blk, R_STATUS) & S_NEEDS_RESET),
		 "taken %s, ISR seen 0x%x, Status 0x%x", irq_log_str(log), irq_isr_seen,
		 rd(&blk, R_STATUS));

	/* A reset drops the line even with InterruptStatus unacknowledged. */
	blk_setup();
	vq_desc(&blk.q[0], 0, HDR, 16, DESC_NEXT, 0);
	vq_publish(&blk.q[0], 0);
	kick(&blk, 0);
	pending = line_pending(&blk);
	wr(&blk, R_STATUS, 0);
	rt_check("reset_drops_line", pending && rd(&blk, R_ISR) == 0 && !line_pending(&blk),
		 "pending before %d, ISR after 0x%x, pending after %d", pending, rd(&blk, R_ISR),
		 line_pending(&blk));
	gic_disable_irq(BLK_IRQ);
	irq_dev = NULL;
	irq_log_reset(log);
}

static void test_blk_event_idx(void)
{
	struct vq *q = &blk.q[0];
	struct answer a;
	bool setup = dev_setup(&blk, BLK_DRIVER | F_EVENT_IDX, 1, QSIZE);

	U16(q->avail + 4 + 2 * QSIZE) = 5;	/* used_event: not before the 6th */
	blk_submit(&blk, T_IN, PATTERN_SECTOR, blk_data, 512);
	collect(&blk, 0, &a, false);
	rt_check("event_idx_suppresses", setup && answered(&a, 513, BLK_S_OK) && a.isr == 0,
		 "set-up %d used=%d ISR 0x%x", setup, a.used, a.isr);
	U16(q->avail + 4 + 2 * QSIZE) = 1;	/* the 2nd used entry */
	blk_submit(&blk, T_IN, PATTERN_SECTOR, blk_data, 512);
	collect(&blk, 0, &a, true);
	rt_check("event_idx_notifies_at_used_event", answered(&a, 513, BLK_S_OK) &&
		 a.isr == ISR_USED, "used=%d ISR 0x%x", a.used, a.isr);
	CHECK_EQ("event_idx_avail_event", 2, U16(q->used + 4 + 8 * QSIZE));
	wr(&blk, R_STATUS, 0);
}

static void test_blk_read_only(void)
{
	struct answer a;
	bool zero = true;
	char id[24];

	CHECK_EQ("ro_device_id", 2, rd(&rodisk, R_DEVICE_ID));
	wr(&rodisk, R_DEV_FEAT_SEL, 0);
	CHECK_EQ("ro_features_lo_has_ro", BLK_FEATURES | F_BLK_RO, rd(&rodisk, R_DEV_FEAT));
	CHECK_EQ("ro_config_capacity", RO_SECTORS,
		 rd(&rodisk, R_CONFIG) | (uint64_t)rd(&rodisk, R_CONFIG + 4) << 32);
	if (!dev_setup(&rodisk, BLK_DRIVER | F_BLK_RO, 1, QSIZE))
		rt_abort("read-only virtio-blk set-up failed");
	memset(blk_data, 0xaa, 1024);
	blk_request(&rodisk, T_IN, 0, blk_data, 1024, &a);
	check_answer("ro_read", &a, 1025, BLK_S_OK);
	for (unsigned i = 0; i < 1024; i++)
		zero &= blk_data[i] == 0;
	CHECK_TRUE("ro_read_zeroed_disk", zero);
	memset(blk_data, 0x77, 512);
	blk_request(&rodisk, T_OUT, 1, blk_data, 512, &a);
	check_answer("ro_write_ioerr", &a, 1, BLK_S_IOERR);
	blk_request(&rodisk, T_IN, 1, blk_data, 512, &a);
	CHECK_TRUE("ro_write_not_stored", answered(&a, 513, BLK_S_OK) && blk_data[0] == 0 &&
		   blk_data[511] == 0);
	blk_request(&rodisk, T_FLUSH, 0, NULL, 0, &a);
	check_answer("ro_flush", &a, 1, BLK_S_OK);
	blk_request(&rodisk, T_IN, RO_SECTORS, blk_data, 512, &a);
	check_answer("ro_read_past_end_ioerr", &a, 1, BLK_S_IOERR);
	memset(id, 0, sizeof(id));
	blk_request(&rodisk, T_GET_ID, 0, id, 20, &a);
	rt_check("ro_get_id", answered(&a, 21, BLK_S_OK) && memcmp(id, RO_ID, sizeof(RO_ID)) == 0,
		 "got '%.20s'", id);
	wr(&rodisk, R_STATUS, 0);
}

/* ------------------------------------------------- malformed requests */

/*
 * What the device answers (vdev/virtio/virtio_blk.c handle_error):
 * - a buffer error with a writable status byte: IOERR there, the chain
 *   used with length 1, the device keeps going (used-buffer interrupt);
 * - a broken chain (or no writable status): the chain used empty, then
 *   DEVICE_NEEDS_RESET (used-buffer and config interrupt);
 * - a broken ring: nothing used, DEVICE_NEEDS_RESET (config interrupt).
 */
enum answer_class { ANS_IOERR, ANS_RESET_HEAD, ANS_RESET_RING };

static const char *const class_text[] = {
	"used len 1, IOERR, ISR 1",
	"used len 0, status untouched, NEEDS_RESET, ISR 3",
	"nothing used, NEEDS_RESET, ISR 2",
};

static bool answer_is(const struct answer *a, enum answer_class c, uint16_t head)
{
	switch (c) {
	case ANS_IOERR:
		return a->used && a->id == head && a->len == 1 && a->status == BLK_S_IOERR &&
		       !(a->dev_status & S_NEEDS_RESET) && a->isr == ISR_USED;
	case ANS_RESET_HEAD:
		return a->used && a->id == head && a->len == 0 && a->status == STATUS_UNTOUCHED &&
		       (a->dev_status & S_NEEDS_RESET) && a->isr == (ISR_USED | ISR_CONFIG);
	default:
		return !a->used && (a->dev_status & S_NEEDS_RESET) && a->isr == ISR_CONFIG;
	}
}

/* Reset, set up again, read the pattern back. After a buffer error the
 * queue must also still work without the reset. */
static void check_recovered(const char *case_name, bool without_reset)
{
	const char *why = "";
	char name[64];
	bool ok = true;

	if (without_reset && !blk_read_pattern(&why))
		ok = false;
	else if (!blk_setup())
		ok = false, why = "set-up after reset failed";
	else
		ok = blk_read_pattern(&why);
	fmt_snprintf(name, sizeof(name), "%s_recovered", case_name);
	rt_check(name, ok, "%s%s", why, without_reset ? " (queue used on without reset)" : "");
}

/* header -> data -> status as descriptors 0..2, published. */
static uint16_t chain3(struct vq *q, uint32_t type, uint64_t data, uint32_t len,
		       uint16_t data_flags, uint64_t status, uint16_t status_flags)
{
	blk_prep(type, PATTERN_SECTOR + 2);
	vq_desc(q, 0, HDR, 16, DESC_NEXT, 1);
	vq_desc(q, 1, data, len, data_flags | DESC_NEXT, 2);
	vq_desc(q, 2, status, 1, status_flags, 0);
	vq_publish(q, 0);
	return 0;
}

static uint16_t good_read(struct vq *q)
{
	return chain3(q, T_IN, DATA, 512, DESC_WRITE, STATUS, DESC_WRITE);
}

/* itab: header, n device-writable sectors, status; returns its size in bytes. */
static uint32_t itab_read(unsigned n)
{
	desc_fill(itab, 0, HDR, 16, DESC_NEXT, 1);
	for (unsigned i = 1; i <= n; i++)
		desc_fill(itab, i, DATA + (i - 1) % 16 * 512, 512, DESC_NEXT | DESC_WRITE,
			  (uint16_t)(i + 1));
	desc_fill(itab, n + 1, STATUS, 1, DESC_WRITE, 0);
	return (n + 2) * 16;
}

static uint16_t indirect_head(struct vq *q, uint64_t table, uint32_t len, uint16_t flags)
{
	blk_prep(T_IN, PATTERN_SECTOR + 2);
	vq_desc(q, 0, table, len, DESC_INDIRECT | flags, 1);
	vq_desc(q, 1, STATUS, 1, DESC_WRITE, 0);
	vq_publish(q, 0);
	return 0;
}

static uint16_t build_loop_back(struct vq *q)
{
	good_read(q);
	vq_desc(q, 2, STATUS, 1, DESC_WRITE | DESC_NEXT, 0);	/* the last points at the head */
	return 0;
}

static uint16_t build_self_loop(struct vq *q)
{
	blk_prep(T_IN, 0);
	vq_desc(q, 0, HDR, 16, DESC_NEXT, 0);
	vq_publish(q, 0);
	return 0;
}

static uint16_t build_next_out_of_range(struct vq *q)
{
	good_read(q);
	vq_desc(q, 1, DATA, 512, DESC_NEXT | DESC_WRITE, QSIZE);
	return 0;
}

static uint16_t build_next_ffff(struct vq *q)
{
	good_read(q);
	vq_desc(q, 0, HDR, 16, DESC_NEXT, 0xffff);
	return 0;
}

static uint16_t build_longer_than_queue(struct vq *q)
{
	return indirect_head(q, (uint64_t)itab, itab_read(QSIZE), 0);	/* QSIZE + 2 buffers */
}

static uint16_t build_indirect_bad_len(struct vq *q)
{
	itab_read(1);
	return indirect_head(q, (uint64_t)itab, 40, 0);
}

static uint16_t build_indirect_len_zero(struct vq *q)
{
	itab_read(1);
	return indirect_head(q, (uint64_t)itab, 0, 0);
}

static uint16_t build_indirect_nested(struct vq *q)
{
	itab_read(1);
	itab2[0] = (struct vring_desc){ (uint64_t)itab, 48, DESC_INDIRECT, 0 };
	return indirect_head(q, (uint64_t)itab2, 16, 0);
}

static uint16_t build_indirect_with_next(struct vq *q)
{
	return indirect_head(q, (uint64_t)itab, itab_read(1), DESC_NEXT);
}

static uint16_t build_indirect_outside_ram(struct vq *q)
{
	return indirect_head(q, VM_RAM_END + 0x1000, 48, 0);
}

static uint16_t build_indirect_loop(struct vq *q)
{
	itab_read(1);
	itab[1].next = 0;	/* data -> header again */
	return indirect_head(q, (uint64_t)itab, 48, 0);
}

static uint16_t build_indirect_next_outside_table(struct vq *q)
{
	itab_read(1);	/* three entries, but the table is said to hold two */
	return indirect_head(q, (uint64_t)itab, 32, 0);
}

static uint16_t build_indirect_good(struct vq *q)
{
	return indirect_head(q, (uint64_t)itab, itab_read(1), 0);
}

static uint16_t build_status_outside_ram(struct vq *q)
{
	return chain3(q, T_IN, DATA, 512, DESC_WRITE, VM_RAM_END + 0x100, DESC_WRITE);
}

static uint16_t build_status_readable(struct vq *q)
{
	return chain3(q, T_IN, DATA, 512, DESC_WRITE, STATUS, 0);
}

static uint16_t build_buffer_beyond_ram(struct vq *q)
{
	return chain3(q, T_IN, VM_RAM_END + 0x10000, 512, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_buffer_straddles_ram_end(struct vq *q)
{
	return chain3(q, T_IN, VM_RAM_END - 256, 512, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_buffer_below_ram(struct vq *q)
{
	return chain3(q, T_IN, 0x1000, 512, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_buffer_on_device_window(struct vq *q)
{
	return chain3(q, T_IN, BLK_BASE, 512, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_buffer_wraps(struct vq *q)
{
	return chain3(q, T_IN, 0xfffffffffffffe00ull, 0x400, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_buffer_zero_length(struct vq *q)
{
	return chain3(q, T_IN, DATA, 0, DESC_WRITE, STATUS, DESC_WRITE);
}

static uint16_t build_readable_after_writable(struct vq *q)
{
	blk_prep(T_IN, PATTERN_SECTOR + 2);
	vq_desc(q, 0, HDR, 16, DESC_NEXT, 1);
	vq_desc(q, 1, DATA, 512, DESC_NEXT | DESC_WRITE, 2);
	vq_desc(q, 2, DATA + 512, 16, DESC_NEXT, 3);
	vq_desc(q, 3, STATUS, 1, DESC_WRITE, 0);
	vq_publish(q, 0);
	return 0;
}

/* A write whose second buffer is outside RAM must not write the first. */
static uint16_t build_write_buffer_beyond_ram(struct vq *q)
{
	memset(blk_data, 0xee, 512);
	blk_prep(T_OUT, PATTERN_SECTOR + 2);
	vq_desc(q, 0, HDR, 16, DESC_NEXT, 1);
	vq_desc(q, 1, DATA, 512, DESC_NEXT, 2);
	vq_desc(q, 2, VM_RAM_END + 0x10000, 512, DESC_NEXT, 3);
	vq_desc(q, 3, STATUS, 1, DESC_WRITE, 0);
	vq_publish(q, 0);
	return 0;
}

static uint16_t build_too_many_segments(struct vq *q)
{
	return indirect_head(q, (uint64_t)itab, itab_read(64), 0);	/* 66 buffers */
}

static uint16_t build_avail_idx_ahead(struct vq *q)
{
	good_read(q);
	vq_set_avail_idx(q, QSIZE + 1);
	return 0;
}

static uint16_t build_avail_idx_backwards(struct vq *q)
{
	good_read(q);
	vq_set_avail_idx(q, 0xffff);
	return 0;
}

static uint16_t build_head_out_of_range(struct vq *q)
{
	good_read(q);
	U16(q->avail + 4) = QSIZE;
	return 0;
}

static uint16_t build_head_ffff(struct vq *q)
{
	good_read(q);
	U16(q->avail + 4) = 0xffff;
	return 0;
}

struct bad_case {
	const char *name;
	enum answer_class expect;
	uint16_t (*build)(struct vq *q);	/* writes and publishes; returns the head */
	uint32_t features;			/* 0: BLK_DRIVER */
	uint16_t qsize;				/* 0: QSIZE */
};

static const struct bad_case bad_cases[] = {
	{ "bad_desc_loop_back", ANS_RESET_HEAD, build_loop_back, 0, 0 },
	{ "bad_desc_self_loop", ANS_RESET_HEAD, build_self_loop, 0, 0 },
	{ "bad_next_out_of_range", ANS_RESET_HEAD, build_next_out_of_range, 0, 0 },
	{ "bad_next_0xffff", ANS_RESET_HEAD, build_next_ffff, 0, 0 },
	{ "bad_chain_longer_than_queue", ANS_RESET_HEAD, build_longer_than_queue, 0, 0 },
	{ "bad_indirect_len_not_16x", ANS_RESET_HEAD, build_indirect_bad_len, 0, 0 },
	{ "bad_indirect_len_zero", ANS_RESET_HEAD, build_indirect_len_zero, 0, 0 },
	{ "bad_indirect_nested", ANS_RESET_HEAD, build_indirect_nested, 0, 0 },
	{ "bad_indirect_with_next", ANS_RESET_HEAD, build_indirect_with_next, 0, 0 },
	{ "bad_indirect_table_outside_ram", ANS_RESET_HEAD, build_indirect_outside_ram, 0, 0 },
	{ "bad_indirect_loop", ANS_RESET_HEAD, build_indirect_loop, 0, 0 },
	{ "bad_indirect_next_outside_table", ANS_RESET_HEAD, build_indirect_next_outside_table, 0, 0 },
	{ "bad_indirect_not_negotiated", ANS_RESET_HEAD, build_indirect_good,
	  BLK_DRIVER & ~F_INDIRECT, 0 },
	{ "bad_status_outside_ram", ANS_RESET_HEAD, build_status_outside_ram, 0, 0 },
	{ "bad_status_device_readable", ANS_RESET_HEAD, build_status_readable, 0, 0 },
	{ "bad_buffer_beyond_ram", ANS_IOERR, build_buffer_beyond_ram, 0, 0 },
	{ "bad_buffer_straddles_ram_end", ANS_IOERR, build_buffer_straddles_ram_end, 0, 0 },
	{ "bad_buffer_below_ram", ANS_IOERR, build_buffer_below_ram, 0, 0 },
	{ "bad_buffer_on_device_window", ANS_IOERR, build_buffer_on_device_window, 0, 0 },
	{ "bad_buffer_wraps_address_space", ANS_IOERR, build_buffer_wraps, 0, 0 },
	{ "bad_buffer_zero_length", ANS_IOERR, build_buffer_zero_length, 0, 0 },
	{ "bad_readable_after_writable", ANS_IOERR, build_readable_after_writable, 0, 0 },
	{ "bad_write_buffer_beyond_ram", ANS_IOERR, build_write_buffer_beyond_ram, 0, 0 },
	{ "bad_too_many_segments", ANS_IOERR, build_too_many_segments, 0, BIG_QSIZE },
	{ "bad_avail_idx_ahead", ANS_RESET_RING, build_avail_idx_ahead, 0, 0 },
	{ "bad_avail_idx_backwards", ANS_RESET_RING, build_avail_idx_backwards, 0, 0 },
	{ "bad_head_out_of_range", ANS_RESET_RING, build_head_out_of_range, 0, 0 },
	{ "bad_head_0xffff", ANS_RESET_RING, build_head_ffff, 0, 0 },
};

/* The last 256 bytes of RAM, next to where the straddling buffer starts. */
#define RAM_TAIL	((volatile uint8_t *)(VM_RAM_END - 256))

static void run_bad_case(const struct bad_case *c)
{
	bool setup, tail_ok = true;
	struct answer a;
	uint16_t head;

	setup = dev_setup(&blk, c->features ? c->features : BLK_DRIVER, 1,
			  c->qsize ? c->qsize : QSIZE);
	for (unsigned i = 0; i < 256; i++)
		RAM_TAIL[i] = 0x5a;
	head = c->build(&blk.q[0]);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	for (unsigned i = 0; i < 256; i++)
		tail_ok &= RAM_TAIL[i] == 0x5a;
	rt_check(c->name, setup && tail_ok && answer_is(&a, c->expect, head),
		 "want %s; got used=%d id=%u len=%u status=0x%x Status=0x%x ISR=0x%x%s%s",
		 class_text[c->expect], a.used, a.id, a.len, a.status, a.dev_status, a.isr,
		 setup ? "" : ", set-up failed", tail_ok ? "" : ", RAM tail overwritten");
	check_recovered(c->name, c->expect == ANS_IOERR);
}

/* After a ring error the queue stays dead until the driver resets it. */
static void test_broken_queue_stays_dead(void)
{
	struct answer a;

	blk_setup();
	build_head_out_of_range(&blk.q[0]);
	kick(&blk, 0);
	wr(&blk, R_ISR_ACK, ISR_CONFIG | ISR_USED);
	chain3(&blk.q[0], T_IN, DATA, 512, DESC_WRITE, STATUS, DESC_WRITE);
	kick(&blk, 0);
	collect(&blk, 0, &a, true);
	rt_check("needs_reset_ignores_notify", !a.used && (a.dev_status & S_NEEDS_RESET) &&
		 a.status == STATUS_UNTOUCHED, "used=%d status 0x%x Status 0x%x", a.used, a.status,
		 a.dev_status);
	wr(&blk, R_STATUS, a.dev_status | S_DRIVER_OK);
	CHECK_TRUE("needs_reset_kept_by_driver_write", rd(&blk, R_STATUS) & S_NEEDS_RESET);
	check_recovered("needs_reset_ignores_notify", false);
}

/* Rings placed badly at QueueReady: QueueReady stays 0 and the device asks
 * for a reset (no interrupt yet: DRIVER_OK is not set). */
struct layout_case {
	const char *name;
	uint32_t num;
	unsigned area;		/* 0 descriptors, 1 available ring, 2 used ring */
	bool absolute;		/* addr is an IPA; else a shift from the good place */
	int64_t addr;
};

static const struct layout_case layout_cases[] = {
	{ "ring_desc_beyond_ram", QSIZE, 0, true, (int64_t)VM_RAM_END },
	{ "ring_used_straddles_ram_end", QSIZE, 2, true, (int64_t)VM_RAM_END - 32 },
	{ "ring_avail_below_ram", QSIZE, 1, true, 0x1000 },
	{ "ring_desc_on_device_window", QSIZE, 0, true, (int64_t)BLK_BASE },
	{ "ring_desc_misaligned", QSIZE, 0, false, 8 },
	{ "ring_avail_misaligned", QSIZE, 1, false, 1 },
	{ "ring_used_misaligned", QSIZE, 2, false, 2 },
	{ "ring_areas_overlap", QSIZE, 2, false, -(int64_t)USED_OFF },
	{ "ring_size_not_power_of_two", 6, 0, false, 0 },
	{ "ring_size_above_max", 2 * BIG_QSIZE, 0, false, 0 },
	{ "ring_size_zero", 0, 0, false, 0 },
};

static void run_layout_case(const struct layout_case *c)
{
	bool negotiated = dev_negotiate(&blk, BLK_DRIVER, F_HI_VERSION_1) == S_NEGOTIATED;
	uint64_t at[3];
	uint32_t ready, st, isr;

	vq_init(&blk, 0, QSIZE);
	at[0] = (uint64_t)blk.q[0].desc;
	at[1] = (uint64_t)blk.q[0].avail;
	at[2] = (uint64_t)blk.q[0].used;
	at[c->area] = c->absolute ? (uint64_t)c->addr : at[c->area] + (uint64_t)c->addr;
	ready = dev_queue_raw(&blk, 0, c->num, at[0], at[1], at[2]);
	st = rd(&blk, R_STATUS);
	isr = rd(&blk, R_ISR);
	rt_check(c->name, negotiated && ready == 0 && st == (S_NEGOTIATED | S_NEEDS_RESET) &&
		 isr == 0, "want QueueReady 0, Status 0x%x, ISR 0; got %u, 0x%x, 0x%x",
		 S_NEGOTIATED | S_NEEDS_RESET, ready, st, isr);
	check_recovered(c->name, false);
}

static void test_blk_malformed(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++)
		run_bad_case(&bad_cases[i]);
	test_broken_queue_stays_dead();
	for (unsigned i = 0; i < ARRAY_SIZE(layout_cases); i++)
		run_layout_case(&layout_cases[i]);
	wr(&blk, R_STATUS, 0);
}

/* ------------------------------------------------------------ network */

#define RXQ		0
#define TXQ		1
#define NET_HDR		12	/* virtio_net_hdr with num_buffers */
#define FRAME_MAX	1518u
#define RX_BUF		1536u
#define RX_SLOTS	QSIZE
#define TX_SLOTS	(QSIZE / 2)
#define STRICT_SEQ	1000u	/* pings below this are the connect phase's */

static uint8_t rx_buf[RX_SLOTS][RX_BUF] __attribute__((aligned(64)));
static uint8_t tx_buf[TX_SLOTS][NET_HDR + 2048] __attribute__((aligned(64)));
static unsigned rx_slot, rx_outstanding, tx_slot;

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void frame_build(uint8_t *f, const uint8_t *dst, const uint8_t *src, const char *tag,
			uint32_t seq, uint32_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;	/* EtherType 0x88b5, for local experiments */
	f[13] = 0xb5;
	memcpy(f + 14, tag, 6);
	for (unsigned i = 0; i < 4; i++)
		f[20 + i] = (uint8_t)(seq >> (8 * i));
	for (uint32_t i = 24; i < len; i++)
		f[i] = (uint8_t)(seq * 13 + i);
}

/* A transmit slot: a zeroed header followed by room for the frame. */
static uint8_t *tx_frame(unsigned *slot)
{
	*slot = tx_slot++ % TX_SLOTS;
	memset(tx_buf[*slot], 0, NET_HDR);
	return tx_buf[*slot] + NET_HDR;
}

/* Sends slot s (descriptors 2s and 2s + 1): header and frame as two buffers
 * or as one. The switch moves the frame inside the notify. */
static void net_send(struct vdev *d, unsigned s, uint32_t len, bool split, struct answer *a)
{
	struct vq *q = &d->q[TXQ];
	uint16_t head = (uint16_t)(2 * s);

	if (split) {
		vq_desc(q, head, (uint64_t)tx_buf[s], NET_HDR, DESC_NEXT, head + 1);
		vq_desc(q, head + 1, (uint64_t)tx_buf[s] + NET_HDR, len, 0, 0);
	} else {
		vq_desc(q, head, (uint64_t)tx_buf[s], NET_HDR + len, 0, 0);
	}
	vq_publish(q, head);
	kick(d, TXQ);
	a->used = vq_take_used(q, &a->id, &a->len, USED_WAIT_US);
	a->dev_status = rd(d, R_STATUS);
}

static bool tx_returned(const struct answer *a, unsigned s)
{
	return a->used && a->id == 2 * s && a->len == 0 && !(a->dev_status & S_NEEDS_RESET);
}

static void rx_post(struct vdev *d, uint32_t len)
{
	struct vq *q = &d->q[RXQ];
	unsigned s = rx_slot++ % RX_SLOTS;

	memset(rx_buf[s], 0xcc, RX_BUF);
	vq_desc(q, s, (uint64_t)rx_buf[s], len, DESC_WRITE, 0);
	vq_publish(q, (uint16_t)s);
	kick(d, RXQ);
	rx_outstanding++;
}

static bool rx_take(struct vdev *d, uint32_t *slot, uint32_t *len, uint64_t timeout_us)
{
	if (!vq_take_used(&d->q[RXQ], slot, len, timeout_us))
		return false;
	rx_outstanding--;
	return true;
}

static bool is_tagged(const uint8_t *f, uint32_t len, const char *tag)
{
	return len >= 24 && f[12] == 0x88 && f[13] == 0xb5 && memcmp(f + 14, tag, 6) == 0;
}

/* Empty when rx slot s holds the peer's echo of ping `seq` of len bytes. */
static const char *pong_problem(unsigned s, uint32_t used_len, uint32_t seq, uint32_t len)
{
	const uint8_t *h = rx_buf[s], *f = h + NET_HDR;

	if (used_len != NET_HDR + len)
		return "wrong used length";
	for (unsigned i = 0; i < 10; i++) {
		if (h[i])
			return "header not zero";
	}
	if (h[10] != 1 || h[11] != 0)
		return "num_buffers not 1";
	if (memcmp(f, main_mac, 6) || memcmp(f + 6, peer_mac, 6))
		return "wrong addresses";
	if (!is_tagged(f, len, "HBPONG") || get32(f + 20) != seq)
		return "not the echo of this ping";
	for (uint32_t i = 24; i < len; i++) {
		if (f[i] != (uint8_t)(seq * 13 + i))
			return "payload differs";
	}
	return "";
}

static bool net_ping(uint32_t seq, uint32_t len, const char **why)
{
	struct answer tx;
	uint32_t slot, used_len;
	unsigned s;

	if (rx_outstanding == 0)
		rx_post(&net, RX_BUF);
	frame_build(tx_frame(&s), peer_mac, main_mac, "HBPING", seq, len);
	net_send(&net, s, len, true, &tx);
	if (!tx_returned(&tx, s)) {
		*why = "transmit chain not returned";
		return false;
	}
	for (;;) {
		if (!rx_take(&net, &slot, &used_len, PONG_WAIT_US)) {
			*why = "no echo";
			return false;
		}
		if (used_len >= NET_HDR + 24 && is_tagged(rx_buf[slot] + NET_HDR, used_len - NET_HDR,
							  "HBPONG") &&
		    get32(rx_buf[slot] + NET_HDR + 20) < STRICT_SEQ) {
			rx_post(&net, RX_BUF);	/* a late echo from the connect phase */
			continue;
		}
		*why = pong_problem(slot, used_len, seq, len);
		return !**why;
	}
}

/* Pings until the peer VM answers (it may still be starting), then lets
 * the echoes of earlier tries arrive and drops them. */
static bool net_connect(void)
{
	uint64_t start = rt_cntvct(), limit = 10 * rt_cntfrq();
	uint32_t seq = 1, slot, len;
	struct answer tx;
	bool connected = false;
	unsigned s;

	rx_post(&net, RX_BUF);
	while (!connected && rt_cntvct() - start < limit) {
		frame_build(tx_frame(&s), peer_mac, main_mac, "HBPING", seq++, 64);
		net_send(&net, s, 64, true, &tx);
		connected = rx_take(&net, &slot, &len, 300000);
	}
	if (!connected)
		return false;
	do {
		if (rx_outstanding == 0)
			rx_post(&net, RX_BUF);
	} while (rx_take(&net, &slot, &len, 500000));
	return true;
}

enum bad_tx { TX_HEADER_ONLY, TX_SHORT_HEADER, TX_RUNT, TX_OVERSIZE, TX_SPOOFED, TX_UNKNOWN_DST,
	      TX_OUTSIDE_RAM, TX_BAD_NEXT };

/* Each comes back empty and the device keeps going; the peer counts any of
 * them that reached it as a malformed frame. */
static void net_bad_tx(const char *name, enum bad_tx kind)
{
	struct vq *q = &net.q[TXQ];
	struct answer tx;
	unsigned s;
	uint8_t *f = tx_frame(&s);
	uint16_t head = (uint16_t)(2 * s);
	uint64_t hdr = (uint64_t)tx_buf[s];

	switch (kind) {
	case TX_HEADER_ONLY:
		vq_desc(q, head, hdr, NET_HDR, 0, 0);
		break;
	case TX_SHORT_HEADER:
		vq_desc(q, head, hdr, 8, 0, 0);
		break;
	case TX_RUNT:
		frame_build(f, peer_mac, main_mac, "HBPING", 7, 24);
		vq_desc(q, head, hdr, NET_HDR + 5, 0, 0);
		break;
	case TX_OVERSIZE:
		frame_build(f, peer_mac, main_mac, "HBPING", 7, FRAME_MAX + 1);
		vq_desc(q, head, hdr, NET_HDR, DESC_NEXT, head + 1);
		vq_desc(q, head + 1, hdr + NET_HDR, FRAME_MAX + 1, 0, 0);
		break;
	case TX_SPOOFED:
	case TX_UNKNOWN_DST:
		frame_build(f, kind == TX_SPOOFED ? peer_mac : nobody_mac,
			    kind == TX_SPOOFED ? peer_mac : main_mac, "HBPING", 7, 64);
		vq_desc(q, head, hdr, NET_HDR + 64, 0, 0);
		break;
	case TX_OUTSIDE_RAM:
		vq_desc(q, head, hdr, NET_HDR, DESC_NEXT, head + 1);
		vq_desc(q, head + 1, VM_RAM_END + 0x1000, 64, 0, 0);
		break;
	case TX_BAD_NEXT:
		vq_desc(q, head, hdr, NET_HDR, DESC_NEXT, QSIZE);
		break;
	}
	vq_publish(q, head);
	kick(&net, TXQ);
	tx.used = vq_take_used(q, &tx.id, &tx.len, USED_WAIT_US);
	tx.dev_status = rd(&net, R_STATUS);
	rt_check(name, tx_returned(&tx, s), "want used %u len 0 without NEEDS_RESET; got used=%d "
		 "id=%u len=%u Status 0x%x", head, tx.used, tx.id, tx.len, tx.dev_status);
}

static void net_check_ping(const char *name, uint32_t seq, uint32_t len)
{
	const char *why = "";

	rt_check(name, net_ping(seq, len, &why), "%s", why);
}

/* Transmit completions are not signalled (NO_INTERRUPT), so whatever
 * InterruptStatus and the line show comes from the receive side. */
static bool net_setup(void)
{
	rx_outstanding = 0;	/* a reset takes the posted buffers away */
	if (!dev_setup(&net, NET_DRIVER, 2, QSIZE))
		return false;
	U16(net.q[TXQ].avail) = 1;
	return true;
}

static void net_restart(const char *name, uint32_t seq)
{
	const char *why = "set-up failed";
	bool ok;

	ok = net_setup() && net_ping(seq, 64, &why);
	rt_check(name, ok, "%s", why);
}

static void test_net_ring_errors(void)
{
	struct vq *tq = &net.q[TXQ], *rq = &net.q[RXQ];
	uint64_t start, limit = PONG_WAIT_US * rt_cntfrq() / 1000000;
	struct answer tx;
	uint32_t st, isr;
	bool pending;
	unsigned s;

	/* Transmit ring: a head beyond the table. */
	wr(&net, R_ISR_ACK, rd(&net, R_ISR));
	U16(tq->avail + 4 + 2u * (tq->next_avail % QSIZE)) = QSIZE;
	tq->next_avail++;
	vq_set_avail_idx(tq, tq->next_avail);
	kick(&net, TXQ);
	st = rd(&net, R_STATUS);
	isr = rd(&net, R_ISR);
	pending = line_pending(&net);
	rt_check("net_tx_ring_error_needs_reset", (st & S_NEEDS_RESET) && isr == ISR_CONFIG && pending,
		 "Status 0x%x ISR 0x%x pending %d", st, isr, pending);
	net_restart("net_recovered_after_tx_ring_error", 1005);

	/* Receive ring: the device finds a bad head when the peer's echo comes. */
	wr(&net, R_ISR_ACK, rd(&net, R_ISR));
	U16(rq->avail + 4 + 2u * (rq->next_avail % QSIZE)) = QSIZE;
	rq->next_avail++;
	vq_set_avail_idx(rq, rq->next_avail);
	kick(&net, RXQ);
	frame_build(tx_frame(&s), peer_mac, main_mac, "HBPING", 1006, 64);
	net_send(&net, s, 64, true, &tx);
	start = rt_cntvct();
	while (!((st = rd(&net, R_STATUS)) & S_NEEDS_RESET) && rt_cntvct() - start < limit)
		;
	/* Reads only: a write would make the binding sample the level again. */
	isr = rd(&net, R_ISR);
	pending = line_pending(&net);
	rt_check("net_rx_ring_error_needs_reset", tx_returned(&tx, s) && (st & S_NEEDS_RESET) &&
		 isr == ISR_CONFIG, "tx used=%d Status 0x%x ISR 0x%x", tx.used, st, isr);
	rt_check("net_rx_ring_error_raises_line", pending,
		 "ISR 0x%x but the SPI is not pending", isr);
	net_restart("net_recovered_after_rx_ring_error", 1007);
}

static void test_net(void)
{
	struct answer tx;
	uint32_t slot, len, isr;
	uint8_t mac[6];
	bool got, pending;
	unsigned s;

	CHECK_EQ("net_device_id", 1, rd(&net, R_DEVICE_ID));
	wr(&net, R_DEV_FEAT_SEL, 0);
	CHECK_EQ("net_features_lo", NET_FEATURES, rd(&net, R_DEV_FEAT));
	for (unsigned i = 0; i < 6; i++)
		mac[i] = gic_mmio_read8(NET_BASE + R_CONFIG + i);
	rt_check("net_config_mac", memcmp(mac, main_mac, 6) == 0, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	CHECK_EQ("net_config_link_up", 1, rd16(&net, R_CONFIG + 6));
	wr(&net, R_QUEUE_SEL, 1);
	CHECK_EQ("net_queue_num_max", 256, rd(&net, R_QUEUE_NUM_MAX));
	wr(&net, R_QUEUE_SEL, 2);
	CHECK_EQ("net_queue2_absent", 0, rd(&net, R_QUEUE_NUM_MAX));
	if (!net_setup())
		rt_abort("virtio-net set-up failed");
	route_irq_to(&net);	/* observed only: PSTATE.I stays set */

	if (!net_connect()) {
		rt_check("net_peer_answers", false, "no echo from the peer VM in 10 s");
		return;
	}
	net_check_ping("net_ping_pong", STRICT_SEQ, 64);
	isr = rd(&net, R_ISR);
	pending = line_pending(&net);
	rt_check("net_rx_raises_line", (isr & ISR_USED) && pending, "ISR 0x%x pending %d", isr,
		 pending);
	wr(&net, R_ISR_ACK, isr);
	rt_check("net_rx_ack_clears_line", rd(&net, R_ISR) == 0 && !line_pending(&net),
		 "ISR 0x%x pending %d", rd(&net, R_ISR), line_pending(&net));
	net_check_ping("net_max_frame_echoed", 1001, FRAME_MAX);

	net_bad_tx("net_tx_header_only_dropped", TX_HEADER_ONLY);
	net_bad_tx("net_tx_short_header_dropped", TX_SHORT_HEADER);
	net_bad_tx("net_tx_runt_dropped", TX_RUNT);
	net_bad_tx("net_tx_oversize_dropped", TX_OVERSIZE);
	net_bad_tx("net_tx_spoofed_source_dropped", TX_SPOOFED);
	net_bad_tx("net_tx_unknown_destination_dropped", TX_UNKNOWN_DST);
	net_bad_tx("net_tx_buffer_outside_ram_dropped", TX_OUTSIDE_RAM);
	net_bad_tx("net_tx_bad_next_dropped", TX_BAD_NEXT);
	net_check_ping("net_works_after_bad_tx", 1002, 64);

	/* A receive buffer too small for the frame comes back empty. */
	wr(&net, R_ISR_ACK, rd(&net, R_ISR));
	rx_post(&net, 64);
	frame_build(tx_frame(&s), peer_mac, main_mac, "HBPING", 1003, 100);
	net_send(&net, s, 100, true, &tx);
	got = rx_take(&net, &slot, &len, PONG_WAIT_US);
	rt_check("net_rx_small_buffer_returned_empty", got && len == 0 && rx_buf[slot][0] == 0xcc &&
		 !(rd(&net, R_STATUS) & S_NEEDS_RESET), "used=%d len %u first byte 0x%x Status 0x%x",
		 got, len, rx_buf[slot][0], rd(&net, R_STATUS));
	isr = rd(&net, R_ISR);
	pending = line_pending(&net);
	rt_check("net_rx_small_buffer_signalled", (isr & ISR_USED) && pending,
		 "ISR 0x%x pending %d: a used buffer must be signalled (virtio 1.2, 2.7.7)", isr,
		 pending);
	net_check_ping("net_works_after_small_buffer", 1004, 64);

	test_net_ring_errors();

	frame_build(tx_frame(&s), peer_mac, main_mac, "HBBYE!", 0, 64);
	net_send(&net, s, 64, true, &tx);
	rt_check("net_bye_sent", tx_returned(&tx, s), "used=%d len %u", tx.used, tx.len);
	wr(&net, R_STATUS, 0);
	gic_disable_irq(NET_IRQ);
}

/* ------------------------------------------------------------ peer VM */

#define PEER_DEADLINE_S	45
#define PEER_WAKE_US	20000

static const char *peer_frame_problem(unsigned s, uint32_t used_len)
{
	const uint8_t *h = rx_buf[s], *f = h + NET_HDR;
	uint32_t len = used_len - NET_HDR;

	if (used_len < NET_HDR + 24 || len > FRAME_MAX)
		return "bad length";
	if (h[10] != 1)
		return "num_buffers not 1";
	if (memcmp(f, peer_mac, 6) || memcmp(f + 6, main_mac, 6))
		return "wrong addresses";
	if (!is_tagged(f, len, "HBPING") && !is_tagged(f, len, "HBBYE!"))
		return "not a ping";
	return "";
}

/* Echoes every ping back in one buffer (header and frame together), sleeping
 * in WFI between frames: the interrupt from the main VM's transmit wakes it. */
static void peer_main(void)
{
	uint64_t start = rt_cntvct(), limit = PEER_DEADLINE_S * rt_cntfrq();
	unsigned pings = 0, bad = 0, tx_bad = 0, wakeups = 0;
	uint32_t slot, used_len;
	struct answer tx;
	bool bye = false;
	uint8_t mac[6];

	CHECK_EQ("peer_device_id", 1, rd(&net, R_DEVICE_ID));
	for (unsigned i = 0; i < 6; i++)
		mac[i] = gic_mmio_read8(NET_BASE + R_CONFIG + i);
	CHECK_TRUE("peer_config_mac", memcmp(mac, peer_mac, 6) == 0);
	gic_dist_enable();
	gic_cpu_enable(false);
	irq_log_install();
	route_irq_to(&net);
	gic_set_priority(GIC_INTID_VTIMER, 0xa0);
	gic_enable_irq(GIC_INTID_VTIMER);
	if (!dev_setup(&net, NET_DRIVER, 2, QSIZE)) {
		rt_check("peer_setup", false, "Status 0x%x", rd(&net, R_STATUS));
		return;
	}
	for (unsigned i = 0; i < RX_SLOTS; i++)
		rx_post(&net, RX_BUF);
	rt_printf("VIRTIO-PEER ready\n");

	while (!bye && rt_cntvct() - start < limit) {
		if (rx_take(&net, &slot, &used_len, 0)) {
			const char *why = peer_frame_problem(slot, used_len);
			const uint8_t *f = rx_buf[slot] + NET_HDR;
			uint32_t len = used_len - NET_HDR;
			unsigned s;
			uint8_t *o;

			if (*why) {
				if (bad++ < 4)
					rt_printf("VIRTIO-PEER malformed frame: %s (used len %u)\n", why,
						  used_len);
			} else if (is_tagged(f, len, "HBBYE!")) {
				bye = true;
			} else {
				o = tx_frame(&s);
				memcpy(o, f + 6, 6);
				memcpy(o + 6, peer_mac, 6);
				memcpy(o + 12, f + 12, len - 12);
				memcpy(o + 14, "HBPONG", 6);
				net_send(&net, s, len, false, &tx);
				tx_bad += !tx_returned(&tx, s);
				pings++;
			}
			vq_publish(&net.q[RXQ], (uint16_t)slot);	/* the same buffer again */
			kick(&net, RXQ);
			rx_outstanding++;
			continue;
		}
		/* PSTATE.I is set: WFI still wakes for a pending interrupt, which
		 * the unmask below then takes. The timer bounds each sleep. */
		vtimer_set_cval(rt_cntvct() + PEER_WAKE_US * rt_cntfrq() / 1000000);
		vtimer_set_ctl(CNTV_CTL_ENABLE);
		__asm__ volatile("dsb sy\n\twfi" : : : "memory");
		cpu_irq_unmask();
		cpu_irq_mask();
		wakeups++;
	}
	vtimer_set_ctl(0);
	rt_printf("VIRTIO-PEER %u pings echoed, %u malformed, %u wake-ups, %u device interrupts\n",
		  pings, bad, wakeups, irq_dev_count);
	rt_check("peer_got_bye", bye, "no HBBYE! frame in %u s", PEER_DEADLINE_S);
	rt_check("peer_echoed_pings", pings >= 8, "%u pings", pings);
	CHECK_EQ("peer_no_malformed_frames", 0, bad);
	CHECK_EQ("peer_tx_all_returned", 0, tx_bad);
	rt_check("peer_rx_interrupts", irq_dev_count > 0 && (irq_isr_seen & ISR_USED),
		 "%u interrupts, ISR bits seen 0x%x", irq_dev_count, irq_isr_seen);
	wr(&net, R_STATUS, 0);
}

/* ------------------------------------------------------------ main */

static bool role_is_peer(void)
{
	static const char key[] = "virtio.role=peer";
	const char *args;
	struct dt dt;
	int node;

	if (!rt_dtb() || dt_open(&dt, (const void *)rt_dtb(), MiB(2)) < 0 ||
	    (node = dt_path(&dt, "/chosen")) < 0 || !(args = dt_prop_str(&dt, node, "bootargs")))
		return false;
	for (const char *p = args; *p; p++) {
		if (strncmp(p, key, sizeof(key) - 1) == 0)
			return true;
	}
	return false;
}

void test_main(void)
{
	if (!rt_under_hyperberry()) {
		rt_check_skip("devices", "native");	/* the devices are HyperBerry's */
		return;
	}
	if (role_is_peer()) {
		peer_main();
		return;
	}
	if (rt_ram_base() != VM_RAM_BASE || rt_ram_base() + rt_ram_size() != VM_RAM_END)
		rt_abort("expects 64 MiB of RAM at 0x40000000 and no DTB");
	test_blk_identification();
	test_blk_status_and_features();
	test_blk_io();
	test_blk_seg_max();
	test_blk_interrupts();
	test_blk_event_idx();
	test_blk_read_only();
	test_blk_malformed();
	test_net();
}
