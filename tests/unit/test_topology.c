/* lib/topology.c: host topology from capabilities fixtures (this machine's,
 * a 2-socket SMT box, a 4-core no-SMT box, a 2-cell single socket with an
 * offline CPU), the node-info fallback, and libvirt's test:/// driver. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "harness.h"
#include "topology.h"

static void check_fixture(const char *name)
{
	char in[256], golden[256];
	struct vcn_topology t;
	char *xml, *text = NULL;

	snprintf(in, sizeof(in), "topology/%s.xml", name);
	snprintf(golden, sizeof(golden), "topology/%s.txt", name);
	xml = vcn_test_read_data(in);
	CHECK(xml != NULL);
	CHECK_INT(vcn_topology_parse(xml, &t), ==, 0);
	CHECK_INT(vcn_topology_format(&t, &text), ==, 0);
	if (text)
		CHECK_GOLDEN(golden, text);
	free(text);
	free(xml);
	vcn_topology_clear(&t);
}

static void test_real_tcg_2cpu(void)
{
	check_fixture("real-tcg-2cpu");
}

static void test_2s_8c_16t(void)
{
	struct vcn_topology t;
	char *xml = vcn_test_read_data("topology/2s-8c-16t.xml");
	const struct vcn_topo_cpu *c;

	check_fixture("2s-8c-16t");
	CHECK_INT(vcn_topology_parse(xml, &t), ==, 0);
	CHECK_INT(t.ncpus, ==, 16);
	CHECK_INT(t.ncores, ==, 8);
	CHECK_INT(t.nsockets, ==, 2);
	CHECK_INT(t.ncells, ==, 2);
	CHECK_INT(t.max_threads, ==, 2);
	/* Linux numbering: CPU 9's sibling is CPU 1, both on socket 0 */
	c = vcn_topology_cpu(&t, 9);
	CHECK(c && vcn_cpuset_has(&t.cores[c->core].cpus, 1));
	CHECK(c && c->socket == 0 && c->cell == 0);
	CHECK(vcn_topology_cpu(&t, 16) == NULL);
	CHECK(!t.guessed);
	vcn_topology_clear(&t);
	free(xml);
}

static void test_1numa_4c(void)
{
	check_fixture("1numa-4c");
}

static void test_2numa_offline_cpu(void)
{
	struct vcn_topology t;
	char *xml = vcn_test_read_data("topology/2numa-12c-24t.xml");

	check_fixture("2numa-12c-24t");
	CHECK_INT(vcn_topology_parse(xml, &t), ==, 0);
	CHECK_INT(t.ncpus, ==, 23); /* CPU 23 is offline */
	CHECK(vcn_topology_cpu(&t, 23) == NULL);
	CHECK_INT(t.ncores, ==, 12);
	CHECK_INT(t.nsockets, ==, 1);
	CHECK_INT(t.ncells, ==, 2);
	vcn_topology_clear(&t);
	free(xml);
}

static void test_no_topology_is_enodata(void)
{
	struct vcn_topology t;
	char *xml = vcn_test_read_data("topology/no-topology.xml");

	CHECK_INT(vcn_topology_parse(xml, &t), ==, -ENODATA);
	CHECK(t.cpus == NULL && t.ncpus == 0);
	free(xml);
}

static void test_from_counts(void)
{
	struct vcn_topology t;
	char *text = NULL;

	CHECK_INT(vcn_topology_from_counts(2, 1, 4, 2, &t), ==, 0);
	CHECK(t.guessed);
	CHECK_INT(t.ncpus, ==, 16);
	CHECK_INT(t.ncores, ==, 16); /* siblings unknown: each CPU its own core */
	CHECK_INT(t.ncells, ==, 2);
	CHECK_INT(t.nsockets, ==, 2);
	CHECK_INT(vcn_topology_format(&t, &text), ==, 0);
	if (text)
		CHECK_GOLDEN("topology/counts-2-1-4-2.txt", text);
	free(text);
	vcn_topology_clear(&t);
	CHECK_INT(vcn_topology_from_counts(1, 0, 4, 1, &t), ==, -EINVAL);
	CHECK(vcn_test_log_has("zero count"));
	CHECK_INT(vcn_topology_from_counts(4, 4, 64, 2, &t), ==, -ERANGE);
}

static void test_malformed(void)
{
	static const struct {
		const char *xml;
		int rc;
		const char *msg;
	} cases[] = {
		{ "<capabilities><host>", -EINVAL, "does not parse" },
		{ "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='2'>"
		  "<cpu id='0' socket_id='0' core_id='0' siblings='0'/><cpu id='0' socket_id='0' core_id='1' siblings='0'/>"
		  "</cpus></cell></cells></topology></host></capabilities>", -EINVAL, "CPU 0 twice" },
		{ "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='1'>"
		  "<cpu id='0' socket_id='0' siblings='0'/></cpus></cell></cells></topology></host></capabilities>",
		  -EINVAL, "lacks a valid id or core_id" },
		{ "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='1'>"
		  "<cpu id='x1' socket_id='0' core_id='0'/></cpus></cell></cells></topology></host></capabilities>",
		  -EINVAL, "id='x1' is not a number" },
		{ "<capabilities><host><topology><cells num='1'><cell id='0'><cpus num='1'>"
		  "<cpu id='5000' socket_id='0' core_id='0'/></cpus></cell></cells></topology></host></capabilities>",
		  -ERANGE, "CPU 5000 beyond" },
	};
	struct vcn_topology t;
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vcn_test_log_reset();
		CHECK_INT(vcn_topology_parse(cases[i].xml, &t), ==, cases[i].rc);
		if (!vcn_test_log_has(cases[i].msg))
			vcn_test_fail(__FILE__, __LINE__, "case %u: log lacks '%s': %s", i, cases[i].msg, vcn_test_log());
	}
	CHECK_INT(vcn_topology_parse(NULL, &t), ==, -EINVAL);
}

/* libvirt's test driver: its default host has two cells of 8 CPUs. */
static void test_test_driver(void)
{
	virConnectPtr conn = virConnectOpen("test:///default");
	struct vcn_topology t;

	CHECK(conn != NULL);
	if (!conn)
		return;
	CHECK_INT(vcn_topology_from_conn(conn, &t), ==, 0);
	CHECK_INT(t.ncpus, ==, 16);
	CHECK_INT(t.ncells, ==, 2);
	CHECK_INT(t.nsockets, ==, 2);
	CHECK(!t.guessed);
	vcn_topology_clear(&t);
	virConnectClose(conn);
}

/* A test:/// node file with counts only gives capabilities with an empty
 * <cells>: the node-info fallback takes over and says so. */
static void test_test_driver_fallback(void)
{
	char uri[4200];
	virConnectPtr conn;
	struct vcn_topology t;

	snprintf(uri, sizeof(uri), "test://%s", vcn_test_data_path("topology/test-node-no-cells.xml"));
	if (uri[7] != '/') { /* relative data dir: make it absolute */
		char *cwd = realpath(".", NULL);

		snprintf(uri, sizeof(uri), "test://%s/%s", cwd ? cwd : "", vcn_test_data_path("topology/test-node-no-cells.xml"));
		free(cwd);
	}
	conn = virConnectOpen(uri);
	CHECK(conn != NULL);
	if (!conn)
		return;
	CHECK_INT(vcn_topology_from_conn(conn, &t), ==, 0);
	CHECK(t.guessed);
	CHECK_INT(t.ncpus, ==, 8);
	CHECK_INT(t.ncells, ==, 1);
	CHECK(vcn_test_log_has("no <topology>: using node info (1 cells, 1 sockets, 4 cores, 2 threads)"));
	vcn_topology_clear(&t);
	virConnectClose(conn);
}

static void test_clear_is_idempotent(void)
{
	struct vcn_topology t = { 0 };

	vcn_topology_clear(&t);
	vcn_topology_clear(&t);
	vcn_topology_clear(NULL);
	CHECK(t.cpus == NULL);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_real_tcg_2cpu), VCN_TEST(test_2s_8c_16t), VCN_TEST(test_1numa_4c),
		VCN_TEST(test_2numa_offline_cpu), VCN_TEST(test_no_topology_is_enodata),
		VCN_TEST(test_from_counts), VCN_TEST(test_malformed), VCN_TEST(test_test_driver),
		VCN_TEST(test_test_driver_fallback), VCN_TEST(test_clear_is_idempotent), { NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
