/* The driver's side of virtio-mmio devices for host tests and fuzzers: a fake
 * guest RAM, split rings laid out in it, descriptor chains, publishing, the
 * used ring read back, and the bring-up sequence Linux's driver performs. */
#ifndef HB_TESTS_VIRTQ_DRIVER_H
#define HB_TESTS_VIRTQ_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vdev/virtio_mmio.h"

/* ---- guest RAM ---- */

struct fake_ram {
	uint8_t *bytes;
	uint64_t base, size;
};

static inline void *fake_ram_map(void *ctx, uint64_t ipa, uint64_t len)
{
	const struct fake_ram *r = ctx;

	if (len == 0 || len > r->size || ipa < r->base || ipa - r->base > r->size - len)
		return NULL;
	return r->bytes + (ipa - r->base);
}

static inline uint8_t *fake_ram_host(const struct fake_ram *r, uint64_t ipa)
{
	return r->bytes + (ipa - r->base);
}

/* Whether host range [p, p + len) lies inside the RAM. */
static inline bool fake_ram_contains(const struct fake_ram *r, const uint8_t *p, uint64_t len)
{
	uintptr_t start = (uintptr_t)r->bytes, at = (uintptr_t)p;

	return at >= start && at - start <= r->size && len <= r->size - (at - start);
}

static inline void fake_put16(const struct fake_ram *r, uint64_t ipa, uint16_t v)
{
	memcpy(fake_ram_host(r, ipa), &v, 2);
}

static inline void fake_put32(const struct fake_ram *r, uint64_t ipa, uint32_t v)
{
	memcpy(fake_ram_host(r, ipa), &v, 4);
}

static inline void fake_put64(const struct fake_ram *r, uint64_t ipa, uint64_t v)
{
	memcpy(fake_ram_host(r, ipa), &v, 8);
}

static inline uint16_t fake_get16(const struct fake_ram *r, uint64_t ipa)
{
	uint16_t v;

	memcpy(&v, fake_ram_host(r, ipa), 2);
	return v;
}

static inline uint32_t fake_get32(const struct fake_ram *r, uint64_t ipa)
{
	uint32_t v;

	memcpy(&v, fake_ram_host(r, ipa), 4);
	return v;
}

/* ---- one split queue, driver side ---- */

struct vdrv {
	const struct fake_ram *ram;
	uint16_t num;
	uint64_t desc, avail, used;
	uint16_t avail_idx;	/* the driver's copy of avail idx */
};

/* One buffer of a chain. */
struct vbuf {
	uint64_t addr;
	uint32_t len;
	bool writable;
};

/* Areas packed from `base` (16-byte aligned), zeroed. */
static inline void vdrv_init(struct vdrv *d, const struct fake_ram *ram, uint16_t num,
			     uint64_t base)
{
	memset(d, 0, sizeof(*d));
	d->ram = ram;
	d->num = num;
	d->desc = base;
	d->avail = d->desc + VIRTQ_DESC_BYTES(num);
	d->used = (d->avail + VIRTQ_AVAIL_BYTES(num) + 3) & ~3ull;
	memset(fake_ram_host(ram, base), 0, d->used + VIRTQ_USED_BYTES(num) - base);
}

/* Bytes from base that vdrv_init(num) uses. */
static inline uint64_t vdrv_footprint(uint16_t num)
{
	return ((VIRTQ_DESC_BYTES(num) + VIRTQ_AVAIL_BYTES(num) + 3) & ~3ull) +
	       VIRTQ_USED_BYTES(num);
}

/* Descriptor i of the table at `table` (the queue's or an indirect one). */
static inline void vdrv_put_desc(const struct fake_ram *r, uint64_t table, uint16_t i,
				 uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t at = table + 16u * i;

	fake_put64(r, at, addr);
	fake_put32(r, at + 8, len);
	fake_put16(r, at + 12, flags);
	fake_put16(r, at + 14, next);
}

static inline void vdrv_desc(struct vdrv *d, uint16_t i, uint64_t addr, uint32_t len,
			     uint16_t flags, uint16_t next)
{
	vdrv_put_desc(d->ram, d->desc, i, addr, len, flags, next);
}

/* Links bufs into descriptors first, first + 1, ... (mod num); returns the
 * head. */
static inline uint16_t vdrv_chain(struct vdrv *d, uint16_t first, const struct vbuf *bufs,
				  unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint16_t at = (uint16_t)((first + i) % d->num);
		uint16_t next = (uint16_t)((first + i + 1) % d->num);
		uint16_t flags = (uint16_t)((bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		vdrv_desc(d, at, bufs[i].addr, bufs[i].len, flags, next);
	}
	return first;
}

static inline void vdrv_publish(struct vdrv *d, uint16_t head)
{
	fake_put16(d->ram, d->avail + 4 + 2u * (d->avail_idx % d->num), head);
	d->avail_idx++;
	fake_put16(d->ram, d->avail + 2, d->avail_idx);
}

static inline uint16_t vdrv_used_idx(const struct vdrv *d)
{
	return fake_get16(d->ram, d->used + 2);
}

static inline uint32_t vdrv_used_id(const struct vdrv *d, uint16_t i)
{
	return fake_get32(d->ram, d->used + 4 + 8u * (i % d->num));
}

static inline uint32_t vdrv_used_len(const struct vdrv *d, uint16_t i)
{
	return fake_get32(d->ram, d->used + 8 + 8u * (i % d->num));
}

static inline void vdrv_set_avail_flags(const struct vdrv *d, uint16_t flags)
{
	fake_put16(d->ram, d->avail, flags);
}

static inline void vdrv_set_used_event(const struct vdrv *d, uint16_t v)
{
	fake_put16(d->ram, d->avail + 4 + 2u * d->num, v);
}

/* ---- virtio-mmio, driver side ---- */

static inline uint32_t vmmio_rd(struct virtio_mmio_dev *m, uint32_t off)
{
	return virtio_mmio_read(m, off, 4);
}

static inline void vmmio_wr(struct virtio_mmio_dev *m, uint32_t off, uint32_t v)
{
	virtio_mmio_write(m, off, v, 4);
}

static inline uint64_t vmmio_device_features(struct virtio_mmio_dev *m)
{
	uint64_t v;

	vmmio_wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	v = (uint64_t)vmmio_rd(m, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vmmio_wr(m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return v | vmmio_rd(m, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true if it stuck. */
static inline bool vmmio_negotiate(struct virtio_mmio_dev *m, uint64_t features)
{
	vmmio_wr(m, VIRTIO_MMIO_STATUS, 0);
	vmmio_wr(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vmmio_wr(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vmmio_wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vmmio_wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vmmio_wr(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vmmio_wr(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	vmmio_wr(m, VIRTIO_MMIO_STATUS, vmmio_rd(m, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FEATURES_OK);
	return (vmmio_rd(m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

/* Queue `index` on the rings of d; true if the device made it ready. */
static inline bool vmmio_setup_queue(struct virtio_mmio_dev *m, unsigned index,
				     const struct vdrv *d)
{
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_SEL, index);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_NUM, d->num);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d->desc);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d->desc >> 32));
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)d->avail);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(d->avail >> 32));
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)d->used);
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(d->used >> 32));
	vmmio_wr(m, VIRTIO_MMIO_QUEUE_READY, 1);
	return vmmio_rd(m, VIRTIO_MMIO_QUEUE_READY) == 1;
}

static inline bool vmmio_driver_ok(struct virtio_mmio_dev *m)
{
	vmmio_wr(m, VIRTIO_MMIO_STATUS, vmmio_rd(m, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	return (vmmio_rd(m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK) != 0;
}

/* The whole sequence for a device whose queue i runs on drv[i]. */
static inline bool vmmio_bring_up(struct virtio_mmio_dev *m, uint64_t features,
				  const struct vdrv *drv, unsigned nqueues)
{
	if (!vmmio_negotiate(m, features))
		return false;
	for (unsigned i = 0; i < nqueues; i++) {
		if (!vmmio_setup_queue(m, i, &drv[i]))
			return false;
	}
	return vmmio_driver_ok(m);
}

#endif
