/* vcn: addresses derived from names: locally administered MACs for VCNs, and
 * the IPv4 each VM is keyed by in gmond's spoofed "ip:name" host string. */
#ifndef VCN_NETADDR_H
#define VCN_NETADDR_H

#include <stddef.h>
#include <stdint.h>

#include "uuid.h"

#define VCN_MAC_STRLEN 18
#define VCN_IP4_STRLEN 16 /* "255.255.255.255" + NUL */

/* Class E, "reserved for future use" (RFC 1112 s4, RFC 6890): never routed,
 * never assigned, 2^28 addresses.  See lib/netaddr.c for why. */
#define VCN_SPOOF_RANGE_DEFAULT "240.0.0.0/4"

/* An IPv4 range to derive spoof addresses in, host order. */
struct vcn_ip4_range {
	uint32_t base;    /* network address, host bits zero */
	unsigned prefix;  /* 1..24 */
};

uint64_t vcn_hash64(const void *data, size_t len);
void vcn_mac_derive(const char *seed, uint8_t mac[6]);
void vcn_mac_format(const uint8_t mac[6], char out[VCN_MAC_STRLEN]);

int vcn_spoof_range_parse(const char *cidr, struct vcn_ip4_range *r);
uint64_t vcn_spoof_range_size(const struct vcn_ip4_range *r);
uint32_t vcn_spoof_ip_derive(const struct vcn_ip4_range *r, const uint8_t uuid[VCN_UUID_LEN],
			     unsigned attempt);
int vcn_spoof_ip_derive_str(const struct vcn_ip4_range *r, const char *uuid,
			    unsigned attempt, uint32_t *ip);
int vcn_spoof_ip_pick(const char *configured, const struct vcn_ip4_range *r,
		      const uint8_t uuid[VCN_UUID_LEN], char out[VCN_IP4_STRLEN]);
void vcn_ip4_format(uint32_t ip, char out[VCN_IP4_STRLEN]);

#endif
