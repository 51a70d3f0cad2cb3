/* lib/collector_conf.c: one test per parameter, good and bad values; a bad
 * value names the parameter and leaves the previous value in place. */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "collector_conf.h"
#include "harness.h"

static struct vcn_collector_conf c;

static void fresh(void)
{
	vcn_collector_conf_free(&c);
	CHECK_INT(vcn_collector_conf_init(&c), ==, 0);
	vcn_test_log_reset();
}

static void test_defaults(void)
{
	fresh();
	CHECK_STR(c.uri, "qemu:///system");
	CHECK_INT(c.interval_ms, ==, 15000);
	CHECK_INT(c.libvirt_timeout_ms, ==, 5000);
	CHECK_INT(c.dmax_s, ==, 120);
	CHECK_INT(c.hostname, ==, VCN_HOSTNAME_NAME);
	CHECK(c.per_device);
	CHECK_STR(c.cgroup_root, "/sys/fs/cgroup");
	CHECK(c.phys_host[0] != '\0');
	CHECK(vcn_collector_conf_wants(&c, "anything"));
}

static void test_interval(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "interval", "5s"), ==, 0);
	CHECK_INT(c.interval_ms, ==, 5000);
	CHECK_INT(vcn_collector_conf_set(&c, "interval", "2500ms"), ==, 0);
	CHECK_INT(c.interval_ms, ==, 2500);
	CHECK_INT(vcn_collector_conf_set(&c, "interval", "10x"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'interval': '10x'"));
	CHECK_INT(vcn_collector_conf_set(&c, "interval", "500ms"), ==, -ERANGE);
	CHECK_INT(vcn_collector_conf_set(&c, "interval", "-5"), ==, -EINVAL);
	CHECK_INT(c.interval_ms, ==, 2500); /* unchanged by the refusals */
}

static void test_timeouts_and_dmax(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "libvirt_timeout", "750ms"), ==, 0);
	CHECK_INT(c.libvirt_timeout_ms, ==, 750);
	CHECK_INT(vcn_collector_conf_set(&c, "libvirt_timeout", "50ms"), ==, -ERANGE);
	CHECK_INT(vcn_collector_conf_set(&c, "dmax", "5m"), ==, 0);
	CHECK_INT(c.dmax_s, ==, 300);
	CHECK_INT(vcn_collector_conf_set(&c, "dmax", "0"), ==, -ERANGE);
	CHECK_INT(vcn_collector_conf_set(&c, "metadata_interval", "2m"), ==, 0);
	CHECK_INT(c.metadata_interval_ms, ==, 120000);
}

static void test_filters(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "include", "^vo-"), ==, 0);
	CHECK_INT(vcn_collector_conf_set(&c, "exclude", "-test$"), ==, 0);
	CHECK(vcn_collector_conf_wants(&c, "vo-physics-1"));
	CHECK(!vcn_collector_conf_wants(&c, "vo-physics-test"));
	CHECK(!vcn_collector_conf_wants(&c, "web-1"));
	CHECK_INT(vcn_collector_conf_set(&c, "include", "(unclosed"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'include': '(unclosed' is not a regular expression"));
	CHECK(vcn_collector_conf_wants(&c, "vo-physics-1")); /* old filter kept */
}

static void test_host_name(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "host_name", "uuid"), ==, 0);
	CHECK_INT(c.hostname, ==, VCN_HOSTNAME_UUID);
	CHECK_INT(vcn_collector_conf_set(&c, "host_name", "fqdn"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'host_name': 'fqdn' is not one of: name, uuid, metadata"));
	CHECK_INT(vcn_collector_conf_set(&c, "host_name", "metadata"), ==, 0);
	CHECK_INT(c.hostname, ==, VCN_HOSTNAME_METADATA);
	CHECK_STR(vcn_hostname_mode_name(VCN_HOSTNAME_LAST), "?");
}

static void test_spoof_address(void)
{
	fresh();
	CHECK_INT(c.address, ==, VCN_ADDRESS_UUID);
	CHECK_INT(vcn_collector_conf_set(&c, "spoof_address", "metadata"), ==, 0);
	CHECK_INT(c.address, ==, VCN_ADDRESS_METADATA);
	CHECK_INT(vcn_collector_conf_set(&c, "spoof_address", "dhcp"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'spoof_address': 'dhcp' is not one of: uuid, metadata"));
	CHECK_INT(c.address, ==, VCN_ADDRESS_METADATA);
}

static void test_spoof_range(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "spoof_range", "198.18.0.0/15"), ==, 0);
	CHECK_INT(c.spoof_range.prefix, ==, 15);
	CHECK(vcn_collector_conf_set(&c, "spoof_range", "198.18.0.1/15") < 0);
	CHECK(vcn_collector_conf_set(&c, "spoof_range", "127.0.0.0/8") < 0);
	CHECK(vcn_collector_conf_set(&c, "spoof_range", "fe80::/64") < 0);
	CHECK_INT(c.spoof_range.prefix, ==, 15);
}

static void test_bool_and_paths(void)
{
	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "per_device", "no"), ==, 0);
	CHECK(!c.per_device);
	CHECK_INT(vcn_collector_conf_set(&c, "per_device", "nope"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'per_device': 'nope' is not yes or no"));
	CHECK_INT(vcn_collector_conf_set(&c, "cgroup_root", "/tmp/fixture"), ==, 0);
	CHECK_STR(c.cgroup_root, "/tmp/fixture");
	CHECK_INT(vcn_collector_conf_set(&c, "uri", "test:///default"), ==, 0);
	CHECK_STR(c.uri, "test:///default");
	CHECK_INT(vcn_collector_conf_set(&c, "phys_host", ""), ==, -EINVAL);
	CHECK_INT(vcn_collector_conf_set(&c, "phys_host", "hv-07"), ==, 0);
	CHECK_STR(c.phys_host, "hv-07");
}

static void test_unknown_and_long(void)
{
	char big[400];

	fresh();
	CHECK_INT(vcn_collector_conf_set(&c, "intervall", "5s"), ==, -EINVAL);
	CHECK(vcn_test_log_has("param 'intervall': unknown parameter"));
	CHECK_INT(vcn_collector_conf_set(&c, "uri", NULL), ==, -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(vcn_collector_conf_set(&c, "uri", big), ==, -ERANGE);
	CHECK_STR(c.uri, "qemu:///system");
	vcn_collector_conf_free(&c);
	vcn_collector_conf_free(NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_defaults), VCN_TEST(test_interval), VCN_TEST(test_timeouts_and_dmax),
		VCN_TEST(test_filters), VCN_TEST(test_host_name), VCN_TEST(test_spoof_address), VCN_TEST(test_spoof_range),
		VCN_TEST(test_bool_and_paths), VCN_TEST(test_unknown_and_long), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
