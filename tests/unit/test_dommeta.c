/* lib/dommeta.c: our metadata element, as written and as libvirt returns it;
 * other elements and malformed XML are refused, bad values dropped. */
#include <config.h>

#include <errno.h>

#include "dommeta.h"
#include "harness.h"

static void test_stripped_namespace(void)
{
	struct vcn_dommeta m;

	CHECK_INT(vcn_dommeta_parse("<vcn><vo>physics</vo><hostname>physics-1</hostname>"
				    "<address>10.250.1.10</address><created>1795000000</created></vcn>", &m), ==, 0);
	CHECK_STR(m.vo, "physics");
	CHECK_STR(m.hostname, "physics-1");
	CHECK_STR(m.address, "10.250.1.10");
	CHECK_INT(m.created, ==, 1795000000);
}

static void test_with_namespace(void)
{
	struct vcn_dommeta m;

	CHECK_INT(vcn_dommeta_parse("<vcn:vcn xmlns:vcn=\"https://vcn.invalid/xmlns/vcn/1\">"
				    "<vcn:vo>bio</vcn:vo><vcn:other>x</vcn:other></vcn:vcn>", &m), ==, 0);
	CHECK_STR(m.vo, "bio");
	CHECK_STR(m.hostname, "");
	CHECK_INT(m.created, ==, 0);
}

static void test_refused(void)
{
	struct vcn_dommeta m;

	CHECK_INT(vcn_dommeta_parse("<vcn:vcn xmlns:vcn=\"urn:other\"><vcn:vo>x</vcn:vo></vcn:vcn>", &m), ==, -EINVAL);
	CHECK_INT(vcn_dommeta_parse("<other><vo>x</vo></other>", &m), ==, -EINVAL);
	CHECK_INT(vcn_dommeta_parse("<vcn><vo>x</vo>", &m), ==, -EINVAL);
	CHECK_INT(vcn_dommeta_parse("", &m), ==, -EINVAL);
	CHECK_INT(vcn_dommeta_parse(NULL, &m), ==, -EINVAL);
}

static void test_bad_values_dropped(void)
{
	struct vcn_dommeta m;

	CHECK_INT(vcn_dommeta_parse("<vcn><hostname>a;b</hostname><address>::1</address>"
				    "<created>soon</created><vo>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</vo></vcn>",
				    &m), ==, 0);
	CHECK_STR(m.hostname, "");
	CHECK_STR(m.address, "");
	CHECK_STR(m.vo, ""); /* longer than the field: absent, not truncated */
	CHECK_INT(m.created, ==, 0);
	CHECK(vcn_test_log_has("metadata hostname 'a;b' is not a valid name"));
	CHECK(vcn_test_log_has("metadata address '::1' is not an IPv4 address"));
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_stripped_namespace), VCN_TEST(test_with_namespace),
		VCN_TEST(test_refused), VCN_TEST(test_bad_values_dropped), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
