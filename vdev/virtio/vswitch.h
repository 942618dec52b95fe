/* The virtual Ethernet switch between VMs' virtio-net devices: decides, for
 * each frame, which ports receive it. Pure logic; the caller moves the bytes. */
#ifndef HB_VDEV_VSWITCH_H
#define HB_VDEV_VSWITCH_H

#include "lib/types.h"

#define VSWITCH_MAX_PORTS	16
#define VSWITCH_FDB_SIZE	64	/* learned addresses, oldest replaced first */
#define ETH_ALEN		6
#define ETH_HLEN		14

struct vswitch_fdb_entry {
	uint8_t mac[ETH_ALEN];
	uint8_t port;
	bool used;
	uint64_t last_seen;	/* switch clock at the last frame from it */
};

struct vswitch_stats {
	uint64_t forwarded, flooded;	/* unicast frames, broadcast/multicast frames */
	uint64_t unknown;		/* unicast to an address no port has: dropped */
	uint64_t spoofed;		/* source address owned by another port: dropped */
	uint64_t runts;			/* shorter than an Ethernet header: dropped */
};

struct vswitch {
	unsigned nports;
	uint8_t port_mac[VSWITCH_MAX_PORTS][ETH_ALEN];	/* from the configuration */
	struct vswitch_fdb_entry fdb[VSWITCH_FDB_SIZE];
	uint64_t clock;
	struct vswitch_stats stats;
};

void vswitch_init(struct vswitch *sw);
/* Returns the new port's number, or -1 when the switch is full. */
int vswitch_add_port(struct vswitch *sw, const uint8_t mac[ETH_ALEN]);
/* The ports (bit per port) that frame from src_port must reach. Broadcast
 * and multicast go to every other port; unicast only to the port that owns
 * or has sent from the destination address, never flooded. A frame whose
 * source address is another port's configured one is dropped (no port can
 * pose as another VM); other source addresses are learned. */
uint32_t vswitch_route(struct vswitch *sw, unsigned src_port, const uint8_t *frame, uint32_t len);
/* Forget what was learned from a port (its VM restarted). */
void vswitch_forget_port(struct vswitch *sw, unsigned port);

#endif
