/* MMIO window lookup: a handful of windows per VM, so a linear scan beats
 * any tree; the most used window (the UART or GICD) is usually first. */
#include "core/mmio.h"

int mmio_register(struct mmio_table *t, ipa_t base, uint64_t size, const struct mmio_ops *ops,
		  void *dev, const char *name)
{
	if (t->count == MAX_MMIO_REGIONS || size == 0)
		return -1;
	for (unsigned i = 0; i < t->count; i++) {
		if (ranges_overlap(base, size, t->regions[i].base, t->regions[i].size))
			return -1;
	}
	t->regions[t->count++] = (struct mmio_region){ base, size, ops, dev, name };
	return 0;
}

const struct mmio_region *mmio_find(const struct mmio_table *t, ipa_t ipa, unsigned size)
{
	for (unsigned i = 0; i < t->count; i++) {
		const struct mmio_region *r = &t->regions[i];

		if (range_within(ipa, size, r->base, r->size))
			return r;
	}
	return NULL;
}
