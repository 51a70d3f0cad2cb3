/* Stable addresses from stable names, so a relaunched VCN keeps its MAC and
 * two VCNs only collide when their names hash alike (24 bits per prefix);
 * and stable spoof IPv4s from domain UUIDs for gmond's "ip:name" host key. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "netaddr.h"
#include "parse.h"

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

/* --- spoof addresses -----------------------------------------------------
 *
 * gmond keys the hosts it has heard from by the IP part of a spoofed
 * "ip:name" string (gmond.c Ganglia_host_get: split at the first ':' after
 * the first character, then apr_hash_get(hosts, ip)), and only stores and
 * prints it: it never parses, resolves or routes it.  gmetad stores the IP
 * attribute as a string (process_xml.c), and ganglia-web only shows it as
 * "ip_address".  So any dotted quad works; what matters is that it is
 * (1) distinct per VM, (2) stable across restarts and migrations, (3) never
 * somebody's real address, so no VM is confused with a real host.
 *
 * Default 240.0.0.0/4 (class E, RFC 6890 "Reserved", not forwardable): no
 * stack routes or assigns it, and with 2^28 addresses collisions are rare:
 * with n VMs in one Ganglia cluster the expected number of colliding pairs
 * is n(n-1)/2 / N, N = 266,338,304 usable addresses (.0 and .255 excluded):
 * 1,000 VMs -> 0.0019, 10,000 VMs -> 0.19.  198.18.0.0/15 (RFC 2544
 * benchmarking) also never leaves a lab, but has only 130,048 usable
 * addresses: 3.8 expected collisions at 1,000 VMs, 384 at 10,000 - too small
 * for hashing.  It, or any other range, can still be configured.
 *
 * Addresses whose last octet is 0 or 255 are never produced: gmond and the
 * web UI would not mind, but operators and their scripts read them as
 * network and broadcast addresses (and 255.255.255.255 is in 240/4).
 * Ranges must have at least 8 host bits (prefix <= 24) and must not touch
 * 0/8, 127/8 or multicast 224/4 (gmond's own channels live there).
 */

/* splitmix64's finaliser: FNV-1a alone mixes 16 bytes of UUID poorly into
 * the low bits we reduce modulo the range size. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static bool overlaps(uint32_t base, unsigned prefix, uint32_t net, unsigned net_prefix)
{
	unsigned p = prefix < net_prefix ? prefix : net_prefix;
	uint32_t mask = p == 0 ? 0 : UINT32_MAX << (32 - p);

	return (base & mask) == (net & mask);
}

/* Parse @cidr ("240.0.0.0/4") into @r.  Returns 0, or -EINVAL for anything
 * that is not a.b.c.d/N or has host bits set ("240.0.0.1/4" is a typo, not a
 * request), or -ERANGE for a prefix outside 1..24 or a range that overlaps
 * 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0/4.  Logged with the value quoted;
 * @r untouched on error. */
int vcn_spoof_range_parse(const char *cidr, struct vcn_ip4_range *r)
{
	uint32_t addr = 0;
	unsigned prefix = 0;
	int rc;

	rc = vcn_parse_ipv4_cidr(cidr, &addr, &prefix);
	if (rc < 0) {
		vcn_err("spoof range '%s': not an IPv4 CIDR (a.b.c.d/N)", cidr ? cidr : "(null)");
		return -EINVAL;
	}
	if (prefix < 1 || prefix > 24) {
		vcn_err("spoof range '%s': prefix must be 1..24 (at least 254 addresses)", cidr);
		return -ERANGE;
	}
	if (addr & ~(UINT32_MAX << (32 - prefix))) {
		vcn_err("spoof range '%s': host bits set (network address expected)", cidr);
		return -EINVAL;
	}
	if (overlaps(addr, prefix, 0x00000000u, 8) || overlaps(addr, prefix, 0x7f000000u, 8) ||
	    overlaps(addr, prefix, 0xe0000000u, 4)) {
		vcn_err("spoof range '%s': overlaps 0/8, 127/8 or multicast 224/4", cidr);
		return -ERANGE;
	}
	r->base = addr;
	r->prefix = prefix;
	return 0;
}

/* Number of addresses vcn_spoof_ip_derive() can produce in @r: 254 per /24. */
uint64_t vcn_spoof_range_size(const struct vcn_ip4_range *r)
{
	return (UINT64_C(1) << (24 - r->prefix)) * 254;
}

/* The spoof address (host order) of the VM with @uuid in range @r: a hash
 * of the UUID, reduced into the range, last octet 1..254.  Same UUID, range
 * and @attempt give the same address on every host and build.  @attempt is 0
 * normally; a caller that sees two of its VMs collide may give the one with
 * the larger UUID attempt 1, 2, ... (each a fresh, independent hash). */
uint32_t vcn_spoof_ip_derive(const struct vcn_ip4_range *r, const uint8_t uuid[VCN_UUID_LEN],
			     unsigned attempt)
{
	uint64_t h = vcn_hash64(uuid, VCN_UUID_LEN);
	uint64_t idx;

	h = mix64(h ^ ((uint64_t)attempt * 0x9e3779b97f4a7c15ULL));
	idx = h % vcn_spoof_range_size(r);
	return r->base + (uint32_t)(idx / 254) * 256 + (uint32_t)(idx % 254) + 1;
}

/* vcn_spoof_ip_derive() from a UUID string (dashed or 32 hex digits, as
 * vcn_uuid_parse() takes), stored in @ip.  The raw bytes are hashed, so
 * "ABCD..." and "abcd..." give the same address.  Returns 0 or -EINVAL
 * (logged) for a malformed UUID. */
int vcn_spoof_ip_derive_str(const struct vcn_ip4_range *r, const char *uuid,
			    unsigned attempt, uint32_t *ip)
{
	uint8_t raw[VCN_UUID_LEN];

	if (vcn_uuid_parse(uuid, raw) < 0) {
		vcn_err("spoof address: invalid UUID '%s'", uuid ? uuid : "(null)");
		return -EINVAL;
	}
	*ip = vcn_spoof_ip_derive(r, raw, attempt);
	return 0;
}

/* Dotted-quad form of @ip (host order) into @out. */
void vcn_ip4_format(uint32_t ip, char out[VCN_IP4_STRLEN])
{
	snprintf(out, VCN_IP4_STRLEN, "%u.%u.%u.%u",
		 ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

/* The address to put before the ':' of a VM's spoof string, into @out:
 * @configured when it is given (non-NULL, non-empty: the VM's own address
 * from the operator or its metadata), else the address derived from @uuid
 * in @r.  A configured address must be a dotted-quad IPv4 (inet_pton's
 * strict form) that is not 0.0.0.0, 255.255.255.255 or multicast: gmond
 * splits "ip:name" at the first colon, so IPv6 cannot work.  Returns 0, or
 * -EINVAL (logged, @out untouched) for a bad configured address; there is no
 * fallback to the derived one, so a typo is seen, not silently replaced. */
int vcn_spoof_ip_pick(const char *configured, const struct vcn_ip4_range *r,
		      const uint8_t uuid[VCN_UUID_LEN], char out[VCN_IP4_STRLEN])
{
	struct in_addr in;
	uint32_t ip;

	if (!configured || !*configured) {
		vcn_ip4_format(vcn_spoof_ip_derive(r, uuid, 0), out);
		return 0;
	}
	if (inet_pton(AF_INET, configured, &in) != 1) {
		if (strchr(configured, ':'))
			vcn_err("spoof address '%s': IPv6 is not possible in gmond's "
				"\"ip:name\" key, give an IPv4 address", configured);
		else
			vcn_err("spoof address '%s': not a dotted-quad IPv4 address", configured);
		return -EINVAL;
	}
	ip = ntohl(in.s_addr);
	if (ip == 0 || ip == UINT32_MAX || (ip >> 28) == 0xe) {
		vcn_err("spoof address '%s': unspecified, broadcast or multicast", configured);
		return -EINVAL;
	}
	vcn_ip4_format(ip, out);
	return 0;
}
