/* VM configuration reader and validator. It keeps going after an error so a
 * user sees every mistake in one boot; each message names the VM and field. */
#include "core/config.h"
#include "lib/fdt.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define SPI_FIRST		32
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

#define LABEL_MAX		40
#define RANGE_STR_MAX		48
#define MAX_WINDOWS		(4 + VM_MAX_PASSTHROUGH_MMIO)

enum vm_prop {
	VP_KERNEL, VP_KERNEL_IPA, VP_ENTRY_IPA, VP_DTB, VP_DTB_IPA, VP_INITRD, VP_INITRD_IPA,
	VP_RAM, VP_VCPUS, VP_CPU_AFFINITY, VP_VUART, VP_VUART_IRQ, VP_VGIC,
	VP_PT_MMIO, VP_PT_IRQS, VP_COUNT
};

static const char *const vm_props[VP_COUNT] = {
	"kernel", "kernel-ipa", "entry-ipa", "dtb", "dtb-ipa", "initrd", "initrd-ipa",
	"ram", "vcpus", "cpu-affinity", "vuart", "vuart-irq", "vgic",
	"passthrough-mmio", "passthrough-irqs",
};

static const char *const root_props[] = { "compatible" };
static const char *const hyp_props[] = { "time-slice-us" };

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
	char labels[MAX_VMS][LABEL_MAX];
};

/* One guest-physical window, for the overlap checks. */
struct window {
	const char *field;	/* message prefix: the property */
	const char *part;	/* which part of the property, "" or "CPU interface " */
	const char *desc;	/* how other windows name it */
	uint64_t base, size;
};

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct parser *p, const char *fmt, ...)
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
static const char *printable(char *buf, size_t cap, const char *s)
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
static const char *range_str(char *buf, uint64_t base, uint64_t size)
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
static uint32_t check_props(struct parser *p, int node, const char *const *known, unsigned count)
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
			fail(p, "unknown property '%s'", printable(buf, sizeof(buf), name));
		else if (HAS(seen, i))
			fail(p, "%s: given twice", known[i]);
		seen |= 1u << i;
	}
	return seen;
}

/* Reads a value of exactly ncells cells into out[] (2 cells per u64). */
static bool read_u64s(struct parser *p, int node, const char *prop, uint64_t *out, unsigned count)
{
	uint32_t len;
	const uint8_t *v = dt_prop(p->dt, node, prop, &len);
	unsigned i;

	if (!v || len != 8 * count) {
		fail(p, "%s: expected %u cells, found %u bytes", prop, 2 * count, v ? len : 0);
		return false;
	}
	for (i = 0; i < count; i++)
		out[i] = dt_be64(v + 8 * i);
	return true;
}

static bool read_u32(struct parser *p, int node, const char *prop, uint32_t *out)
{
	if (dt_prop_u32(p->dt, node, prop, out))
		return true;
	fail(p, "%s: expected 1 cell", prop);
	return false;
}

/* A list of u32 cells; returns its length or -1 (reported). */
static int read_u32_list(struct parser *p, int node, const char *prop, const uint8_t **cells)
{
	uint32_t len;

	*cells = dt_prop(p->dt, node, prop, &len);
	if (!*cells || len == 0 || len % 4 != 0) {
		fail(p, "%s: expected a list of cells, found %u bytes", prop, *cells ? len : 0);
		return -1;
	}
	return (int)(len / 4);
}

static bool spi_in_range(const struct parser *p, uint32_t intid)
{
	return intid >= SPI_FIRST && intid <= p->max_intid;
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
		fail(p, "name: node name \"%s\" is not 1 to %u characters from [a-z0-9_-]",
		     printable(buf, sizeof(buf), name), VM_NAME_MAX);
		return;
	}
	strncpy_bounded(vm->name, name, sizeof(vm->name));
	fmt_snprintf(p->labels[index], LABEL_MAX, "vm \"%s\"", vm->name);
	for (j = 0; j < index; j++) {
		if (strcmp(p->out->vms[j].name, vm->name) == 0)
			fail(p, "name: also used by vm #%u", j);
	}
}

static bool parse_ram(struct parser *p, int node, uint32_t seen, struct vm_config *vm)
{
	char r[RANGE_STR_MAX];
	uint64_t reg[2];
	bool ok = true;

	if (!HAS(seen, VP_RAM)) {
		fail(p, "ram: missing");
		return false;
	}
	if (!read_u64s(p, node, "ram", reg, 2))
		return false;
	vm->ram_ipa = reg[0];
	vm->ram_size = reg[1];
	if (!IS_ALIGNED(reg[0], VM_RAM_ALIGN)) {
		fail(p, "ram: base 0x%lx is not 2 MiB aligned", reg[0]);
		ok = false;
	}
	if (reg[1] == 0) {
		fail(p, "ram: size is 0");
		ok = false;
	} else if (!IS_ALIGNED(reg[1], VM_RAM_ALIGN)) {
		fail(p, "ram: size 0x%lx is not a multiple of 2 MiB", reg[1]);
		ok = false;
	}
	if (ok && !range_within(reg[0], reg[1], 0, p->ipa_space)) {
		fail(p, "ram: %s lies beyond the %u-bit IPA space", range_str(r, reg[0], reg[1]),
		     p->ipa_bits);
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
		fail(p, "vcpus: missing");
	} else if (read_u32(p, node, "vcpus", &vcpus)) {
		vcpus_ok = vcpus >= 1 && vcpus <= MAX_VCPUS_PER_VM;
		if (!vcpus_ok)
			fail(p, "vcpus: %u is out of range 1..%u", vcpus, MAX_VCPUS_PER_VM);
		else
			vm->vcpu_count = vcpus;
	}
	if (!HAS(seen, VP_CPU_AFFINITY)) {
		fail(p, "cpu-affinity: missing");
		return;
	}
	count = read_u32_list(p, node, "cpu-affinity", &cells);
	if (count < 0)
		return;
	if (vcpus_ok && (uint32_t)count != vcpus)
		fail(p, "cpu-affinity: %d cores listed for %u vcpus", count, vcpus);
	for (i = 0; i < count; i++) {
		uint32_t core = dt_be32(cells + 4 * i);

		if (core >= p->lim->online_cpus)
			fail(p, "cpu-affinity: core %u is not online (%u cores)", core,
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
			fail(p, "kernel: missing");
			fail(p, "kernel-ipa: missing");
		}
		return false;
	}
	if (!HAS(seen, file_prop)) {
		fail(p, "%s: missing (%s is given)", field, ipa_field);
		ok = false;
	}
	if (!HAS(seen, file_prop + 1)) {
		fail(p, "%s: missing (%s is given)", ipa_field, field);
		ok = false;
	} else if (read_u64s(p, node, ipa_field, &ipa, 1)) {
		img->load_ipa = ipa;
	} else {
		ok = false;
	}
	if (!HAS(seen, file_prop))
		return false;

	path = dt_prop(p->dt, node, field, &len);
	if (!path || len < 2 || strnlen(path, len) != len - 1) {
		fail(p, "%s: expected one non-empty string", field);
		return false;
	}
	index = package_find(p->pkg, path, file);
	if (index < 0) {
		fail(p, "%s: '%s' is not in the package", field, printable(buf, sizeof(buf), path));
		return false;
	}
	if (file->size == 0) {
		fail(p, "%s: '%s' is empty", field, printable(buf, sizeof(buf), path));
		return false;
	}
	if (!p->lim->skip_file_crc && !package_file_verify(file)) {
		fail(p, "%s: '%s' is corrupt (CRC32 mismatch)", field,
		     printable(buf, sizeof(buf), path));
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
		fail(p, "kernel: arm64 Image is big-endian");
	if (!IS_ALIGNED(vm->kernel.load_ipa, VM_RAM_ALIGN))
		fail(p, "kernel-ipa: 0x%lx is not 2 MiB aligned (arm64 Image)", vm->kernel.load_ipa);
	/* The two errors below leave no footprint to place. */
	if (image_size == 0) {
		fail(p, "kernel: arm64 Image has image_size 0 (Linux before 3.17)");
		return false;
	}
	if (text_offset > UINT64_MAX - vm->kernel.load_ipa) {
		fail(p, "kernel: arm64 Image text_offset 0x%lx is too large", text_offset);
		return false;
	}
	vm->kernel.load_ipa += text_offset;
	vm->kernel.footprint = MAX(image_size, file->size);
	return true;
}

static bool check_dtb_file(struct parser *p, const struct vm_image *img,
			   const struct package_file *file)
{
	char buf[72];
	bool ok = true;

	if (file->size < 4 || dt_be32(file->data) != DTB_MAGIC) {
		fail(p, "dtb: '%s' is not a device tree blob", printable(buf, sizeof(buf), file->name));
		ok = false;
	}
	if (file->size > VM_DTB_MAX_SIZE) {
		fail(p, "dtb: 0x%lx bytes, more than the 2 MiB Linux accepts", file->size);
		ok = false;
	}
	if (!IS_ALIGNED(img->load_ipa, 8)) {
		fail(p, "dtb-ipa: 0x%lx is not 8-byte aligned", img->load_ipa);
		ok = false;
	}
	return ok;
}

static void parse_entry(struct parser *p, int node, uint32_t seen, struct vm_config *vm)
{
	const struct vm_image *k = &vm->kernel;
	const char *field = HAS(seen, VP_ENTRY_IPA) ? "entry-ipa" : "kernel-ipa";
	char r[RANGE_STR_MAX];

	vm->entry_ipa = k->load_ipa;
	if (HAS(seen, VP_ENTRY_IPA) && !read_u64s(p, node, "entry-ipa", &vm->entry_ipa, 1))
		return;
	if (!k->present)
		return;
	if (!IS_ALIGNED(vm->entry_ipa, 4))
		fail(p, "%s: entry point 0x%lx is not 4-byte aligned", field, vm->entry_ipa);
	/* A whole instruction must be there. */
	if (!range_within(vm->entry_ipa, 4, k->load_ipa, k->file_size))
		fail(p, "%s: entry point 0x%lx is outside the kernel %s", field, vm->entry_ipa,
		     range_str(r, k->load_ipa, k->file_size));
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
			fail(p, "%s: %s does not fit in ram %s", names[i],
			     range_str(r1, a->load_ipa, a->footprint),
			     range_str(r2, vm->ram_ipa, vm->ram_size));
		for (j = 0; j < i; j++) {
			const struct vm_image *b = imgs[j];

			if (b->present &&
			    ranges_overlap(a->load_ipa, a->footprint, b->load_ipa, b->footprint))
				fail(p, "%s: %s overlaps %s %s", names[i],
				     range_str(r1, a->load_ipa, a->footprint), names[j],
				     range_str(r2, b->load_ipa, b->footprint));
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
		vm->dtb.present = check_dtb_file(p, &vm->dtb, &file);
	parse_image(p, node, seen, VP_INITRD, &vm->initrd, &file);
	place_images(p, vm, ram_ok);
}

/* ------------------------------------------------- devices and windows */

static bool add_window(struct parser *p, struct window *w, unsigned *count, const char *field,
		       const char *part, const char *desc, uint64_t base, uint64_t size)
{
	char r[RANGE_STR_MAX];

	if (!IS_ALIGNED(base, PAGE_SIZE)) {
		fail(p, "%s: %s0x%lx is not 4 KiB aligned", field, part, base);
		return false;
	}
	if (!range_within(base, size, 0, p->ipa_space)) {
		fail(p, "%s: %s%s lies beyond the %u-bit IPA space", field, part,
		     range_str(r, base, size), p->ipa_bits);
		return false;
	}
	w[*count] = (struct window){ field, part, desc, base, size };
	(*count)++;
	return true;
}

static void check_windows(struct parser *p, const struct window *w, unsigned count)
{
	char r1[RANGE_STR_MAX], r2[RANGE_STR_MAX];
	unsigned i, j;

	for (i = 1; i < count; i++) {
		for (j = 0; j < i; j++) {
			if (ranges_overlap(w[i].base, w[i].size, w[j].base, w[j].size))
				fail(p, "%s: %s%s overlaps %s %s", w[i].field, w[i].part,
				     range_str(r1, w[i].base, w[i].size), w[j].desc,
				     range_str(r2, w[j].base, w[j].size));
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
		fail(p, "passthrough-mmio[%u]: PA %s lies beyond the %u-bit physical address space",
		     i, range_str(r1, m->pa, m->size), p->pa_bits);
		return;
	}
	for (j = 0; j < p->lim->forbidden_count; j++) {
		const struct mem_range *f = &p->lim->forbidden[j];

		if (ranges_overlap(m->pa, m->size, f->base, f->size))
			fail(p, "passthrough-mmio[%u]: PA %s overlaps hypervisor memory %s", i,
			     range_str(r1, m->pa, m->size), range_str(r2, f->base, f->size));
	}
	for (v = 0; v <= vm_index; v++) {
		const struct vm_config *other = &p->out->vms[v];
		unsigned n = v == vm_index ? i : other->mmio_count;

		for (j = 0; j < n; j++) {
			if (!ranges_overlap(m->pa, m->size, other->mmio[j].pa, other->mmio[j].size))
				continue;
			if (v == vm_index)
				fail(p, "passthrough-mmio[%u]: PA %s overlaps passthrough-mmio[%u]", i,
				     range_str(r1, m->pa, m->size), j);
			else
				fail(p, "passthrough-mmio[%u]: PA %s is also given to %s", i,
				     range_str(r1, m->pa, m->size), p->labels[v]);
		}
	}
}

/* Every entry is stored at its own index, bad ones too, so messages and
 * later cross-checks agree on numbering; a bad config is never used. */
static void parse_mmio(struct parser *p, int node, unsigned vm_index, struct window *w,
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
		fail(p, "passthrough-mmio: expected entries of 6 cells <PA size IPA>, found %u bytes",
		     v ? len : 0);
		return;
	}
	count = len / 24;
	if (count > VM_MAX_PASSTHROUGH_MMIO) {
		fail(p, "passthrough-mmio: %u regions, at most %u", count, VM_MAX_PASSTHROUGH_MMIO);
		count = VM_MAX_PASSTHROUGH_MMIO;
	}
	vm->mmio_count = count;
	for (i = 0; i < count; i++) {
		struct vm_mmio_passthrough *m = &vm->mmio[i];

		m->pa = dt_be64(v + 24 * i);
		m->size = dt_be64(v + 24 * i + 8);
		m->ipa = dt_be64(v + 24 * i + 16);
		if (m->size == 0 || !IS_ALIGNED(m->pa | m->size | m->ipa, PAGE_SIZE)) {
			fail(p, "%s: PA 0x%lx, size 0x%lx and IPA 0x%lx must be 4 KiB aligned and "
			     "the size non-zero", names[i], m->pa, m->size, m->ipa);
			continue;
		}
		check_mmio_pa(p, vm_index, i);
		add_window(p, w, nw, names[i], "IPA ", names[i], m->ipa, m->size);
	}
}

static void parse_devices(struct parser *p, int node, uint32_t seen, unsigned vm_index,
			  bool ram_ok)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	struct window w[MAX_WINDOWS];
	unsigned nw = 0;
	uint64_t v[2];

	if (ram_ok)
		w[nw++] = (struct window){ "ram", "", "ram", vm->ram_ipa, vm->ram_size };
	if (HAS(seen, VP_VUART) && read_u64s(p, node, "vuart", v, 1)) {
		vm->vuart_ipa = v[0];
		vm->has_vuart = add_window(p, w, &nw, "vuart", "", "vuart", v[0], VM_VUART_SIZE);
	}
	if (HAS(seen, VP_VGIC) && read_u64s(p, node, "vgic", v, 2)) {
		vm->vgicd_ipa = v[0];
		vm->vgicc_ipa = v[1];
		vm->has_vgic = add_window(p, w, &nw, "vgic", "distributor ", "vgic distributor",
					  v[0], VM_VGICD_SIZE);
		vm->has_vgic &= add_window(p, w, &nw, "vgic", "CPU interface ",
					   "vgic CPU interface", v[1], VM_VGICC_SIZE);
	}
	if (HAS(seen, VP_PT_MMIO))
		parse_mmio(p, node, vm_index, w, &nw);
	check_windows(p, w, nw);
}

static void check_irq_owner(struct parser *p, unsigned vm_index, uint32_t intid)
{
	unsigned v, j;

	for (j = 0; j < p->lim->forbidden_irq_count; j++) {
		if (p->lim->forbidden_irqs[j] == intid)
			fail(p, "passthrough-irqs: INTID %u is used by the hypervisor", intid);
	}
	for (v = 0; v < vm_index; v++) {
		for (j = 0; j < p->out->vms[v].irq_count; j++) {
			if (p->out->vms[v].irqs[j] == intid)
				fail(p, "passthrough-irqs: INTID %u is also given to %s", intid,
				     p->labels[v]);
		}
	}
}

static void parse_irqs(struct parser *p, int node, uint32_t seen, unsigned vm_index)
{
	struct vm_config *vm = &p->out->vms[vm_index];
	const uint8_t *cells;
	uint32_t irq;
	int count, i;
	unsigned j;

	count = HAS(seen, VP_PT_IRQS) ? read_u32_list(p, node, "passthrough-irqs", &cells) : 0;
	if (count > 0) {
		if (!vm->has_vgic)
			fail(p, "passthrough-irqs: needs a vgic");
		if (count > VM_MAX_PASSTHROUGH_IRQS)
			fail(p, "passthrough-irqs: %d entries, at most %u", count,
			     VM_MAX_PASSTHROUGH_IRQS);
		for (i = 0; i < count && i < VM_MAX_PASSTHROUGH_IRQS; i++) {
			irq = dt_be32(cells + 4 * i);
			if (!spi_in_range(p, irq)) {
				fail(p, "passthrough-irqs: INTID %u is not an SPI (%u..%u)", irq,
				     SPI_FIRST, p->max_intid);
				continue;
			}
			for (j = 0; j < vm->irq_count && vm->irqs[j] != irq; j++)
				;
			if (j < vm->irq_count) {
				fail(p, "passthrough-irqs: INTID %u is listed twice", irq);
				continue;
			}
			check_irq_owner(p, vm_index, irq);
			vm->irqs[vm->irq_count++] = irq;
		}
	}
	if (!HAS(seen, VP_VUART_IRQ) || !read_u32(p, node, "vuart-irq", &irq))
		return;
	if (!HAS(seen, VP_VUART))
		fail(p, "vuart-irq: given without vuart");
	if (!vm->has_vgic)
		fail(p, "vuart-irq: needs a vgic");
	if (!spi_in_range(p, irq)) {
		fail(p, "vuart-irq: INTID %u is not an SPI (%u..%u)", irq, SPI_FIRST, p->max_intid);
		return;
	}
	for (j = 0; j < vm->irq_count; j++) {
		if (vm->irqs[j] == irq)
			fail(p, "vuart-irq: INTID %u is also in passthrough-irqs", irq);
	}
	vm->vuart_irq = irq;
}

static void parse_vm(struct parser *p, int node, unsigned index)
{
	struct vm_config *vm = &p->out->vms[index];
	char buf[40];
	uint32_t seen;
	bool ram_ok;
	int child;

	memset(vm, 0, sizeof(*vm));
	parse_name(p, node, index, vm);
	seen = check_props(p, node, vm_props, VP_COUNT);
	child = dt_first_child(p->dt, node);
	if (child >= 0)
		fail(p, "unknown node '%s'", printable(buf, sizeof(buf), dt_node_name(p->dt, child)));
	ram_ok = parse_ram(p, node, seen, vm);
	parse_cpus(p, node, seen, vm);
	parse_images(p, node, seen, vm, ram_ok);
	parse_devices(p, node, seen, index, ram_ok);
	parse_irqs(p, node, seen, index);
}

/* ------------------------------------------------------------ the tree */

static void parse_hypervisor(struct parser *p, int node)
{
	char buf[40];
	uint32_t seen, us;
	int child;

	p->where = "/hypervisor";
	seen = check_props(p, node, hyp_props, ARRAY_SIZE(hyp_props));
	child = dt_first_child(p->dt, node);
	if (child >= 0)
		fail(p, "unknown node '%s'", printable(buf, sizeof(buf), dt_node_name(p->dt, child)));
	if (HAS(seen, 0) && read_u32(p, node, "time-slice-us", &us)) {
		if (us < CONFIG_MIN_TIME_SLICE_US || us > CONFIG_MAX_TIME_SLICE_US)
			fail(p, "time-slice-us: %u is out of range %u..%u", us,
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
	check_props(p, node, NULL, 0);
	for (vm = dt_first_child(p->dt, node); vm >= 0; vm = dt_next_sibling(p->dt, vm)) {
		if (count < MAX_VMS)
			parse_vm(p, vm, count);
		count++;
	}
	p->where = "/vms";
	if (count == 0)
		fail(p, "no VMs");
	if (count > MAX_VMS)
		fail(p, "%u VMs, at most %u are supported", count, MAX_VMS);
	p->out->vm_count = MIN(count, MAX_VMS);
	for (i = 0; i < p->out->vm_count; i++)
		total += MIN(p->out->vms[i].ram_size, UINT64_MAX - total);
	if (total > p->lim->ram_available)
		fail(p, "total guest RAM 0x%lx is more than the 0x%lx available", total,
		     p->lim->ram_available);
}

static void parse_root(struct parser *p)
{
	char buf[40];
	const char *name;
	int node, hyp = -1, vms = -1;

	p->where = "/";
	check_props(p, 0, root_props, ARRAY_SIZE(root_props));
	if (!dt_is_compatible(p->dt, 0, CONFIG_COMPATIBLE))
		fail(p, "compatible: must be \"%s\"", CONFIG_COMPATIBLE);
	for (node = dt_first_child(p->dt, 0); node >= 0; node = dt_next_sibling(p->dt, node)) {
		int *slot = NULL;

		name = dt_node_name(p->dt, node);
		if (strcmp(name, "hypervisor") == 0)
			slot = &hyp;
		else if (strcmp(name, "vms") == 0)
			slot = &vms;
		if (!slot)
			fail(p, "unknown node '%s'", printable(buf, sizeof(buf), name));
		else if (*slot >= 0)
			fail(p, "node '%s' given twice", name);
		else
			*slot = node;
	}
	if (hyp >= 0)
		parse_hypervisor(p, hyp);
	if (vms >= 0) {
		parse_vms(p, vms);
	} else {
		p->where = "/";
		fail(p, "vms: missing");
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
	p.max_intid = (lim->max_intid && lim->max_intid < GIC_MAX_SPI) ? lim->max_intid : GIC_MAX_SPI;
	p.dt = &dt;
	p.where = "/";

	err = dt_open(&dt, dtb, dtb_size);
	if (err) {
		fail(&p, "cannot read the configuration device tree: %s", dt_strerror(err));
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
