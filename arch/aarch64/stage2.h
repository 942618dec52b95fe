/* Stage-2 translation: VTCR, VTTBR and the TLB maintenance it needs. */
#ifndef HB_ARCH_STAGE2_H
#define HB_ARCH_STAGE2_H

#include "lib/types.h"

#define STAGE2_IPA_BITS 40

struct vm;

uint64_t stage2_vtcr(void);
void stage2_sync(void *ctx, const uint64_t *entries, size_t count);
void stage2_invalidate(void *ctx, uint64_t ipa, unsigned level, bool was_table);
paddr_t stage2_table_pa(void *ctx, const uint64_t *table);
uint64_t *stage2_table_va(void *ctx, paddr_t pa);
/* Drops every TLB entry tagged with the VM's VMID (a VMID is reused on
 * restart). */
void stage2_flush_vmid(struct vm *vm);

#endif
