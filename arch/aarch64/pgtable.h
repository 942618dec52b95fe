/* VMSAv8-64 translation tables, 4 KiB granule: one walker for the EL2 Stage-1
 * identity map and every VM's Stage-2 tables. Pure C: hardware effects go through struct pt_ops. */
#ifndef HB_ARCH_AARCH64_PGTABLE_H
#define HB_ARCH_AARCH64_PGTABLE_H

#include "lib/types.h"

/* Negative errno-compatible return codes (the project has no errno.h yet). */
#define PT_ENOMEM 12
#define PT_EINVAL 22
#define PT_ERANGE 34

#define PT_TABLE_ENTRIES 512
#define PT_MAX_LEVEL 3
/* Stage-2 may concatenate up to 16 tables at its start level. */
#define PT_MAX_ROOT_ENTRIES (16 * PT_TABLE_ENTRIES)
/* Output addresses are 48 bits wide without FEAT_LPA/LPA2. */
#define PT_OA_BITS 48

/* Bytes translated by one entry at `level` (L0 512 GiB, L1 1 GiB, L2 2 MiB, L3 4 KiB). */
#define PT_LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (PT_MAX_LEVEL - (level)))
#define PT_LEVEL_SIZE(level) (1ULL << PT_LEVEL_SHIFT(level))

/* Descriptor layout common to both stages. bits[1:0] = 0b11 means table at
 * levels 0-2 but page at level 3; 0b01 is a block (levels 1-2 only). */
#define PT_DESC_VALID BIT(0)
#define PT_DESC_TABLE_OR_PAGE BIT(1)
#define PT_DESC_ADDR_MASK GENMASK(47, 12)
#define PT_AF BIT(10) /* Access flag: v8.0 has no hardware AF update, so always set */
#define PT_SH_INNER (3ULL << 8)
#define PT_CONTIGUOUS BIT(52)
/* Every bit a leaf may carry besides type and output address: lower
 * attributes [11:2] and upper attributes [63:50]. */
#define PT_LEAF_ATTR_MASK (GENMASK(11, 2) | GENMASK(63, 50))

/* EL2 (non-VHE) Stage-1 leaf fields. In a regime with one Exception level the
 * Arm ARM makes AP[1] RES1, nG RES0 and PXN (bit 53) RES0; bit 54 is plain XN. */
#define PT_S1_ATTRINDX(idx) ((uint64_t)(idx) << 2)
#define PT_S1_AP1_RES1 BIT(6)
#define PT_S1_AP_RO BIT(7)
#define PT_S1_XN BIT(54)

/* MAIR_EL2 layout: the AttrIndx values above index these bytes. */
#define PT_MAIR_IDX_NORMAL 0    /* Normal, inner+outer Write-Back RA WA non-transient */
#define PT_MAIR_IDX_DEVICE 1    /* Device-nGnRE */
#define PT_MAIR_IDX_NORMAL_NC 2 /* Normal, inner+outer Non-cacheable */
#define PT_MAIR_ATTR_NORMAL 0xffULL
#define PT_MAIR_ATTR_DEVICE_NGNRE 0x04ULL
#define PT_MAIR_ATTR_NORMAL_NC 0x44ULL
#define PT_MAIR_EL2_VALUE                                                      \
	((PT_MAIR_ATTR_NORMAL << (8 * PT_MAIR_IDX_NORMAL)) |                   \
	 (PT_MAIR_ATTR_DEVICE_NGNRE << (8 * PT_MAIR_IDX_DEVICE)) |             \
	 (PT_MAIR_ATTR_NORMAL_NC << (8 * PT_MAIR_IDX_NORMAL_NC)))

/* Stage-2 leaf fields. MemAttr[3:2] is the outer and MemAttr[1:0] the inner
 * cacheability, except MemAttr[3:2]=0b00 selects Device with [1:0] its type. */
#define PT_S2_MEMATTR_NORMAL_WB (0xfULL << 2)
#define PT_S2_MEMATTR_DEVICE_NGNRE (0x1ULL << 2)
#define PT_S2AP_R BIT(6)
#define PT_S2AP_W BIT(7)
/* XN[1] with FEAT_XNX (XN[0] = bit 53 left 0): never executable at EL1 or EL0. */
#define PT_S2_XN BIT(54)

enum pt_mem {
	PT_NORMAL_RX, /* hypervisor text */
	PT_NORMAL_RO, /* rodata */
	PT_NORMAL_RW, /* data, bss, stacks, heap: never executable */
	PT_DEVICE,    /* MMIO: Device-nGnRE, never executable */
};

enum pt_s2_kind {
	PT_S2_RAM,    /* guest RAM: RW, executable, Normal WB */
	PT_S2_RAM_RO, /* read-only RAM (e.g. firmware/ROM images) */
	PT_S2_DEVICE, /* passthrough MMIO: RW, Device-nGnRE, XN */
};

/* Leaf attributes for pt_map; 0 for an unknown kind (pt_map rejects 0). */
uint64_t pt_s1_attrs(enum pt_mem kind);
uint64_t pt_s2_attrs(enum pt_s2_kind kind);

/* What the walker cannot do in portable C. All members are required. */
struct pt_ops {
	/* A zeroed, 4 KiB-aligned table page, or NULL when out of table memory. */
	uint64_t *(*alloc_table)(void *ctx);
	/* Called only after the table is unlinked and its range invalidated. */
	void (*free_table)(void *ctx, uint64_t *table);
	/* Make `count` just-written descriptors visible to the table walker
	 * before the walker relies on them: DSB ISHST on a coherent walker,
	 * a clean to PoC first when the walker is not coherent. */
	void (*sync)(void *ctx, const uint64_t *entries, size_t count);
	/* A valid entry at `level` covering [va, va + PT_LEVEL_SIZE(level)) was
	 * just made invalid and synced: drop every TLB and walk-cache entry for
	 * that range, then DSB ISH. A leaf needs one TLBI by VA/IPA of `va`;
	 * when `was_table`, pages below it may be cached individually, so the
	 * target loops or invalidates the whole regime/VMID. Stage-2 must also
	 * drop combined S1+S2 entries (TLBI VMALLE1IS after the IPAS2E1IS). */
	void (*invalidate)(void *ctx, uint64_t va, unsigned level, bool was_table);
	/* Address conversions for table pages; identity on the target. */
	paddr_t (*table_pa)(void *ctx, const uint64_t *table);
	uint64_t *(*table_va)(void *ctx, paddr_t pa);
};

/* One translation regime (EL2 Stage-1, or one VM's Stage-2). Not locked:
 * callers serialize every operation on the same struct pt. */
struct pt {
	uint64_t *root;
	unsigned start_level;
	unsigned root_entries;
	unsigned ia_bits;
	const struct pt_ops *ops;
	void *ctx;
};

/* Adopt `root` (zeroed here) of `root_entries` descriptors, which must equal
 * 2^(ia_bits - PT_LEVEL_SHIFT(start_level)); root aligned to its size and to
 * 4 KiB. EL2 Stage-1 (T0SZ=25): (1, 512, 39). Stage-2 40-bit IPA (T0SZ=24,
 * SL0=1): (1, 1024, 40) with an 8 KiB, 8 KiB-aligned root. */
int pt_init(struct pt *pt, uint64_t *root, unsigned start_level, unsigned root_entries,
	    unsigned ia_bits, const struct pt_ops *ops, void *ctx);

/* Map [va, va+size) to [pa, pa+size) with `leaf_attrs` (from pt_s1_attrs or
 * pt_s2_attrs; must include PT_AF, no type/address/contiguous bits). Uses
 * 1 GiB and 2 MiB blocks wherever va, pa and size allow, splits blocks that
 * are partly remapped, and breaks before making whenever a valid entry
 * changes. Returns 0, -PT_EINVAL (misaligned, empty, bad attrs), -PT_ERANGE
 * (beyond ia_bits or the 48-bit OA) or -PT_ENOMEM. After -PT_ENOMEM every
 * page of the range holds either its old or its new translation and nothing
 * outside the range changed; unmap or retry the range.
 * Never replace an EL2 Stage-1 entry that covers the code, stack or tables
 * in use while the MMU is on: break-before-make would unmap them. */
int pt_map(struct pt *pt, uint64_t va, paddr_t pa, uint64_t size, uint64_t leaf_attrs);

/* Remove [va, va+size); unmapped holes are fine. Splits blocks that are
 * partly removed (so may return -PT_ENOMEM, having removed a prefix) and
 * frees tables that become empty. Same argument errors as pt_map. */
int pt_unmap(struct pt *pt, uint64_t va, uint64_t size);

/* Translate `va`; outputs may be NULL. Never allocates or writes. */
bool pt_lookup(const struct pt *pt, uint64_t va, paddr_t *pa_out, uint64_t *attrs_out,
	       unsigned *level_out);

/* Calls `fn` for each maximal run of leaves contiguous in va and pa with equal
 * attributes, in address order; stops early when `fn` returns false. */
typedef bool (*pt_walk_fn)(void *arg, uint64_t va, paddr_t pa, uint64_t size, uint64_t attrs);
void pt_walk(const struct pt *pt, pt_walk_fn fn, void *arg);

/* Free every non-root table and clear the root, without sync or invalidate:
 * for teardown once no CPU uses these tables; the caller then invalidates
 * the whole regime/VMID. */
void pt_destroy(struct pt *pt);

#endif
