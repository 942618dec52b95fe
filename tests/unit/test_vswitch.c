/* Host tests for vdev/virtio/vswitch: unicast only to the port that owns or
 * was seen with the destination (never flooded), broadcast and multicast to
 * every other port, spoofed and runt frames dropped, learning (addresses that
 * move, multicast sources never learned, forgetting a port), the bounded
 * table replacing its oldest entry, and the port limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vdev/virtio/vswitch.h"

static const uint8_t mac_a[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0a };
static const uint8_t mac_b[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0b };
static const uint8_t mac_c[ETH_ALEN] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x0c };
static const uint8_t bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
static const uint8_t mcast6[ETH_ALEN] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

static struct vswitch sw;

/* Three ports A, B, C with their configured addresses. */
static int setup(void **state)
{
	(void)state;
	vswitch_init(&sw);
	assert_int_equal(vswitch_add_port(&sw, mac_a), 0);
	assert_int_equal(vswitch_add_port(&sw, mac_b), 1);
	assert_int_equal(vswitch_add_port(&sw, mac_c), 2);
	return 0;
}

/* A host behind a port, bridged by its VM: 02:00:00:00:hi:lo. */
static void host_mac(uint8_t mac[ETH_ALEN], unsigned n)
{
	const uint8_t m[ETH_ALEN] = { 0x02, 0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n };

	memcpy(mac, m, ETH_ALEN);
}

static uint32_t route(unsigned src_port, const uint8_t *dst, const uint8_t *src, uint32_t len)
{
	uint8_t frame[64] = { 0 };

	memcpy(frame, dst, ETH_ALEN);
	memcpy(frame + ETH_ALEN, src, ETH_ALEN);
	frame[12] = 0x08;	/* IPv4 */
	return vswitch_route(&sw, src_port, frame, len);
}

static uint32_t send(unsigned src_port, const uint8_t *dst, const uint8_t *src)
{
	return route(src_port, dst, src, 60);
}

/* ---- forwarding ---- */

static void test_unicast_to_configured_owner(void **state)
{
	(void)state;
	assert_int_equal(send(0, mac_b, mac_a), BIT(1));
	assert_int_equal(send(0, mac_c, mac_a), BIT(2));
	assert_int_equal(send(2, mac_a, mac_c), BIT(0));
	assert_int_equal(sw.stats.forwarded, 3);
	assert_int_equal(sw.stats.flooded, 0);
	/* Configured addresses are not put in the table. */
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		assert_false(sw.fdb[i].used);
}

static void test_unknown_unicast_dropped_not_flooded(void **state)
{
	uint8_t nobody[ETH_ALEN];

	(void)state;
	host_mac(nobody, 99);
	assert_int_equal(send(0, nobody, mac_a), 0);
	assert_int_equal(sw.stats.unknown, 1);
	assert_int_equal(sw.stats.forwarded + sw.stats.flooded, 0);
}

static void test_unicast_to_self_dropped(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	assert_int_equal(send(1, mac_b, mac_b), 0);
	host_mac(host, 1);
	assert_int_equal(send(1, mac_a, host), BIT(0));	/* learns host on port 1 */
	assert_int_equal(send(1, host, mac_b), 0);	/* hairpin: not sent back */
	assert_int_equal(sw.stats.forwarded, 1);
}

static void test_broadcast_and_multicast_to_all_others(void **state)
{
	(void)state;
	assert_int_equal(send(0, bcast, mac_a), BIT(1) | BIT(2));
	assert_int_equal(send(1, bcast, mac_b), BIT(0) | BIT(2));
	assert_int_equal(send(2, mcast, mac_c), BIT(0) | BIT(1));
	assert_int_equal(send(2, mcast6, mac_c), BIT(0) | BIT(1));
	assert_int_equal(sw.stats.flooded, 4);
	assert_int_equal(sw.stats.forwarded, 0);
}

static void test_broadcast_on_full_switch(void **state)
{
	uint8_t mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 1, 0 };

	(void)state;
	vswitch_init(&sw);
	for (unsigned i = 0; i < VSWITCH_MAX_PORTS; i++) {
		mac[5] = (uint8_t)i;
		assert_int_equal(vswitch_add_port(&sw, mac), (int)i);
	}
	mac[5] = 7;
	assert_int_equal(send(7, bcast, mac), (uint32_t)(BIT(VSWITCH_MAX_PORTS) - 1) & ~(uint32_t)BIT(7));
	mac[5] = 15;
	assert_int_equal(send(15, bcast, mac), (uint32_t)(BIT(VSWITCH_MAX_PORTS) - 1) & ~(uint32_t)BIT(15));
	mac[5] = 3;
	assert_int_equal(send(15, mac, (uint8_t[]){ 0x52, 0x54, 0, 0, 1, 15 }), BIT(3));
}

static void test_single_port_broadcast_reaches_nobody(void **state)
{
	(void)state;
	vswitch_init(&sw);
	assert_int_equal(vswitch_add_port(&sw, mac_a), 0);
	assert_int_equal(send(0, bcast, mac_a), 0);
}

/* ---- dropped frames ---- */

static void test_spoofed_source_dropped(void **state)
{
	(void)state;
	/* Port 0 claims B's address: dropped, whatever the destination. */
	assert_int_equal(send(0, mac_c, mac_b), 0);
	assert_int_equal(send(0, bcast, mac_b), 0);
	assert_int_equal(send(0, mac_b, mac_b), 0);
	assert_int_equal(sw.stats.spoofed, 3);
	assert_int_equal(sw.stats.forwarded + sw.stats.flooded, 0);
	/* And B's address still leads to B, not to the spoofer. */
	assert_int_equal(send(2, mac_b, mac_c), BIT(1));
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		assert_false(sw.fdb[i].used);
}

static void test_runts_dropped(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	host_mac(host, 5);
	assert_int_equal(route(0, mac_b, mac_a, ETH_HLEN - 1), 0);
	assert_int_equal(route(0, bcast, host, 12), 0);
	assert_int_equal(route(0, mac_b, mac_a, 0), 0);
	assert_int_equal(sw.stats.runts, 3);
	/* Nothing learned from a runt. */
	assert_int_equal(send(1, host, mac_b), 0);
	/* A bare header is a frame. */
	assert_int_equal(route(0, mac_b, mac_a, ETH_HLEN), BIT(1));
	assert_int_equal(sw.stats.runts, 3);
}

static void test_src_port_out_of_range(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	host_mac(host, 9);
	assert_int_equal(send(3, bcast, host), 0);
	assert_int_equal(send(3, mac_a, host), 0);
	assert_int_equal(send(VSWITCH_MAX_PORTS, bcast, host), 0);
	assert_int_equal(send(31, bcast, host), 0);
	/* Nothing learned or counted from a port that does not exist. */
	assert_int_equal(send(0, host, mac_a), 0);
	assert_int_equal(sw.stats.forwarded + sw.stats.flooded, 0);
	assert_int_equal(sw.stats.unknown, 1);
}

/* ---- learning ---- */

static void test_learned_address_forwarded(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	host_mac(host, 1);
	/* Unknown until it has sent something. */
	assert_int_equal(send(0, host, mac_a), 0);
	assert_int_equal(send(2, bcast, host), BIT(0) | BIT(1));
	assert_int_equal(send(0, host, mac_a), BIT(2));
	assert_int_equal(send(1, host, mac_b), BIT(2));
	assert_int_equal(sw.stats.unknown, 1);
	assert_int_equal(sw.stats.forwarded, 2);
}

static void test_learned_address_moves(void **state)
{
	uint8_t host[ETH_ALEN];
	unsigned entries = 0;

	(void)state;
	host_mac(host, 2);
	assert_int_equal(send(1, mac_a, host), BIT(0));
	assert_int_equal(send(0, host, mac_a), BIT(1));
	/* The host migrates behind port 2. */
	assert_int_equal(send(2, mac_a, host), BIT(0));
	assert_int_equal(send(0, host, mac_a), BIT(2));
	/* One entry, not two. */
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		entries += sw.fdb[i].used;
	assert_int_equal(entries, 1);
}

static void test_configured_address_cannot_be_learned_elsewhere(void **state)
{
	(void)state;
	/* Port 2 sends as A (spoof): dropped, and A stays on port 0. */
	assert_int_equal(send(2, bcast, mac_a), 0);
	assert_int_equal(send(1, mac_a, mac_b), BIT(0));
}

static void test_multicast_source_not_learned(void **state)
{
	(void)state;
	/* A multicast source address is bogus; it must not become a way to
	 * send unicast-looking frames anywhere. */
	assert_int_equal(send(1, mac_a, mcast), BIT(0));
	assert_int_equal(send(1, bcast, bcast), BIT(0) | BIT(2));
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		assert_false(sw.fdb[i].used);
}

static void test_fdb_replaces_oldest(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	/* Fill the table from port 1: host n seen at time n. */
	for (unsigned n = 0; n < VSWITCH_FDB_SIZE; n++) {
		host_mac(host, n);
		assert_int_equal(send(1, mac_a, host), BIT(0));
	}
	/* Host 0 talks again: now host 1 is the oldest. */
	host_mac(host, 0);
	send(1, mac_a, host);
	host_mac(host, 1000);
	send(2, mac_a, host);	/* a new host evicts host 1 */
	host_mac(host, 1);
	assert_int_equal(send(0, host, mac_a), 0);
	host_mac(host, 0);
	assert_int_equal(send(0, host, mac_a), BIT(1));
	host_mac(host, 2);
	assert_int_equal(send(0, host, mac_a), BIT(1));
	host_mac(host, 1000);
	assert_int_equal(send(0, host, mac_a), BIT(2));
	/* The next newcomer evicts host 2, then host 3. */
	host_mac(host, 1001);
	send(2, mac_a, host);
	host_mac(host, 1002);
	send(2, mac_a, host);
	host_mac(host, 2);
	assert_int_equal(send(0, host, mac_a), 0);
	host_mac(host, 3);
	assert_int_equal(send(0, host, mac_a), 0);
	host_mac(host, 4);
	assert_int_equal(send(0, host, mac_a), BIT(1));
	host_mac(host, 1001);
	assert_int_equal(send(0, host, mac_a), BIT(2));
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		assert_true(sw.fdb[i].used);
	/* Being a destination does not keep an entry young, sending does. */
	host_mac(host, 4);
	for (unsigned k = 0; k < 3; k++)
		send(0, host, mac_a);	/* host 4 only receives */
	host_mac(host, 1003);
	send(2, mac_a, host);
	host_mac(host, 4);
	assert_int_equal(send(0, host, mac_a), 0);
}

static void test_forget_port(void **state)
{
	uint8_t h1[ETH_ALEN], h2[ETH_ALEN];

	(void)state;
	host_mac(h1, 1);
	host_mac(h2, 2);
	send(2, mac_a, h2);
	send(1, mac_a, h1);	/* younger than h2 */
	vswitch_forget_port(&sw, 1);
	assert_int_equal(send(0, h1, mac_a), 0);
	assert_int_equal(send(0, h2, mac_a), BIT(2));
	/* Configured addresses are not forgotten. */
	assert_int_equal(send(0, mac_b, mac_a), BIT(1));
	/* The freed entry is reused before anything is evicted, even though
	 * h2 is older than it. */
	for (unsigned n = 100; n < 100 + VSWITCH_FDB_SIZE - 1; n++) {
		uint8_t h[ETH_ALEN];

		host_mac(h, n);
		send(1, mac_a, h);
	}
	assert_int_equal(send(0, h2, mac_a), BIT(2));
}

/* ---- ports ---- */

static void test_port_added_later_owns_learned_address(void **state)
{
	uint8_t host[ETH_ALEN];

	(void)state;
	host_mac(host, 7);
	send(1, mac_a, host);
	assert_int_equal(send(0, host, mac_a), BIT(1));
	/* A VM configured with that address joins: the address is its own. */
	assert_int_equal(vswitch_add_port(&sw, host), 3);
	assert_int_equal(send(0, host, mac_a), BIT(3));
	assert_int_equal(send(1, mac_a, host), 0);	/* now a spoof */
	assert_int_equal(send(0, host, mac_a), BIT(3));
}

static void test_port_limit(void **state)
{
	uint8_t mac[ETH_ALEN] = { 0x52, 0x54, 0, 0, 2, 0 };

	(void)state;
	vswitch_init(&sw);
	for (unsigned i = 0; i < VSWITCH_MAX_PORTS; i++) {
		mac[5] = (uint8_t)i;
		assert_int_equal(vswitch_add_port(&sw, mac), (int)i);
	}
	mac[5] = 0xff;
	assert_int_equal(vswitch_add_port(&sw, mac), -1);
	assert_int_equal(sw.nports, VSWITCH_MAX_PORTS);
	/* The refused address belongs to nobody. */
	mac[5] = 0;
	assert_int_equal(send(0, (uint8_t[]){ 0x52, 0x54, 0, 0, 2, 0xff }, mac), 0);
	assert_int_equal(sw.stats.unknown, 1);
}

/* Regression: `others` was computed with BIT(src_port) before src_port was
 * checked, so a port number >= 64 shifted past the width of unsigned long
 * (undefined behaviour, caught by UBSan). Any port that does not exist gets
 * nothing. */
static void test_src_port_far_out_of_range(void **state)
{
	(void)state;
	assert_int_equal(send(64, bcast, mac_a), 0);
	assert_int_equal(send(~0u, bcast, mac_a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unicast_to_configured_owner, setup),
		cmocka_unit_test_setup(test_unknown_unicast_dropped_not_flooded, setup),
		cmocka_unit_test_setup(test_unicast_to_self_dropped, setup),
		cmocka_unit_test_setup(test_broadcast_and_multicast_to_all_others, setup),
		cmocka_unit_test_setup(test_broadcast_on_full_switch, setup),
		cmocka_unit_test_setup(test_single_port_broadcast_reaches_nobody, setup),
		cmocka_unit_test_setup(test_spoofed_source_dropped, setup),
		cmocka_unit_test_setup(test_runts_dropped, setup),
		cmocka_unit_test_setup(test_src_port_out_of_range, setup),
		cmocka_unit_test_setup(test_learned_address_forwarded, setup),
		cmocka_unit_test_setup(test_learned_address_moves, setup),
		cmocka_unit_test_setup(test_configured_address_cannot_be_learned_elsewhere, setup),
		cmocka_unit_test_setup(test_multicast_source_not_learned, setup),
		cmocka_unit_test_setup(test_fdb_replaces_oldest, setup),
		cmocka_unit_test_setup(test_forget_port, setup),
		cmocka_unit_test_setup(test_port_added_later_owns_learned_address, setup),
		cmocka_unit_test_setup(test_port_limit, setup),
		cmocka_unit_test_setup(test_src_port_far_out_of_range, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
