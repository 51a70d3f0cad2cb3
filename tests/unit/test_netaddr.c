/* lib/netaddr.c: derived MACs are stable, locally administered, unicast. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "netaddr.h"

static void test_hash_known_values(void)
{
	/* FNV-1a 64 reference values */
	CHECK(vcn_hash64("", 0) == 0xcbf29ce484222325ULL);
	CHECK(vcn_hash64("a", 1) == 0xaf63dc4c8601ec8cULL);
}

static void test_mac_derive(void)
{
	uint8_t a[6], b[6];
	char s[VCN_MAC_STRLEN];

	vcn_mac_derive("physics-1", a);
	vcn_mac_derive("physics-1", b);
	CHECK(memcmp(a, b, 6) == 0);
	CHECK_INT(a[0] & 0x01, ==, 0); /* unicast */
	CHECK_INT(a[0] & 0x02, ==, 0x02); /* locally administered */
	vcn_mac_format(a, s);
	CHECK_INT(strlen(s), ==, 17);
	CHECK(strncmp(s, "02:76:63:", 9) == 0);
}

static void test_mac_spread(void)
{
	/* 200 sequential VCN names give 200 different MACs */
	uint8_t macs[200][6];
	char name[32];
	int i, j, dup = 0;

	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "vo-%d", i);
		vcn_mac_derive(name, macs[i]);
		for (j = 0; j < i; j++)
			if (memcmp(macs[i], macs[j], 6) == 0)
				dup++;
	}
	CHECK_INT(dup, ==, 0);
}

/* --- spoof addresses ----------------------------------------------------- */

static struct vcn_ip4_range default_range(void)
{
	struct vcn_ip4_range r = { 0, 0 };

	CHECK_INT(vcn_spoof_range_parse(VCN_SPOOF_RANGE_DEFAULT, &r), ==, 0);
	return r;
}

/* deterministic "random" UUIDs: xorshift64* */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void random_uuid(uint8_t u[VCN_UUID_LEN])
{
	uint64_t a = rng(), b = rng();

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4, as libvirt makes them */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Colliding pairs among @n derived addresses in @r; checks every one is in
 * range and has a last octet of 1..254. */
static unsigned collisions(const struct vcn_ip4_range *r, unsigned n)
{
	uint32_t *ips = calloc(n, sizeof(*ips));
	uint32_t mask = UINT32_MAX << (32 - r->prefix);
	uint8_t u[VCN_UUID_LEN];
	unsigned i, run = 0, pairs = 0, bad = 0;

	if (!ips)
		abort();
	for (i = 0; i < n; i++) {
		random_uuid(u);
		ips[i] = vcn_spoof_ip_derive(r, u, 0);
		if ((ips[i] & mask) != r->base || (ips[i] & 0xff) == 0 || (ips[i] & 0xff) == 255)
			bad++;
	}
	CHECK_INT(bad, ==, 0);
	qsort(ips, n, sizeof(*ips), cmp_u32);
	for (i = 1; i < n; i++) {
		if (ips[i] == ips[i - 1]) {
			run++;
			pairs += run; /* k equal addresses make k(k-1)/2 pairs */
		} else {
			run = 0;
		}
	}
	free(ips);
	return pairs;
}

static void test_spoof_range_parse(void)
{
	struct vcn_ip4_range r = { 42, 42 };

	CHECK_INT(vcn_spoof_range_parse("240.0.0.0/4", &r), ==, 0);
	CHECK(r.base == 0xf0000000u);
	CHECK_INT(r.prefix, ==, 4);
	CHECK(vcn_spoof_range_size(&r) == 266338304ULL); /* 2^20 /24s x 254 */
	CHECK_INT(vcn_spoof_range_parse("198.18.0.0/15", &r), ==, 0);
	CHECK(r.base == 0xc6120000u);
	CHECK(vcn_spoof_range_size(&r) == 130048ULL);
	CHECK_INT(vcn_spoof_range_parse("10.99.7.0/24", &r), ==, 0);
	CHECK(vcn_spoof_range_size(&r) == 254ULL);

	r.base = 42;
	r.prefix = 42;
	vcn_test_log_reset();
	CHECK_INT(vcn_spoof_range_parse("240.0.0.1/4", &r), ==, -EINVAL);
	CHECK(vcn_test_log_has("spoof range '240.0.0.1/4': host bits set"));
	CHECK_INT(vcn_spoof_range_parse("10.0.0.0/25", &r), ==, -ERANGE);
	CHECK(vcn_test_log_has("prefix must be 1..24"));
	CHECK_INT(vcn_spoof_range_parse("0.0.0.0/0", &r), ==, -ERANGE);
	CHECK_INT(vcn_spoof_range_parse("128.0.0.0/1", &r), ==, -ERANGE); /* holds 224/4 */
	CHECK_INT(vcn_spoof_range_parse("224.0.0.0/4", &r), ==, -ERANGE);
	CHECK_INT(vcn_spoof_range_parse("239.2.0.0/16", &r), ==, -ERANGE);
	CHECK_INT(vcn_spoof_range_parse("127.0.0.0/8", &r), ==, -ERANGE);
	CHECK_INT(vcn_spoof_range_parse("0.0.0.0/8", &r), ==, -ERANGE);
	CHECK(vcn_test_log_has("overlaps 0/8, 127/8 or multicast"));
	CHECK_INT(vcn_spoof_range_parse("240.0.0.0", &r), ==, -EINVAL);
	CHECK(vcn_test_log_has("not an IPv4 CIDR"));
	CHECK_INT(vcn_spoof_range_parse("240.0.0.0/", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse("240.0.0.0/4x", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse("240.0.0/4", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse("256.0.0.0/4", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse("fd00::/8", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse("", &r), ==, -EINVAL);
	CHECK_INT(vcn_spoof_range_parse(NULL, &r), ==, -EINVAL);
	CHECK(r.base == 42 && r.prefix == 42); /* untouched */
}

static void test_spoof_stable(void)
{
	struct vcn_ip4_range r = default_range();
	static const uint8_t u[VCN_UUID_LEN] = {
		0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04,
		0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e, 0x19, 0x3f,
	};
	char s[VCN_IP4_STRLEN];
	uint32_t a = 0, b = 0;

	/* pinned: a change here moves every VM to a new Ganglia host */
	vcn_ip4_format(vcn_spoof_ip_derive(&r, u, 0), s);
	CHECK_STR(s, "253.184.173.61");
	vcn_ip4_format(vcn_spoof_ip_derive(&r, u, 1), s);
	CHECK_STR(s, "241.199.240.238");
	/* the string forms give the same address as the raw bytes */
	CHECK_INT(vcn_spoof_ip_derive_str(&r, "6695eb01-f6a4-8304-79aa-97f2502e193f", 0, &a), ==, 0);
	CHECK_INT(vcn_spoof_ip_derive_str(&r, "6695EB01F6A4830479AA97F2502E193F", 0, &b), ==, 0);
	CHECK(a == b);
	CHECK(a == vcn_spoof_ip_derive(&r, u, 0));
	CHECK(vcn_spoof_ip_derive(&r, u, 0) != vcn_spoof_ip_derive(&r, u, 1));
	vcn_test_log_reset();
	a = 7;
	CHECK_INT(vcn_spoof_ip_derive_str(&r, "6695eb01-f6a4-8304-79aa-97f2502e193", 0, &a), ==, -EINVAL);
	CHECK(vcn_test_log_has("invalid UUID '6695eb01-f6a4-8304-79aa-97f2502e193'"));
	CHECK_INT(vcn_spoof_ip_derive_str(&r, "6695eb01-f6a4-8304-79aa-97f2502e193g", 0, &a), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_derive_str(&r, "6695eb01f-6a4-8304-79aa-97f2502e193f", 0, &a), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_derive_str(&r, NULL, 0, &a), ==, -EINVAL);
	CHECK_INT(a, ==, 7);
}

static void test_spoof_unique_default(void)
{
	struct vcn_ip4_range r = default_range();
	/* 10,000 VMs in 266,338,304 addresses: expected colliding pairs
	 * 10000*9999/2 / 266338304 = 0.19; more than 2 would mean a bad hash
	 * (P < 0.2% for a uniform one) */
	unsigned c = collisions(&r, 10000);

	printf("# 240.0.0.0/4: %u colliding pairs among 10000 UUIDs (expected 0.19)\n", c);
	CHECK_INT(c, <=, 2);
}

static void test_spoof_collision_rate_small(void)
{
	struct vcn_ip4_range r = { 0, 0 };

	/* 198.18.0.0/15: 130,048 addresses, expected 10000*9999/2/130048 = 384.4
	 * colliding pairs (sd ~19.6); +-4 sd */
	CHECK_INT(vcn_spoof_range_parse("198.18.0.0/15", &r), ==, 0);
	{
		unsigned c = collisions(&r, 10000);

		printf("# 198.18.0.0/15: %u colliding pairs among 10000 UUIDs (expected 384.4)\n", c);
		CHECK_INT(c, >=, 306);
		CHECK_INT(c, <=, 463);
	}
}

static void test_spoof_fills_small_range(void)
{
	struct vcn_ip4_range r = { 0, 0 };
	unsigned hits[256] = { 0 }, i, used = 0, max = 0;
	uint8_t u[VCN_UUID_LEN];
	uint32_t ip;

	/* a /24: 5,080 UUIDs over 254 addresses, ~20 each; all of .1-.254 used */
	CHECK_INT(vcn_spoof_range_parse("10.99.7.0/24", &r), ==, 0);
	for (i = 0; i < 5080; i++) {
		random_uuid(u);
		ip = vcn_spoof_ip_derive(&r, u, 0);
		CHECK_INT(ip >> 8, ==, 0x0a6307);
		hits[ip & 0xff]++;
	}
	CHECK_INT(hits[0], ==, 0);
	CHECK_INT(hits[255], ==, 0);
	for (i = 1; i < 255; i++) {
		used += hits[i] > 0;
		if (hits[i] > max)
			max = hits[i];
	}
	CHECK_INT(used, ==, 254);
	CHECK_INT(max, <, 45); /* Poisson(20): P(>=45) ~ 1e-6 per address */
}

static void test_spoof_pick(void)
{
	struct vcn_ip4_range r = default_range();
	static const uint8_t u[VCN_UUID_LEN] = { 1, 2, 3 };
	char s[VCN_IP4_STRLEN] = "untouched", d[VCN_IP4_STRLEN];

	vcn_ip4_format(vcn_spoof_ip_derive(&r, u, 0), d);
	CHECK_INT(vcn_spoof_ip_pick(NULL, &r, u, s), ==, 0);
	CHECK_STR(s, d);
	CHECK_INT(vcn_spoof_ip_pick("", &r, u, s), ==, 0);
	CHECK_STR(s, d);
	CHECK_INT(vcn_spoof_ip_pick("192.168.122.17", &r, u, s), ==, 0);
	CHECK_STR(s, "192.168.122.17");
	CHECK_INT(vcn_spoof_ip_pick("10.0.0.1", &r, u, s), ==, 0);
	CHECK_STR(s, "10.0.0.1");

	strcpy(s, "untouched"); /* test code; the library never uses strcpy */
	vcn_test_log_reset();
	CHECK_INT(vcn_spoof_ip_pick("fe80::1", &r, u, s), ==, -EINVAL);
	CHECK(vcn_test_log_has("spoof address 'fe80::1': IPv6 is not possible"));
	CHECK_INT(vcn_spoof_ip_pick("10.0.0", &r, u, s), ==, -EINVAL);
	CHECK(vcn_test_log_has("spoof address '10.0.0': not a dotted-quad IPv4"));
	CHECK_INT(vcn_spoof_ip_pick("10.0.0.256", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick("010.0.0.1x", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick(" 10.0.0.1", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick("vm1.example.org", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick("0.0.0.0", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick("255.255.255.255", &r, u, s), ==, -EINVAL);
	CHECK_INT(vcn_spoof_ip_pick("239.2.11.71", &r, u, s), ==, -EINVAL);
	CHECK(vcn_test_log_has("unspecified, broadcast or multicast"));
	CHECK_STR(s, "untouched");
}

static void test_uuid_roundtrip(void)
{
	uint8_t u[VCN_UUID_LEN], v[VCN_UUID_LEN];
	char s[VCN_UUID_STRLEN];

	CHECK_INT(vcn_uuid_parse("6695EB01-f6a4-8304-79aa-97f2502e193f", u), ==, 0);
	CHECK_INT(u[0], ==, 0x66);
	CHECK_INT(u[15], ==, 0x3f);
	vcn_uuid_format(u, s);
	CHECK_STR(s, "6695eb01-f6a4-8304-79aa-97f2502e193f");
	CHECK_INT(vcn_uuid_parse("6695eb01f6a4830479aa97f2502e193f", v), ==, 0);
	CHECK(memcmp(u, v, VCN_UUID_LEN) == 0);
	memset(v, 0xaa, sizeof(v));
	CHECK_INT(vcn_uuid_parse("6695eb01-f6a4-8304-79aa-97f2502e193f0", v), ==, -EINVAL);
	CHECK_INT(vcn_uuid_parse("6695eb01-f6a48-304-79aa-97f2502e193f", v), ==, -EINVAL);
	CHECK_INT(vcn_uuid_parse("6695eb01 f6a4 8304 79aa 97f2502e193f", v), ==, -EINVAL);
	CHECK_INT(vcn_uuid_parse("", v), ==, -EINVAL);
	CHECK_INT(v[0], ==, 0xaa); /* untouched */
}

static void test_ip4_format(void)
{
	char s[VCN_IP4_STRLEN];

	vcn_ip4_format(0xffffffffu, s);
	CHECK_STR(s, "255.255.255.255");
	vcn_ip4_format(0xf0000001u, s);
	CHECK_STR(s, "240.0.0.1");
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_hash_known_values), VCN_TEST(test_mac_derive),
		VCN_TEST(test_mac_spread), VCN_TEST(test_spoof_range_parse),
		VCN_TEST(test_spoof_stable), VCN_TEST(test_spoof_unique_default),
		VCN_TEST(test_spoof_collision_rate_small), VCN_TEST(test_spoof_fills_small_range),
		VCN_TEST(test_spoof_pick), VCN_TEST(test_ip4_format),
		VCN_TEST(test_uuid_roundtrip), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
