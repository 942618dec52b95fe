/* Learning switch with configured addresses: configured MACs are fixed to
 * their ports; learned ones (a guest bridging other hosts) fill a small
 * table and can never take over a configured address. */
#include "vdev/virtio/vswitch.h"
#include "lib/string.h"

void vswitch_init(struct vswitch *sw)
{
	memset(sw, 0, sizeof(*sw));
}

int vswitch_add_port(struct vswitch *sw, const uint8_t mac[ETH_ALEN])
{
	if (sw->nports == VSWITCH_MAX_PORTS)
		return -1;
	memcpy(sw->port_mac[sw->nports], mac, ETH_ALEN);
	return (int)sw->nports++;
}

static int configured_port(const struct vswitch *sw, const uint8_t *mac)
{
	for (unsigned i = 0; i < sw->nports; i++) {
		if (memcmp(sw->port_mac[i], mac, ETH_ALEN) == 0)
			return (int)i;
	}
	return -1;
}

static struct vswitch_fdb_entry *fdb_find(struct vswitch *sw, const uint8_t *mac)
{
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++) {
		if (sw->fdb[i].used && memcmp(sw->fdb[i].mac, mac, ETH_ALEN) == 0)
			return &sw->fdb[i];
	}
	return NULL;
}

static void learn(struct vswitch *sw, unsigned port, const uint8_t *mac)
{
	struct vswitch_fdb_entry *e = fdb_find(sw, mac), *oldest = &sw->fdb[0];

	if (!e) {
		for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++) {
			if (!sw->fdb[i].used) {
				oldest = &sw->fdb[i];
				break;
			}
			if (sw->fdb[i].last_seen < oldest->last_seen)
				oldest = &sw->fdb[i];
		}
		e = oldest;
		memcpy(e->mac, mac, ETH_ALEN);
		e->used = true;
	}
	e->port = (uint8_t)port;	/* a host that moved is found on its new port */
	e->last_seen = sw->clock;
}

uint32_t vswitch_route(struct vswitch *sw, unsigned src_port, const uint8_t *frame, uint32_t len)
{
	const uint8_t *dst = frame, *src = frame + ETH_ALEN;
	struct vswitch_fdb_entry *e;
	uint32_t others;
	int owner;

	if (src_port >= sw->nports)
		return 0;
	others = (uint32_t)(BIT(sw->nports) - 1) & ~(uint32_t)BIT(src_port);
	if (len < ETH_HLEN) {
		sw->stats.runts++;
		return 0;
	}
	sw->clock++;
	owner = configured_port(sw, src);
	if (owner >= 0 && owner != (int)src_port) {
		sw->stats.spoofed++;
		return 0;
	}
	if (owner < 0 && !(src[0] & 1))
		learn(sw, src_port, src);
	if (dst[0] & 1) {
		sw->stats.flooded++;
		return others;
	}
	owner = configured_port(sw, dst);
	if (owner < 0 && (e = fdb_find(sw, dst)) != NULL)
		owner = e->port;
	if (owner < 0 || owner == (int)src_port) {
		sw->stats.unknown += owner < 0;
		return 0;
	}
	sw->stats.forwarded++;
	return (uint32_t)BIT(owner);
}

void vswitch_forget_port(struct vswitch *sw, unsigned port)
{
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++) {
		if (sw->fdb[i].used && sw->fdb[i].port == port)
			sw->fdb[i].used = false;
	}
}
