/* lib/parse.c: every parser accepts its documented forms and rejects garbage. */
#include <config.h>

#include <errno.h>
#include <stdint.h>

#include "harness.h"
#include "parse.h"

static void test_u64(void)
{
	uint64_t v = 0;

	CHECK_INT(vcn_parse_u64("0", 0, 10, &v), ==, 0);
	CHECK_INT(v, ==, 0);
	CHECK_INT(vcn_parse_u64("10", 0, 10, &v), ==, 0);
	CHECK_INT(v, ==, 10);
	CHECK_INT(vcn_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), ==, 0);
	CHECK(v == UINT64_MAX);
	CHECK_INT(vcn_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), ==, -ERANGE);
	CHECK_INT(vcn_parse_u64("11", 0, 10, &v), ==, -ERANGE);
	CHECK_INT(vcn_parse_u64("4", 5, 10, &v), ==, -ERANGE);
}

static void test_u64_garbage(void)
{
	static const char *const bad[] = { "", " 1", "1 ", "12x", "-1", "+1", "0x10", "1.0", "one" };
	uint64_t v = 42;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(vcn_parse_u64(bad[i], 0, 100, &v), ==, -EINVAL);
	CHECK_INT(vcn_parse_u64(NULL, 0, 100, &v), ==, -EINVAL);
	CHECK_INT(v, ==, 42); /* untouched on error */
}

static void test_uint(void)
{
	unsigned v = 0;

	CHECK_INT(vcn_parse_uint("4096", 1, 4096, &v), ==, 0);
	CHECK_INT(v, ==, 4096);
	CHECK_INT(vcn_parse_uint("0", 1, 4096, &v), ==, -ERANGE);
	CHECK_INT(vcn_parse_uint("4294967296", 0, UINT32_MAX, &v), ==, -ERANGE);
}

static void test_double(void)
{
	double d = 0;

	CHECK_INT(vcn_parse_double("0.95", 0, 1, &d), ==, 0);
	CHECK(d > 0.9499 && d < 0.9501);
	CHECK_INT(vcn_parse_double("-1", -5, 5, &d), ==, 0);
	CHECK(d == -1);
	CHECK_INT(vcn_parse_double("1e3", 0, 1e6, &d), ==, 0);
	CHECK(d == 1000);
	CHECK_INT(vcn_parse_double("1.5", 0, 1, &d), ==, -ERANGE);
	CHECK_INT(vcn_parse_double("nan", 0, 1, &d), ==, -EINVAL);
	CHECK_INT(vcn_parse_double("inf", 0, 1, &d), ==, -EINVAL);
	CHECK_INT(vcn_parse_double("0.5x", 0, 1, &d), ==, -EINVAL);
	CHECK_INT(vcn_parse_double("", 0, 1, &d), ==, -EINVAL);
	CHECK_INT(vcn_parse_double(" 0.5", 0, 1, &d), ==, -EINVAL);
}

static void test_bool(void)
{
	static const char *const yes[] = { "yes", "YES", "true", "On", "1" };
	static const char *const no[] = { "no", "False", "off", "0" };
	bool b;
	unsigned i;

	for (i = 0; i < 5; i++) {
		b = false;
		CHECK_INT(vcn_parse_bool(yes[i], &b), ==, 0);
		CHECK(b);
	}
	for (i = 0; i < 4; i++) {
		b = true;
		CHECK_INT(vcn_parse_bool(no[i], &b), ==, 0);
		CHECK(!b);
	}
	CHECK_INT(vcn_parse_bool("y", &b), ==, -EINVAL);
	CHECK_INT(vcn_parse_bool("", &b), ==, -EINVAL);
	CHECK_INT(vcn_parse_bool("2", &b), ==, -EINVAL);
}

static void test_duration(void)
{
	uint64_t ms = 0;

	CHECK_INT(vcn_parse_duration_ms("15", &ms), ==, 0);
	CHECK_INT(ms, ==, 15000);
	CHECK_INT(vcn_parse_duration_ms("250ms", &ms), ==, 0);
	CHECK_INT(ms, ==, 250);
	CHECK_INT(vcn_parse_duration_ms("15s", &ms), ==, 0);
	CHECK_INT(ms, ==, 15000);
	CHECK_INT(vcn_parse_duration_ms("2m", &ms), ==, 0);
	CHECK_INT(ms, ==, 120000);
	CHECK_INT(vcn_parse_duration_ms("1h", &ms), ==, 0);
	CHECK_INT(ms, ==, 3600000);
	CHECK_INT(vcn_parse_duration_ms("s", &ms), ==, -EINVAL);
	CHECK_INT(vcn_parse_duration_ms("5 s", &ms), ==, -EINVAL);
	CHECK_INT(vcn_parse_duration_ms("5d", &ms), ==, -EINVAL);
	CHECK_INT(vcn_parse_duration_ms("1.5s", &ms), ==, -EINVAL);
	CHECK_INT(vcn_parse_duration_ms("99999999999999999999h", &ms), ==, -ERANGE);
	CHECK_INT(vcn_parse_duration_ms("9999999999999999h", &ms), ==, -ERANGE);
}

static void test_size(void)
{
	uint64_t b = 0;

	CHECK_INT(vcn_parse_size("512", &b), ==, 0);
	CHECK_INT(b, ==, 512);
	CHECK_INT(vcn_parse_size("64K", &b), ==, 0);
	CHECK_INT(b, ==, 65536);
	CHECK_INT(vcn_parse_size("128M", &b), ==, 0);
	CHECK_INT(b, ==, 128LL << 20);
	CHECK_INT(vcn_parse_size("2GiB", &b), ==, 0);
	CHECK_INT(b, ==, 2LL << 30);
	CHECK_INT(vcn_parse_size("1T", &b), ==, 0);
	CHECK_INT(b, ==, 1LL << 40);
	CHECK_INT(vcn_parse_size("128m", &b), ==, -EINVAL);
	CHECK_INT(vcn_parse_size("M", &b), ==, -EINVAL);
	CHECK_INT(vcn_parse_size("20000000T", &b), ==, -ERANGE);
}

static void test_mac(void)
{
	uint8_t mac[6] = { 0 };

	CHECK_INT(vcn_parse_mac("02:76:63:aB:cd:EF", mac), ==, 0);
	CHECK_INT(mac[0], ==, 0x02);
	CHECK_INT(mac[3], ==, 0xab);
	CHECK_INT(mac[5], ==, 0xef);
	CHECK_INT(vcn_parse_mac("01:00:5e:00:00:01", mac), ==, -ERANGE); /* multicast */
	CHECK_INT(vcn_parse_mac("02:76:63:ab:cd", mac), ==, -EINVAL);
	CHECK_INT(vcn_parse_mac("02-76-63-ab-cd-ef", mac), ==, -EINVAL);
	CHECK_INT(vcn_parse_mac("02:76:63:ab:cd:eg", mac), ==, -EINVAL);
	CHECK_INT(vcn_parse_mac("02:76:63:ab:cd:ef0", mac), ==, -EINVAL);
}

static void test_ipv4_cidr(void)
{
	uint32_t a = 0;
	unsigned p = 0;

	CHECK_INT(vcn_parse_ipv4_cidr("10.251.3.7/24", &a, &p), ==, 0);
	CHECK_INT(a, ==, (10u << 24) | (251u << 16) | (3u << 8) | 7u);
	CHECK_INT(p, ==, 24);
	CHECK_INT(vcn_parse_ipv4_cidr("10.0.0.1/33", &a, &p), ==, -ERANGE);
	CHECK_INT(vcn_parse_ipv4_cidr("10.0.0.1", &a, &p), ==, -EINVAL);
	CHECK_INT(vcn_parse_ipv4_cidr("10.0.0/8", &a, &p), ==, -EINVAL);
	CHECK_INT(vcn_parse_ipv4_cidr("/8", &a, &p), ==, -EINVAL);
	CHECK_INT(vcn_parse_ipv4_cidr("10.0.0.1/x", &a, &p), ==, -EINVAL);
	CHECK_INT(vcn_parse_ipv4_cidr("fe80::1/64", &a, &p), ==, -EINVAL);
}

static void test_name(void)
{
	CHECK(vcn_name_valid("physics-1"));
	CHECK(vcn_name_valid("vo.bio_2"));
	CHECK(vcn_name_valid("A"));
	CHECK(!vcn_name_valid(""));
	CHECK(!vcn_name_valid(NULL));
	CHECK(!vcn_name_valid("-lead"));
	CHECK(!vcn_name_valid("a b"));
	CHECK(!vcn_name_valid("a/b"));
	CHECK(!vcn_name_valid("a;rm"));
	CHECK(vcn_name_valid("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk")); /* 63 */
	CHECK(!vcn_name_valid("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl")); /* 64 */
}

static void test_strerror(void)
{
	CHECK_STR(vcn_parse_strerror(-EINVAL), "not a valid value");
	CHECK_STR(vcn_parse_strerror(-ERANGE), "out of range");
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_u64), VCN_TEST(test_u64_garbage), VCN_TEST(test_uint),
		VCN_TEST(test_double), VCN_TEST(test_bool), VCN_TEST(test_duration),
		VCN_TEST(test_size), VCN_TEST(test_mac), VCN_TEST(test_ipv4_cidr),
		VCN_TEST(test_name), VCN_TEST(test_strerror), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
