/* Shared state of the configuration parser (core/config.c: the tree and the
 * VM's own fields; core/config_devices.c: its devices). Not a public API, so
 * its helpers use the short prefix cfg_. */
#ifndef HB_CORE_CONFIG_INTERNAL_H
#define HB_CORE_CONFIG_INTERNAL_H

#include "core/config.h"
#include "lib/fdt.h"

#define SPI_FIRST		32
#define LABEL_MAX		40
#define RANGE_STR_MAX		48	/* "[0x..., 0x...)" with two 64-bit values */

/* The properties a VM node may have; their bit in the "seen" mask. */
enum vm_prop {
	VP_KERNEL, VP_KERNEL_IPA, VP_ENTRY_IPA, VP_DTB, VP_DTB_IPA, VP_INITRD, VP_INITRD_IPA,
	VP_RAM, VP_VCPUS, VP_CPU_AFFINITY, VP_VUART, VP_VUART_IRQ, VP_VGIC,
	VP_PT_MMIO, VP_PT_IRQS, VP_DMA_RAM, VP_DMA_MMIO, VP_COUNT
};

#define HAS(seen, prop) (((seen) >> (prop)) & 1u)

struct parser {
	const struct dt *dt;
	const struct package *pkg;
	const struct config_limits_in *lim;
	config_report_fn report;
	void *ctx;
	struct hyp_config *out;
	unsigned errors;
	uint64_t ipa_space, pa_space;	/* sizes of the address spaces from 0 */
	unsigned ipa_bits, pa_bits;
	uint32_t max_intid;
	const char *where;		/* message prefix: "/vms", "vm \"linux1\"", ... */
	char labels[MAX_VMS][LABEL_MAX];	/* each VM's prefix, for cross-VM messages */
};

/* Counts one error and reports "config: <where>: <message>". */
void cfg_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Untrusted text made safe for the console, cut to cap - 1 characters. */
const char *cfg_text(char *buf, size_t cap, const char *s);
/* "[base, end)" into buf (RANGE_STR_MAX bytes); "[base, +size)" if it wraps. */
const char *cfg_range(char *buf, uint64_t base, uint64_t size);

/* Reports unknown and repeated properties; returns a bit per known one seen. */
uint32_t cfg_check_props(struct parser *p, int node, const char *const *known, unsigned count);

/* Property readers: on a malformed value they report it and return false/-1. */
bool cfg_read_u64s(struct parser *p, int node, const char *prop, uint64_t *out, unsigned count);
bool cfg_read_u32(struct parser *p, int node, const char *prop, uint32_t *out);
int cfg_read_u32_list(struct parser *p, int node, const char *prop, const uint8_t **cells);

static inline bool cfg_spi_ok(const struct parser *p, uint32_t intid)
{
	return intid >= SPI_FIRST && intid <= p->max_intid;
}

/* vuart, vgic, passthrough-mmio and dma-ram, every window checked against RAM
 * and the others, and dma-mmio; then vuart-irq and passthrough-irqs, checked
 * against the hypervisor's SPIs and those of earlier VMs. */
void cfg_parse_devices(struct parser *p, int node, uint32_t seen, unsigned vm_index,
		       bool ram_ok);
void cfg_parse_irqs(struct parser *p, int node, uint32_t seen, unsigned vm_index);

/* One guest-physical window, for the overlap checks. */
struct cfg_window {
	const char *field;	/* message prefix: the property */
	const char *part;	/* which part of the property, "" or "CPU interface " */
	const char *desc;	/* how other windows name it */
	uint64_t base, size;
};

/* The VM node's virtio-blk@... and virtio-net@... children (any other child
 * is an error): their windows join w[], everything else is checked here.
 * cfg_check_virtio_irqs runs after cfg_parse_irqs and checks their SPIs
 * against the VM's other interrupts. */
void cfg_parse_virtio(struct parser *p, int node, unsigned vm_index, struct cfg_window *w,
		      unsigned *nw);
void cfg_check_virtio_irqs(struct parser *p, unsigned vm_index);

#endif
