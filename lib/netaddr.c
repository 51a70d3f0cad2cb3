/* Stable addresses from stable names, so a relaunched VCN keeps its MAC and
 * two VCNs only collide when their names hash alike (24 bits per prefix). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "netaddr.h"

/* FNV-1a, 64 bit: fast, stable across builds and architectures. */
uint64_t vcn_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A locally administered unicast MAC 02:76:63:xx:xx:xx ("vc") whose last
 * three octets are taken from a hash of @seed (e.g. the VCN name). */
void vcn_mac_derive(const char *seed, uint8_t mac[6])
{
	uint64_t h = vcn_hash64(seed, strlen(seed));

	mac[0] = 0x02;
	mac[1] = 0x76;
	mac[2] = 0x63;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* Lower-case colon form, NUL-terminated in @out. */
void vcn_mac_format(const uint8_t mac[6], char out[VCN_MAC_STRLEN])
{
	snprintf(out, VCN_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
