/* lib/collector.c against libvirt's test:/// driver: VMs found and named,
 * spoof addresses stable and distinct, a dead URI costs at most the
 * timeout and never blocks, VMs that disappear are forgotten. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "collector.h"
#include "harness.h"

static void conf_for(struct vcn_collector_conf *c, const char *uri)
{
	CHECK_INT(vcn_collector_conf_init(c), ==, 0);
	CHECK_INT(vcn_collector_conf_set(c, "uri", uri), ==, 0);
	CHECK_INT(vcn_collector_conf_set(c, "libvirt_timeout", "2s"), ==, 0);
	CHECK_INT(vcn_collector_conf_set(c, "phys_host", "hv-test"), ==, 0);
}

static char uri_buf[4096];

static const char *node_uri(void)
{
	snprintf(uri_buf, sizeof(uri_buf), "test://%s", vcn_test_data_path("collector/node.xml"));
	return uri_buf;
}

static void test_finds_running_vms(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	size_t i, j, running = 0;

	conf_for(&conf, node_uri());
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 3); /* 3 active domains, the inactive one not */
	CHECK_INT(c.source, ==, VCN_VMSAMPLE_SRC_LIBVIRT);
	CHECK(c.source_ok);
	for (i = 0; i < c.n; i++) {
		unsigned a = 0;

		CHECK(sscanf(c.vms[i].ip, "%u.", &a) == 1 && a >= 240 && a <= 255); /* 240.0.0.0/4 */
		CHECK_STR(c.vms[i].host, c.vms[i].name);
		if (c.vms[i].publish)
			running++;
		for (j = 0; j < i; j++)
			CHECK(strcmp(c.vms[i].ip, c.vms[j].ip) != 0);
	}
	CHECK_INT(running, ==, 2); /* the paused one is known but not published */
	CHECK_INT(c.host.vms_running, ==, 2);
	CHECK_INT(c.host.pcpus, ==, 2); /* from the node XML, via virNodeGetInfo */
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

static void test_addresses_stable_across_restarts(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	char first[8][VCN_IP4_STRLEN];
	size_t i, n;

	conf_for(&conf, node_uri());
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 3);
	n = c.n;
	for (i = 0; i < n && i < 8; i++)
		memcpy(first[i], c.vms[i].ip, VCN_IP4_STRLEN);
	vcn_collector_stop(&c);
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 3);
	for (i = 0; i < n && i < 8; i++)
		CHECK_STR(c.vms[i].ip, first[i]);
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

static void test_uuid_host_names(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;

	conf_for(&conf, node_uri());
	CHECK_INT(vcn_collector_conf_set(&conf, "host_name", "uuid"), ==, 0);
	CHECK_INT(vcn_collector_conf_set(&conf, "include", "^vo1-"), ==, 0);
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 2);
	CHECK(c.n >= 1 && strlen(c.vms[0].host) == 36 && c.vms[0].host[8] == '-');
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

/* host_name=metadata and spoof_address=metadata take <vcn:hostname> and
 * <vcn:address>; invalid ones fall back to the name and the derived address. */
static void test_metadata_identity(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	size_t i;
	int seen = 0;

	conf_for(&conf, node_uri());
	CHECK_INT(vcn_collector_conf_set(&conf, "host_name", "metadata"), ==, 0);
	CHECK_INT(vcn_collector_conf_set(&conf, "spoof_address", "metadata"), ==, 0);
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 3);
	for (i = 0; i < c.n; i++) {
		if (strcmp(c.vms[i].name, "vo1-a") == 0) {
			CHECK_STR(c.vms[i].host, "alpha");
			CHECK_STR(c.vms[i].ip, "10.9.8.7");
			seen++;
		} else if (strcmp(c.vms[i].name, "vo1-b") == 0) {
			CHECK_STR(c.vms[i].host, "vo1-b");
			CHECK(strncmp(c.vms[i].ip, "10.9.8.", 7) != 0);
			seen++;
		} else {
			CHECK_STR(c.vms[i].host, c.vms[i].name); /* no metadata at all */
		}
	}
	CHECK_INT(seen, ==, 2);
	CHECK(vcn_test_log_has("metadata hostname 'bad host name' is not a valid name"));
	CHECK(vcn_test_log_has("metadata address '10.9.8.999' is not an IPv4 address"));
	/* the next tick fetches nothing again (cached per domain) */
	CHECK_INT(c.meta_n, ==, 3);
	CHECK_INT(vcn_collector_tick(&c), ==, 3);
	CHECK_INT(c.meta_n, ==, 3);
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

static void test_dead_uri_does_not_block(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	uint64_t t0, ms;

	conf_for(&conf, "test:///nonexistent/node.xml");
	CHECK_INT(vcn_collector_conf_set(&conf, "cgroup_root", vcn_test_data_path("cgroup/v1")), ==, 0);
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	t0 = vcn_now_ns();
	CHECK_INT(vcn_collector_tick(&c), ==, 0);
	ms = (vcn_now_ns() - t0) / 1000000;
	CHECK_INT(ms, <, 2500);
	CHECK_INT(c.source, ==, VCN_VMSAMPLE_SRC_CGROUP);
	CHECK(vcn_test_log_has("cannot connect to 'test:///nonexistent/node.xml'"));
	/* the second attempt is within the back-off window: no second message */
	vcn_test_log_reset();
	CHECK_INT(vcn_collector_tick(&c), ==, 0);
	CHECK(!vcn_test_log_has("cannot connect"));
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

static void test_gone_vm_is_forgotten(void)
{
	struct vcn_collector_conf conf;
	struct vcn_collector c;
	virConnectPtr conn;
	virDomainPtr dom;

	/* test:///default is per-process shared state: destroy its domain under the collector */
	conf_for(&conf, "test:///default");
	CHECK_INT(vcn_collector_start(&c, &conf), ==, 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 1);
	conn = virConnectOpen("test:///default");
	dom = conn ? virDomainLookupByName(conn, "test") : NULL;
	CHECK(dom && virDomainDestroy(dom) == 0);
	CHECK_INT(vcn_collector_tick(&c), ==, 0);
	CHECK(vcn_test_log_has("VM 'test' is gone"));
	if (dom) {
		virDomainCreate(dom);
		virDomainFree(dom);
	}
	if (conn)
		virConnectClose(conn);
	vcn_collector_stop(&c);
	vcn_collector_conf_free(&conf);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_finds_running_vms), VCN_TEST(test_addresses_stable_across_restarts),
		VCN_TEST(test_uuid_host_names), VCN_TEST(test_metadata_identity), VCN_TEST(test_dead_uri_does_not_block),
		VCN_TEST(test_gone_vm_is_forgotten), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
