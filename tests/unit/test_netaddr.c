/* lib/netaddr.c: derived MACs are stable, locally administered, unicast. */
#include <config.h>

#include <stdio.h>

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

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_hash_known_values), VCN_TEST(test_mac_derive),
		VCN_TEST(test_mac_spread), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
