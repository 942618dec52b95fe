/* VM configuration, virtio part: the virtio-blk@... and virtio-net@... child
 * nodes of a VM, each checked on its own, against the VM and against other VMs. */
#include "core/config_internal.h"
#include "lib/fmt.h"
#include "lib/string.h"

enum virtio_prop { XP_IPA, XP_INTERRUPT, XP_RAMDISK, XP_SIZE, XP_DISK, XP_READ_ONLY, XP_MAC,
		   XP_COUNT };

static const char *const virtio_props[XP_COUNT] = {
	"ipa", "interrupt", "ramdisk", "size", "disk", "read-only", "mac",
};

/* Which properties each device type takes. */
#define BLK_PROPS (BIT(XP_IPA) | BIT(XP_INTERRUPT) | BIT(XP_RAMDISK) | BIT(XP_SIZE) | \
		   BIT(XP_DISK) | BIT(XP_READ_ONLY))
#define NET_PROPS (BIT(XP_IPA) | BIT(XP_INTERRUPT) | BIT(XP_MAC))

static const char *const window_names[VM_MAX_VIRTIO] = {
	"virtio[0]", "virtio[1]", "virtio[2]", "virtio[3]",
};

/* "virtio-blk", "virtio-blk@1", "virtio-blk-data", "virtio-blk0": true for
 * prefix "virtio-blk". */
static bool node_is(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	char next = name[n];

	return strncmp(name, prefix, n) == 0 &&
	       (next == '\0' || next == '@' || next == '-' || (next >= '0' && next <= '9'));
}

static void parse_ramdisk(struct parser *p, int node, uint32_t seen, struct vm_virtio_config *d)
{
	struct package_file file;
	char buf[72];
	const char *path;
	uint32_t len;
	int index;

	d->backing = VM_BLK_RAMDISK;
	if (HAS(seen, XP_SIZE) && cfg_read_u64s(p, node, "size", &d->disk_size, 1)) {
		if (d->disk_size == 0 || d->disk_size % VIRTIO_SECTOR_SIZE)
			cfg_fail(p, "size: 0x%lx is not a non-zero multiple of 512", d->disk_size);
	}
	if (!HAS(seen, XP_RAMDISK)) {
		if (!HAS(seen, XP_SIZE))
			cfg_fail(p, "needs ramdisk (a file), size, or disk");
		return;
	}
	path = dt_prop(p->dt, node, "ramdisk", &len);
	if (!path || len < 2 || strnlen(path, len) != len - 1) {
		cfg_fail(p, "ramdisk: expected one non-empty string");
		return;
	}
	index = package_find(p->pkg, path, &file);
	if (index < 0) {
		cfg_fail(p, "ramdisk: '%s' is not in the package", cfg_text(buf, sizeof(buf), path));
		return;
	}
	if (!p->lim->skip_file_crc && !package_file_verify(&file)) {
		cfg_fail(p, "ramdisk: '%s' is corrupt (CRC32 mismatch)",
			 cfg_text(buf, sizeof(buf), path));
		return;
	}
	d->image = (struct vm_image){ .present = true, .file = (uint32_t)index,
				      .file_size = file.size, .footprint = file.size };
	if (!HAS(seen, XP_SIZE))
		d->disk_size = ALIGN_UP(file.size, VIRTIO_SECTOR_SIZE);
	else if (file.size > d->disk_size)
		cfg_fail(p, "ramdisk: '%s' (0x%lx bytes) does not fit in size 0x%lx",
			 cfg_text(buf, sizeof(buf), path), file.size, d->disk_size);
	if (d->disk_size == 0)
		cfg_fail(p, "ramdisk: '%s' is empty and no size is given",
			 cfg_text(buf, sizeof(buf), path));
}

/* A slice of the physical disk, given to this device only. */
static void parse_disk_slice(struct parser *p, int node, unsigned vm_index, unsigned index,
			     struct vm_virtio_config *d)
{
	uint64_t v[2];
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];

	d->backing = VM_BLK_DISK;
	if (!cfg_read_u64s(p, node, "disk", v, 2))
		return;
	d->disk_offset = v[0];
	d->disk_size = v[1];
	if (d->disk_size == 0 || (d->disk_offset | d->disk_size) % VIRTIO_SECTOR_SIZE) {
		cfg_fail(p, "disk: offset 0x%lx and size 0x%lx must be multiples of 512 and the "
			 "size non-zero", d->disk_offset, d->disk_size);
		return;
	}
	if (p->lim->disk_bytes == 0) {
		cfg_fail(p, "disk: this machine has no physical disk");
		return;
	}
	if (!range_within(d->disk_offset, d->disk_size, 0, p->lim->disk_bytes)) {
		cfg_fail(p, "disk: %s lies beyond the end of the 0x%lx-byte physical disk",
			 cfg_range(r1, d->disk_offset, d->disk_size), p->lim->disk_bytes);
		return;
	}
	for (unsigned v_i = 0; v_i <= vm_index; v_i++) {
		const struct vm_config *other = &p->out->vms[v_i];
		unsigned n = v_i == vm_index ? index : other->virtio_count;

		for (unsigned j = 0; j < n; j++) {
			const struct vm_virtio_config *o = &other->virtio[j];

			if (o->type != VM_VIRTIO_BLK || o->backing != VM_BLK_DISK ||
			    !ranges_overlap(d->disk_offset, d->disk_size, o->disk_offset, o->disk_size))
				continue;
			cfg_fail(p, "disk: %s overlaps %s%s disk %s", cfg_range(r1, d->disk_offset,
				 d->disk_size), v_i == vm_index ? "" : p->labels[v_i],
				 v_i == vm_index ? "another" : "'s", cfg_range(r2, o->disk_offset,
				 o->disk_size));
		}
	}
}

static void parse_mac(struct parser *p, int node, unsigned vm_index, unsigned index,
		      struct vm_virtio_config *d)
{
	static const uint8_t zero[6];
	const uint8_t *mac;
	uint32_t len;

	mac = dt_prop(p->dt, node, "mac", &len);
	if (!mac || len != 6) {
		cfg_fail(p, "mac: expected 6 bytes, e.g. mac = [52 54 00 00 00 01]");
		return;
	}
	memcpy(d->mac, mac, 6);
	if ((mac[0] & 1) || memcmp(mac, zero, 6) == 0) {
		cfg_fail(p, "mac: %02x:%02x:%02x:%02x:%02x:%02x is not a unicast address", mac[0],
			 mac[1], mac[2], mac[3], mac[4], mac[5]);
		return;
	}
	for (unsigned v_i = 0; v_i <= vm_index; v_i++) {
		const struct vm_config *other = &p->out->vms[v_i];
		unsigned n = v_i == vm_index ? index : other->virtio_count;

		for (unsigned j = 0; j < n; j++) {
			if (other->virtio[j].type == VM_VIRTIO_NET &&
			    memcmp(other->virtio[j].mac, mac, 6) == 0)
				cfg_fail(p, "mac: %02x:%02x:%02x:%02x:%02x:%02x is also given to %s",
					 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
					 v_i == vm_index ? "another device of this VM" :
					 p->labels[v_i]);
		}
	}
}

static void parse_device(struct parser *p, int node, unsigned vm_index, unsigned index,
			 struct vm_virtio_config *d, struct cfg_window *w, unsigned *nw)
{
	uint32_t allowed = d->type == VM_VIRTIO_BLK ? BLK_PROPS : NET_PROPS;
	uint32_t seen = cfg_check_props(p, node, virtio_props, XP_COUNT);
	uint64_t ipa;

	for (unsigned i = 0; i < XP_COUNT; i++) {
		if (HAS(seen, i) && !HAS(allowed, i))
			cfg_fail(p, "%s: not a %s property", virtio_props[i],
				 d->type == VM_VIRTIO_BLK ? "virtio-blk" : "virtio-net");
	}
	if (!HAS(seen, XP_IPA))
		cfg_fail(p, "ipa: missing (where the device's window goes)");
	else if (cfg_read_u64s(p, node, "ipa", &ipa, 1)) {
		d->ipa = ipa;
		if (!IS_ALIGNED(ipa, VIRTIO_WINDOW_SIZE))
			cfg_fail(p, "ipa: 0x%lx is not 0x%x aligned", ipa, VIRTIO_WINDOW_SIZE);
		else if (!range_within(ipa, VIRTIO_WINDOW_SIZE, 0, p->ipa_space))
			cfg_fail(p, "ipa: 0x%lx lies beyond the %u-bit IPA space", ipa, p->ipa_bits);
		else
			w[(*nw)++] = (struct cfg_window){ window_names[index], "", window_names[index],
							  ipa, VIRTIO_WINDOW_SIZE };
	}
	if (!HAS(seen, XP_INTERRUPT))
		cfg_fail(p, "interrupt: missing (an SPI INTID)");
	else if (cfg_read_u32(p, node, "interrupt", &d->irq) && !cfg_spi_ok(p, d->irq))
		cfg_fail(p, "interrupt: INTID %u is not an SPI (%u..%u)", d->irq, SPI_FIRST,
			 p->max_intid);
	if (d->type == VM_VIRTIO_NET) {
		parse_mac(p, node, vm_index, index, d);
		return;
	}
	d->read_only = HAS(seen, XP_READ_ONLY);
	if (HAS(seen, XP_DISK)) {
		if (HAS(seen, XP_RAMDISK) || HAS(seen, XP_SIZE))
			cfg_fail(p, "disk: give either disk or ramdisk/size, not both");
		parse_disk_slice(p, node, vm_index, index, d);
	} else {
		parse_ramdisk(p, node, seen, d);
	}
}

void cfg_parse_virtio(struct parser *p, int node, unsigned vm_index, struct cfg_window *w,
		      unsigned *nw)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	const char *vm_where = p->where;
	char where[LABEL_MAX + 48], buf[40];
	unsigned count = 0;

	for (int child = dt_first_child(p->dt, node); child >= 0;
	     child = dt_next_sibling(p->dt, child)) {
		const char *name = dt_node_name(p->dt, child);
		enum vm_virtio_type type;

		if (node_is(name, "virtio-blk")) {
			type = VM_VIRTIO_BLK;
		} else if (node_is(name, "virtio-net")) {
			type = VM_VIRTIO_NET;
		} else {
			cfg_fail(p, "unknown node '%s' (a VM takes virtio-blk@... and "
				 "virtio-net@... nodes)", cfg_text(buf, sizeof(buf), name));
			continue;
		}
		if (p->lim->no_virtio) {
			cfg_fail(p, "%s: virtio support is not built into this hypervisor",
				 cfg_text(buf, sizeof(buf), name));
			continue;
		}
		if (count == VM_MAX_VIRTIO) {
			cfg_fail(p, "more than %u virtio devices", VM_MAX_VIRTIO);
			break;
		}
		fmt_snprintf(where, sizeof(where), "%s: %s", vm_where, cfg_text(buf, sizeof(buf), name));
		p->where = where;
		vm->virtio[count].type = type;
		parse_device(p, child, vm_index, count, &vm->virtio[count], w, nw);
		p->where = vm_where;
		count++;
		vm->virtio_count = count;
	}
}

void cfg_check_virtio_irqs(struct parser *p, unsigned vm_index)
{
	const struct vm_config *vm = &p->out->vms[vm_index];

	for (unsigned i = 0; i < vm->virtio_count; i++) {
		uint32_t irq = vm->virtio[i].irq;

		if (!irq)
			continue;
		if (!vm->has_vgic)
			cfg_fail(p, "%s: interrupt: needs a vgic", window_names[i]);
		if (vm->has_vuart && irq == vm->vuart_irq)
			cfg_fail(p, "%s: interrupt: INTID %u is also the vuart's", window_names[i], irq);
		for (unsigned j = 0; j < vm->irq_count; j++) {
			if (vm->irqs[j] == irq)
				cfg_fail(p, "%s: interrupt: INTID %u is also in passthrough-irqs",
					 window_names[i], irq);
		}
		for (unsigned j = 0; j < i; j++) {
			if (vm->virtio[j].irq == irq)
				cfg_fail(p, "%s: interrupt: INTID %u is also %s's", window_names[i],
					 irq, window_names[j]);
		}
	}
}
