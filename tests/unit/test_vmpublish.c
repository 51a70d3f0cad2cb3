/* lib/vmpublish.c: the names, types, units and values a VM's Ganglia host
 * gets (golden), unknowns left out, per-device switch, sanitised names. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vmpublish.h"

static void vm_fixture(struct vcn_vmmetrics *m)
{
	vcn_vmmetrics_init(m);
	snprintf(m->name, sizeof(m->name), "vo1-vcn-3");
	m->state = VCN_VM_STATE_RUNNING;
	m->dt_s = 15;
	m->cpu_num = 2;
	m->cpu_user = 61.25;
	m->cpu_system = 8.5;
	m->cpu_wio = 0.5;
	m->cpu_steal = 20;
	m->cpu_idle = 10.25;
	m->cpu_used = 1.48;
	m->mem_total_kib = 131072;
	m->rss_kib = 151234;
	m->nvcpus = 2;
	m->vcpu[0].util_pct = 90;
	m->vcpu[0].steal_pct = 30;
	m->vcpu[1].util_pct = 49;
	m->vcpu[1].steal_pct = 10;
	m->ndisks = 1;
	snprintf(m->disk[0].name, sizeof(m->disk[0].name), "vda");
	m->disk[0].rd_bytes_s = 4096;
	m->disk[0].wr_bytes_s = 1048576;
	m->disk[0].rd_ops_s = 1;
	m->disk[0].wr_ops_s = 256;
	m->disk[0].fl_ops_s = 2;
	m->disk[0].rd_ms_op = 0.35;
	m->disk[0].wr_ms_op = 1.5;
	m->disk_sum = m->disk[0];
	m->nnics = 1;
	snprintf(m->nic[0].name, sizeof(m->nic[0].name), "vnet-0.A");
	m->nic[0].bytes_in = 1000;
	m->nic[0].bytes_out = 2000;
	m->nic[0].pkts_in = 10;
	m->nic[0].pkts_out = 20;
	m->nic[0].errs_in = 0;
	m->nic[0].errs_out = 0;
	m->nic[0].drops_in = 1;
	m->nic[0].drops_out = 0;
	m->nic_sum = m->nic[0];
}

static char *render(const struct vcn_mvals *l)
{
	char *buf = malloc(65536);

	if (buf && vcn_mvals_format(l, buf, 65536) < 0)
		buf[0] = '\0';
	return buf;
}

static void test_full_vm(void)
{
	struct vcn_vmmetrics m;
	struct vcn_mvals l = { 0 };
	char *out;

	vm_fixture(&m);
	CHECK_INT(vcn_vmpublish(&m, "hv-01", true, &l), ==, 0);
	out = render(&l);
	CHECK_GOLDEN("vmpublish/full-vm.txt", out);
	/* the stock names ganglia-web's reports need are all there */
	CHECK(strstr(out, "\ncpu_user float 61.25 [%] cpu\n"));
	CHECK(strstr(out, "\ncpu_steal float 20.00 [%] cpu\n"));
	CHECK(strstr(out, "\nbytes_in float 1000.00 [bytes/sec] network\n"));
	CHECK(strstr(out, "\nload_one float 1.79 [] load\n")); /* (90+30+49+10)/100 */
	/* device names are sanitised for RRD file names */
	CHECK(strstr(out, "\nvcn_net_vnet_0_a_drops_in float 1.00"));
	CHECK(strstr(out, "\nvcn_phys_host string hv-01 [] vcn\n"));
	free(out);
	vcn_mvals_free(&l);
}

static void test_first_sample_leaves_rates_out(void)
{
	struct vcn_vmmetrics m;
	struct vcn_mvals l = { 0 };
	char *out;

	vcn_vmmetrics_init(&m); /* all NAN */
	snprintf(m.name, sizeof(m.name), "new-vm");
	m.state = VCN_VM_STATE_RUNNING;
	m.cpu_num = 1;
	m.mem_total_kib = 131072;
	CHECK_INT(vcn_vmpublish(&m, "hv-01", true, &l), ==, 0);
	out = render(&l);
	CHECK_GOLDEN("vmpublish/first-sample.txt", out);
	CHECK(!strstr(out, "cpu_user"));
	CHECK(!strstr(out, "bytes_in"));
	CHECK(!strstr(out, "load_one"));
	free(out);
	vcn_mvals_free(&l);
}

static void test_per_device_off(void)
{
	struct vcn_vmmetrics m;
	struct vcn_mvals l = { 0 };
	size_t i;

	vm_fixture(&m);
	CHECK_INT(vcn_vmpublish(&m, "hv-01", false, &l), ==, 0);
	for (i = 0; i < l.n; i++) {
		CHECK(strncmp(l.v[i].name, "vcn_vcpu", 8) != 0);
		CHECK(strncmp(l.v[i].name, "vcn_disk_vda", 12) != 0);
		CHECK(strncmp(l.v[i].name, "vcn_net_vnet", 12) != 0);
	}
	CHECK(l.n > 20);
	vcn_mvals_free(&l);
}

static void test_list_reuse(void)
{
	struct vcn_vmmetrics m;
	struct vcn_mvals l = { 0 };
	size_t n, cap;
	int round;

	vm_fixture(&m);
	CHECK_INT(vcn_vmpublish(&m, "hv-01", true, &l), ==, 0);
	n = l.n;
	cap = l.cap;
	for (round = 0; round < 100; round++) {
		vcn_mvals_clear(&l);
		CHECK_INT(vcn_vmpublish(&m, "hv-01", true, &l), ==, 0);
	}
	CHECK_INT(l.n, ==, n);
	CHECK_INT(l.cap, ==, cap); /* steady state: no growth */
	vcn_mvals_free(&l);
	vcn_mvals_free(NULL);
	CHECK(vcn_mval_type_name(VCN_MVAL_TYPE_LAST) == NULL);
}

static void test_add_float(void)
{
	struct vcn_mvals l = { 0 };
	char longname[300];
	unsigned i;

	/* names as given (no sanitising: controller metrics carry VCN names) */
	CHECK_INT(vcn_mvals_add_float(&l, 0.98765, "", "vcn_fairness", "t", "vcn_fair_cpu_%s", "hv-1"), ==, 0);
	CHECK_INT(vcn_mvals_add_float(&l, NAN, "s", "g", "t", "vcn_ready_s_%s", "x-1"), ==, 0);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(vcn_mvals_add_float(&l, 1, "", "g", "t", "%s", longname), ==, 0);
	CHECK_INT(l.n, ==, 1);
	CHECK_STR(l.v[0].name, "vcn_fair_cpu_hv-1");
	CHECK_STR(l.v[0].value, "0.9877");
	CHECK_INT(l.v[0].type, ==, VCN_MVAL_FLOAT);
	/* grows past its first allocation */
	for (i = 0; i < 200; i++)
		CHECK_INT(vcn_mvals_add_float(&l, i, "", "g", "t", "m%u", i), ==, 0);
	CHECK_INT(l.n, ==, 201);
	CHECK_STR(l.v[200].name, "m199");
	vcn_mvals_free(&l);
}

int main(int argc, char **argv)
{
	static const struct vcn_test tests[] = {
		VCN_TEST(test_full_vm), VCN_TEST(test_first_sample_leaves_rates_out),
		VCN_TEST(test_per_device_off), VCN_TEST(test_list_reuse), VCN_TEST(test_add_float),
		{ NULL, NULL },
	};

	return vcn_test_main(tests, argc, argv);
}
