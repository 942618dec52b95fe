/* Per-VM table of emulated MMIO windows and the dispatch of trapped accesses. */
#ifndef HB_CORE_MMIO_H
#define HB_CORE_MMIO_H

#include "lib/types.h"

#define MAX_MMIO_REGIONS 8

struct vcpu;

/* `offset` is relative to the window base; `size` is 1, 2, 4 or 8 bytes.
 * A read returns false (and a write returns false) when the access is not
 * one the device accepts: the guest then gets an external abort. */
struct mmio_ops {
	bool (*read)(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t *val);
	bool (*write)(void *dev, struct vcpu *v, uint64_t offset, unsigned size, uint64_t val);
};

struct mmio_region {
	ipa_t base;
	uint64_t size;
	const struct mmio_ops *ops;
	void *dev;
	const char *name;
};

struct mmio_table {
	struct mmio_region regions[MAX_MMIO_REGIONS];
	unsigned count;
};

/* Returns 0, or -1 if the table is full or the window overlaps another. */
int mmio_register(struct mmio_table *t, ipa_t base, uint64_t size, const struct mmio_ops *ops,
		  void *dev, const char *name);
/* A handful of windows per VM: a linear scan beats any tree. Inline because
 * it runs on every emulated access. */
static inline const struct mmio_region *mmio_find(const struct mmio_table *t, ipa_t ipa,
						  unsigned size)
{
	for (unsigned i = 0; i < t->count; i++) {
		const struct mmio_region *r = &t->regions[i];

		if (range_within(ipa, size, r->base, r->size))
			return r;
	}
	return NULL;
}

/* mmio_find, trying *last first and leaving the hit there. A guest polls one
 * device at a time, so the caller keeps `last` per vCPU (NULL at first). */
static inline const struct mmio_region *mmio_find_cached(const struct mmio_table *t,
							 const struct mmio_region **last,
							 ipa_t ipa, unsigned size)
{
	const struct mmio_region *r = *last;

	if (r && range_within(ipa, size, r->base, r->size))
		return r;
	r = mmio_find(t, ipa, size);
	if (r)
		*last = r;
	return r;
}

#endif
