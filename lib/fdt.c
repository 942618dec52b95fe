/* Flattened device tree reader: every offset and length read from the blob is
 * checked against its block before use, since VM configs are untrusted input. */
#include "lib/fdt.h"
#include "lib/string.h"

#define FDT_MAGIC 0xd00dfeedU
#define FDT_HEADER_V16_SIZE 36U
#define FDT_HEADER_V17_SIZE 40U
#define FDT_RSV_ENTRY_SIZE 16U

enum fdt_token {
	TOK_BEGIN_NODE = 1,
	TOK_END_NODE = 2,
	TOK_PROP = 3,
	TOK_NOP = 4,
	TOK_END = 9,
};

/* One decoded structure-block token; name/value point into the blob. */
struct token {
	uint32_t tag;
	uint32_t next;		/* offset of the following token */
	const char *name;	/* node name (BEGIN_NODE) or property name (PROP) */
	const uint8_t *value;	/* PROP only */
	uint32_t len;		/* PROP only */
};

static uint32_t align4(uint64_t x)
{
	return (uint32_t)ALIGN_UP(x, 4);
}

/* The one place that turns a structure offset into pointers: everything it
 * hands out has been checked to lie inside the structure or strings block. */
static int read_token(const struct dt *dt, int handle, struct token *tok)
{
	const uint8_t *s;
	uint32_t off, room;
	size_t n;

	if (handle < 0 || !IS_ALIGNED((uint32_t)handle, 4))
		return -DT_ERR_BADHANDLE;
	off = (uint32_t)handle;
	if (dt->struct_size < 4 || off > dt->struct_size - 4)
		return -DT_ERR_BADSTRUCT;
	s = dt->blob + dt->struct_off;
	tok->tag = dt_be32(s + off);
	tok->name = NULL;
	tok->value = NULL;
	tok->len = 0;
	switch (tok->tag) {
	case TOK_BEGIN_NODE:
		room = dt->struct_size - (off + 4);
		tok->name = (const char *)s + off + 4;
		n = strnlen(tok->name, room);
		if (n == room)
			return -DT_ERR_BADSTRUCT;
		tok->next = align4((uint64_t)off + 4 + n + 1);
		return 0;
	case TOK_PROP: {
		uint32_t nameoff;

		if (dt->struct_size - off < 12)
			return -DT_ERR_BADSTRUCT;
		tok->len = dt_be32(s + off + 4);
		nameoff = dt_be32(s + off + 8);
		if (tok->len > dt->struct_size - (off + 12))
			return -DT_ERR_BADSTRUCT;
		tok->value = s + off + 12;
		tok->next = align4((uint64_t)off + 12 + tok->len);
		if (nameoff >= dt->strings_size)
			return -DT_ERR_BADSTRING;
		room = dt->strings_size - nameoff;
		tok->name = (const char *)dt->blob + dt->strings_off + nameoff;
		if (strnlen(tok->name, room) == room)
			return -DT_ERR_BADSTRING;
		return 0;
	}
	case TOK_END_NODE:
	case TOK_NOP:
	case TOK_END:
		tok->next = off + 4;
		return 0;
	default:
		return -DT_ERR_BADSTRUCT;
	}
}

/* One pass over the structure block so later walks meet only well-formed
 * trees; the walkers still check each token, as handles come from callers. */
static int check_structure(const struct dt *dt)
{
	struct token tok;
	uint32_t off = 0;
	int depth = 0;
	bool had_child = false;
	int err;

	for (;;) {
		err = read_token(dt, (int)off, &tok);
		if (err)
			return err;
		switch (tok.tag) {
		case TOK_BEGIN_NODE:
			if (depth == 0 && off != 0)
				return -DT_ERR_BADSTRUCT;	/* a second root */
			if (depth >= DT_MAX_DEPTH)
				return -DT_ERR_DEPTH;
			depth++;
			had_child = false;
			break;
		case TOK_END_NODE:
			if (depth == 0)
				return -DT_ERR_BADSTRUCT;
			depth--;
			had_child = true;
			break;
		case TOK_PROP:
			/* Lookups stop at the first subnode, so a later property
			 * would be invisible: reject rather than ignore it. */
			if (depth == 0 || had_child)
				return -DT_ERR_BADSTRUCT;
			break;
		case TOK_NOP:
			if (off == 0)
				return -DT_ERR_BADSTRUCT;	/* root must sit at 0 */
			break;
		case TOK_END:
			return (depth == 0 && off != 0) ? 0 : -DT_ERR_BADSTRUCT;
		}
		off = tok.next;
	}
}

static bool block_inside(uint32_t off, uint32_t size, uint32_t hdr_size, uint32_t total)
{
	return off >= hdr_size && off <= total && size <= total - off;
}

int dt_open(struct dt *dt, const void *blob, size_t max_size)
{
	const uint8_t *b = blob;
	struct dt d;
	uint32_t version, hdr_size, total, off;
	int err;

	memset(dt, 0, sizeof(*dt));
	memset(&d, 0, sizeof(d));
	if (!blob || max_size < 8)
		return -DT_ERR_TRUNCATED;
	if (dt_be32(b) != FDT_MAGIC)
		return -DT_ERR_BADMAGIC;
	if (max_size < FDT_HEADER_V16_SIZE)
		return -DT_ERR_TRUNCATED;
	version = dt_be32(b + 20);
	if (version < 16 || dt_be32(b + 24) > 17)
		return -DT_ERR_BADVERSION;
	hdr_size = version >= 17 ? FDT_HEADER_V17_SIZE : FDT_HEADER_V16_SIZE;
	total = dt_be32(b + 4);
	if (max_size < hdr_size || total > max_size)
		return -DT_ERR_TRUNCATED;
	if (total < hdr_size)
		return -DT_ERR_BADLAYOUT;

	d.blob = b;
	d.total_size = total;
	d.struct_off = dt_be32(b + 8);
	d.strings_off = dt_be32(b + 12);
	d.rsvmap_off = dt_be32(b + 16);
	d.boot_cpuid = dt_be32(b + 28);
	d.strings_size = dt_be32(b + 32);
	if (version >= 17) {
		d.struct_size = dt_be32(b + 36);
	} else {
		/* v16 has no struct size: the block may run to the end. */
		d.struct_size = d.struct_off <= total ? (uint32_t)ALIGN_DOWN(total - d.struct_off, 4) : 0;
	}
	if (!block_inside(d.struct_off, d.struct_size, hdr_size, total) ||
	    !block_inside(d.strings_off, d.strings_size, hdr_size, total) ||
	    !block_inside(d.rsvmap_off, 0, hdr_size, total))
		return -DT_ERR_BADLAYOUT;
	/* Handles are ints, so the structure block must fit below INT_MAX. */
	if (!IS_ALIGNED(d.struct_off, 4) || !IS_ALIGNED(d.struct_size, 4) ||
	    !IS_ALIGNED(d.rsvmap_off, 8) || d.struct_size > 0x7ffffffcU)
		return -DT_ERR_BADLAYOUT;

	/* The spec ends the map with a 0/0 entry, but libfdt and Linux stop at
	 * the first zero size; doing the same keeps us seeing the map they see. */
	for (off = d.rsvmap_off;; off += FDT_RSV_ENTRY_SIZE) {
		if (total - off < FDT_RSV_ENTRY_SIZE)
			return -DT_ERR_BADRSVMAP;
		if (dt_be64(b + off + 8) == 0)
			break;
		d.rsvmap_count++;
	}

	err = check_structure(&d);
	if (err)
		return err;
	*dt = d;
	return 0;
}

const char *dt_strerror(int err)
{
	static const char *const names[DT_ERR_COUNT] = {
		[0] = "success",
		[DT_ERR_NOTFOUND] = "not found",
		[DT_ERR_TRUNCATED] = "blob truncated",
		[DT_ERR_BADMAGIC] = "bad magic",
		[DT_ERR_BADVERSION] = "unsupported version",
		[DT_ERR_BADLAYOUT] = "block outside blob or misaligned",
		[DT_ERR_BADRSVMAP] = "unterminated memory reservation map",
		[DT_ERR_BADSTRUCT] = "malformed structure block",
		[DT_ERR_BADSTRING] = "bad property name offset",
		[DT_ERR_DEPTH] = "nodes nested too deep",
		[DT_ERR_BADHANDLE] = "not a node or property handle",
		[DT_ERR_BADVALUE] = "bad property value",
		[DT_ERR_BADCELLS] = "unsupported #address-cells/#size-cells",
		[DT_ERR_NOSPACE] = "output array too small",
		[DT_ERR_BADPATH] = "bad path or alias",
	};

	if (err <= -DT_ERR_COUNT || err >= DT_ERR_COUNT)
		return "unknown error";
	return names[err < 0 ? -err : err];
}

uint32_t dt_total_size(const struct dt *dt)
{
	return dt->total_size;
}

int dt_root(const struct dt *dt)
{
	return dt->struct_size ? 0 : -DT_ERR_BADSTRUCT;
}

/* Reads tokens from off, skipping NOPs (and properties if asked). */
static int next_significant(const struct dt *dt, uint32_t off, bool skip_props,
			    struct token *tok, uint32_t *at)
{
	int err;

	for (;;) {
		err = read_token(dt, (int)off, tok);
		if (err)
			return err;
		if (tok->tag != TOK_NOP && !(skip_props && tok->tag == TOK_PROP))
			break;
		off = tok->next;
	}
	*at = off;
	return 0;
}

/* Offset just past node's BEGIN_NODE header. */
static int node_body(const struct dt *dt, int node, struct token *tok)
{
	int err = read_token(dt, node, tok);

	if (err)
		return err;
	if (tok->tag != TOK_BEGIN_NODE)
		return -DT_ERR_BADHANDLE;
	return (int)tok->next;
}

/* The node starting at off (after NOPs, and properties if asked), or
 * NOTFOUND when the enclosing node (or the tree) ends there. */
static int node_at(const struct dt *dt, uint32_t off, bool skip_props)
{
	struct token tok;
	uint32_t at;
	int err = next_significant(dt, off, skip_props, &tok, &at);

	if (err)
		return err;
	if (tok.tag == TOK_BEGIN_NODE)
		return (int)at;
	return (tok.tag == TOK_END_NODE || tok.tag == TOK_END) ? -DT_ERR_NOTFOUND
							       : -DT_ERR_BADSTRUCT;
}

int dt_first_child(const struct dt *dt, int node)
{
	struct token tok;
	int body = node_body(dt, node, &tok);

	return body < 0 ? body : node_at(dt, (uint32_t)body, true);
}

int dt_next_sibling(const struct dt *dt, int node)
{
	struct token tok;
	uint32_t off;
	int depth = 0, err;

	err = node_body(dt, node, &tok);
	if (err < 0)
		return err;
	/* Skip node's whole subtree, then look at what follows it. */
	for (off = (uint32_t)node;; off = tok.next) {
		err = read_token(dt, (int)off, &tok);
		if (err)
			return err;
		if (tok.tag == TOK_BEGIN_NODE && ++depth > DT_MAX_DEPTH)
			return -DT_ERR_DEPTH;
		if (tok.tag == TOK_END_NODE && --depth == 0)
			break;
		if (tok.tag == TOK_END)
			return -DT_ERR_BADSTRUCT;
	}
	return node_at(dt, tok.next, false);
}

int dt_next_node(const struct dt *dt, int node)
{
	struct token tok;
	int off = node_body(dt, node, &tok);

	while (off >= 0) {
		int err = read_token(dt, off, &tok);

		if (err)
			return err;
		if (tok.tag == TOK_BEGIN_NODE)
			return off;
		if (tok.tag == TOK_END)
			return -DT_ERR_NOTFOUND;
		off = (int)tok.next;
	}
	return off;
}

/* Fills path[] with node's ancestors, root first; returns how many. */
static int ancestors(const struct dt *dt, int node, int path[DT_MAX_DEPTH])
{
	struct token tok;
	uint32_t off;
	int depth = 0, err;

	if (node < 0)
		return -DT_ERR_BADHANDLE;
	for (off = 0; off <= (uint32_t)node; off = tok.next) {
		err = read_token(dt, (int)off, &tok);
		if (err)
			return err;
		if (tok.tag == TOK_BEGIN_NODE) {
			if (off == (uint32_t)node)
				return depth;
			if (depth >= DT_MAX_DEPTH)
				return -DT_ERR_DEPTH;
			path[depth++] = (int)off;
		} else if (tok.tag == TOK_END_NODE) {
			if (depth == 0)
				return -DT_ERR_BADSTRUCT;
			depth--;
		} else if (tok.tag == TOK_END) {
			break;
		}
	}
	return -DT_ERR_BADHANDLE;
}

int dt_parent(const struct dt *dt, int node)
{
	int path[DT_MAX_DEPTH];
	int depth = ancestors(dt, node, path);

	if (depth < 0)
		return depth;
	return depth ? path[depth - 1] : -DT_ERR_NOTFOUND;
}

const char *dt_node_name(const struct dt *dt, int node)
{
	struct token tok;

	return node_body(dt, node, &tok) < 0 ? NULL : tok.name;
}

/* Property lookup by a name that need not be NUL-terminated. */
static int find_prop(const struct dt *dt, int node, const char *name, size_t namelen,
		     struct token *tok)
{
	int prop;

	for (prop = dt_first_prop(dt, node); prop >= 0; prop = dt_next_prop(dt, prop)) {
		if (read_token(dt, prop, tok))
			return -DT_ERR_BADSTRUCT;
		if (strnlen(tok->name, namelen + 1) == namelen &&
		    memcmp(tok->name, name, namelen) == 0)
			return prop;
	}
	return prop;
}

/* The property starting at off (after NOPs), or NOTFOUND. */
static int prop_at(const struct dt *dt, uint32_t off)
{
	struct token tok;
	uint32_t at;
	int err = next_significant(dt, off, false, &tok, &at);

	if (err)
		return err;
	return tok.tag == TOK_PROP ? (int)at : -DT_ERR_NOTFOUND;
}

int dt_first_prop(const struct dt *dt, int node)
{
	struct token tok;
	int body = node_body(dt, node, &tok);

	return body < 0 ? body : prop_at(dt, (uint32_t)body);
}

int dt_next_prop(const struct dt *dt, int prop)
{
	struct token tok;
	int err = read_token(dt, prop, &tok);

	if (err)
		return err;
	return tok.tag == TOK_PROP ? prop_at(dt, tok.next) : -DT_ERR_BADHANDLE;
}

const void *dt_prop_entry(const struct dt *dt, int prop, const char **name, uint32_t *len)
{
	struct token tok;

	if (read_token(dt, prop, &tok) || tok.tag != TOK_PROP)
		return NULL;
	if (name)
		*name = tok.name;
	if (len)
		*len = tok.len;
	return tok.value;
}

const void *dt_prop(const struct dt *dt, int node, const char *name, uint32_t *len)
{
	struct token tok;

	if (find_prop(dt, node, name, strlen(name), &tok) < 0)
		return NULL;
	if (len)
		*len = tok.len;
	return tok.value;
}

bool dt_prop_cells(const struct dt *dt, int node, const char *name, unsigned ncells, uint64_t *out)
{
	uint32_t len;
	const uint8_t *p = dt_prop(dt, node, name, &len);

	if (!p || (ncells != 1 && ncells != 2) || len != 4 * ncells)
		return false;
	*out = ncells == 1 ? dt_be32(p) : dt_be64(p);
	return true;
}

bool dt_prop_u32(const struct dt *dt, int node, const char *name, uint32_t *out)
{
	uint64_t v;

	if (!dt_prop_cells(dt, node, name, 1, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool dt_prop_u64(const struct dt *dt, int node, const char *name, uint64_t *out)
{
	return dt_prop_cells(dt, node, name, 2, out);
}

const char *dt_prop_str(const struct dt *dt, int node, const char *name)
{
	uint32_t len;
	const char *p = dt_prop(dt, node, name, &len);

	if (!p || len == 0 || p[len - 1] != '\0')
		return NULL;
	return p;
}

/* Entry index of a string list value, or NULL. */
static const char *stringlist_at(const char *p, uint32_t len, unsigned index)
{
	uint32_t off = 0;

	while (off < len) {
		size_t n = strnlen(p + off, len - off);

		if (n == len - off)
			return NULL;	/* unterminated tail */
		if (index-- == 0)
			return p + off;
		off += (uint32_t)n + 1;
	}
	return NULL;
}

const char *dt_prop_str_at(const struct dt *dt, int node, const char *name, unsigned index)
{
	uint32_t len;
	const char *p = dt_prop(dt, node, name, &len);

	return p ? stringlist_at(p, len, index) : NULL;
}

bool dt_is_compatible(const struct dt *dt, int node, const char *compat)
{
	uint32_t len;
	const char *p = dt_prop(dt, node, "compatible", &len);
	const char *entry;
	unsigned i;

	if (!p)
		return false;
	for (i = 0; (entry = stringlist_at(p, len, i)) != NULL; i++) {
		if (strcmp(entry, compat) == 0)
			return true;
	}
	return false;
}

bool dt_is_available(const struct dt *dt, int node)
{
	uint32_t len;
	const char *status = dt_prop(dt, node, "status", &len);

	if (!status)
		return true;
	return (len == 5 && memcmp(status, "okay", 5) == 0) ||
	       (len == 3 && memcmp(status, "ok", 3) == 0);
}

int dt_find_compatible(const struct dt *dt, int after_node, const char *compat)
{
	int node = after_node < 0 ? dt_root(dt) : dt_next_node(dt, after_node);

	while (node >= 0 && !dt_is_compatible(dt, node, compat))
		node = dt_next_node(dt, node);
	return node;
}

/* A child's name matches a path component exactly, or by base name when the
 * component gives no unit address. */
static bool name_matches(const char *name, const char *comp, size_t clen)
{
	size_t nlen = strnlen(name, clen + 1), i;

	if (nlen < clen || memcmp(name, comp, clen) != 0)
		return false;
	if (nlen == clen)
		return true;
	if (name[clen] != '@')
		return false;
	for (i = 0; i < clen; i++) {
		if (comp[i] == '@')
			return false;
	}
	return true;
}

static int find_child(const struct dt *dt, int node, const char *comp, size_t clen)
{
	int child;

	for (child = dt_first_child(dt, node); child >= 0; child = dt_next_sibling(dt, child)) {
		if (name_matches(dt_node_name(dt, child), comp, clen))
			return child;
	}
	return child;
}

/* Follows the components of [p, end) down from node. */
static int walk_path(const struct dt *dt, int node, const char *p, const char *end)
{
	while (node >= 0) {
		const char *comp;

		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		comp = p;
		while (p < end && *p != '/')
			p++;
		node = find_child(dt, node, comp, (size_t)(p - comp));
	}
	return node;
}

int dt_path_n(const struct dt *dt, const char *path, size_t len)
{
	const char *end, *alias_end, *target;
	struct token tok;
	int aliases;

	len = strnlen(path, len);
	end = path + len;
	if (len == 0)
		return -DT_ERR_BADPATH;
	if (path[0] == '/')
		return walk_path(dt, dt_root(dt), path, end);

	/* Alias: its value must be a full path, so aliases never chain. */
	alias_end = path;
	while (alias_end < end && *alias_end != '/')
		alias_end++;
	aliases = find_child(dt, dt_root(dt), "aliases", 7);
	if (aliases < 0 || find_prop(dt, aliases, path, (size_t)(alias_end - path), &tok) < 0)
		return -DT_ERR_BADPATH;
	target = (const char *)tok.value;
	if (tok.len < 2 || target[0] != '/' || target[tok.len - 1] != '\0')
		return -DT_ERR_BADPATH;
	return walk_path(dt, walk_path(dt, dt_root(dt), target, target + tok.len - 1),
			 alias_end, end);
}

int dt_path(const struct dt *dt, const char *path)
{
	return dt_path_n(dt, path, strlen(path));
}

static int cells_prop(const struct dt *dt, int node, const char *name, int fallback)
{
	struct token tok;
	int prop = find_prop(dt, node, name, strlen(name), &tok);

	if (prop == -DT_ERR_NOTFOUND)
		return fallback;
	if (prop < 0)
		return prop;
	if (tok.len != 4 || dt_be32(tok.value) > 4)
		return -DT_ERR_BADCELLS;
	return (int)dt_be32(tok.value);
}

int dt_address_cells(const struct dt *dt, int node)
{
	return cells_prop(dt, node, "#address-cells", 2);
}

int dt_size_cells(const struct dt *dt, int node)
{
	return cells_prop(dt, node, "#size-cells", 1);
}

static uint64_t read_cells(const uint8_t *p, int ncells)
{
	return ncells == 0 ? 0 : ncells == 1 ? dt_be32(p) : dt_be64(p);
}

/* reg entry index of node, whose parent (bus) is given. */
static int reg_entry(const struct dt *dt, int node, int parent, unsigned index,
		     uint64_t *addr, uint64_t *size)
{
	int ac = dt_address_cells(dt, parent), sc = dt_size_cells(dt, parent);
	struct token tok;
	uint32_t stride;
	int err;

	if (ac < 0 || sc < 0)
		return ac < 0 ? ac : sc;
	if (ac < 1 || ac > 2 || sc > 2)
		return -DT_ERR_BADCELLS;
	err = find_prop(dt, node, "reg", 3, &tok);
	if (err < 0)
		return err;
	stride = 4 * (uint32_t)(ac + sc);
	if (tok.len % stride != 0)
		return -DT_ERR_BADVALUE;
	if (index >= tok.len / stride)
		return -DT_ERR_NOTFOUND;
	*addr = read_cells(tok.value + index * stride, ac);
	*size = read_cells(tok.value + index * stride + 4 * (uint32_t)ac, sc);
	return 0;
}

int dt_reg(const struct dt *dt, int node, unsigned index, uint64_t *addr, uint64_t *size)
{
	int parent = dt_parent(dt, node);

	return parent < 0 ? parent : reg_entry(dt, node, parent, index, addr, size);
}

/* Maps [*addr, +size) from bus's child space into its parent's space using
 * the bus's "ranges" (absent: not translatable; empty: identity). */
static int translate_up(const struct dt *dt, int bus, int bus_parent, uint64_t *addr, uint64_t size)
{
	int cac = dt_address_cells(dt, bus), csc = dt_size_cells(dt, bus);
	int pac = dt_address_cells(dt, bus_parent);
	struct token tok;
	uint32_t stride, off;
	int err;

	err = find_prop(dt, bus, "ranges", 6, &tok);
	if (err < 0)
		return err;
	if (tok.len == 0)
		return 0;
	if (cac < 0 || csc < 0 || pac < 0)
		return cac < 0 ? cac : csc < 0 ? csc : pac;
	if (cac < 1 || cac > 2 || pac < 1 || pac > 2 || csc < 1 || csc > 2)
		return -DT_ERR_BADCELLS;
	stride = 4 * (uint32_t)(cac + pac + csc);
	if (tok.len % stride != 0)
		return -DT_ERR_BADVALUE;
	for (off = 0; off < tok.len; off += stride) {
		uint64_t child = read_cells(tok.value + off, cac);
		uint64_t parent = read_cells(tok.value + off + 4 * (uint32_t)cac, pac);
		uint64_t len = read_cells(tok.value + off + 4 * (uint32_t)(cac + pac), csc);

		if (range_within(*addr, size ? size : 1, child, len)) {
			if (*addr - child > UINT64_MAX - parent)
				return -DT_ERR_BADVALUE;
			*addr = parent + (*addr - child);
			return 0;
		}
	}
	return -DT_ERR_NOTFOUND;
}

int dt_reg_phys(const struct dt *dt, int node, unsigned index, uint64_t *addr, uint64_t *size)
{
	int path[DT_MAX_DEPTH];
	int depth = ancestors(dt, node, path), err, i;

	if (depth <= 0)
		return depth < 0 ? depth : -DT_ERR_NOTFOUND;
	err = reg_entry(dt, node, path[depth - 1], index, addr, size);
	for (i = depth - 1; i > 0 && !err; i--)
		err = translate_up(dt, path[i], path[i - 1], addr, *size);
	return err;
}

int dt_memreserve(const struct dt *dt, unsigned index, uint64_t *addr, uint64_t *size)
{
	uint64_t off = (uint64_t)dt->rsvmap_off + (uint64_t)index * FDT_RSV_ENTRY_SIZE;

	if (index >= dt->rsvmap_count)
		return -DT_ERR_NOTFOUND;
	if (off + FDT_RSV_ENTRY_SIZE > dt->total_size)
		return -DT_ERR_BADRSVMAP;
	*addr = dt_be64(dt->blob + off);
	*size = dt_be64(dt->blob + off + 8);
	return 0;
}

/* Appends a range to out[*count]; zero sizes are dropped. */
static int add_range(struct dt_range *out, unsigned max, int *count, uint64_t base, uint64_t size)
{
	if (size == 0)
		return 0;
	if (base + (size - 1) < base)
		return -DT_ERR_BADVALUE;
	if ((unsigned)*count >= max)
		return -DT_ERR_NOSPACE;
	out[*count].base = base;
	out[*count].size = size;
	(*count)++;
	return 0;
}

/* Adds every reg entry of each available child of bus (with device_type
 * equal to type, when type is not NULL). */
static int add_children_reg(const struct dt *dt, int bus, const char *type,
			    struct dt_range *out, unsigned max, int *count)
{
	uint64_t base, size;
	unsigned i;
	int node, err;

	for (node = dt_first_child(dt, bus); node >= 0; node = dt_next_sibling(dt, node)) {
		const char *dtype = dt_prop_str(dt, node, "device_type");

		if ((type && (!dtype || strcmp(dtype, type) != 0)) || !dt_is_available(dt, node))
			continue;
		for (i = 0; (err = reg_entry(dt, node, bus, i, &base, &size)) == 0; i++) {
			err = add_range(out, max, count, base, size);
			if (err)
				return err;
		}
		if (err != -DT_ERR_NOTFOUND)
			return err;
	}
	return node == -DT_ERR_NOTFOUND ? 0 : node;
}

int dt_memory_ranges(const struct dt *dt, struct dt_range *out, unsigned max)
{
	int count = 0;
	int err = add_children_reg(dt, dt_root(dt), "memory", out, max, &count);

	return err ? err : count;
}

int dt_reserved_ranges(const struct dt *dt, struct dt_range *out, unsigned max)
{
	uint64_t base, size;
	unsigned i;
	int count = 0, err = 0, resmem;

	if (dt->total_size == 0)
		return -DT_ERR_BADSTRUCT;
	for (i = 0; dt_memreserve(dt, i, &base, &size) == 0 && !err; i++)
		err = add_range(out, max, &count, base, size);
	resmem = find_child(dt, dt_root(dt), "reserved-memory", 15);
	if (!err && resmem >= 0)
		err = add_children_reg(dt, resmem, NULL, out, max, &count);
	else if (!err && resmem != -DT_ERR_NOTFOUND)
		err = resmem;
	if (!err)
		err = add_range(out, max, &count, (uintptr_t)dt->blob, dt->total_size);
	return err ? err : count;
}

int dt_cpu_mpidrs(const struct dt *dt, uint64_t *out, unsigned max)
{
	uint64_t mpidr, size;
	int cpus = find_child(dt, dt_root(dt), "cpus", 4);
	int node, count = 0, err;

	if (cpus < 0)
		return cpus;
	for (node = dt_first_child(dt, cpus); node >= 0; node = dt_next_sibling(dt, node)) {
		const char *dtype = dt_prop_str(dt, node, "device_type");

		if (!dtype || strcmp(dtype, "cpu") != 0 || !dt_is_available(dt, node))
			continue;
		err = reg_entry(dt, node, cpus, 0, &mpidr, &size);
		if (err)
			return err == -DT_ERR_NOTFOUND ? -DT_ERR_BADVALUE : err;
		if ((unsigned)count >= max)
			return -DT_ERR_NOSPACE;
		out[count++] = mpidr;
	}
	return node == -DT_ERR_NOTFOUND ? count : node;
}

int dt_cpu_release_addr(const struct dt *dt, uint64_t mpidr, uint64_t *addr)
{
	uint64_t reg, size;
	int cpus = find_child(dt, dt_root(dt), "cpus", 4);
	int node;

	if (cpus < 0)
		return cpus;
	for (node = dt_first_child(dt, cpus); node >= 0; node = dt_next_sibling(dt, node)) {
		const char *dtype = dt_prop_str(dt, node, "device_type");
		const char *method;

		if (!dtype || strcmp(dtype, "cpu") != 0 || !dt_is_available(dt, node))
			continue;
		if (reg_entry(dt, node, cpus, 0, &reg, &size) != 0 || reg != mpidr)
			continue;
		method = dt_prop_str(dt, node, "enable-method");
		if (!method || strcmp(method, "spin-table") != 0 ||
		    !dt_prop_cells(dt, node, "cpu-release-addr", 2, addr))
			return -DT_ERR_BADVALUE;
		return 0;
	}
	return node == -DT_ERR_NOTFOUND ? -DT_ERR_NOTFOUND : node;
}
