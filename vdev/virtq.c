/* Split virtqueue, device side. The guest owns the memory and may rewrite it
 * from another vCPU at any moment, so the rules here are:
 * - every value that steers an access (avail idx, a ring entry, a descriptor)
 *   is read from guest memory exactly once into a local, validated there, and
 *   only the local is used afterwards; nothing is re-read after its check;
 * - every address the guest gives goes through guest_mem.map for its whole
 *   length before a pointer to it exists;
 * - every walk has a fixed bound (queue size, indirect table length), so a
 *   hostile ring costs at most num + 1 descriptor reads per pop;
 * - the device's own indices (last_avail_idx, used_idx) live here, never in
 *   guest memory, so the guest cannot move them.
 */
#include "vdev/virtq.h"
#include "lib/check.h"
#include "lib/string.h"

/* Ring indices are accessed natively: the rings are little-endian and so are
 * both the target and the host test machines. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "virtq assumes a little-endian CPU");

/* Orders our ring accesses against the driver's on other cores. One full
 * barrier (DMB ISH on AArch64) for every case keeps the reasoning simple; its
 * cost is small next to the trap that brought us here. */
#define virtq_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* may_alias: the rings are byte buffers to the compiler. volatile: each access
 * happens exactly once, where written, and is never merged or repeated. */
typedef uint16_t __attribute__((may_alias)) ring_u16;
typedef uint32_t __attribute__((may_alias)) ring_u32;

static uint16_t ring_load16(const uint8_t *p)
{
	return *(const volatile ring_u16 *)p;
}

static void ring_store16(uint8_t *p, uint16_t v)
{
	*(volatile ring_u16 *)p = v;
}

static void ring_store32(uint8_t *p, uint32_t v)
{
	*(volatile ring_u32 *)p = v;
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static uint64_t le_bytes(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* Indirect tables have no alignment rule, so the descriptor is copied byte by
 * byte; the copy is the only thing the walk looks at afterwards. */
static void read_desc(const uint8_t *table, uint32_t index, struct desc *d)
{
	const volatile uint8_t *src = table + (uint64_t)index * VIRTQ_DESC_SIZE;
	uint8_t raw[VIRTQ_DESC_SIZE] = { 0 };	/* fully copied below; keeps -fanalyzer sure */
	unsigned i;

	for (i = 0; i < VIRTQ_DESC_SIZE; i++)
		raw[i] = src[i];
	d->addr = le_bytes(raw, 8);
	d->len = (uint32_t)le_bytes(raw + 8, 4);
	d->flags = (uint16_t)le_bytes(raw + 12, 2);
	d->next = (uint16_t)le_bytes(raw + 14, 2);
}

/* The overflow check is ours too, so a map callback that only compares
 * ipa + len against the end of RAM cannot be fooled by a wrap (a range ending
 * exactly at 2^64 counts: its ipa + len is 0). */
static uint8_t *guest_map(const struct guest_mem *mem, uint64_t ipa, uint64_t len)
{
	if (len == 0 || ipa + len < ipa)
		return NULL;
	return mem->map(mem->ctx, ipa, len);
}

void virtq_disable(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

int virtq_enable(struct virtq *q, const struct guest_mem *mem, uint16_t num, uint64_t desc_ipa,
		 uint64_t avail_ipa, uint64_t used_ipa, bool event_idx, bool indirect)
{
	uint64_t desc_len = VIRTQ_DESC_BYTES(num);
	uint64_t avail_len = VIRTQ_AVAIL_BYTES(num);
	uint64_t used_len = VIRTQ_USED_BYTES(num);

	virtq_disable(q);
	if (num == 0 || num > VIRTQ_MAX_SIZE || (num & (num - 1)) != 0)
		return VIRTQ_ERR_RING;
	if (!IS_ALIGNED(desc_ipa, VIRTQ_DESC_ALIGN) || !IS_ALIGNED(avail_ipa, VIRTQ_AVAIL_ALIGN) ||
	    !IS_ALIGNED(used_ipa, VIRTQ_USED_ALIGN))
		return VIRTQ_ERR_RING;
	/* Overlapping areas are never a working driver; refusing them keeps our
	 * used-ring writes from landing in what we read as descriptors. */
	if (ranges_overlap(desc_ipa, desc_len, avail_ipa, avail_len) ||
	    ranges_overlap(desc_ipa, desc_len, used_ipa, used_len) ||
	    ranges_overlap(avail_ipa, avail_len, used_ipa, used_len))
		return VIRTQ_ERR_RING;

	q->desc = guest_map(mem, desc_ipa, desc_len);
	q->avail = guest_map(mem, avail_ipa, avail_len);
	q->used = guest_map(mem, used_ipa, used_len);
	if (!q->desc || !q->avail || !q->used) {
		virtq_disable(q);
		return VIRTQ_ERR_RING;
	}
	q->mem = mem;
	q->num = num;
	q->event_idx = event_idx;
	q->indirect = indirect;
	q->ready = true;
	return 0;
}

static uint16_t avail_idx(const struct virtq *q)
{
	return ring_load16(q->avail + 2);
}

static uint16_t avail_entry(const struct virtq *q, uint16_t i)
{
	return ring_load16(q->avail + 4 + 2u * (i & (q->num - 1u)));
}

static uint16_t used_event(const struct virtq *q)
{
	return ring_load16(q->avail + 4 + 2u * q->num);
}

/* "Notify me when you make entry last_avail_idx available", i.e. as soon as
 * the driver adds anything we have not seen yet. */
static void publish_avail_event(struct virtq *q)
{
	ring_store16(q->used + 4 + 8u * q->num, q->last_avail_idx);
}

static int break_queue(struct virtq *q, int err)
{
	q->broken = err;
	return err;
}

static void req_reset(struct virtq_req *req)
{
	req->head = VIRTQ_NO_HEAD;
	req->nsegs = req->nout = req->nin = 0;
	req->out_bytes = req->in_bytes = 0;
	req->last.host = NULL;
	req->last.len = 0;
	req->last.writable = false;
}

/* Appends one buffer to req, or says why it cannot be. */
static int add_segment(struct virtq_req *req, uint8_t *host, const struct desc *d)
{
	bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
	uint32_t *total = writable ? &req->in_bytes : &req->out_bytes;
	struct virtq_seg *seg;

	if (!host)
		return VIRTQ_ERR_BUFFER;
	if (!writable && req->nin > 0)
		return VIRTQ_ERR_ORDER;
	if (req->nsegs == VIRTQ_MAX_SEGS)
		return VIRTQ_ERR_TOO_MANY_SEGS;
	if (d->len > UINT32_MAX - *total)
		return VIRTQ_ERR_TOO_LARGE;
	seg = &req->segs[req->nsegs++];
	seg->host = host;
	seg->len = d->len;
	seg->writable = writable;
	*total += d->len;
	if (writable)
		req->nin++;
	else
		req->nout++;
	return 0;
}

/*
 * Walks the chain starting at `head`: zero or more descriptors in the queue's
 * table, optionally ending in one that points to an indirect table, whose
 * chain starts at its entry 0. Bounds: the chain's buffers are at most num
 * (the spec caps a chain at the queue size), and no table is walked for more
 * steps than it has entries, which catches every loop.
 * A bad buffer does not stop the walk: the rest of the chain is still checked
 * and followed so that req->last can be reported; segments stop at the first
 * bad one.
 */
static int walk_chain(struct virtq *q, uint16_t head, struct virtq_req *req)
{
	const uint8_t *table = q->desc;
	uint32_t table_entries = q->num;
	/* Both bounds start at the queue size but count different things. */
	/* cppcheck-suppress duplicateAssignExpression */
	uint32_t table_steps_left = q->num;
	uint32_t buffers_left = q->num;
	bool in_indirect = false;
	uint32_t index = head;
	int buffer_err = 0;
	struct desc d;
	uint8_t *host;
	int err;

	for (;;) {
		if (table_steps_left == 0)
			return VIRTQ_ERR_LOOP;
		table_steps_left--;
		read_desc(table, index, &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect || in_indirect || (d.flags & VIRTQ_DESC_F_NEXT) ||
			    d.len == 0 || d.len % VIRTQ_DESC_SIZE != 0)
				return VIRTQ_ERR_INDIRECT;
			table = guest_map(q->mem, d.addr, d.len);
			if (!table)
				return VIRTQ_ERR_INDIRECT;
			table_entries = d.len / VIRTQ_DESC_SIZE;
			table_steps_left = table_entries;
			in_indirect = true;
			index = 0;
			continue;
		}

		if (buffers_left == 0)
			return VIRTQ_ERR_LOOP;
		buffers_left--;
		host = guest_map(q->mem, d.addr, d.len);
		if (!buffer_err) {
			err = add_segment(req, host, &d);
			if (err)
				buffer_err = err;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
			req->last.host = host;
			req->last.len = host ? d.len : 0;
			req->last.writable = (d.flags & VIRTQ_DESC_F_WRITE) != 0;
			return buffer_err ? buffer_err : 1;
		}
		if (d.next >= table_entries)
			return VIRTQ_ERR_NEXT;
		index = d.next;
	}
}

int virtq_pop(struct virtq *q, struct virtq_req *req)
{
	uint16_t idx, pending, head;

	req_reset(req);
	if (!q->ready)
		return 0;
	if (q->broken)
		return q->broken;

	idx = avail_idx(q);
	pending = (uint16_t)(idx - q->last_avail_idx);
	if (pending == 0 && q->event_idx) {
		/* Ask for a notification, then look again: a buffer added
		 * before the driver could see avail_event would otherwise
		 * wait for the next one. */
		publish_avail_event(q);
		virtq_mb();
		idx = avail_idx(q);
		pending = (uint16_t)(idx - q->last_avail_idx);
	}
	if (pending == 0)
		return 0;
	/* The driver can expose at most num chains; anything more means the
	 * index is garbage and no entry of the ring can be trusted. */
	if (pending > q->num)
		return break_queue(q, VIRTQ_ERR_AVAIL_IDX);

	virtq_mb();	/* the entry and its descriptors are read after idx */
	head = avail_entry(q, q->last_avail_idx);
	q->last_avail_idx++;
	if (q->event_idx)
		publish_avail_event(q);
	/* A head we cannot name in the used ring cannot be given back. */
	if (head >= q->num)
		return break_queue(q, VIRTQ_ERR_HEAD);
	req->head = head;
	return walk_chain(q, head, req);
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	uint8_t *elem;

	if (!q->ready)
		return;
	DCHECK(head < q->num);
	elem = q->used + 4 + 8u * (q->used_idx & (q->num - 1u));
	ring_store32(elem, head);
	ring_store32(elem + 4, written);
	virtq_mb();	/* the element is visible before the idx that publishes it */
	q->used_idx++;
	ring_store16(q->used + 2, q->used_idx);
}

bool virtq_should_notify(struct virtq *q)
{
	uint16_t old, new;

	if (!q->ready)
		return false;
	/* Our used idx store must be visible before we read the driver's
	 * suppression fields; the driver does the mirror image (updates
	 * used_event, barrier, re-reads used idx), so one of us sees the other. */
	virtq_mb();
	old = q->notified_used_idx;
	new = q->used_idx;
	q->notified_used_idx = new;
	if (old == new)
		return false;
	if (!q->event_idx)
		return !(ring_load16(q->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* Notify when used_event lies in [old, new): the driver asked to hear
	 * about the entry at used_event and we just published it. */
	return (uint16_t)(new - used_event(q) - 1u) < (uint16_t)(new - old);
}

bool virtq_error_is_ring(int err)
{
	return err == VIRTQ_ERR_RING || err == VIRTQ_ERR_AVAIL_IDX || err == VIRTQ_ERR_HEAD;
}

bool virtq_error_has_head(int err)
{
	return err <= VIRTQ_ERR_NEXT && err >= VIRTQ_ERR_TOO_LARGE;
}

const char *virtq_strerror(int err)
{
	switch (err) {
	case VIRTQ_ERR_RING:
		return "ring layout invalid or outside RAM";
	case VIRTQ_ERR_AVAIL_IDX:
		return "avail idx ran ahead by more than the queue size";
	case VIRTQ_ERR_HEAD:
		return "chain head outside the descriptor table";
	case VIRTQ_ERR_NEXT:
		return "next index outside the descriptor table";
	case VIRTQ_ERR_LOOP:
		return "chain longer than the queue or indirect table (loop)";
	case VIRTQ_ERR_INDIRECT:
		return "malformed indirect descriptor";
	case VIRTQ_ERR_BUFFER:
		return "buffer empty or outside RAM";
	case VIRTQ_ERR_ORDER:
		return "device-readable buffer after a device-writable one";
	case VIRTQ_ERR_TOO_MANY_SEGS:
		return "too many buffers in one chain";
	case VIRTQ_ERR_TOO_LARGE:
		return "chain larger than 4 GiB";
	default:
		return "no error";
	}
}
