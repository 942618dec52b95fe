/* Registration of a VM's emulated MMIO windows (lookup is inline in mmio.h). */
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
