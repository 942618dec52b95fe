/* VM configuration, device part: emulated device windows, passthrough MMIO
 * and SPIs, checked against RAM, each other, the hypervisor and other VMs. */
#include "core/config_internal.h"
#include "lib/string.h"

/* ram, vuart, 2 vgic, dma-ram, passthrough mmio, virtio */
#define MAX_WINDOWS	(5 + VM_MAX_PASSTHROUGH_MMIO + VM_MAX_VIRTIO)


static bool add_window(struct parser *p, struct cfg_window *w, unsigned *count, const char *field,
		       const char *part, const char *desc, uint64_t base, uint64_t size)
{
	char r[RANGE_STR_MAX];

	if (!IS_ALIGNED(base, PAGE_SIZE)) {
		cfg_fail(p, "%s: %s0x%lx is not 4 KiB aligned", field, part, base);
		return false;
	}
	if (!range_within(base, size, 0, p->ipa_space)) {
		cfg_fail(p, "%s: %s%s lies beyond the %u-bit IPA space", field, part,
			 cfg_range(r, base, size), p->ipa_bits);
		return false;
	}
	w[*count] = (struct cfg_window){ field, part, desc, base, size };
	(*count)++;
	return true;
}

static void check_windows(struct parser *p, const struct cfg_window *w, unsigned count)
{
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];
	unsigned i, j;

	for (i = 1; i < count; i++) {
		for (j = 0; j < i; j++) {
			if (ranges_overlap(w[i].base, w[i].size, w[j].base, w[j].size))
				cfg_fail(p, "%s: %s%s overlaps %s %s", w[i].field, w[i].part,
					 cfg_range(r1, w[i].base, w[i].size), w[j].desc,
					 cfg_range(r2, w[j].base, w[j].size));
		}
	}
}

/* Physical side of passthrough region i: addressable, not the hypervisor's,
 * and given to no earlier region of this VM or of an earlier VM. */
static void check_mmio_pa(struct parser *p, unsigned vm_index, unsigned i)
{
	const struct vm_mmio_passthrough *m = &p->out->vms[vm_index].mmio[i];
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];
	unsigned v, j;

	if (!range_within(m->pa, m->size, 0, p->pa_space)) {
		cfg_fail(p, "passthrough-mmio[%u]: PA %s lies beyond the %u-bit physical "
			 "address space", i, cfg_range(r1, m->pa, m->size), p->pa_bits);
		return;
	}
	for (j = 0; j < p->lim->forbidden_count; j++) {
		const struct mem_range *f = &p->lim->forbidden[j];

		if (ranges_overlap(m->pa, m->size, f->base, f->size))
			cfg_fail(p, "passthrough-mmio[%u]: PA %s overlaps hypervisor memory %s", i,
				 cfg_range(r1, m->pa, m->size), cfg_range(r2, f->base, f->size));
	}
	for (v = 0; v <= vm_index; v++) {
		const struct vm_config *other = &p->out->vms[v];
		unsigned n = v == vm_index ? i : other->mmio_count;

		for (j = 0; j < n; j++) {
			if (!ranges_overlap(m->pa, m->size, other->mmio[j].pa, other->mmio[j].size))
				continue;
			if (v == vm_index)
				cfg_fail(p, "passthrough-mmio[%u]: PA %s overlaps "
					 "passthrough-mmio[%u]", i,
					 cfg_range(r1, m->pa, m->size), j);
			else
				cfg_fail(p, "passthrough-mmio[%u]: PA %s is also given to %s", i,
					 cfg_range(r1, m->pa, m->size), p->labels[v]);
		}
	}
}

/* Every entry is stored at its own index, bad ones too, so messages and
 * later cross-checks agree on numbering; a bad config is never used. */
static void parse_mmio(struct parser *p, int node, unsigned vm_index, struct cfg_window *w,
		       unsigned *nw)
{
	static const char *const names[VM_MAX_PASSTHROUGH_MMIO] = {
		"passthrough-mmio[0]", "passthrough-mmio[1]", "passthrough-mmio[2]",
		"passthrough-mmio[3]",
	};
	struct vm_config *vm = &p->out->vms[vm_index];
	const uint8_t *v;
	uint32_t len;
	unsigned i, count;

	v = dt_prop(p->dt, node, "passthrough-mmio", &len);
	if (!v || len == 0 || len % 24 != 0) {
		cfg_fail(p, "passthrough-mmio: expected entries of 6 cells <PA size IPA>, "
			 "found %u bytes", v ? len : 0);
		return;
	}
	count = len / 24;
	if (count > VM_MAX_PASSTHROUGH_MMIO) {
		cfg_fail(p, "passthrough-mmio: %u regions, at most %u", count,
			 VM_MAX_PASSTHROUGH_MMIO);
		count = VM_MAX_PASSTHROUGH_MMIO;
	}
	vm->mmio_count = count;
	for (i = 0; i < count; i++) {
		struct vm_mmio_passthrough *m = &vm->mmio[i];

		m->pa = dt_be64(v + 24 * i);
		m->size = dt_be64(v + 24 * i + 8);
		m->ipa = dt_be64(v + 24 * i + 16);
		if (m->size == 0 || !IS_ALIGNED(m->pa | m->size | m->ipa, PAGE_SIZE)) {
			cfg_fail(p, "%s: PA 0x%lx, size 0x%lx and IPA 0x%lx must be 4 KiB "
				 "aligned and the size non-zero", names[i], m->pa, m->size, m->ipa);
			continue;
		}
		check_mmio_pa(p, vm_index, i);
		add_window(p, w, nw, names[i], "IPA ", names[i], m->ipa, m->size);
	}
}

/* dma-ram: physical RAM the VM gets at IPA == PA. It must be free RAM of the
 * machine and no other VM's; as an IPA window it is checked with the others. */
static void parse_dma_ram(struct parser *p, int node, unsigned vm_index, struct cfg_window *w,
			  unsigned *nw)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];
	uint64_t v[2];
	bool inside = false;
	unsigned i;

	if (!cfg_read_u64s(p, node, "dma-ram", v, 2))
		return;
	if (v[1] == 0 || !IS_ALIGNED(v[0] | v[1], VM_RAM_ALIGN)) {
		cfg_fail(p, "dma-ram: PA 0x%lx and size 0x%lx must be 2 MiB aligned and the size "
			 "non-zero", v[0], v[1]);
		return;
	}
	for (i = 0; i < p->lim->identity_ram_count; i++)
		inside |= range_within(v[0], v[1], p->lim->identity_ram[i].base,
				       p->lim->identity_ram[i].size);
	if (!inside) {
		cfg_fail(p, "dma-ram: %s is not free RAM of this machine", cfg_range(r1, v[0], v[1]));
		return;
	}
	for (i = 0; i < vm_index; i++) {
		const struct vm_config *o = &p->out->vms[i];

		if (o->dma_ram_size && ranges_overlap(v[0], v[1], o->dma_ram_pa, o->dma_ram_size)) {
			cfg_fail(p, "dma-ram: %s overlaps the dma-ram %s of %s",
				 cfg_range(r1, v[0], v[1]),
				 cfg_range(r2, o->dma_ram_pa, o->dma_ram_size), p->labels[i]);
			return;
		}
	}
	if (!add_window(p, w, nw, "dma-ram", "", "dma-ram", v[0], v[1]))
		return;
	vm->dma_ram_pa = v[0];
	vm->dma_ram_size = v[1];
}

/*
 * dma-mmio: which passthrough-mmio regions are DMA masters. Without an IOMMU
 * such a device reads and writes physical addresses the guest programs, so
 * the guest may only be given one together with dma-ram, where its buffers
 * have IPA == PA (docs/security.md: what this does not protect).
 */
static void parse_dma_mmio(struct parser *p, int node, unsigned vm_index, bool has_dma_ram)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	const uint8_t *cells;
	int count = cfg_read_u32_list(p, node, "dma-mmio", &cells);

	for (int i = 0; i < count; i++) {
		uint32_t idx = dt_be32(cells + 4 * i);

		if (idx >= vm->mmio_count) {
			cfg_fail(p, "dma-mmio: %u names no passthrough-mmio region (the VM has %u)",
				 idx, vm->mmio_count);
		} else if (vm->dma_mmio_mask & (1u << idx)) {
			cfg_fail(p, "dma-mmio: %u is listed twice", idx);
		} else {
			vm->dma_mmio_mask |= 1u << idx;
			if (!has_dma_ram)
				cfg_fail(p, "dma-mmio: passthrough-mmio[%u] does DMA, which needs a "
					 "dma-ram region (IPA == PA): there is no IOMMU", idx);
		}
	}
}

void cfg_parse_devices(struct parser *p, int node, uint32_t seen, unsigned vm_index,
		       bool ram_ok)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	struct cfg_window w[MAX_WINDOWS];
	unsigned nw = 0;
	uint64_t v[2];

	if (ram_ok)
		w[nw++] = (struct cfg_window){ "ram", "", "ram", vm->ram_ipa, vm->ram_size };
	if (HAS(seen, VP_VUART) && cfg_read_u64s(p, node, "vuart", v, 1)) {
		vm->vuart_ipa = v[0];
		vm->has_vuart = add_window(p, w, &nw, "vuart", "", "vuart", v[0], VM_VUART_SIZE);
	}
	if (HAS(seen, VP_VGIC) && cfg_read_u64s(p, node, "vgic", v, 2)) {
		vm->vgicd_ipa = v[0];
		vm->vgicc_ipa = v[1];
		vm->has_vgic = add_window(p, w, &nw, "vgic", "distributor ", "vgic distributor",
					  v[0], VM_VGICD_SIZE);
		vm->has_vgic &= add_window(p, w, &nw, "vgic", "CPU interface ",
					   "vgic CPU interface", v[1], VM_VGICC_SIZE);
	}
	if (HAS(seen, VP_PT_MMIO))
		parse_mmio(p, node, vm_index, w, &nw);
	if (HAS(seen, VP_DMA_RAM))
		parse_dma_ram(p, node, vm_index, w, &nw);
	if (HAS(seen, VP_DMA_MMIO))
		parse_dma_mmio(p, node, vm_index, HAS(seen, VP_DMA_RAM));
	cfg_parse_virtio(p, node, vm_index, w, &nw);
	check_windows(p, w, nw);
}

static void check_irq_owner(struct parser *p, unsigned vm_index, uint32_t intid)
{
	unsigned v, j;

	for (j = 0; j < p->lim->forbidden_irq_count; j++) {
		if (p->lim->forbidden_irqs[j] == intid)
			cfg_fail(p, "passthrough-irqs: INTID %u is used by the hypervisor", intid);
	}
	for (v = 0; v < vm_index; v++) {
		for (j = 0; j < p->out->vms[v].irq_count; j++) {
			if (p->out->vms[v].irqs[j] == intid)
				cfg_fail(p, "passthrough-irqs: INTID %u is also given to %s", intid,
					 p->labels[v]);
		}
	}
}

void cfg_parse_irqs(struct parser *p, int node, uint32_t seen, unsigned vm_index)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	const uint8_t *cells;
	uint32_t irq;
	int count, i;
	unsigned j;

	count = HAS(seen, VP_PT_IRQS) ? cfg_read_u32_list(p, node, "passthrough-irqs", &cells) : 0;
	if (count > 0) {
		if (!HAS(seen, VP_VGIC))
			cfg_fail(p, "passthrough-irqs: needs a vgic");
		if (count > VM_MAX_PASSTHROUGH_IRQS)
			cfg_fail(p, "passthrough-irqs: %d entries, at most %u", count,
				 VM_MAX_PASSTHROUGH_IRQS);
		for (i = 0; i < count && i < VM_MAX_PASSTHROUGH_IRQS; i++) {
			irq = dt_be32(cells + 4 * i);
			if (!cfg_spi_ok(p, irq)) {
				cfg_fail(p, "passthrough-irqs: INTID %u is not an SPI (%u..%u)",
					 irq, SPI_FIRST, p->max_intid);
				continue;
			}
			for (j = 0; j < vm->irq_count && vm->irqs[j] != irq; j++)
				;
			if (j < vm->irq_count) {
				cfg_fail(p, "passthrough-irqs: INTID %u is listed twice", irq);
				continue;
			}
			check_irq_owner(p, vm_index, irq);
			vm->irqs[vm->irq_count++] = irq;
		}
	}
	if (!HAS(seen, VP_VUART_IRQ) || !cfg_read_u32(p, node, "vuart-irq", &irq))
		return;
	if (!HAS(seen, VP_VUART))
		cfg_fail(p, "vuart-irq: given without vuart");
	if (!HAS(seen, VP_VGIC))
		cfg_fail(p, "vuart-irq: needs a vgic");
	if (!cfg_spi_ok(p, irq)) {
		cfg_fail(p, "vuart-irq: INTID %u is not an SPI (%u..%u)", irq, SPI_FIRST,
			 p->max_intid);
		return;
	}
	for (j = 0; j < vm->irq_count; j++) {
		if (vm->irqs[j] == irq)
			cfg_fail(p, "vuart-irq: INTID %u is also in passthrough-irqs", irq);
	}
	vm->vuart_irq = irq;
}
