/* VM configuration reader and validator. It keeps going after an error so a
 * user sees every mistake in one boot; each message names the VM and field. */
#include "core/config_internal.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define GIC_MAX_SPI		1019	/* 1020..1023 are special INTIDs */
#define DEFAULT_IPA_BITS	40
#define DEFAULT_PA_BITS		44
#define DTB_MAGIC		0xd00dfeedU

/* arm64 Image header (Linux Documentation/arch/arm64/booting.rst). */
#define IMAGE_HEADER_SIZE	64
#define IMAGE_TEXT_OFFSET	8
#define IMAGE_SIZE		16
#define IMAGE_FLAGS		24
#define IMAGE_MAGIC_OFF		0x38
#define IMAGE_FLAG_BE		BIT(0)

static const char *const vm_props[VP_COUNT] = {
	"kernel", "kernel-ipa", "entry-ipa", "dtb", "dtb-ipa", "initrd", "initrd-ipa",
	"ram", "vcpus", "cpu-affinity", "vuart", "vuart-irq", "vgic",
	"passthrough-mmio", "passthrough-irqs", "dma-ram", "dma-mmio",
};

static const char *const root_props[] = { "compatible" };
static const char *const hyp_props[] = { "time-slice-us" };

void cfg_fail(struct parser *p, const char *fmt, ...)
{
	char msg[CONFIG_MSG_MAX];
	va_list ap;
	int n;

	p->errors++;
	if (!p->report || p->errors > CONFIG_MAX_ERRORS)
		return;
	n = fmt_snprintf(msg, sizeof(msg), "config: %s: ", p->where);
	if (n > 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		fmt_vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	p->report(p->ctx, msg);
}

/* Names and paths come from untrusted input and end up on a console: keep
 * them short and free of control characters. */
const char *cfg_text(char *buf, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] && cap > 4)
		memcpy(buf + cap - 4, "...", 4);
	return buf;
}

/* "[0x40000000, 0x44000000)", or "[base, +size)" when the end passes 2^64. */
const char *cfg_range(char *buf, uint64_t base, uint64_t size)
{
	if (size > UINT64_MAX - base)
		fmt_snprintf(buf, RANGE_STR_MAX, "[0x%lx, +0x%lx)", base, size);
	else
		fmt_snprintf(buf, RANGE_STR_MAX, "[0x%lx, 0x%lx)", base, base + size);
	return buf;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t space_size(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : BIT(bits);
}

/* Reports unknown and repeated properties; returns a bit per known one seen. */
uint32_t cfg_check_props(struct parser *p, int node, const char *const *known, unsigned count)
{
	char buf[40];
	const char *name;
	uint32_t seen = 0;
	unsigned i;
	int prop;

	for (prop = dt_first_prop(p->dt, node); prop >= 0; prop = dt_next_prop(p->dt, prop)) {
		if (!dt_prop_entry(p->dt, prop, &name, NULL))
			break;
		for (i = 0; i < count && strcmp(name, known[i]) != 0; i++)
			;
		if (i == count)
			cfg_fail(p, "unknown property '%s'", cfg_text(buf, sizeof(buf), name));
		else if (HAS(seen, i))
			cfg_fail(p, "%s: given twice", known[i]);
		else
			seen |= 1u << i;
	}
	return seen;
}

/* Nodes that take no subnodes. */
static void reject_children(struct parser *p, int node)
{
	const struct dt *dt = p->dt;
	char buf[40];
	int child;

	for (child = dt_first_child(dt, node); child >= 0; child = dt_next_sibling(dt, child))
		cfg_fail(p, "unknown node '%s'", cfg_text(buf, sizeof(buf), dt_node_name(dt, child)));
}

/* Reads a value of exactly 2 * count cells into out[count]. */
bool cfg_read_u64s(struct parser *p, int node, const char *prop, uint64_t *out, unsigned count)
{
	uint32_t len;
	const uint8_t *v = dt_prop(p->dt, node, prop, &len);
	unsigned i;

	if (!v || len != 8 * count) {
		cfg_fail(p, "%s: expected %u cells, found %u bytes", prop, 2 * count, v ? len : 0);
		return false;
	}
	for (i = 0; i < count; i++)
		out[i] = dt_be64(v + 8 * i);
	return true;
}

bool cfg_read_u32(struct parser *p, int node, const char *prop, uint32_t *out)
{
	if (dt_prop_u32(p->dt, node, prop, out))
		return true;
	cfg_fail(p, "%s: expected 1 cell", prop);
	return false;
}

/* A list of u32 cells; returns its length or -1 (reported). */
int cfg_read_u32_list(struct parser *p, int node, const char *prop, const uint8_t **cells)
{
	uint32_t len;

	*cells = dt_prop(p->dt, node, prop, &len);
	if (!*cells || len == 0 || len % 4 != 0) {
		cfg_fail(p, "%s: expected a list of cells, found %u bytes", prop, *cells ? len : 0);
		return -1;
	}
	return (int)(len / 4);
}

/* ------------------------------------------------------------ VM fields */

static bool name_valid(const char *name)
{
	size_t i, len = strnlen(name, VM_NAME_MAX + 1);

	if (len == 0 || len > VM_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void parse_name(struct parser *p, int node, unsigned index, struct vm_config *vm)
{
	const char *name = dt_node_name(p->dt, node);
	char buf[40];
	unsigned j;

	if (!name)
		name = "";
	p->where = p->labels[index];
	if (!name_valid(name)) {
		fmt_snprintf(p->labels[index], LABEL_MAX, "vm #%u", index);
		cfg_fail(p, "name: node name \"%s\" is not 1 to %u characters from [a-z0-9_-]",
			 cfg_text(buf, sizeof(buf), name), VM_NAME_MAX);
		return;
	}
	strncpy_bounded(vm->name, name, sizeof(vm->name));
	fmt_snprintf(p->labels[index], LABEL_MAX, "vm \"%s\"", vm->name);
	for (j = 0; j < index; j++) {
		if (strcmp(p->out->vms[j].name, vm->name) == 0)
			cfg_fail(p, "name: also used by vm #%u", j);
	}
}

static bool parse_ram(struct parser *p, int node, uint32_t seen, struct vm_config *vm)
{
	char r[RANGE_STR_MAX];
	uint64_t reg[2];
	bool ok = true;

	if (!HAS(seen, VP_RAM)) {
		cfg_fail(p, "ram: missing");
		return false;
	}
	if (!cfg_read_u64s(p, node, "ram", reg, 2))
		return false;
	vm->ram_ipa = reg[0];
	vm->ram_size = reg[1];
	if (!IS_ALIGNED(reg[0], VM_RAM_ALIGN)) {
		cfg_fail(p, "ram: base 0x%lx is not 2 MiB aligned", reg[0]);
		ok = false;
	}
	if (reg[1] == 0) {
		cfg_fail(p, "ram: size is 0");
		ok = false;
	} else if (!IS_ALIGNED(reg[1], VM_RAM_ALIGN)) {
		cfg_fail(p, "ram: size 0x%lx is not a multiple of 2 MiB", reg[1]);
		ok = false;
	}
	if (ok && !range_within(reg[0], reg[1], 0, p->ipa_space)) {
		cfg_fail(p, "ram: %s lies beyond the %u-bit IPA space",
			 cfg_range(r, reg[0], reg[1]), p->ipa_bits);
		ok = false;
	}
	return ok;
}

static void parse_cpus(struct parser *p, int node, uint32_t seen, struct vm_config *vm)
{
	const uint8_t *cells;
	uint32_t vcpus = 0;
	bool vcpus_ok = false;
	int count, i;

	if (!HAS(seen, VP_VCPUS)) {
		cfg_fail(p, "vcpus: missing");
	} else if (cfg_read_u32(p, node, "vcpus", &vcpus)) {
		vcpus_ok = vcpus >= 1 && vcpus <= MAX_VCPUS_PER_VM;
		if (!vcpus_ok)
			cfg_fail(p, "vcpus: %u is out of range 1..%u", vcpus, MAX_VCPUS_PER_VM);
		else
			vm->vcpu_count = vcpus;
	}
	if (!HAS(seen, VP_CPU_AFFINITY)) {
		cfg_fail(p, "cpu-affinity: missing");
		return;
	}
	count = cfg_read_u32_list(p, node, "cpu-affinity", &cells);
	if (count < 0)
		return;
	if (vcpus_ok && (uint32_t)count != vcpus)
		cfg_fail(p, "cpu-affinity: %d cores listed for %u vcpus", count, vcpus);
	for (i = 0; i < count; i++) {
		uint32_t core = dt_be32(cells + 4 * i);

		if (core >= p->lim->online_cpus)
			cfg_fail(p, "cpu-affinity: core %u is not online (%u cores)", core,
				 p->lim->online_cpus);
		if (i < MAX_VCPUS_PER_VM)
			vm->cpu_affinity[i] = core;
	}
}

/* Resolves a file property and its IPA. True when both are usable. */
static bool parse_image(struct parser *p, int node, uint32_t seen, enum vm_prop file_prop,
			struct vm_image *img, struct package_file *file)
{
	const char *field = vm_props[file_prop], *ipa_field = vm_props[file_prop + 1];
	char buf[72];
	const char *path;
	uint32_t len;
	uint64_t ipa;
	bool ok = true;
	int index;

	if (!HAS(seen, file_prop) && !HAS(seen, file_prop + 1)) {
		if (file_prop == VP_KERNEL) {
			cfg_fail(p, "kernel: missing");
			cfg_fail(p, "kernel-ipa: missing");
		}
		return false;
	}
	if (!HAS(seen, file_prop)) {
		cfg_fail(p, "%s: missing (%s is given)", field, ipa_field);
		ok = false;
	}
	if (!HAS(seen, file_prop + 1)) {
		cfg_fail(p, "%s: missing (%s is given)", ipa_field, field);
		ok = false;
	} else if (cfg_read_u64s(p, node, ipa_field, &ipa, 1)) {
		img->load_ipa = ipa;
	} else {
		ok = false;
	}
	if (!HAS(seen, file_prop))
		return false;

	path = dt_prop(p->dt, node, field, &len);
	if (!path || len < 2 || strnlen(path, len) != len - 1) {
		cfg_fail(p, "%s: expected one non-empty string", field);
		return false;
	}
	index = package_find(p->pkg, path, file);
	if (index < 0) {
		cfg_fail(p, "%s: '%s' is not in the package", field,
			 cfg_text(buf, sizeof(buf), path));
		return false;
	}
	if (file->size == 0) {
		cfg_fail(p, "%s: '%s' is empty", field, cfg_text(buf, sizeof(buf), path));
		return false;
	}
	if (!p->lim->skip_file_crc && !package_file_verify(file)) {
		cfg_fail(p, "%s: '%s' is corrupt (CRC32 mismatch)", field,
			 cfg_text(buf, sizeof(buf), path));
		return false;
	}
	img->file = (uint32_t)index;
	img->file_size = file->size;
	img->footprint = file->size;
	img->present = ok;
	return ok;
}

/* An arm64 Image goes text_offset above a 2 MiB aligned kernel-ipa and
 * needs image_size bytes there (its bss included); a flat binary is copied
 * to kernel-ipa as is. */
static bool parse_kernel_format(struct parser *p, struct vm_config *vm,
				const struct package_file *file)
{
	const uint8_t *hdr = file->data;
	uint64_t text_offset, image_size;

	if (file->size < IMAGE_HEADER_SIZE || memcmp(hdr + IMAGE_MAGIC_OFF, "ARM\x64", 4) != 0) {
		vm->kernel_format = VM_KERNEL_FLAT;
		return true;
	}
	vm->kernel_format = VM_KERNEL_ARM64_IMAGE;
	text_offset = le64(hdr + IMAGE_TEXT_OFFSET);
	image_size = le64(hdr + IMAGE_SIZE);
	vm->kernel_flags = le64(hdr + IMAGE_FLAGS);
	if (vm->kernel_flags & IMAGE_FLAG_BE)
		cfg_fail(p, "kernel: arm64 Image is big-endian");
	if (!IS_ALIGNED(vm->kernel.load_ipa, VM_RAM_ALIGN))
		cfg_fail(p, "kernel-ipa: 0x%lx is not 2 MiB aligned (arm64 Image)",
			 vm->kernel.load_ipa);
	/* The two errors below leave no footprint to place. */
	if (image_size == 0) {
		cfg_fail(p, "kernel: arm64 Image has image_size 0 (Linux before 3.17)");
		return false;
	}
	if (text_offset > UINT64_MAX - vm->kernel.load_ipa) {
		cfg_fail(p, "kernel: arm64 Image text_offset 0x%lx is too large", text_offset);
		return false;
	}
	vm->kernel.load_ipa += text_offset;
	vm->kernel.footprint = MAX(image_size, file->size);
	return true;
}

/* What Linux demands of its DTB. Placement is still checked afterwards. */
static void check_dtb_file(struct parser *p, const struct vm_image *img,
			   const struct package_file *file)
{
	char buf[72];

	if (file->size < 4 || dt_be32(file->data) != DTB_MAGIC)
		cfg_fail(p, "dtb: '%s' is not a device tree blob",
			 cfg_text(buf, sizeof(buf), file->name));
	if (file->size > VM_DTB_MAX_SIZE)
		cfg_fail(p, "dtb: 0x%lx bytes, more than the 2 MiB Linux accepts", file->size);
	if (!IS_ALIGNED(img->load_ipa, 8))
		cfg_fail(p, "dtb-ipa: 0x%lx is not 8-byte aligned", img->load_ipa);
}

static void parse_entry(struct parser *p, int node, uint32_t seen, struct vm_config *vm)
{
	const struct vm_image *k = &vm->kernel;
	const char *field = HAS(seen, VP_ENTRY_IPA) ? "entry-ipa" : "kernel-ipa";
	char r[RANGE_STR_MAX];

	vm->entry_ipa = k->load_ipa;
	if (HAS(seen, VP_ENTRY_IPA) && !cfg_read_u64s(p, node, "entry-ipa", &vm->entry_ipa, 1))
		return;
	if (!k->present)
		return;
	if (!IS_ALIGNED(vm->entry_ipa, 4))
		cfg_fail(p, "%s: entry point 0x%lx is not 4-byte aligned", field, vm->entry_ipa);
	/* A whole instruction must be there. */
	if (!range_within(vm->entry_ipa, 4, k->load_ipa, k->file_size))
		cfg_fail(p, "%s: entry point 0x%lx is outside the kernel %s", field, vm->entry_ipa,
			 cfg_range(r, k->load_ipa, k->file_size));
}

/* Every image inside RAM and clear of the others. */
static void place_images(struct parser *p, struct vm_config *vm, bool ram_ok)
{
	static const char *const names[3] = { "kernel", "dtb", "initrd" };
	const struct vm_image *imgs[3] = { &vm->kernel, &vm->dtb, &vm->initrd };
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];
	unsigned i, j;

	for (i = 0; i < 3; i++) {
		const struct vm_image *a = imgs[i];

		if (!a->present)
			continue;
		if (ram_ok && !range_within(a->load_ipa, a->footprint, vm->ram_ipa, vm->ram_size))
			cfg_fail(p, "%s: %s does not fit in ram %s", names[i],
				 cfg_range(r1, a->load_ipa, a->footprint),
				 cfg_range(r2, vm->ram_ipa, vm->ram_size));
		for (j = 0; j < i; j++) {
			const struct vm_image *b = imgs[j];

			if (b->present &&
			    ranges_overlap(a->load_ipa, a->footprint, b->load_ipa, b->footprint))
				cfg_fail(p, "%s: %s overlaps %s %s", names[i],
					 cfg_range(r1, a->load_ipa, a->footprint), names[j],
					 cfg_range(r2, b->load_ipa, b->footprint));
		}
	}
}

static void parse_images(struct parser *p, int node, uint32_t seen, struct vm_config *vm,
			 bool ram_ok)
{
	struct package_file file;

	if (parse_image(p, node, seen, VP_KERNEL, &vm->kernel, &file))
		vm->kernel.present = parse_kernel_format(p, vm, &file);
	parse_entry(p, node, seen, vm);
	if (parse_image(p, node, seen, VP_DTB, &vm->dtb, &file))
		check_dtb_file(p, &vm->dtb, &file);
	parse_image(p, node, seen, VP_INITRD, &vm->initrd, &file);
	place_images(p, vm, ram_ok);
}

static void parse_vm(struct parser *p, int node, unsigned index)
{
	struct vm_config *vm = &p->out->vms[index];
	uint32_t seen;
	bool ram_ok;

	memset(vm, 0, sizeof(*vm));
	parse_name(p, node, index, vm);
	seen = cfg_check_props(p, node, vm_props, VP_COUNT);
	ram_ok = parse_ram(p, node, seen, vm);
	parse_cpus(p, node, seen, vm);
	parse_images(p, node, seen, vm, ram_ok);
	cfg_parse_devices(p, node, seen, index, ram_ok);
	cfg_parse_irqs(p, node, seen, index);
	cfg_check_virtio_irqs(p, index);
}

/* ------------------------------------------------------------ the tree */

static void parse_hypervisor(struct parser *p, int node)
{
	uint32_t seen, us;

	p->where = "/hypervisor";
	seen = cfg_check_props(p, node, hyp_props, ARRAY_SIZE(hyp_props));
	reject_children(p, node);
	if (HAS(seen, 0) && cfg_read_u32(p, node, "time-slice-us", &us)) {
		if (us < CONFIG_MIN_TIME_SLICE_US || us > CONFIG_MAX_TIME_SLICE_US)
			cfg_fail(p, "time-slice-us: %u is out of range %u..%u", us,
				 CONFIG_MIN_TIME_SLICE_US, CONFIG_MAX_TIME_SLICE_US);
		else
			p->out->time_slice_us = us;
	}
}

static void parse_vms(struct parser *p, int node)
{
	uint64_t total = 0;
	unsigned count = 0, i;
	int vm;

	p->where = "/vms";
	cfg_check_props(p, node, NULL, 0);
	for (vm = dt_first_child(p->dt, node); vm >= 0; vm = dt_next_sibling(p->dt, vm)) {
		if (count < MAX_VMS)
			parse_vm(p, vm, count);
		count++;
	}
	p->where = "/vms";
	if (count == 0)
		cfg_fail(p, "no VMs");
	if (count > MAX_VMS)
		cfg_fail(p, "%u VMs, at most %u are supported", count, MAX_VMS);
	p->out->vm_count = MIN(count, MAX_VMS);
	/* dma-ram and RAM disks come out of the same memory as guest RAM. */
	for (i = 0; i < p->out->vm_count; i++) {
		const struct vm_config *vm = &p->out->vms[i];

		total += MIN(vm->ram_size, UINT64_MAX - total);
		total += MIN(vm->dma_ram_size, UINT64_MAX - total);
		for (unsigned d = 0; d < vm->virtio_count; d++) {
			if (vm->virtio[d].type == VM_VIRTIO_BLK &&
			    vm->virtio[d].backing == VM_BLK_RAMDISK)
				total += MIN(vm->virtio[d].disk_size, UINT64_MAX - total);
		}
	}
	if (total > p->lim->ram_available)
		cfg_fail(p, "total guest memory (RAM, dma-ram, RAM disks) 0x%lx is more than the "
			 "0x%lx available", total, p->lim->ram_available);
}

static void parse_root(struct parser *p)
{
	char buf[40];
	const char *name;
	int node, hyp = -1, vms = -1;

	p->where = "/";
	cfg_check_props(p, 0, root_props, ARRAY_SIZE(root_props));
	if (!dt_is_compatible(p->dt, 0, CONFIG_COMPATIBLE))
		cfg_fail(p, "compatible: must be \"%s\"", CONFIG_COMPATIBLE);
	for (node = dt_first_child(p->dt, 0); node >= 0; node = dt_next_sibling(p->dt, node)) {
		int *slot = NULL;

		name = dt_node_name(p->dt, node);
		if (strcmp(name, "hypervisor") == 0)
			slot = &hyp;
		else if (strcmp(name, "vms") == 0)
			slot = &vms;
		if (!slot)
			cfg_fail(p, "unknown node '%s'", cfg_text(buf, sizeof(buf), name));
		else if (*slot >= 0)
			cfg_fail(p, "node '%s' given twice", name);
		else
			*slot = node;
	}
	if (hyp >= 0)
		parse_hypervisor(p, hyp);
	if (vms >= 0) {
		parse_vms(p, vms);
	} else {
		p->where = "/";
		cfg_fail(p, "vms: missing");
	}
}

int config_parse_dtb(const void *dtb, size_t dtb_size, const struct package *pkg,
		     const struct config_limits_in *lim, struct hyp_config *out,
		     config_report_fn report, void *ctx)
{
	struct parser p;
	struct dt dt;
	int err;

	memset(&p, 0, sizeof(p));
	memset(out, 0, sizeof(*out));
	out->time_slice_us = CONFIG_DEFAULT_TIME_SLICE_US;
	p.pkg = pkg;
	p.lim = lim;
	p.report = report;
	p.ctx = ctx;
	p.out = out;
	p.ipa_bits = lim->ipa_bits ? lim->ipa_bits : DEFAULT_IPA_BITS;
	p.pa_bits = lim->pa_bits ? lim->pa_bits : DEFAULT_PA_BITS;
	p.ipa_space = space_size(p.ipa_bits);
	p.pa_space = space_size(p.pa_bits);
	p.max_intid = lim->max_intid && lim->max_intid < GIC_MAX_SPI ? lim->max_intid
								      : GIC_MAX_SPI;
	p.dt = &dt;
	p.where = "/";

	err = dt_open(&dt, dtb, dtb_size);
	if (err) {
		cfg_fail(&p, "cannot read the configuration device tree: %s", dt_strerror(err));
		return (int)p.errors;
	}
	parse_root(&p);
	if (p.errors > CONFIG_MAX_ERRORS && report) {
		char msg[CONFIG_MSG_MAX];

		fmt_snprintf(msg, sizeof(msg), "config: %u more errors not shown",
			     p.errors - CONFIG_MAX_ERRORS);
		report(ctx, msg);
	}
	return (int)p.errors;
}

int config_parse(const struct package *pkg, const struct config_limits_in *lim,
		 struct hyp_config *out, config_report_fn report, void *ctx)
{
	return config_parse_dtb(pkg->config, pkg->config_size, pkg, lim, out, report, ctx);
}
