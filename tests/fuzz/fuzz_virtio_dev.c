/* libFuzzer target for the virtio devices: a virtio-blk disk on a RAM store
 * (optionally read-only) and two virtio-net devices joined by a vswitch, each
 * device with its own fake guest RAM, driven by register accesses, bring-ups,
 * driver-built chains, notifies, RAM writes and resets; what the binding does
 * after a write (transmit, executing the write again while a device reports
 * work left from its budget) is mirrored here. Checked: no access
 * outside the RAMs, the disk or the frame buffer (ASan: each is its own heap
 * block), store calls inside the disk and in the transfer's direction, a
 * read-only disk never changes, each queue consumes at most its size per
 * action and gives back only heads it consumed, counters never go down.
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -DHB_HOST -I. \
 *        tests/fuzz/fuzz_virtio_dev.c vdev/virtio/virtio_blk.c \
 *        vdev/virtio/virtio_net.c vdev/virtio/vswitch.c vdev/virtio_mmio.c vdev/virtq.c
 *
 * Input: [0] flags (bit 0 read-only disk, bit 1 protected rings: rings only
 * in the first RING_AREA bytes of RAM, buffers only above it, which makes the
 * used ring exactly checkable; bit 2 a bad sector in the store), [1] number
 * of 8-byte actions, the actions, then RAM contents (split over the three
 * RAMs). Action: [0] op, [1] device (bits 0-1), queue (bit 2), indirect
 * chain (bit 3), writable buffers (bits 4-7), [2..7] arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/virtq_driver.h"
#include "vdev/virtio/virtio_blk.h"
#include "vdev/virtio/virtio_net.h"
#include "vdev/virtio/vswitch.h"

#define FAIL(...)                                                               \
	do {                                                                    \
		fprintf(stderr, "invariant: " __VA_ARGS__);                     \
		fputc('\n', stderr);                                            \
		abort();                                                        \
	} while (0)
#define REQUIRE(cond)                                                           \
	do {                                                                    \
		if (!(cond))                                                    \
			FAIL("%s (line %d)", #cond, __LINE__);                  \
	} while (0)

#define RAM_BASE	0x10000u
#define RAM_SIZE	0x4000u
#define RING_AREA	0x1000u		/* two queues of up to 64 entries */
#define RING_STRIDE	0x800u
#define DATA_SLOT	0x180u		/* 32 buffer slots above RING_AREA */
#define DISK_SECTORS	16u
#define DISK_BYTES	(DISK_SECTORS * VIRTIO_BLK_SECTOR)
#define STORE_BAD_SECTOR 13u
#define INDIRECT_TABLE	(RAM_BASE + RAM_SIZE - 4 * VIRTQ_DESC_SIZE)
#define NDEV		3		/* 0: virtio-blk, 1 and 2: virtio-net */
#define ACTION_SIZE	8u
#define NET_BUDGET	8u		/* frames per transmit */
#define MAX_RETRIES	64u		/* executions of one guest write */

struct dev {
	struct fake_ram ram;
	struct guest_mem mem;
	struct virtio_mmio_dev m;
	struct vdrv q[2];	/* where the driver side last put its rings */
};

static struct dev devs[NDEV];
static struct virtio_blk blk;
static struct virtio_net net[2];
static struct vswitch sw;
static int port[2];
static uint8_t *disk, *disk_copy, *frame;
static bool read_only, protect, enabling, store_fails;

static const uint8_t port_mac[2][ETH_ALEN] = {
	{ 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 },
	{ 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 },
};

/* With protected rings, rings may only be mapped while a queue is enabled
 * and buffers only outside the ring area: the device can then write nothing
 * the driver's avail ring depends on. */
static void *map(void *ctx, uint64_t ipa, uint64_t len)
{
	struct dev *d = ctx;
	uint64_t ring_end = (uint64_t)RAM_BASE + RING_AREA;

	REQUIRE(len != 0 && ipa + len > ipa);
	if (protect && enabling && ipa + len > ring_end)
		return NULL;
	if (protect && !enabling && ipa < ring_end)
		return NULL;
	return fake_ram_map(&d->ram, ipa, len);
}

static int store_rw(void *ctx, bool write, uint64_t offset, const struct virtq_seg *segs,
		    unsigned nsegs)
{
	uint64_t total = 0, start = offset;

	REQUIRE(ctx == disk);
	REQUIRE(!(write && read_only));
	REQUIRE(nsegs <= VIRTQ_MAX_SEGS);
	for (unsigned i = 0; i < nsegs; i++) {
		REQUIRE(fake_ram_contains(&devs[0].ram, segs[i].host, segs[i].len));
		REQUIRE(segs[i].len != 0 && segs[i].writable == !write);
		total += segs[i].len;
	}
	REQUIRE(offset % VIRTIO_BLK_SECTOR == 0 && total % VIRTIO_BLK_SECTOR == 0);
	REQUIRE(offset <= DISK_BYTES && total <= DISK_BYTES - offset);
	for (unsigned i = 0; i < nsegs; offset += segs[i].len, i++) {
		if (write)
			memcpy(disk + offset, segs[i].host, segs[i].len);
		else
			memcpy(segs[i].host, disk + offset, segs[i].len);
	}
	/* A bad sector, when the input asks for one. */
	return store_fails && start == STORE_BAD_SECTOR * VIRTIO_BLK_SECTOR ? -1 : 0;
}

static int store_flush(void *ctx)
{
	REQUIRE(ctx == disk);
	return 0;
}

static const struct blk_store_ops store_ops = { .rw = store_rw, .flush = store_flush };

/* ---- invariants around one device action ---- */

struct qsnap {
	bool ready;
	uint16_t num, last_avail, used_idx;
	const uint8_t *avail, *used;
	uint16_t heads[VIRTIO_NET_QUEUE_SIZE];	/* avail entries the device may take */
};

struct snapshot {
	struct qsnap q[NDEV][2];
	uint64_t blk_stats[sizeof(struct virtio_blk_stats) / 8];
	uint64_t net_stats[2][sizeof(struct virtio_net_stats) / 8];
	uint64_t sw_stats[sizeof(struct vswitch_stats) / 8];
};

static struct snapshot before;

static uint16_t ring16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static uint32_t ring32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void take_snapshot(struct snapshot *s)
{
	for (unsigned i = 0; i < NDEV; i++) {
		for (unsigned k = 0; k < 2; k++) {
			const struct virtq *q = &devs[i].m.queues[k].vq;
			struct qsnap *qs = &s->q[i][k];

			qs->ready = q->ready;
			if (!q->ready)
				continue;
			REQUIRE(q->num <= VIRTIO_NET_QUEUE_SIZE);
			qs->num = q->num;
			qs->last_avail = q->last_avail_idx;
			qs->used_idx = q->used_idx;
			qs->avail = q->avail;
			qs->used = q->used;
			for (unsigned n = 0; n < q->num; n++)
				qs->heads[n] = ring16(q->avail + 4 +
						      2u * ((q->last_avail_idx + n) & (q->num - 1u)));
		}
	}
	memcpy(s->blk_stats, &blk.stats, sizeof(s->blk_stats));
	memcpy(s->net_stats[0], &net[0].stats, sizeof(s->net_stats[0]));
	memcpy(s->net_stats[1], &net[1].stats, sizeof(s->net_stats[1]));
	memcpy(s->sw_stats, &sw.stats, sizeof(s->sw_stats));
}

static void check_monotone(const uint64_t *old, const void *now, size_t bytes, const char *what)
{
	uint64_t cur[16];

	memcpy(cur, now, bytes);
	for (size_t i = 0; i < bytes / 8; i++) {
		if (cur[i] < old[i])
			FAIL("%s counter %zu went from %llu to %llu", what, i,
			     (unsigned long long)old[i], (unsigned long long)cur[i]);
	}
}

static void check_queue(const struct qsnap *s, const struct virtq *q)
{
	uint16_t consumed, pushed;
	unsigned j = 0;

	/* Only a queue that lived through the action can be compared. */
	if (!s->ready || !q->ready || q->num != s->num || q->avail != s->avail || q->used != s->used)
		return;
	consumed = (uint16_t)(q->last_avail_idx - s->last_avail);
	pushed = (uint16_t)(q->used_idx - s->used_idx);
	if (consumed > s->num)
		FAIL("queue consumed %u entries of %u in one action", consumed, s->num);
	if (pushed > consumed)
		FAIL("queue gave back %u chains but took %u", pushed, consumed);
	if (!protect || pushed == 0)
		return;
	REQUIRE(ring16(q->used + 2) == q->used_idx);
	/* Heads come back in the order they were taken, each at most once. */
	for (uint16_t k = 0; k < pushed; k++) {
		uint32_t id = ring32(q->used + 4 + 8u * ((s->used_idx + k) & (q->num - 1u)));

		while (j < consumed && s->heads[j] != id)
			j++;
		if (j == consumed)
			FAIL("used id %u was not among the %u heads taken", id, consumed);
		j++;
	}
}

static void check_after(bool device_action)
{
	if (device_action) {
		for (unsigned i = 0; i < NDEV; i++) {
			for (unsigned k = 0; k < 2; k++)
				check_queue(&before.q[i][k], &devs[i].m.queues[k].vq);
		}
	}
	check_monotone(before.blk_stats, &blk.stats, sizeof(blk.stats), "blk");
	check_monotone(before.net_stats[0], &net[0].stats, sizeof(net[0].stats), "net0");
	check_monotone(before.net_stats[1], &net[1].stats, sizeof(net[1].stats), "net1");
	check_monotone(before.sw_stats, &sw.stats, sizeof(sw.stats), "switch");
	if (read_only && memcmp(disk, disk_copy, DISK_BYTES) != 0)
		FAIL("read-only disk changed");
}

/* ---- the binding's work, as vdev/virtio/virtio_vm.c does it ---- */

/* Sends what the transmit queue holds, up to a budget (smaller than the
 * binding's so that running out of it is common); true if it ran out. */
static bool net_transmit(unsigned src)
{
	struct dev *s = &devs[1 + src];
	int len = 0;

	for (unsigned budget = NET_BUDGET; budget; budget--) {
		uint64_t rx_before;
		uint32_t ports;
		bool delivered;

		net[src].tx_pending = false;
		len = virtio_net_tx(&net[src], &s->m, frame);
		virtio_net_flush(&s->m, VIRTIO_NET_TX_QUEUE);
		if (len == 0)
			break;
		REQUIRE(len == -1 || (len > 0 && len <= (int)VIRTIO_NET_FRAME_MAX));
		if (len < 0)
			continue;
		ports = vswitch_route(&sw, (unsigned)port[src], frame, (uint32_t)len);
		REQUIRE(!(ports & BIT(port[src])) && ports < BIT(sw.nports));
		for (unsigned p = 0; p < 2; p++) {
			struct dev *d = &devs[1 + p];

			if (!(ports & BIT(port[p])))
				continue;
			rx_before = net[p].stats.rx_packets;
			delivered = virtio_net_rx(&net[p], &d->m, frame, (uint32_t)len);
			REQUIRE(net[p].stats.rx_packets == rx_before + delivered);
			virtio_net_flush(&d->m, VIRTIO_NET_RX_QUEUE);
		}
	}
	if (len == 0)
		return false;
	net[src].tx_pending = true;
	return true;
}

/* A guest register write and what the binding does after it: transmit
 * after a notify, and execute the write again while the device reports
 * work left over from its budget. Each execution is checked on its own. */
static void write_reg(unsigned i, uint32_t off, uint32_t value)
{
	for (unsigned round = 0; round < MAX_RETRIES; round++) {
		bool more = false;

		if (round > 0) {
			check_after(true);
			take_snapshot(&before);
		}
		enabling = off == VIRTIO_MMIO_QUEUE_READY;
		virtio_mmio_write(&devs[i].m, off, value, 4);
		enabling = false;
		if (i == 0) {
			more = blk.more;
			blk.more = false;
		} else if (net[i - 1].tx_pending) {
			more = net_transmit(i - 1);
		}
		if (!more)
			return;
	}
}

static void device_reset(unsigned i)
{
	vmmio_wr(&devs[i].m, VIRTIO_MMIO_STATUS, 0);
	if (i > 0) {
		vswitch_forget_port(&sw, (unsigned)port[i - 1]);
		net[i - 1].tx_pending = false;
	}
}

/* ---- driver actions ---- */

static const uint32_t regs[] = {
	VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
	VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_STATUS,
	VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH, VIRTIO_MMIO_QUEUE_DRIVER_LOW,
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
	VIRTIO_MMIO_CONFIG, VIRTIO_MMIO_CONFIG + 4,
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void bring_up(unsigned i, const uint8_t *a)
{
	struct dev *d = &devs[i];
	uint16_t num = (uint16_t)(1u << (a[2] % 7));
	uint64_t features = BIT(VIRTIO_F_VERSION_1);
	unsigned nq = i == 0 ? 1 : 2;

	if (a[4] & 1)
		features |= BIT(VIRTIO_F_EVENT_IDX);
	if (a[4] & 2)
		features |= BIT(VIRTIO_F_INDIRECT_DESC);
	if (i == 0) {
		features |= BIT(VIRTIO_BLK_F_FLUSH) | BIT(VIRTIO_BLK_F_SEG_MAX);
		if (a[4] & 4)
			features |= BIT(VIRTIO_BLK_F_RO);
	} else {
		features |= BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS);
	}
	for (unsigned k = 0; k < nq; k++) {
		uint64_t base = RAM_BASE + k * RING_STRIDE;

		if (!protect && (a[3] & 0x80))
			base = RAM_BASE + (((uint64_t)a[3 + k] << 6) % (RAM_SIZE - RING_STRIDE));
		vdrv_init(&d->q[k], &d->ram, num, base & ~15ull);
	}
	if (i > 0) {
		vswitch_forget_port(&sw, (unsigned)port[i - 1]);
		net[i - 1].tx_pending = false;
	}
	enabling = true;
	(void)vmmio_bring_up(&d->m, features, d->q, nq);
	enabling = false;
}

/* A chain of 1 to 4 buffers in the data area (or behind one indirect
 * descriptor), published on queue qi. For virtio-blk the first buffer gets
 * a request header, for a transmit queue an Ethernet header after the
 * virtio-net one. */
static void publish(unsigned i, unsigned qi, const uint8_t *a)
{
	static const uint32_t lens[8] = { 1, 12, 16, 20, 64, 512, 1024, 1530 };
	static const uint32_t types[8] = {
		VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID,
		VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, 3, 0xffffffffu,
	};
	struct dev *d = &devs[i];
	struct vdrv *q = &d->q[qi];
	struct vbuf bufs[4];
	unsigned n = 1 + (a[2] & 3);
	uint8_t *p;

	if (q->num == 0)
		return;
	for (unsigned k = 0; k < n; k++) {
		bufs[k].addr = RAM_BASE + RING_AREA + (a[4 + k] & 31) * DATA_SLOT;
		bufs[k].len = lens[a[4 + k] >> 5];
		bufs[k].writable = (a[1] >> (4 + k)) & 1;
	}
	p = fake_ram_map(&d->ram, bufs[0].addr, 16 + 2 * ETH_ALEN);
	if (p && i == 0) {
		uint64_t sector = a[3] == 0xff ? UINT64_MAX - a[2] : a[3] % (DISK_SECTORS + 2);
		uint32_t type = types[(a[2] >> 2) & 7];

		memcpy(p, &type, 4);
		memcpy(p + 8, &sector, 8);
	} else if (p && qi == VIRTIO_NET_TX_QUEUE) {
		const uint8_t *own = port_mac[i - 1], *other = port_mac[2 - i];
		static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

		/* Destination: broadcast, the peer, or left as it is; source:
		 * our own address, the peer's (spoof), or left as it is. */
		if ((a[2] >> 2) % 3 == 0)
			memcpy(p + VIRTIO_NET_HDR_SIZE, bcast, ETH_ALEN);
		else if ((a[2] >> 2) % 3 == 1)
			memcpy(p + VIRTIO_NET_HDR_SIZE, other, ETH_ALEN);
		if ((a[2] >> 4) % 3 == 0)
			memcpy(p + VIRTIO_NET_HDR_SIZE + ETH_ALEN, own, ETH_ALEN);
		else if ((a[2] >> 4) % 3 == 1)
			memcpy(p + VIRTIO_NET_HDR_SIZE + ETH_ALEN, other, ETH_ALEN);
	}
	if (a[1] & 8) {
		/* The same chain in an indirect table at the end of RAM. */
		for (unsigned k = 0; k < n; k++)
			vdrv_put_desc(&d->ram, INDIRECT_TABLE, (uint16_t)k, bufs[k].addr, bufs[k].len,
				      (uint16_t)((bufs[k].writable ? VIRTQ_DESC_F_WRITE : 0) |
						 (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
				      (uint16_t)(k + 1));
		vdrv_desc(q, (uint16_t)(a[3] % q->num), INDIRECT_TABLE, n * VIRTQ_DESC_SIZE,
			  VIRTQ_DESC_F_INDIRECT, 0);
		vdrv_publish(q, (uint16_t)(a[3] % q->num));
		return;
	}
	vdrv_publish(q, vdrv_chain(q, (uint16_t)(a[3] % q->num), bufs, n));
}

static void run_action(const uint8_t *a)
{
	unsigned i = (a[1] & 3) % NDEV, qi = (a[1] >> 2) & 1;
	struct dev *d = &devs[i];
	uint32_t off, value = le32(a + 4);

	take_snapshot(&before);
	switch (a[0] % 8) {
	case 0:	/* any register or config write */
		off = regs[a[2] % ARRAY_SIZE(regs)];
		if (off == VIRTIO_MMIO_QUEUE_NOTIFY)
			value &= 0xff;
		write_reg(i, off, value);
		if (off == VIRTIO_MMIO_STATUS && value == 0)
			device_reset(i);
		/* One write cannot take a live queue down and bring it back,
		 * so every queue still live can be compared. */
		break;
	case 1:	/* any read, of any size */
		(void)virtio_mmio_read(&d->m, (uint32_t)(a[2] | a[3] << 8) % 0x240u, 1u << (a[4] & 3));
		break;
	case 2:
		bring_up(i, a);
		check_after(false);
		return;
	case 3:
		publish(i, qi, a);
		break;
	case 4:
	case 5:	/* the most useful action, so twice as likely */
		if (a[0] & 0x80)
			publish(i, qi, a);
		take_snapshot(&before);
		write_reg(i, VIRTIO_MMIO_QUEUE_NOTIFY, qi);
		break;
	case 6:	/* the guest scribbles on its RAM */
		memcpy(d->ram.bytes + (a[2] | a[3] << 8) % (RAM_SIZE - 4), a + 4, 4);
		break;
	default:
		if (a[2] & 1)
			device_reset(i);
		else
			vmmio_wr(&d->m, VIRTIO_MMIO_INTERRUPT_ACK, value);
		check_after(false);
		return;
	}
	check_after(true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n_actions, rest, part;
	const uint8_t *tail;

	if (size < 2)
		return 0;
	read_only = data[0] & 1;
	protect = data[0] & 2;
	store_fails = data[0] & 4;
	n_actions = data[1];
	if (n_actions > (size - 2) / ACTION_SIZE)
		n_actions = (size - 2) / ACTION_SIZE;
	tail = data + 2 + n_actions * ACTION_SIZE;
	rest = size - 2 - n_actions * ACTION_SIZE;
	part = rest / NDEV;

	/* Separate heap blocks, exactly sized, so ASan sees any overrun. */
	disk = malloc(DISK_BYTES);
	disk_copy = malloc(DISK_BYTES);
	frame = malloc(VIRTIO_NET_FRAME_MAX);
	REQUIRE(disk && disk_copy && frame);
	for (unsigned b = 0; b < DISK_BYTES; b++)
		disk[b] = (uint8_t)(b * 7 + b / 512);
	memcpy(disk_copy, disk, DISK_BYTES);

	vswitch_init(&sw);
	for (unsigned i = 0; i < NDEV; i++) {
		struct dev *d = &devs[i];

		memset(d, 0, sizeof(*d));
		d->ram.bytes = calloc(1, RAM_SIZE);
		REQUIRE(d->ram.bytes);
		d->ram.base = RAM_BASE;
		d->ram.size = RAM_SIZE;
		d->mem = (struct guest_mem){ d, map };
		vdrv_init(&d->q[0], &d->ram, 8, RAM_BASE);
		vdrv_init(&d->q[1], &d->ram, 8, RAM_BASE + RING_STRIDE);
		memcpy(d->ram.bytes, tail + i * part, MIN(part, (size_t)RAM_SIZE));
	}
	virtio_blk_init(&blk, &store_ops, disk, DISK_BYTES, read_only, "fuzz-disk");
	virtio_mmio_init(&devs[0].m, virtio_blk_ops(&blk), &blk, &devs[0].mem);
	for (unsigned p = 0; p < 2; p++) {
		port[p] = vswitch_add_port(&sw, port_mac[p]);
		REQUIRE(port[p] == (int)p);
		virtio_net_init(&net[p], port_mac[p]);
		virtio_mmio_init(&devs[1 + p].m, &virtio_net_ops, &net[p], &devs[1 + p].mem);
	}

	for (size_t k = 0; k < n_actions; k++)
		run_action(data + 2 + k * ACTION_SIZE);

	for (unsigned i = 0; i < NDEV; i++)
		free(devs[i].ram.bytes);
	free(disk);
	free(disk_copy);
	free(frame);
	return 0;
}
