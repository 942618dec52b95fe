/* A model of one core's GICH status registers (ELRSR0, EISR0, MISR), derived
 * from its list registers and GICH_HCR the way GIC-400 derives them. Shared
 * by the vGIC unit test and its fuzzer so both check against the same
 * hardware. */
#ifndef HB_TESTS_FAKE_GICH_H
#define HB_TESTS_FAKE_GICH_H

#include "vdev/vgic.h"

#define LR_STATE(lr) (((lr) >> 28) & 3)

/* Empty: invalid and not waiting for an EOI maintenance interrupt. */
static inline uint32_t fake_gich_elrsr(const uint32_t *lr, unsigned nlrs)
{
	uint32_t m = 0;

	for (unsigned n = 0; n < nlrs; n++) {
		if (LR_STATE(lr[n]) == 0 && ((lr[n] & GICH_LR_HW) || !(lr[n] & GICH_LR_EOI)))
			m |= 1u << n;
	}
	return m;
}

/* Deactivated by the guest with an EOI maintenance interrupt requested. */
static inline uint32_t fake_gich_eisr(const uint32_t *lr, unsigned nlrs)
{
	uint32_t m = 0;

	for (unsigned n = 0; n < nlrs; n++) {
		if (LR_STATE(lr[n]) == 0 && !(lr[n] & GICH_LR_HW) && (lr[n] & GICH_LR_EOI))
			m |= 1u << n;
	}
	return m;
}

static inline uint32_t fake_gich_misr(const uint32_t *lr, unsigned nlrs, uint32_t hcr)
{
	unsigned valid = 0, pending = 0;
	uint32_t m = 0;

	for (unsigned n = 0; n < nlrs; n++) {
		valid += LR_STATE(lr[n]) != 0;
		pending += (LR_STATE(lr[n]) & 1) != 0;
	}
	if (fake_gich_eisr(lr, nlrs))
		m |= GICH_MISR_EOI;
	if ((hcr & GICH_HCR_UIE) && valid <= 1)
		m |= GICH_MISR_U;
	if ((hcr & GICH_HCR_NPIE) && pending == 0)
		m |= GICH_MISR_NP;
	if ((hcr & GICH_HCR_LRENPIE) && (hcr >> 27))
		m |= GICH_MISR_LRENP;
	return m;
}

#endif
